"""Pages of monitored households (监测对象) and 脱贫户 under /monitoring/: the list (the module's
home page) with its filters and export; one household with its members, risks, history, cases,
measures, alerts and visits; the forms of 帮扶责任人, risks and the plan; the 脱贫户 list and
its form. Thin: selectors read, services write, an ``ApplicationError`` becomes a form error
with nothing changed; what is outside the user's scope is 404."""

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

from cunwu.accounts.permissions import has_perm_in, scope_prefixes
from cunwu.core.errors import ApplicationError, apply_error
from cunwu.core.formatting import format_date
from cunwu.core.listing import get_params, paginate, parse_int
from cunwu.core.spreadsheets import xlsx_table
from cunwu.registry.models import Household

from .forms_households import (
    CadreForm,
    ExitForm,
    ExitImportForm,
    PlanForm,
    ResolveForm,
    RiskForm,
)
from .models import EXIT_POLICIES, Category, MonitoringState, RiskType
from .selectors import households as selectors
from .services import households as services
from .views_common import form_page, need

PAGE_SIZE = 30
GET_POST = ["GET", "POST"]
EXPORT_LIMIT = 20_000
EXPORT = ("format",)
VIEW = "monitoring.view"
MANAGE = "monitoring.manage"


def _need(user: Any, perm: str) -> None:
    need(user, perm, "没有权限查看防返贫监测")


def _manage(user: Any, village: Any) -> None:
    if not has_perm_in(user, MANAGE, village):
        raise PermissionDenied("没有权限管理监测对象")


# ---------------------------------------------------------------- the list (home page)


@login_required
@require_GET
def household_list(request: HttpRequest) -> HttpResponse:
    """监测对象: filters (village, category, state, risk type, 帮扶责任人, no measure), search by
    户编号 or a member's name, export."""
    user = request.user
    _need(user, VIEW)
    params = get_params(request, "q", "region", "category", "state", "risk", "cadre",
                        "no_measure", "format", strip=True)  # fmt: skip
    qs = selectors.monitored_list(
        actor=user, q=params["q"], region=params["region"], category=params["category"],
        state=params["state"], risk=params["risk"], cadre=params["cadre"],
        no_measure=params["no_measure"] == "1",
    )  # fmt: skip
    if params["format"] == "xlsx":
        header = ["村", "户编号", "户主", "监测类型", "风险状态", "纳入日期", "风险消除日期",
                  "未消除风险", "帮扶责任人", "联系电话", "无劳动能力", "帮扶措施"]  # fmt: skip
        rows = [
            [
                m.village.name,
                m.household.number,
                getattr(m, "head_name", None) or "",
                m.get_category_display(),
                m.get_state_display(),
                format_date(m.identified_on),
                format_date(m.eliminated_on),
                "、".join(r.get_risk_type_display() for r in getattr(m, "open_risks", [])),
                m.cadre_name,
                m.cadre_phone_masked,
                "是" if m.no_labour else "",
                "已落实" if getattr(m, "has_measure", False) else "未落实",
            ]
            for m in qs[:EXPORT_LIMIT]
        ]
        return xlsx_table("监测对象", header, rows)
    page, query = paginate(request, qs, PAGE_SIZE, drop=EXPORT)
    villages = list(selectors.monitoring_villages(user)[:500])
    context = {
        "page": page, "params": params, "query": query, "villages": villages,
        "categories": Category.choices, "states": MonitoringState.choices,
        "risk_types": RiskType.choices,
    }  # fmt: skip
    return render(request, "monitoring/households/list.html", context)


# ---------------------------------------------------------------- one household


@login_required
@require_GET
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    monitored = selectors.monitored_get(actor=user, pk=pk)
    risks = selectors.monitored_risks(monitored)
    context = {
        "m": monitored, "members": selectors.monitored_members(monitored),
        "open_risks": [r for r in risks if r.resolved_on is None],
        "resolved_risks": [r for r in risks if r.resolved_on is not None],
        "history": selectors.monitored_history(monitored),
        "cases": selectors.monitored_cases(monitored),
        "measures": selectors.monitored_measures(monitored),
        "alerts": selectors.monitored_alerts(monitored),
        "visits": selectors.monitored_visits(monitored),
        "exit": selectors.exit_get(actor=user, household=monitored.household),
        "can_manage": has_perm_in(user, MANAGE, monitored.village_id),
        "at_risk": monitored.state == MonitoringState.AT_RISK,
        "today": timezone.localdate(),
    }  # fmt: skip
    return render(request, "monitoring/households/detail.html", context)


@login_required
@require_http_methods(GET_POST)
def household_cadre(request: HttpRequest, pk: int) -> HttpResponse:
    monitored = selectors.monitored_get(actor=request.user, pk=pk)
    _manage(request.user, monitored.village_id)
    users = selectors.cadre_choices(monitored.village_id)
    initial = {"cadre": monitored.cadre_id, "name": "" if monitored.cadre_id else
               monitored.cadre_name}  # fmt: skip
    form = CadreForm(request.POST or None, users=users, initial=initial)
    back = reverse("monitoring:household_detail", args=[pk])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.cadre_assign(
                actor=request.user, monitored=monitored, cadre=d["cadre"], name=d["name"],
                phone=d["phone"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已设置帮扶责任人")
            return redirect(back)
    return form_page(request, form, f"户{monitored.household.number}的帮扶责任人", back)


@login_required
@require_http_methods(GET_POST)
def household_risk_add(request: HttpRequest, pk: int) -> HttpResponse:
    monitored = selectors.monitored_get(actor=request.user, pk=pk)
    _manage(request.user, monitored.village_id)
    form = RiskForm(request.POST or None, initial={"on": timezone.localdate()})
    back = reverse("monitoring:household_detail", args=[pk])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.risk_add(
                actor=request.user, monitored=monitored, risk_type=d["risk_type"],
                note=d["note"], on=d["on"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已登记风险")
            return redirect(back)
    return form_page(request, form, f"户{monitored.household.number}新增风险", back)


@login_required
@require_http_methods(GET_POST)
def risk_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    risk = selectors.risk_get(actor=request.user, pk=pk)
    _manage(request.user, risk.monitored.village_id)
    form = ResolveForm(request.POST or None, initial={"on": timezone.localdate()})
    back = reverse("monitoring:household_detail", args=[risk.monitored_id])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.risk_resolve(actor=request.user, risk=risk, on=d["on"], note=d["note"])
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"“{risk.get_risk_type_display()}”风险已消除")
            return redirect(back)
    return form_page(request, form, f"消除“{risk.get_risk_type_display()}”风险", back)


@login_required
@require_http_methods(GET_POST)
def household_plan(request: HttpRequest, pk: int) -> HttpResponse:
    monitored = selectors.monitored_get(actor=request.user, pk=pk)
    _manage(request.user, monitored.village_id)
    initial = {"plan": monitored.plan, "no_labour": monitored.no_labour}
    form = PlanForm(request.POST or None, initial=initial)
    back = reverse("monitoring:household_detail", args=[pk])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.plan_set(
                actor=request.user, monitored=monitored, plan=d["plan"], no_labour=d["no_labour"]
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已保存帮扶计划")
            return redirect(back)
    return form_page(request, form, f"户{monitored.household.number}的帮扶计划", back)


# ---------------------------------------------------------------- 脱贫户


@login_required
@require_GET
def exit_list(request: HttpRequest) -> HttpResponse:
    """脱贫户: filters (village, year of exit, policy kept, also monitored), search, export."""
    user = request.user
    _need(user, VIEW)
    params = get_params(request, "q", "region", "year", "policy", "monitored", "format",
                        strip=True)  # fmt: skip
    qs = selectors.exit_list(
        actor=user, q=params["q"], region=params["region"], year=parse_int(params["year"]),
        policy=params["policy"], monitored=params["monitored"],
    )  # fmt: skip
    if params["format"] == "xlsx":
        header = ["村", "户编号", "户主", "脱贫年度", "保持不变的政策", "监测对象", "说明"]
        rows = [
            [
                e.village.name,
                e.household.number,
                getattr(e, "head_name", None) or "",
                e.exit_year,
                "、".join(e.policies),
                "是" if getattr(e, "is_monitored", False) else "",
                e.note,
            ]
            for e in qs[:EXPORT_LIMIT]
        ]
        return xlsx_table("脱贫户", header, rows)
    page, query = paginate(request, qs, PAGE_SIZE, drop=EXPORT)
    villages = list(selectors.monitoring_villages(user)[:500])
    this_year = timezone.localdate().year
    context = {
        "page": page, "params": params, "query": query, "villages": villages,
        "policies": EXIT_POLICIES, "years": list(range(this_year, services.FIRST_EXIT_YEAR - 1,
                                                          -1)),
        "can_manage": scope_prefixes(user, MANAGE) != [],
    }  # fmt: skip
    return render(request, "monitoring/households/exit_list.html", context)


@login_required
@require_http_methods(GET_POST)
def exit_set(request: HttpRequest) -> HttpResponse:
    """登记脱贫户: by village and 户编号 (a household already recorded is updated)."""
    user = request.user
    villages = list(selectors.monitoring_villages(user, MANAGE)[:500])
    if not villages:
        raise PermissionDenied("没有权限登记脱贫户")
    initial: dict[str, Any] = {"village": request.GET.get("village", "")[:12],
                               "number": request.GET.get("number", "")[:30]}  # fmt: skip
    form = ExitForm(request.POST or None, villages=villages, initial=initial)
    back = reverse("monitoring:exit_list")
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        household = (
            Household.objects.filter(village_id=d["village"], number=d["number"].strip())
            .select_related("village")
            .first()
        )
        if household is None:
            form.add_error("number", "本村没有这个户编号")
        else:
            try:
                services.exit_record_set(
                    actor=user, household=household, exit_year=d["exit_year"],
                    policies=d["policies"], note=d["note"],
                )  # fmt: skip
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                messages.success(request, f"已登记户{household.number}为{d['exit_year']}年脱贫户")
                return redirect(back)
    return form_page(request, form, "登记脱贫户", back, "登记后该户在户籍中标记为脱贫户。")


@login_required
@require_http_methods(GET_POST)
def exit_import(request: HttpRequest) -> HttpResponse:
    """导入脱贫户 (户编号, 脱贫年度, 保持政策): all or nothing, errors by row and column."""
    user = request.user
    villages = list(selectors.monitoring_villages(user, MANAGE)[:500])
    if not villages:
        raise PermissionDenied("没有权限登记脱贫户")
    form = ExitImportForm(request.POST or None, request.FILES or None, villages=villages)
    result = None
    if request.method == "POST" and form.is_valid():
        village = next(v for v in villages if v.code == form.cleaned_data["village"])
        upload = form.cleaned_data["file"]
        data = upload.read(services.EXIT_IMPORT_MAX_BYTES + 1)
        try:
            result = services.exits_import(
                actor=user, village=village, file_name=upload.name, data=data
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            if not result.errors:
                messages.success(request, f"已导入{result.count}户脱贫户")
                return redirect(reverse("monitoring:exit_list") + f"?region={village.code}")
    context = {"form": form, "result": result, "columns": services.EXIT_COLUMNS,
               "policies": EXIT_POLICIES}  # fmt: skip
    return render(request, "monitoring/households/exit_import.html", context)
