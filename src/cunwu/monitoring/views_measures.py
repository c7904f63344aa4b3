"""Pages of the assistance measures (帮扶措施) under /monitoring/: the measures over the scope
(filters, search, export), one monitored household's measures with their follow-ups, the add,
end and follow-up forms, and 帮扶措施未落实 (households at risk without an active measure, per
village and township, and the measures whose follow-up is overdue). Thin: selectors read,
services write; an ``ApplicationError`` becomes a form error with nothing changed; what is
outside the user's scope is 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from cunwu.accounts.permissions import has_perm_in, regions_in_scope
from cunwu.core.errors import ApplicationError, apply_error
from cunwu.core.formatting import format_date, format_fen
from cunwu.core.listing import get_params, paginate, parse_date
from cunwu.core.models import RegionLevel
from cunwu.core.spreadsheets import xlsx_response

from .forms_measures import FollowUpForm, MeasureEndForm, MeasureForm
from .models import MeasureType, MonitoredHousehold
from .selectors import measures as selectors
from .services import measures as services
from .views_common import form_page, need

PAGE_SIZE = 30
GET_POST = ["GET", "POST"]
EXPORT_LIMIT = 20_000
EXPORT = ("format",)
VIEW = "monitoring.view"
ASSIST = "monitoring.assist"


def _need(user: Any, perm: str = VIEW) -> None:
    need(user, perm)


def _assist(user: Any, village: Any) -> None:
    if not has_perm_in(user, ASSIST, village):
        raise PermissionDenied("没有权限登记帮扶措施")


def _regions(user: Any) -> list[Any]:
    """Townships and villages in the user's scope, for the region filter."""
    return list(
        regions_in_scope(user, VIEW).filter(level__in=[RegionLevel.TOWNSHIP, RegionLevel.VILLAGE])[
            :500
        ]
    )


def _household_label(monitored: MonitoredHousehold) -> str:
    name = getattr(monitored, "head_name", None) or ""
    return f"{monitored.household.number} {name}".strip()


def _status(m: Any, today: Any) -> str:
    if m.start_on > today:
        return "未开始"
    return "已结束" if m.end_on is not None and m.end_on < today else "实施中"


MEASURE_HEADER = ["村", "户编号", "户主", "措施类型", "措施内容", "实施单位", "金额（元）",
                  "开始日期", "结束日期", "最近回访"]  # fmt: skip


def _measure_row(m: Any) -> list[Any]:
    return [
        m.village.name, m.monitored.household.number, m.head_name or "",
        m.get_measure_type_display(), m.description, m.department,
        format_fen(m.amount_fen) if m.amount_fen is not None else "",
        format_date(m.start_on), format_date(m.end_on), format_date(m.last_follow_up),
    ]  # fmt: skip


# ---------------------------------------------------------------- lists


@login_required
@require_GET
def measure_list(request: HttpRequest) -> HttpResponse:
    """帮扶措施: filters (village or township, type, active/ended, department), search, export."""
    user = request.user
    _need(user)
    params = get_params(request, "q", "region", "type", "status", "department", "format",
                        strip=True)  # fmt: skip
    today = timezone.localdate()
    qs = selectors.measure_list(
        actor=user, on=today, q=params["q"], region=params["region"],
        measure_type=params["type"], status=params["status"], department=params["department"],
    )  # fmt: skip
    if params["format"] == "xlsx":
        rows = [_measure_row(m) for m in qs[:EXPORT_LIMIT]]
        return xlsx_response("帮扶措施", [("帮扶措施", MEASURE_HEADER, rows)])
    page, query = paginate(request, qs, PAGE_SIZE, drop=EXPORT)
    context = {
        "page": page, "params": params, "query": query, "regions": _regions(user),
        "types": MeasureType.choices, "today": today,
    }  # fmt: skip
    return render(request, "monitoring/measures/list.html", context)


@login_required
@require_GET
def measure_list_household(request: HttpRequest, monitored_pk: int) -> HttpResponse:
    """One monitored household's measures, each with its follow-ups."""
    user = request.user
    monitored = selectors.monitored_get(actor=user, pk=monitored_pk)
    today = timezone.localdate()
    measures = list(selectors.measure_list(actor=user, on=today, monitored=monitored))
    follow_ups = selectors.follow_ups_of(measures)
    rows = [
        {"m": m, "active": m.start_on <= today and (m.end_on is None or m.end_on >= today),
         "status": _status(m, today), "follow_ups": follow_ups[m.pk]}
        for m in measures
    ]  # fmt: skip
    context = {
        "monitored": monitored, "label": _household_label(monitored), "rows": rows,
        "any_active": any(r["active"] for r in rows),
        "can_assist": has_perm_in(user, ASSIST, monitored.village_id),
        "household_url": reverse("monitoring:household_detail", args=[monitored.pk]),
    }  # fmt: skip
    return render(request, "monitoring/measures/household.html", context)


# ---------------------------------------------------------------- writes


@login_required
@require_http_methods(GET_POST)
def measure_create(request: HttpRequest, monitored_pk: int) -> HttpResponse:
    user = request.user
    monitored = selectors.monitored_get(actor=user, pk=monitored_pk)
    _assist(user, monitored.village_id)
    form = MeasureForm(request.POST or None, initial={"start_on": timezone.localdate()})
    back = reverse("monitoring:measure_list_household", args=[monitored.pk])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.measure_add(
                actor=user, monitored=monitored, measure_type=d["measure_type"],
                description=d["description"], start_on=d["start_on"], end_on=d["end_on"],
                amount_fen=services.yuan_to_fen(d["amount"]), department=d["department"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已登记帮扶措施")
            return redirect(back)
    return form_page(request, form, f"登记帮扶措施：{_household_label(monitored)}", back)


@login_required
@require_http_methods(GET_POST)
def measure_end(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    measure = selectors.measure_get(actor=user, pk=pk)
    _assist(user, measure.village_id)
    form = MeasureEndForm(request.POST or None, initial={"end_on": timezone.localdate()})
    back = reverse("monitoring:measure_list_household", args=[measure.monitored_id])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.measure_end(actor=user, measure=measure, end_on=d["end_on"], note=d["note"])
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "措施已结束")
            return redirect(back)
    return form_page(request, form, f"结束措施：{measure}", back,
                      intro="结束的措施保留在记录中，不会删除。")  # fmt: skip


@login_required
@require_http_methods(GET_POST)
def follow_up_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    measure = selectors.measure_get(actor=user, pk=pk)
    _assist(user, measure.village_id)
    form = FollowUpForm(request.POST or None, initial={"visited_on": timezone.localdate()})
    back = reverse("monitoring:measure_list_household", args=[measure.monitored_id])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.follow_up_add(
                actor=user, measure=measure, visited_on=d["visited_on"],
                in_place=d["in_place"], note=d["note"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已登记回访")
            return redirect(back)
    return form_page(request, form, f"回访：{measure}", back)


# ---------------------------------------------------------------- 帮扶措施未落实


@login_required
@require_GET
def measure_gaps(request: HttpRequest) -> HttpResponse:
    """帮扶措施未落实: at-risk households without an active measure (counts per village and
    township), and active measures whose follow-up is overdue."""
    user = request.user
    _need(user)
    params = get_params(request, "q", "region", "on", "format", strip=True)
    on = parse_date(params["on"]) or timezone.localdate()
    gaps = selectors.households_without_measures(
        actor=user, on=on, region=params["region"], q=params["q"]
    )
    counts = selectors.gap_counts(actor=user, on=on, region=params["region"])
    overdue = selectors.overdue_follow_ups(actor=user, on=on, region=params["region"])
    if params["format"] == "xlsx":
        count_header = ["区划", "级别", "风险未消除户数", "未落实措施户数", "落实率（%）"]
        count_rows = [
            *[[r.name, "乡镇", r.at_risk, r.without, r.percent] for r in counts.townships],
            *[[r.name, "村", r.at_risk, r.without, r.percent] for r in counts.villages],
            ["合计", "", counts.total.at_risk, counts.total.without, counts.total.percent],
        ]
        gap_rows = [
            [m.village.name, m.household.number, getattr(m, "head_name", "") or "",
             m.get_category_display(), format_date(m.identified_on),
             format_date(getattr(m, "last_measure_end", None))]
            for m in gaps[:EXPORT_LIMIT]
        ]  # fmt: skip
        late_rows = [_measure_row(m) for m in overdue[:EXPORT_LIMIT]]
        return xlsx_response(f"帮扶措施未落实{on.isoformat()}", [
            ("统计", count_header, count_rows),
            ("未落实措施的户", ["村", "户编号", "户主", "监测类型", "纳入日期", "上一措施结束"],
             gap_rows),
            ("回访逾期的措施", MEASURE_HEADER, late_rows),
        ])  # fmt: skip
    page, query = paginate(request, gaps, PAGE_SIZE, drop=EXPORT)
    overdue_rows = list(overdue[:200])
    context = {
        "page": page, "params": params, "query": query, "on": on, "counts": counts,
        "regions": _regions(user), "overdue": overdue_rows,
        "follow_up_days": selectors.FOLLOW_UP_DAYS,
    }  # fmt: skip
    return render(request, "monitoring/measures/gaps.html", context)
