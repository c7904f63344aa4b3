"""Pages of 三资 reports (结果要晒) under /assets/reports/.

The overview of a region in the user's scope (county → township → village, each level linking
to the next): charts and the same figures as tables, an xlsx workbook of every table; the
county's (or township's) monthly finance summary, one row per village, printable; a village's
yearly summary published through the disclosure module. Thin: selectors read, the service
writes; a region outside the user's scope is 404, junk in the query string falls back to the
current year or month.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from cunwu.accounts.permissions import has_perm_in, scope_prefixes
from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import format_date, format_fen
from cunwu.core.listing import get_params, parse_int
from cunwu.core.models import RegionLevel
from cunwu.core.spreadsheets import Sheet, xlsx_response

from .models import Asset, Receivable
from .selectors import reports as selectors
from .services import reports as services

IDLE_ON_PAGE = 50
OVERDUE_ON_PAGE = 50
EXPORT_LIMIT = 20_000


def _need(user: Any) -> None:
    if scope_prefixes(user, selectors.PERM) == []:
        raise PermissionDenied("没有权限查看三资报表")


def parse_year(raw: str, today: date) -> int:
    year = parse_int(raw)
    if year is None or not selectors.MIN_YEAR <= year <= selectors.MAX_YEAR:
        return today.year
    return year


def parse_month(raw: str, today: date) -> tuple[int, int]:
    """``2026-11`` (what ``<input type="month">`` sends); anything else is this month."""
    parts = raw.split("-")
    if len(parts) == 2:
        year, month = parse_int(parts[0]), parse_int(parts[1])
        if (
            year is not None
            and month is not None
            and selectors.MIN_YEAR <= year <= (selectors.MAX_YEAR)
            and 1 <= month <= 12
        ):
            return year, month
    return today.year, today.month


# ---------------------------------------------------------------- overview


REGISTER_HEADER = [
    "类别",
    "资产类别",
    "使用状态",
    "单位",
    "项数",
    "面积或数量",
    "原值（元）",
    "账面价值（元）",
]
IDLE_HEADER = [
    "村",
    "台账编号",
    "名称",
    "类别",
    "坐落位置",
    "面积或数量",
    "单位",
    "使用状态",
    "账面价值（元）",
]
OVERDUE_HEADER = [
    "村",
    "合同编号",
    "合同名称",
    "款项",
    "应收日期",
    "逾期天数",
    "应收（元）",
    "已收（元）",
    "未收（元）",
]
CHILD_HEADER = [
    "区划",
    "资产资源（项）",
    "账面价值（元）",
    "闲置（项）",
    "履行中合同（份）",
    "年租金（元）",
    "逾期未收（元）",
    "未销号问题（件）",
]


def idle_cells(a: Asset) -> list[Any]:
    return [
        a.village.name,
        a.number,
        a.name,
        a.get_category_display(),
        a.location,
        str(a.quantity),
        a.unit,
        a.get_status_display(),
        format_fen(a.book_value_fen),
    ]


def overdue_cells(r: Receivable, today: date) -> list[Any]:
    return [
        r.village.name,
        r.contract.number,
        r.contract.title,
        r.label,
        format_date(r.due_date),
        (today - r.due_date).days,
        format_fen(r.amount_fen),
        format_fen(r.paid_fen),
        format_fen(r.outstanding_fen),
    ]


def child_cells(c: selectors.ChildRow) -> list[Any]:
    return [
        c.region.name,
        c.assets,
        format_fen(c.book_value_fen),
        c.idle,
        c.contracts,
        format_fen(c.annual_price_fen),
        format_fen(c.overdue_fen),
        c.open_problems,
    ]


def overview_sheets(data: selectors.Overview) -> list[Sheet]:
    """Every table of the overview, a sheet each (money in 元 with two decimals, as shown)."""
    prefix = data.region.prefix
    r = data.registers
    register_rows: list[list[Any]] = [
        [
            x.class_label,
            x.category_label,
            x.status_label,
            x.unit,
            x.count,
            str(x.quantity),
            format_fen(x.original_value_fen),
            format_fen(x.book_value_fen),
        ]
        for x in r.rows
    ]
    register_rows.append(
        [
            "合计（不含已处置）",
            "",
            "",
            "",
            r.count,
            "",
            format_fen(r.original_value_fen),
            format_fen(r.book_value_fen),
        ]
    )
    idle = [idle_cells(a) for a in selectors.idle_list(prefix)[:EXPORT_LIMIT]]
    i = data.income
    income: list[list[Any]] = [
        ["履行中合同", i.active_count, format_fen(i.annual_price_fen)],
        [f"{data.year}年发包及上交收入", "", format_fen(i.received_fen)],
    ]
    aging: list[list[Any]] = [
        [b.label, b.count, format_fen(b.outstanding_fen)] for b in data.aging.buckets
    ]
    aging.append(["合计", data.aging.count, format_fen(data.aging.outstanding_fen)])
    overdue = [
        overdue_cells(x, data.today)
        for x in selectors.overdue_list(prefix, data.today)[:EXPORT_LIMIT]
    ]
    p = data.problems
    problems: list[list[Any]] = [[t.label, t.count] for t in p.by_status]
    problems += [
        ["逾期未整改", p.overdue],
        [f"{data.year}年新发现", p.opened_in_year],
        [f"{data.year}年销号", p.closed_in_year],
    ]
    months: list[list[Any]] = [
        [f"{m.month}月", format_fen(m.income_fen), format_fen(m.expense_fen)] for m in data.months
    ]
    months.append(["合计", format_fen(data.year_income_fen), format_fen(data.year_expense_fen)])
    sheets: list[Sheet] = [
        ("台账汇总", REGISTER_HEADER, register_rows),
        ("闲置资源", IDLE_HEADER, idle),
        ("合同收入", ["项目", "份数", "金额（元）"], income),
        ("应收款账龄", ["账龄", "笔数", "未收金额（元）"], aging),
        ("逾期应收款", OVERDUE_HEADER, overdue),
        ("问题台账", ["状态", "件数"], problems),
        (f"{data.year}年各月收支", ["月份", "收入（元）", "支出（元）"], months),
    ]
    if data.children:
        sheets.append(("下级汇总", CHILD_HEADER, [child_cells(c) for c in data.children]))
    return sheets


@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    """三资报表 of ``?region=`` (default: the user's widest scope) for ``?year=``."""
    user = request.user
    _need(user)
    params = get_params(request, "region", "year", "format", strip=True)
    today = timezone.localdate()
    region = selectors.report_region(actor=user, code=params["region"])
    year = parse_year(params["year"], today)
    data = selectors.overview(region, year, today)
    if params["format"] == "xlsx":
        return xlsx_response(f"{region.name}{year}年三资报表", overview_sheets(data))
    is_village = region.level == RegionLevel.VILLAGE
    published = selectors.year_summary_notice(region, year) if is_village else None
    context = {
        "region": region,
        "data": data,
        "year": year,
        "years": range(today.year, today.year - 6, -1),
        "charts": selectors.chart_data(data),
        "idle": list(selectors.idle_list(region.prefix)[:IDLE_ON_PAGE]),
        "overdue": [
            (r, (today - r.due_date).days)
            for r in selectors.overdue_list(region.prefix, today)[:OVERDUE_ON_PAGE]
        ],
        "idle_limit": IDLE_ON_PAGE,
        "overdue_limit": OVERDUE_ON_PAGE,
        "is_village": is_village,
        "published": published,
        "can_publish": is_village
        and published is None
        and year <= today.year
        and has_perm_in(user, "assets.manage", region)
        and has_perm_in(user, "disclosure.publish", region),
        "month_value": f"{today.year:04d}-{today.month:02d}",
        "made_on": format_date(today),
    }
    return render(request, "assets/reports/overview.html", context)


@login_required
@require_POST
def publish_year(request: HttpRequest, code: str, year: int) -> HttpResponse:
    village = selectors.report_village(actor=request.user, code=code)
    target = reverse("assets:report") + f"?region={village.code}&year={year}"
    try:
        notice = services.report_publish_year(actor=request.user, village=village, year=year)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已提交公开：{notice.title}（{notice.get_status_display()}）")
    return redirect(target)


# ---------------------------------------------------------------- monthly summary


MONTHLY_HEADER = [
    "区划代码",
    "村",
    "月初余额（元）",
    "本月收入（元）",
    "本月支出（元）",
    "本月收款合计（元）",
    "本月付款合计（元）",
    "月末余额（元）",
    "本月笔数",
]


def monthly_cells(r: selectors.VillageMonth) -> list[Any]:
    return [
        r.code,
        r.name,
        format_fen(r.opening_fen),
        format_fen(r.income_fen),
        format_fen(r.expense_fen),
        format_fen(r.receipts_fen),
        format_fen(r.payments_fen),
        format_fen(r.closing_fen),
        r.entries,
    ]


@login_required
@require_GET
def monthly(request: HttpRequest) -> HttpResponse:
    """县（乡镇）月度资金汇总: one row per village, totals; printable; xlsx."""
    user = request.user
    _need(user)
    params = get_params(request, "region", "month", "format", strip=True)
    today = timezone.localdate()
    region = selectors.report_region(actor=user, code=params["region"])
    year, month = parse_month(params["month"], today)
    data = selectors.monthly_summary(region, year, month)
    title = f"{region.name}{year}年{month}月村级资金收支汇总"
    if params["format"] == "xlsx":
        rows = [monthly_cells(r) for r in data.rows]
        rows.append(monthly_cells(data.totals))
        return xlsx_response(title, [("月度汇总", MONTHLY_HEADER, rows)])
    context = {
        "region": region,
        "data": data,
        "title": title,
        "month_value": f"{year:04d}-{month:02d}",
        "path": selectors.breadcrumbs(region),
        "made_on": format_date(today),
    }
    return render(request, "assets/reports/monthly.html", context)
