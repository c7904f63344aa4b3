"""Pages of identification and risk-elimination cases under /monitoring/cases/: the list with
its filters and export, registering a case (also from a cadre's phone, prefilled from an alert
or a campaign visit), a case with its timeline and the form of its current step (shown only to
whom may act), withdrawal, attachments, and the overdue list. Thin: selectors read, services
write; an ``ApplicationError`` becomes a form error with nothing changed; outside scope is 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunwu.accounts.permissions import has_perm_in, scope_prefixes
from cunwu.core.errors import ApplicationError, apply_error
from cunwu.core.formatting import format_date, parse_yuan
from cunwu.core.listing import get_params, paginate, parse_date, parse_int
from cunwu.core.spreadsheets import xlsx_table

from .forms_cases import (
    AppraiseForm,
    CaseForm,
    CompareForm,
    CountyForm,
    DiscloseForm,
    FileForm,
    TownshipForm,
    VerifyForm,
    WithdrawForm,
    uploads,
)
from .models import (
    Alert,
    Case,
    CaseKind,
    CaseSource,
    MonitoredHousehold,
    Outcome,
    RiskType,
    Stage,
    Visit,
)
from .selectors import cases as selectors
from .services import cases as services
from .views_common import need

PAGE_SIZE = 30
EXPORT_LIMIT = 20_000
GET_POST = ["GET", "POST"]

STEP_FORMS: dict[str, type[forms.Form]] = {
    Stage.VERIFY: VerifyForm,
    Stage.COMPARE: CompareForm,
    Stage.APPRAISE: AppraiseForm,
    Stage.DISCLOSE: DiscloseForm,
    Stage.TOWNSHIP: TownshipForm,
    Stage.COUNTY: CountyForm,
}


def _need(user: Any, perm: str = "monitoring.view") -> None:
    need(user, perm)


def _risk_labels(values: list[str]) -> str:
    return "、".join(RiskType(v).label for v in values if v in RiskType.values)


# ---------------------------------------------------------------- the list


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    """办件: filters (village, kind, stage, outcome, source, overdue), search, export."""
    user = request.user
    _need(user)
    params = get_params(request, "q", "region", "kind", "stage", "outcome", "source", "overdue",
                        "format", strip=True)  # fmt: skip
    qs = selectors.case_list(
        actor=user, q=params["q"], region=params["region"], kind=params["kind"],
        stage=params["stage"], outcome=params["outcome"], source=params["source"],
        overdue=params["overdue"] == "1",
    )  # fmt: skip
    if params["format"] == "xlsx":
        header = ["查询码", "类型", "村", "户编号", "来源", "监测类型", "风险类型", "当前环节",
                  "本环节时限", "结果", "结果说明", "受理日期", "办结时限"]  # fmt: skip
        rows = [
            [c.code, c.get_kind_display(), c.village.name, c.household.number,
             c.get_source_display(), c.get_category_display(), _risk_labels(c.risk_types),
             c.get_stage_display(), format_date(c.stage_due_on), c.get_outcome_display(),
             c.outcome_reason, format_date(c.opened_on), format_date(c.due_on)]
            for c in qs[:EXPORT_LIMIT]
        ]  # fmt: skip
        return xlsx_table("识别与风险消除办件", header, rows)
    page, query = paginate(request, qs, PAGE_SIZE, drop=("format",))
    context = {
        "page": page, "params": params, "query": query,
        "villages": list(selectors.case_villages(user)[:500]),
        "kinds": CaseKind.choices, "stages": Stage.choices, "outcomes": Outcome.choices,
        "sources": CaseSource.choices, "today": timezone.localdate(),
        "can_open": scope_prefixes(user, "monitoring.handle") != [],
    }  # fmt: skip
    return render(request, "monitoring/cases/list.html", context)


@login_required
@require_GET
def case_overdue(request: HttpRequest) -> HttpResponse:
    """超时办件: open cases past their stage's or the whole procedure's time limit."""
    user = request.user
    _need(user)
    params = get_params(request, "region", "today", strip=True)
    today = parse_date(params["today"]) or timezone.localdate()
    qs = selectors.overdue_cases(actor=user, region=params["region"], today=today)
    page, query = paginate(request, qs, PAGE_SIZE)
    context = {"page": page, "params": params, "query": query, "today": today,
               "villages": list(selectors.case_villages(user)[:500])}  # fmt: skip
    return render(request, "monitoring/cases/overdue.html", context)


# ---------------------------------------------------------------- registering


@login_required
@require_http_methods(GET_POST)
def case_create(request: HttpRequest) -> HttpResponse:
    """登记: ``?household=<pk>`` (and ``&alert=<pk>`` or ``&visit=<pk>``) prefill; a
    ``?monitored=<pk>`` proposes a risk elimination."""
    user = request.user
    _need(user, "monitoring.handle")
    source = request.GET if request.method == "GET" else request.POST
    household_pk = parse_int(str(source.get("household", ""))[:12])
    monitored_pk = parse_int(str(source.get("monitored", ""))[:12])
    alert_pk = parse_int(str(source.get("alert", ""))[:12])
    visit_pk = parse_int(str(source.get("visit", ""))[:12])
    monitored = None
    if monitored_pk is not None:
        monitored = selectors.monitored_get(actor=user, pk=monitored_pk)
        household_pk = monitored.household_id
    if household_pk is None:
        return render(request, "monitoring/cases/pick.html", {
            "q": request.GET.get("q", "")[:30], "households": _search(user, request),
        })  # fmt: skip
    household = selectors.household_get(actor=user, pk=household_pk, perm="monitoring.handle")
    alert = Alert.objects.filter(pk=alert_pk).first() if alert_pk is not None else None
    visit = Visit.objects.filter(pk=visit_pk).first() if visit_pk is not None else None
    if (alert_pk is not None and alert is None) or (visit_pk is not None and visit is None):
        raise Http404("预警或走访记录不存在")
    initial: dict[str, Any] = {"source": CaseSource.CADRE}
    if alert is not None:
        initial["source"] = CaseSource.ALERT
        initial["description"] = f"筛查预警：{alert.get_kind_display()}"
    if visit is not None:
        initial.update(source=CaseSource.CAMPAIGN, risk_types=list(visit.risk_types),
                       description=visit.note[:2000])  # fmt: skip
    criteria = None
    if monitored is not None:
        criteria = selectors.elimination_check(monitored, timezone.localdate())
    form = CaseForm(request.POST or None, initial=initial)
    if request.method == "POST" and (monitored is not None or form.is_valid()):
        d = form.cleaned_data if monitored is None else {}
        try:
            if monitored is not None:
                case = services.case_open(
                    actor=user,
                    household=household,
                    kind=CaseKind.ELIMINATE,
                    source=CaseSource.PROPOSAL,
                )
            else:
                case = services.case_open(
                    actor=user, household=household, source=d["source"],
                    category=d["category"], risk_types=d["risk_types"],
                    description=d["description"], applicant_name=d["applicant_name"],
                    applicant_phone=d["applicant_phone"],
                    commitment_signed=d["commitment_signed"], alert=alert, visit=visit,
                )  # fmt: skip
        except ApplicationError as exc:
            if monitored is not None:
                messages.error(request, exc.message)
            else:
                apply_error(form, exc)
        else:
            messages.success(request, f"已受理，查询码 {case.code}")
            return redirect("monitoring:case_detail", case.pk)
    context = {"form": form, "household": household, "alert": alert, "visit": visit,
               "monitored": monitored, "criteria": criteria,
               "eligible": criteria is not None and all(c.passed for c in criteria)}  # fmt: skip
    return render(request, "monitoring/cases/create.html", context)


def _search(user: Any, request: HttpRequest) -> list[Any]:
    from cunwu.accounts.permissions import scope_q
    from cunwu.registry.models import Household

    q = request.GET.get("q", "").strip()[:30]
    if not q:
        return []
    qs = Household.objects.filter(scope_q(user, "monitoring.handle")).select_related("village")
    return list(qs.filter(number=q)[:20]) or list(qs.filter(members__name=q).distinct()[:20])


# ---------------------------------------------------------------- one case


def _detail(request: HttpRequest, case: Case, form: forms.Form | None = None,
            withdraw: forms.Form | None = None) -> HttpResponse:  # fmt: skip
    user = request.user
    may = selectors.stage_actors(user, case)
    if form is None and may["act"]:
        form = STEP_FORMS[case.stage](initial=_initial(case))
    context = {
        "case": case, "steps": selectors.case_steps(case), "may": may, "form": form,
        "withdraw_form": withdraw or WithdrawForm(), "file_form": FileForm(),
        "risks": _risk_labels(case.risk_types), "today": timezone.localdate(),
        "monitored": MonitoredHousehold.objects.filter(household=case.household_id).first(),
    }  # fmt: skip
    return render(request, "monitoring/cases/detail.html", context)


def _initial(case: Case) -> dict[str, Any]:
    if case.stage == Stage.VERIFY:
        return {"category": case.category, "risk_types": list(case.risk_types)}
    return {}


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.case_get(actor=request.user, pk=pk))


@login_required
@require_POST
def case_step(request: HttpRequest, pk: int) -> HttpResponse:
    """The action of the case's current step (the form on the detail page)."""
    user = request.user
    case = selectors.case_get(actor=user, pk=pk)
    if case.outcome != Outcome.OPEN or request.POST.get("stage") != case.stage:
        messages.error(request, "该办件已进入其他环节，请查看最新情况")
        return redirect("monitoring:case_detail", case.pk)
    if not selectors.stage_actors(user, case)["act"]:
        raise PermissionDenied("没有权限办理本环节")
    form = STEP_FORMS[case.stage](request.POST, request.FILES)
    if form.is_valid():
        d = form.cleaned_data
        files = uploads(d.get("attachments") or [])
        on = d.get("on") or None
        try:
            _apply(user, case, form, files=files, on=on)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已办理")
            return redirect("monitoring:case_detail", case.pk)
    return _detail(request, case, form=form)


def _checks(form: forms.Form) -> dict[str, bool]:
    return form.checks() if isinstance(form, VerifyForm) else {}


def _results(form: forms.Form) -> dict[str, bool]:
    return form.results() if isinstance(form, CompareForm) else {}


def _apply(
    user: Any, case: Case, form: forms.Form, *, files: list[tuple[str, bytes]], on: Any
) -> None:
    d = form.cleaned_data
    if case.stage == Stage.VERIFY:
        income = parse_yuan(d["income"], field="income") if d["income"] else None
        services.case_verify(
            actor=user, case=case, passed=d["passed"], findings=d["findings"],
            checks=_checks(form), income_estimate_fen=income, category=d["category"],
            risk_types=d["risk_types"] or None, on=on, files=files,
        )  # fmt: skip
    elif case.stage == Stage.COMPARE:
        services.case_compare(actor=user, case=case, passed=d["passed"], findings=d["findings"],
                              results=_results(form), on=on, files=files)  # fmt: skip
    elif case.stage == Stage.APPRAISE:
        services.case_appraise(
            actor=user, case=case, members=d["members"], present=d["present"],
            votes_for=d["votes_for"], votes_against=d["votes_against"], findings=d["findings"],
            on=on, files=files,
        )  # fmt: skip
    elif case.stage == Stage.DISCLOSE:
        services.case_disclose(actor=user, case=case, on=on)
    elif case.stage == Stage.TOWNSHIP:
        services.case_township(actor=user, case=case, decision=d["decision"],
                               findings=d["findings"], on=on, files=files)  # fmt: skip
    else:
        services.case_county(actor=user, case=case, approved=d["approved"],
                             findings=d["findings"], on=on, files=files)  # fmt: skip


@login_required
@require_POST
def case_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    case = selectors.case_get(actor=user, pk=pk)
    if not has_perm_in(user, "monitoring.handle", case.village_id):
        raise PermissionDenied("没有权限撤回办件")
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.case_withdraw(actor=user, case=case, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "办件已撤回")
            return redirect("monitoring:case_detail", case.pk)
    return _detail(request, case, withdraw=form)


@login_required
@require_POST
def case_files(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    case = selectors.case_get(actor=user, pk=pk)
    if not has_perm_in(user, "monitoring.handle", case.village_id):
        raise PermissionDenied("没有权限上传附件")
    form = FileForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.case_file_add(
                actor=user, case=case, files=uploads(form.cleaned_data["attachments"])
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "附件已上传")
    else:
        messages.error(request, "请选择要上传的文件")
    return redirect("monitoring:case_detail", case.pk)


@login_required
@require_GET
def case_file(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    """An attachment of a case, to whom may see the case."""
    case = selectors.case_get(actor=request.user, pk=pk)
    record = case.files.filter(pk=file_pk).first()
    if record is None:
        raise Http404("附件不存在")
    response = FileResponse(record.file.open("rb"), content_type=record.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response
