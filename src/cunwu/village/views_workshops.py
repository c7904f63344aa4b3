"""Pages of 乡村车间: the register (list, export, create, edit, detail), recognition steps and
documents, employment, monthly reports, criteria sheets and assessments, and the statistics
with charts (page and xlsx)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from cunwu.accounts.pages import form_page, need
from cunwu.accounts.permissions import has_perm_in, regions_in_scope
from cunwu.core.errors import ApplicationError, apply_error
from cunwu.core.formatting import format_fen
from cunwu.core.listing import get_params, paginate, parse_int
from cunwu.core.models import Region, RegionLevel
from cunwu.core.spreadsheets import xlsx_response
from cunwu.registry.models import Person

from .forms_workshops import (
    AssessForm,
    EmploymentEndForm,
    EmploymentForm,
    FileForm,
    ReportForm,
    SheetForm,
    StepForm,
    WorkshopForm,
)
from .models_workshops import PayModel, WorkshopState, WorkshopStepKind
from .selectors import workshops as selectors
from .services import workshops as services

VIEW = "village.view"
MANAGE = services.PERM
GET_POST = ["GET", "POST"]
EMPLOYMENT_INTRO = "人员编号见人口台账；监测对象家庭成员入职时同时登记“乡村车间就业”帮扶措施。"


def _fen(value: Decimal | None) -> int:
    return int((value or Decimal(0)) * 100)


def _detail(pk: int) -> str:
    return reverse("village:workshop_detail", args=[pk])


def _data(d: dict[str, Any]) -> services.WorkshopData:
    return services.WorkshopData(
        name=d["name"], operator=d["operator"], operator_phone=d["operator_phone"],
        premises=d["premises"], products=d["products"], pay_model=d["pay_model"],
        pay_note=d["pay_note"], asset=d["asset"],
    )  # fmt: skip


@login_required
@require_GET
def workshop_list(request: HttpRequest) -> HttpResponse:
    """乡村车间: search, village and state filters, export."""
    need(request.user, VIEW)
    params = get_params(request, "q", "village", "state", "format", strip=True)
    qs = selectors.workshops(user=request.user, q=params["q"], village=params["village"],
                             state=params["state"])  # fmt: skip
    if params["format"] == "xlsx":
        rows = [[w.village.name, w.name, w.operator, w.operator_phone_masked, w.premises,
                 str(w.asset) if w.asset else "", w.products, w.get_pay_model_display(),
                 w.pay_note, w.get_state_display(), w.get_stage_display()]
                for w in qs]  # fmt: skip
        header = ["村", "车间", "经营主体", "联系电话", "场所", "使用的集体资产", "主要产品",
                  "薪酬方式", "薪酬说明", "认定状态", "申请进度"]  # fmt: skip
        return xlsx_response("乡村车间", [("乡村车间", header, rows)])
    page, query = paginate(request, qs, 30, drop=("format",))
    context = {
        "page": page, "params": params, "query": query, "states": WorkshopState.choices,
        "villages": list(regions_in_scope(request.user, VIEW, level=RegionLevel.VILLAGE)[:200]),
        "can_create": list(regions_in_scope(request.user, MANAGE, level=RegionLevel.VILLAGE)[:50]),
    }  # fmt: skip
    return render(request, "village/workshops/list.html", context)


@login_required
@require_http_methods(GET_POST)
def workshop_create(request: HttpRequest) -> HttpResponse:
    need(request.user, MANAGE, "没有权限登记车间")
    villages = list(regions_in_scope(request.user, MANAGE, level=RegionLevel.VILLAGE))
    code = request.GET.get("village") or (villages[0].code if len(villages) == 1 else "")
    village = next((v for v in villages if v.code == code), None)
    if village is None:
        raise Http404
    form = WorkshopForm(request.POST or None, village=village.code,
                        initial={"pay_model": PayModel.BASE_PLUS_PIECE})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            workshop = services.workshop_create(
                actor=request.user, village=village, data=_data(form.cleaned_data)
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已登记车间")
            return redirect("village:workshop_detail", workshop.pk)
    return form_page(request, form, f"登记乡村车间（{village.name}）",
                     reverse("village:workshop_list"))  # fmt: skip


@login_required
@require_http_methods(GET_POST)
def workshop_edit(request: HttpRequest, pk: int) -> HttpResponse:
    workshop = selectors.workshop_get(user=request.user, pk=pk)
    if not has_perm_in(request.user, MANAGE, workshop.village_id):
        raise PermissionDenied("没有权限修改车间")
    initial = {
        "name": workshop.name, "operator": workshop.operator, "premises": workshop.premises,
        "asset": workshop.asset_id, "products": workshop.products,
        "pay_model": workshop.pay_model, "pay_note": workshop.pay_note,
    }  # fmt: skip
    form = WorkshopForm(request.POST or None, village=workshop.village_id, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.workshop_update(actor=request.user, workshop=workshop,
                                     data=_data(form.cleaned_data))  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("village:workshop_detail", workshop.pk)
    intro = (
        f"现登记电话：{workshop.operator_phone_masked}" if workshop.operator_phone_masked else ""
    )
    return form_page(request, form, f"修改车间：{workshop.name}", _detail(pk), intro)


@login_required
@require_GET
def workshop_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need(request.user, VIEW)
    workshop = selectors.workshop_get(user=request.user, pk=pk)
    village = workshop.village_id
    can = {
        "manage": has_perm_in(request.user, MANAGE, village),
        "review": has_perm_in(request.user, services.REVIEW, village),
        "recognise": has_perm_in(request.user, services.RECOGNISE, village),
        "assess": has_perm_in(request.user, services.ASSESS, village),
    }
    actions = [
        (kind, label) for kind, label in WorkshopStepKind.choices
        if can[{"village.workshop": "manage", "village.workshop_review": "review",
                "village.workshop_recognise": "recognise"}[services.TRANSITIONS[kind].perm]]
        and services.TRANSITIONS[kind].source == workshop.stage
        and not (kind == WorkshopStepKind.APPLY and workshop.state == WorkshopState.RECOGNISED)
    ]  # fmt: skip
    context = {
        "workshop": workshop, "can": can, "actions": actions,
        "steps": selectors.steps(workshop=workshop), "files": selectors.files(workshop=workshop),
        "employments": selectors.employments(user=request.user, workshop=workshop),
        "reports": selectors.reports(workshop=workshop),
        "assessments": selectors.assessments(workshop=workshop),
        "sheets": selectors.sheets_for(user=request.user, workshop=workshop)
        if can["assess"] else [],
    }  # fmt: skip
    return render(request, "village/workshops/detail.html", context)


@login_required
@require_http_methods(GET_POST)
def workshop_step(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """申请认定, 乡镇审核 (通过/退回), 县级认定 (认定/不予认定), each with its note."""
    workshop = selectors.workshop_get(user=request.user, pk=pk)
    rule = services.TRANSITIONS.get(kind)
    if rule is None:
        raise Http404
    if not has_perm_in(request.user, rule.perm, workshop.village_id):
        raise PermissionDenied("没有权限办理此环节")
    form = StepForm(request.POST or None)
    if rule.note_required:
        form.fields["note"].required = True
    if request.method == "POST" and form.is_valid():
        try:
            services.workshop_step(actor=request.user, workshop=workshop, kind=kind,
                                   note=form.cleaned_data["note"])  # fmt: skip
        except ApplicationError as exc:
            if exc.field == "kind":
                exc.field = None
            apply_error(form, exc)
        else:
            messages.success(request, f"已办理：{WorkshopStepKind(kind).label}")
            return redirect("village:workshop_detail", workshop.pk)
    label = WorkshopStepKind(kind).label
    return form_page(request, form, f"{label}：{workshop.name}", _detail(pk))


@login_required
@require_http_methods(GET_POST)
def workshop_file_add(request: HttpRequest, pk: int) -> HttpResponse:
    workshop = selectors.workshop_get(user=request.user, pk=pk)
    perms = (MANAGE, services.REVIEW, services.RECOGNISE)
    if not any(has_perm_in(request.user, p, workshop.village_id) for p in perms):
        raise PermissionDenied("没有权限上传材料")
    form = FileForm(request.POST or None, request.FILES or None, workshop=workshop)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.workshop_files_add(actor=request.user, workshop=workshop,
                                        files=[(upload.name or "file", upload.read())],
                                        step=form.cleaned_data["step"])  # fmt: skip
        except ApplicationError as exc:
            if exc.field == "files":
                exc.field = "file"
            apply_error(form, exc)
        else:
            messages.success(request, "已上传材料")
            return redirect("village:workshop_detail", workshop.pk)
    return form_page(request, form, f"上传材料：{workshop.name}", _detail(pk), multipart=True)


@login_required
@require_GET
def workshop_file(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    """A document of a workshop, to whom may see the workshop."""
    record = selectors.file_get(user=request.user, workshop_pk=pk, pk=file_pk)
    response = FileResponse(record.file.open("rb"), content_type=record.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_http_methods(GET_POST)
def workshop_employment_add(request: HttpRequest, pk: int) -> HttpResponse:
    need(request.user, MANAGE, "没有权限登记用工")
    workshop = selectors.workshop_get(user=request.user, pk=pk)
    form = EmploymentForm(request.POST or None, initial={"start_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        person = (
            Person.objects.filter(
                pk=form.cleaned_data["person"],
                household__village__code__startswith=workshop.county_code,
            )
            .select_related("household")
            .first()
        )
        if person is None:
            form.add_error("person", "本县没有该人员")
        else:
            try:
                services.employment_start(actor=request.user, workshop=workshop, person=person,
                                          start_on=form.cleaned_data["start_on"])  # fmt: skip
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                messages.success(request, f"已登记{person.name}入职")
                return redirect("village:workshop_detail", workshop.pk)
    return form_page(request, form, f"登记用工：{workshop.name}", _detail(pk),
                     intro=EMPLOYMENT_INTRO)  # fmt: skip


@login_required
@require_http_methods(GET_POST)
def workshop_employment_end(request: HttpRequest, pk: int) -> HttpResponse:
    need(request.user, MANAGE, "没有权限办理离职")
    employment = selectors.employment_get(user=request.user, pk=pk)
    form = EmploymentEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.employment_end(actor=request.user, employment=employment,
                                    **form.cleaned_data)  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已办理离职")
            return redirect("village:workshop_detail", employment.workshop_id)
    return form_page(request, form, f"离职：{employment.person.name}",
                     _detail(employment.workshop_id))  # fmt: skip


@login_required
@require_http_methods(GET_POST)
def workshop_report_add(request: HttpRequest, pk: int) -> HttpResponse:
    """The monthly headcount and wages; ``?correct=<report>`` corrects a current report."""
    need(request.user, MANAGE, "没有权限填报月报")
    workshop = selectors.workshop_get(user=request.user, pk=pk)
    supersedes = None
    initial: dict[str, Any] = {"month": timezone.localdate().replace(day=1)}
    raw = request.GET.get("correct", "")
    if raw:
        report = parse_int(raw)
        if report is None:
            raise Http404
        supersedes = selectors.report_get(user=request.user, pk=report)
        if supersedes.workshop_id != workshop.pk:
            raise Http404
        initial = {"month": supersedes.month, "headcount": supersedes.headcount,
                   "poverty_headcount": supersedes.poverty_headcount,
                   "wages_yuan": Decimal(supersedes.wages_fen) / 100}  # fmt: skip
    form = ReportForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.report_add(
                actor=request.user, workshop=workshop, month=d["month"],
                headcount=d["headcount"], poverty_headcount=d["poverty_headcount"],
                wages_fen=_fen(d["wages_yuan"]), note=d["note"], supersedes=supersedes,
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已填报月报")
            return redirect("village:workshop_detail", workshop.pk)
    title = f"{'更正' if supersedes else '填报'}月报：{workshop.name}"
    return form_page(request, form, title, _detail(pk))


# ---------------------------------------------------------------- assessment


@login_required
@require_GET
def workshop_sheet_list(request: HttpRequest) -> HttpResponse:
    need(request.user, VIEW)
    sheets = selectors.sheets(user=request.user)
    context = {"sheets": sheets[:200],
               "can_create": bool(_sheet_regions(request.user))}  # fmt: skip
    return render(request, "village/workshops/sheets.html", context)


def _sheet_regions(user: Any) -> list[tuple[str, str]]:
    return [
        (r.code, r.name)
        for r in regions_in_scope(user, services.ASSESS).filter(
            level__in=(RegionLevel.COUNTY, RegionLevel.TOWNSHIP)
        )[:100]
    ]


@login_required
@require_http_methods(GET_POST)
def workshop_sheet_create(request: HttpRequest) -> HttpResponse:
    need(request.user, services.ASSESS, "没有权限制定考核表")
    regions = _sheet_regions(request.user)
    if not regions:
        raise PermissionDenied("没有权限制定考核表")
    form = SheetForm(request.POST or None, regions=regions,
                     initial={"year": timezone.localdate().year})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        region = Region.objects.get(code=d["region"])
        try:
            services.sheet_create(actor=request.user, region=region, year=d["year"],
                                  name=d["name"], criteria=d["criteria"])  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已制定考核表")
            return redirect("village:workshop_sheet_list")
    return form_page(request, form, "制定车间考核表", reverse("village:workshop_sheet_list"))


@login_required
@require_http_methods(GET_POST)
def workshop_assess(request: HttpRequest, pk: int, sheet_pk: int) -> HttpResponse:
    workshop = selectors.workshop_get(user=request.user, pk=pk)
    if not has_perm_in(request.user, services.ASSESS, workshop.village_id):
        raise PermissionDenied("没有权限考核")
    sheet = next((s for s in selectors.sheets_for(user=request.user, workshop=workshop)
                  if s.pk == sheet_pk), None)  # fmt: skip
    if sheet is None:
        raise Http404
    criteria = list(sheet.criteria.order_by("order"))
    form = AssessForm(request.POST or None, criteria=criteria)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.assessment_record(
                actor=request.user, workshop=workshop, sheet=sheet,
                scores={c.pk: d[f"item_{c.pk}"] for c in criteria}, note=d["note"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已记录考核")
            return redirect("village:workshop_detail", workshop.pk)
    return form_page(request, form, f"考核：{workshop.name}（{sheet}）", _detail(pk))


# ---------------------------------------------------------------- statistics


def _month(raw: str) -> date | None:
    try:
        year, month = (int(x) for x in raw.split("-")[:2])
        return date(year, month, 1)
    except (ValueError, TypeError):
        return None


@login_required
@require_GET
def workshop_stats(request: HttpRequest) -> HttpResponse:
    """车间统计: by state, people employed, idle assets used, last month's figures."""
    need(request.user, VIEW)
    params = get_params(request, "region", "month", "format", strip=True)
    stats = selectors.workshop_stats(user=request.user, region_code=params["region"] or None,
                                     month=_month(params["month"]))  # fmt: skip
    if params["format"] == "xlsx":
        header = ["地区", "已认定", "具备条件或在建", "未认定", "合计", "在岗人数", "其中脱贫户",
                  "其中监测对象", "盘活闲置资产", f"{stats.month.year}年{stats.month.month}月用工",
                  f"{stats.month.year}年{stats.month.month}月工资（元）"]  # fmt: skip
        rows: list[list[Any]] = [
            [r.name, r.recognised, r.conditions, r.none, r.total, r.employed, r.employed_poverty,
             r.employed_monitored, r.idle_assets, r.headcount, format_fen(r.wages_fen)]
            for r in [*stats.rows, stats.total]
        ]  # fmt: skip
        rows[-1][0] = "合计"
        return xlsx_response("乡村车间统计", [("车间统计", header, rows)])
    return render(request, "village/workshops/stats.html", {"stats": stats, "params": params})
