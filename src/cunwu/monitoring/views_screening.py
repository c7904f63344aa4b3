"""Pages of 防返贫监测 (part: screening): the policy lines (监测标准), screening runs (started in
the background, progress shown), department imports (upload, result, error report, templates)
and the alerts (filters, search, export) with the village's verification. Thin: selectors read,
services write; an ``ApplicationError`` becomes a form error; outside the scope is 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_http_methods

from cunwu.accounts.permissions import has_perm_in, scope_prefixes
from cunwu.core.errors import ApplicationError, apply_error
from cunwu.core.listing import get_params, paginate, parse_int
from cunwu.core.spreadsheets import XLSX_CONTENT_TYPE, attachment, xlsx_table

from . import sheets_screening as sheets
from .forms_screening import HandleForm, PolicyForm, RunForm, UploadForm
from .models import AlertKind, AlertStatus, Department
from .policy import FIELDS
from .selectors import screening as selectors
from .services import screening as services

PAGE_SIZE = 30
EXPORT_LIMIT = 20_000
GET_POST = ["GET", "POST"]


def _need(user: Any, *perms: str) -> None:
    if all(scope_prefixes(user, p) == [] for p in perms):
        raise PermissionDenied("没有权限查看")


def _case_url(alert: Any) -> str:
    try:
        base = reverse("monitoring:case_create")
    except NoReverseMatch:
        return ""
    return f"{base}?household={alert.household_id}&alert={alert.pk}"


@login_required
@require_http_methods(GET_POST)
def policy(request: HttpRequest) -> HttpResponse:
    _need(request.user, "monitoring.view", "monitoring.policy")
    code = get_params(request, "region", strip=True)["region"]
    prefixes = scope_prefixes(request.user, "monitoring.policy") or scope_prefixes(
        request.user, "monitoring.view"
    )
    if not code:
        code = (prefixes[0] if prefixes else "43").ljust(12, "0")
    region = selectors.region_get(actor=request.user, code=code, perm="monitoring.policy")
    can_set = has_perm_in(request.user, "monitoring.policy", region)
    form = PolicyForm(request.POST or None, initial={"region": region.code})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        values: dict[str, int | None] = {
            "income_threshold_fen": d["income_threshold_yuan"] * 100
            if d["income_threshold_yuan"] else None,
            "medical_expense_fen": d["medical_expense_yuan"] * 100
            if d["medical_expense_yuan"] else None,
            "rigid_expense_fen": d["rigid_expense_yuan"] * 100
            if d["rigid_expense_yuan"] else None,
            **{name: d[name] for name in (
                "income_drop_percent", "disclosure_days", "identify_max_workdays",
                "verify_workdays", "compare_workdays", "appraise_workdays", "township_workdays",
                "county_workdays", "stable_months",
            )},
        }  # fmt: skip
        try:
            target = selectors.region_get(actor=request.user, code=d["region"],
                                          perm="monitoring.policy")  # fmt: skip
            given = {k: v for k, v in values.items() if v}
            services.policy_set(actor=request.user, region=target, year=d["year"],
                                note=d["note"], **given)  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        except Http404:
            form.add_error("region", "区划不存在或不在您的范围内")
        else:
            messages.success(request, "监测标准已保存")
            return redirect(f"{reverse('monitoring:policy')}?region={target.code}")
    years = selectors.policy_years(region=region)
    labels = {name: FIELD_LABELS.get(name, name) for name in FIELDS}
    rows = [
        {"year": p.year, "defaulted": p.defaulted,
         "values": [(labels[f], getattr(p, f), p.sources.get(f, "")) for f in FIELDS]}
        for p in years
    ]  # fmt: skip
    return render(request, "monitoring/screening/policy.html",
                  {"region": region, "rows": rows, "form": form, "can_set": can_set})  # fmt: skip


FIELD_LABELS = {
    "income_threshold_fen": "监测收入标准（分/人·年）", "income_drop_percent": "收入骤减比例（%）",
    "medical_expense_fen": "大额医疗自付（分）", "rigid_expense_fen": "刚性支出（分）",
    "identify_max_workdays": "识别总时限", "verify_workdays": "入户核实", "compare_workdays":
    "信息比对", "appraise_workdays": "民主评议", "disclosure_days": "公示天数",
    "township_workdays": "乡镇审核", "county_workdays": "县级审定", "stable_months": "稳定月数",
}  # fmt: skip


@login_required
@require_http_methods(GET_POST)
def runs(request: HttpRequest) -> HttpResponse:
    _need(request.user, "monitoring.screen")
    form = RunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            region = selectors.region_get(actor=request.user, code=form.cleaned_data["region"],
                                          perm="monitoring.screen")  # fmt: skip
            run = services.screening_start_background(
                actor=request.user, region=region, year=form.cleaned_data["year"]
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        except Http404:
            form.add_error("region", "区划不存在或不在您的范围内")
        else:
            return redirect("monitoring:screening_run", run.pk)
    page, query = paginate(request, selectors.run_list(actor=request.user), PAGE_SIZE)
    return render(request, "monitoring/screening/runs.html",
                  {"form": form, "page": page, "query": query})  # fmt: skip


@login_required
@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_get(actor=request.user, pk=pk)
    labels = dict(AlertKind.choices)
    counts = [(labels.get(k, k), n) for k, n in sorted((run.counts or {}).items())]
    return render(request, "monitoring/screening/run.html", {"run": run, "counts": counts})


@login_required
@require_GET
def alerts(request: HttpRequest) -> HttpResponse:
    _need(request.user, "monitoring.view")
    params = get_params(request, "q", "village", "department", "kind", "status", "year",
                        strip=True)  # fmt: skip
    qs = selectors.alert_list(
        actor=request.user, q=params["q"],
        village=params["village"] if params["village"].isdigit() else "",
        department=params["department"] if params["department"] in Department.values else "",
        kind=params["kind"] if params["kind"] in AlertKind.values else "",
        status=params["status"] if params["status"] in AlertStatus.values else "",
        year=parse_int(params["year"]),
    )  # fmt: skip
    if request.GET.get("format") == "xlsx":
        rows = (
            [a.village.name, a.household.number, a.person.name if a.person else "",
             a.get_department_display(), a.get_kind_display(), a.year,
             a.amount_fen / 100 if a.amount_fen is not None else "", a.get_status_display(),
             a.handled_note]
            for a in qs[:EXPORT_LIMIT]
        )  # fmt: skip
        return xlsx_table("筛查预警", ["村", "户编号", "成员", "来源部门", "预警类型", "年度",
                                      "金额（元）", "状态", "核实情况"], rows)  # fmt: skip
    page, query = paginate(request, qs, PAGE_SIZE, drop=("format",))
    counts = selectors.open_alerts_by_village(actor=request.user)
    return render(request, "monitoring/screening/alerts.html", {
        "page": page, "query": query, "params": params, "counts": counts,
        "departments": Department.choices, "kinds": AlertKind.choices,
        "statuses": AlertStatus.choices,
    })  # fmt: skip


@login_required
@require_http_methods(GET_POST)
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = selectors.alert_get(actor=request.user, pk=pk)
    form = HandleForm(request.POST or None)
    can_handle = has_perm_in(request.user, "monitoring.handle", alert.village_id)
    if request.method == "POST":
        if not can_handle:
            raise PermissionDenied("没有权限核实预警")
        if form.is_valid():
            action = request.POST.get("action")
            handle = services.alert_confirm if action == "confirm" else services.alert_dismiss
            try:
                handle(actor=request.user, alert=alert, note=form.cleaned_data["note"])
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                messages.success(request, "已记录核实结果")
                return redirect("monitoring:alert_detail", alert.pk)
    return render(request, "monitoring/screening/alert.html", {
        "alert": alert, "form": form, "can_handle": can_handle, "case_url": _case_url(alert),
    })  # fmt: skip


@login_required
@require_http_methods(GET_POST)
def imports(request: HttpRequest) -> HttpResponse:
    _need(request.user, "monitoring.import", "monitoring.screen")
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            region = selectors.region_get(actor=request.user, code=form.cleaned_data["region"],
                                          perm="monitoring.import")  # fmt: skip
            if upload.size > sheets.MAX_UPLOAD_BYTES:
                raise ApplicationError("import_too_big", "文件不能超过20MB", field="file")
            record = services.department_import_background(
                actor=request.user, department=form.cleaned_data["department"], region=region,
                name=upload.name or "", data=upload.read(),
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        except Http404:
            form.add_error("region", "区划不存在或不在您的范围内")
        else:
            return redirect("monitoring:import_detail", record.pk)
    page, query = paginate(request, selectors.import_list(actor=request.user), PAGE_SIZE)
    templates = [(d, Department(d).label) for d in sheets.TEMPLATES]
    return render(request, "monitoring/screening/imports.html",
                  {"form": form, "page": page, "query": query, "templates": templates})  # fmt: skip


@login_required
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.import_get(actor=request.user, pk=pk)
    return render(request, "monitoring/screening/import.html", {"record": record})


@login_required
@require_GET
def import_report(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.import_get(actor=request.user, pk=pk)
    if record.error_report:  # the whole report, written by the import
        with record.error_report.open("rb") as fh:
            data = fh.read()
    else:
        data = sheets.error_report_bytes(tuple(e) for e in record.errors or [])
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    return attachment(response, f"导入错误-{record.pk}.xlsx")


@login_required
@require_GET
def import_template(request: HttpRequest, department: str) -> HttpResponse:
    if department not in sheets.TEMPLATES:
        raise Http404("没有该部门的模板")
    response = HttpResponse(sheets.template_bytes(department), content_type=XLSX_CONTENT_TYPE)
    return attachment(response, f"{Department(department).label}数据模板.xlsx")
