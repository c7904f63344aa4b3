"""结果要晒: the village's yearly summary of 三资, disclosed through the disclosure module.

The summary (register by class, contract income, receivables outstanding, problems opened and
closed) goes out as a 财务 notice, which waits for the supervision committee's sign-off inside
disclosure before it is public. Once per village and year: the notice's subject
(``assets.year_summary``, ``<village code>:<year>``) is the record, so no model of its own;
after a withdrawal (a wrong figure) it may be published again.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from cunwu.accounts.permissions import require
from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import format_date, format_fen
from cunwu.core.models import Region, RegionLevel
from cunwu.core.services.audit import audit_append
from cunwu.disclosure.models import Category, Notice
from cunwu.disclosure.services import Period, Subject, notice_publish

from ..selectors.reports import (
    MIN_YEAR,
    YEAR_SUMMARY_SUBJECT,
    Overview,
    overview,
    year_summary_notice,
    year_summary_subject_id,
)

SUMMARY_PERIOD_DAYS = 7
SUMMARY_COLUMNS = ["项目", "数量", "金额（元）"]


def year_summary_table(data: Overview) -> dict[str, Any]:
    """The notice's table: register by class, contract income, receivables, problems."""
    rows: list[list[str]] = []
    for t in data.registers.by_class:
        rows.append([f"{t.label}（账面价值）", f"{t.count}项", format_fen(t.book_value_fen)])
    r = data.registers
    rows.append(["资产资源合计", f"{r.count}项", format_fen(r.book_value_fen)])
    i = data.income
    rows.append(["履行中合同年租金", f"{i.active_count}份", format_fen(i.annual_price_fen)])
    rows.append([f"{data.year}年发包及上交收入", "", format_fen(i.received_fen)])
    a = data.aging
    rows.append(["应收款未收合计", f"{a.count}笔", format_fen(a.outstanding_fen)])
    rows.append(["其中逾期未收", "", format_fen(a.overdue_fen)])
    p = data.problems
    rows.append([f"{data.year}年新发现问题", f"{p.opened_in_year}件", ""])
    rows.append([f"{data.year}年整改销号", f"{p.closed_in_year}件", ""])
    rows.append(["尚未销号问题", f"{p.total - p.by_status[-1].count}件", ""])
    return {"columns": SUMMARY_COLUMNS, "rows": rows}


@transaction.atomic
def report_publish_year(*, actor: Any, village: Region, year: int) -> Notice:
    """公开 the village's 三资 summary of ``year`` as a 财务 notice (the supervision committee
    signs off inside disclosure), once per village and year."""
    require(actor, "assets.manage", village)
    require(actor, "disclosure.publish", village)
    if village.level != RegionLevel.VILLAGE:
        raise ApplicationError("not_a_village", "年度汇总只能由村公开", field="village")
    today = timezone.localdate()
    if not MIN_YEAR <= year <= today.year:
        raise ApplicationError(
            "year_invalid", f"年度应在{MIN_YEAR}年至{today.year}年之间", field="year"
        )
    # two clicks at once: the second waits here and then finds the first one's notice
    Region.objects.select_for_update().filter(pk=village.pk).first()
    published = year_summary_notice(village, year)
    if published is not None:
        raise ApplicationError(
            "year_summary_published", f"{year}年度三资汇总已经公开", field="year", status=409
        )
    data = overview(village, year, today)
    name = village.name.removesuffix("村民委员会").removesuffix("委会")
    title = f"{name}{year}年度集体“三资”情况公开"
    body = (
        f"<p>截至{format_date(today)}，本村登记资产资源{data.registers.count}项，"
        f"账面价值合计{format_fen(data.registers.book_value_fen)}元；履行中合同"
        f"{data.income.active_count}份，年租金合计{format_fen(data.income.annual_price_fen)}元，"
        f"{year}年收到发包及上交收入{format_fen(data.income.received_fen)}元；应收款未收"
        f"{format_fen(data.aging.outstanding_fen)}元，其中逾期{format_fen(data.aging.overdue_fen)}元。"
        f"{year}年新发现问题{data.problems.opened_in_year}件，整改销号"
        f"{data.problems.closed_in_year}件。公示期内如有异议，请向村务监督委员会反映。</p>"
    )
    notice = notice_publish(
        actor=actor,
        region=village,
        category=Category.FINANCE,
        title=title,
        body=body,
        rows=year_summary_table(data),
        period=Period(days=SUMMARY_PERIOD_DAYS),
        subject=Subject(YEAR_SUMMARY_SUBJECT, year_summary_subject_id(village, year)),
    )
    audit_append(
        actor=actor,
        region=village,
        action="assets.report_publish",
        obj=notice,
        payload={
            "year": year,
            "assets": data.registers.count,
            "book_value_fen": data.registers.book_value_fen,
            "contract_income_fen": data.income.received_fen,
            "outstanding_fen": data.aging.outstanding_fen,
            "problems_opened": data.problems.opened_in_year,
            "problems_closed": data.problems.closed_in_year,
        },
    )
    return notice
