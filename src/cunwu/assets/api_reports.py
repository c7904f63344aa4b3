"""三资 reports over the API (结果要晒); mounted under /api/v1/assets by assets/api.py.

``GET /reports/overview`` (a region's registers, contract income, receivables aging, problems,
monthly income and expense, the next level down), ``GET /reports/monthly`` (the monthly finance
summary, one row per village), ``POST /reports/{village}/{year}/publish`` (the village's yearly
summary as a 财务 notice). Money in 分. A region outside the caller's scope is 404; a caller
without ``assets.view`` anywhere is 403.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from cunwu.accounts.permissions import scope_prefixes
from cunwu.api.schemas import ERRORS, Text
from cunwu.core.errors import ApplicationError

from .selectors import reports as selectors
from .services import reports as services

router = Router(tags=["三资"])


def _need(request: HttpRequest) -> None:
    if scope_prefixes(request.user, selectors.PERM) == []:
        raise PermissionDenied("没有权限查看三资报表")


# ---------------------------------------------------------------- schemas


class OverviewQuery(Schema):
    region: Text = Field("", pattern=r"^(\d{12})?$", description="区划代码（留空为本人范围）")
    year: int | None = Field(None, ge=selectors.MIN_YEAR, le=selectors.MAX_YEAR)


class ReportRegionOut(Schema):
    code: str
    name: str
    level: int


class RegisterRowOut(Schema):
    asset_class: str
    category: str
    status: str
    unit: str
    count: int
    quantity: Decimal
    original_value_fen: int
    book_value_fen: int


class TallyOut(Schema):
    key: str
    label: str
    count: int
    book_value_fen: int


class RegistersOut(Schema):
    rows: list[RegisterRowOut]
    by_class: list[TallyOut]
    by_status: list[TallyOut]
    count: int = Field(description="在册（不含已处置）项数")
    book_value_fen: int
    original_value_fen: int


class ReportIncomeOut(Schema):
    year: int
    active_count: int
    annual_price_fen: int = Field(description="履行中合同年租金合计（分）")
    received_fen: int = Field(description="当年已记账的发包及上交收入（分）")


class BucketOut(Schema):
    label: str
    count: int
    outstanding_fen: int


class ReportAgingOut(Schema):
    buckets: list[BucketOut]
    count: int
    outstanding_fen: int
    overdue_fen: int


class ProblemsOut(Schema):
    by_status: list[TallyOut]
    overdue: int
    opened_in_year: int
    closed_in_year: int


class MonthOut(Schema):
    month: int
    income_fen: int
    expense_fen: int


class ChildOut(Schema):
    region: ReportRegionOut
    assets: int
    book_value_fen: int
    idle: int
    contracts: int
    annual_price_fen: int
    overdue_fen: int
    open_problems: int


class OverviewOut(Schema):
    region: ReportRegionOut
    year: int
    registers: RegistersOut
    contract_income: ReportIncomeOut
    receivables_aging: ReportAgingOut
    problems: ProblemsOut
    months: list[MonthOut]
    children: list[ChildOut]


class MonthlyQuery(Schema):
    region: Text = Field("", pattern=r"^(\d{12})?$", description="区划代码（留空为本人范围）")
    month: Text = Field(
        "", pattern=r"^(\d{4}-(0[1-9]|1[0-2]))?$", description="月份，如 2026-11（留空为本月）"
    )


class VillageMonthOut(Schema):
    code: str
    name: str
    opening_fen: int
    income_fen: int = Field(description="本月收入（不含期初、互转、押金往来）")
    expense_fen: int = Field(description="本月支出（不含互转、押金往来）")
    receipts_fen: int = Field(description="本月全部收款")
    payments_fen: int = Field(description="本月全部付款")
    closing_fen: int = Field(description="月末全部账户余额")
    entries: int


class MonthlyOut(Schema):
    region: ReportRegionOut
    year: int
    month: int
    rows: list[VillageMonthOut]
    totals: VillageMonthOut


class ReportNoticeRef(Schema):
    id: int
    title: str
    status: str


def _region(region: Any) -> dict[str, Any]:
    return {"code": region.code, "name": region.name, "level": region.level}


def _tally(t: selectors.Tally) -> dict[str, Any]:
    return {"key": t.key, "label": t.label, "count": t.count, "book_value_fen": t.book_value_fen}


# ---------------------------------------------------------------- endpoints


@router.get("/reports/overview", response={200: OverviewOut, **ERRORS}, summary="三资报表")
def overview(request: HttpRequest, query: Query[OverviewQuery]) -> dict[str, Any]:
    _need(request)
    region = selectors.report_region(actor=request.user, code=query.region)
    today = timezone.localdate()
    data = selectors.overview(region, query.year or today.year, today)
    r, a, p = data.registers, data.aging, data.problems
    return {
        "region": _region(region),
        "year": data.year,
        "registers": {
            "rows": [vars(x) for x in r.rows],
            "by_class": [_tally(t) for t in r.by_class],
            "by_status": [_tally(t) for t in r.by_status],
            "count": r.count,
            "book_value_fen": r.book_value_fen,
            "original_value_fen": r.original_value_fen,
        },
        "contract_income": vars(data.income),
        "receivables_aging": {
            "buckets": [vars(b) for b in a.buckets],
            "count": a.count,
            "outstanding_fen": a.outstanding_fen,
            "overdue_fen": a.overdue_fen,
        },
        "problems": {
            "by_status": [_tally(t) for t in p.by_status],
            "overdue": p.overdue,
            "opened_in_year": p.opened_in_year,
            "closed_in_year": p.closed_in_year,
        },
        "months": [vars(m) for m in data.months],
        "children": [{**vars(c), "region": _region(c.region)} for c in data.children],
    }


@router.get("/reports/monthly", response={200: MonthlyOut, **ERRORS}, summary="月度资金汇总")
def monthly(request: HttpRequest, query: Query[MonthlyQuery]) -> dict[str, Any]:
    _need(request)
    region = selectors.report_region(actor=request.user, code=query.region)
    today = timezone.localdate()
    if query.month:
        year, month = (int(x) for x in query.month.split("-"))
    else:
        year, month = today.year, today.month
    if not selectors.MIN_YEAR <= year <= selectors.MAX_YEAR:
        raise ApplicationError(
            "month_invalid",
            f"月份应在{selectors.MIN_YEAR}年至{selectors.MAX_YEAR}年之间",
            field="month",
        )
    data = selectors.monthly_summary(region, year, month)
    return {
        "region": _region(region),
        "year": year,
        "month": month,
        "rows": [vars(r) for r in data.rows],
        "totals": vars(data.totals),
    }


@router.post(
    "/reports/{village}/{int:year}/publish",
    response={201: ReportNoticeRef, **ERRORS},
    summary="公开村年度三资汇总（财务公开，经监委会审核）",
)
def publish_year(request: HttpRequest, village: str, year: int) -> Status[dict[str, Any]]:
    region = selectors.report_village(actor=request.user, code=village[:12])
    notice = services.report_publish_year(actor=request.user, village=region, year=year)
    return Status(201, {"id": notice.pk, "title": notice.title, "status": notice.status})
