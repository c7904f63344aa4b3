"""Pages of the registers (底数要清) under /assets/: the register with its search, filters and
export, and its spreadsheet import (台账导入); an entry with its values, files, contracts,
disposal and history; the forms that create, change, attach and dispose; the yearly inventory
(清产核资) from its start through the count on a phone to its close and disclosure. Thin:
selectors read, services write, an ``ApplicationError`` becomes a form error with nothing
changed; out of scope is 404."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunwu.accounts.pages import form_page
from cunwu.accounts.permissions import has_perm_in, scope_prefixes
from cunwu.core.audit_labels import ACTION_LABELS, PAYLOAD_LABELS
from cunwu.core.errors import ApplicationError, apply_error
from cunwu.core.formatting import format_date, format_fen
from cunwu.core.listing import get_params, paginate, parse_int
from cunwu.core.spreadsheets import XLSX_CONTENT_TYPE, attachment, xlsx_response

from . import sheets_registers as sheets
from .forms_registers import (
    AssetForm,
    CountForm,
    DisposalForm,
    FileForm,
    ImportConfirmForm,
    ImportForm,
    ReconcileForm,
    StartForm,
    SurplusForm,
)
from .models import (
    AssetCategory,
    AssetClass,
    AssetStatus,
    CampaignStatus,
    InventoryLine,
    LineResult,
)
from .selectors import registers as selectors
from .services import registers as services

PAGE_SIZE = 30
GET_POST = ["GET", "POST"]
EXPORT_LIMIT = 20_000
EXPORT = ("format",)
ASSET_COLUMNS = [
    "村", "台账编号", "资产类别", "类别", "名称", "坐落位置", "面积或数量", "单位", "原值（元）",
    "账面价值（元）", "参考年租金（元）", "取得日期", "取得方式", "使用状态", "备注",
]  # fmt: skip
LINE_COLUMNS = [
    "序号", "台账编号", "类别", "名称", "单位", "账面数量", "账面状态", "实盘数量", "实际状态",
    "结果", "现场情况", "盘点人", "处理意见", "已调整台账",
]  # fmt: skip
CLASS_LABELS = dict(AssetClass.choices)


def _need(user: Any, perm: str = "assets.view") -> None:
    if scope_prefixes(user, perm) == []:
        raise PermissionDenied("没有权限查看三资台账")


def _manage(user: Any, village: Any) -> None:
    if not has_perm_in(user, "assets.manage", village):
        raise PermissionDenied("没有权限管理三资台账")


def _upload(f: Any) -> services.Upload | None:
    if not f:
        return None
    return (str(f.name or "upload"), f.read())


def _data(d: dict[str, Any]) -> services.AssetData:
    return services.AssetData(
        category=d["category"], name=d["name"], quantity=d["quantity"], unit=d["unit"],
        number=d.get("number") or "", location=d["location"],
        original_value=d["original_value"], book_value=d["book_value"] or None,
        reference_price=d["reference_price"] or None, acquired_on=d["acquired_on"],
        source=d["source"], status=d["status"], note=d["note"],
    )  # fmt: skip


# ---------------------------------------------------------------- register


@login_required
@require_GET
def asset_list(request: HttpRequest) -> HttpResponse:
    """资产资源台账: search by number, name or location; filters by village, class, category,
    status; xlsx export of the filtered rows."""
    user = request.user
    _need(user)
    params = get_params(request, "q", "region", "asset_class", "category", "status", "format",
                        strip=True)  # fmt: skip
    qs = selectors.asset_list(
        actor=user, q=params["q"], region=params["region"],
        asset_class=params["asset_class"] if params["asset_class"] in AssetClass.values else "",
        category=params["category"] if params["category"] in AssetCategory.values else "",
        status=params["status"] if params["status"] in AssetStatus.values else "",
    )  # fmt: skip
    if params["format"] == "xlsx":
        rows = [
            [
                a.village.name,
                a.number,
                CLASS_LABELS[a.asset_class],
                a.get_category_display(),
                a.name,
                a.location,
                str(a.quantity),
                a.unit,
                format_fen(a.original_value_fen),
                format_fen(a.book_value_fen),
                format_fen(a.reference_price_fen),
                format_date(a.acquired_on),
                a.source,
                a.get_status_display(),
                a.note,
            ]
            for a in qs[:EXPORT_LIMIT]
        ]
        return xlsx_response("三资台账", [("台账", ASSET_COLUMNS, rows)])
    page, query = paginate(request, qs, PAGE_SIZE, drop=EXPORT)
    villages = list(selectors.asset_villages(user)[:500])
    context = {
        "page": page, "params": params, "query": query, "villages": villages,
        "classes": AssetClass.choices, "categories": AssetCategory.choices,
        "statuses": AssetStatus.choices,
        "can_manage": scope_prefixes(user, "assets.manage") != [],
    }  # fmt: skip
    return render(request, "assets/registers/list.html", context)


@login_required
@require_http_methods(GET_POST)
def asset_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    villages = selectors.asset_villages(user, "assets.manage")
    if not villages.exists():
        raise PermissionDenied("没有权限管理三资台账")
    form = AssetForm(request.POST or None, villages=villages)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            asset = services.asset_create(actor=user, village=d["village"], data=_data(d))
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已登记台账“{asset.number} {asset.name}”")
            return redirect("assets:asset_detail", asset.pk)
    return form_page(request, form, "登记资产资源", reverse("assets:asset_list"))


def _history(asset: Any) -> list[Any]:
    events = list(selectors.asset_history(asset)[:50])
    for e in events:
        e.action_label = ACTION_LABELS.get(e.action, e.action)  # type: ignore[attr-defined]
        changed = e.payload.get("changed") or {}
        summary = "；".join(
            f"{PAYLOAD_LABELS.get(k, k)}：{v[0]} → {v[1]}" for k, v in changed.items()
        ) or "、".join(f"{PAYLOAD_LABELS.get(k, k)}：{v}" for k, v in list(e.payload.items())[:4])
        e.summary = summary  # type: ignore[attr-defined]
    return events


@login_required
@require_GET
def asset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    asset = selectors.asset_get(actor=user, pk=pk)
    disposal = getattr(asset, "disposal", None)
    context = {
        "asset": asset, "asset_class": CLASS_LABELS[asset.asset_class],
        "files": list(selectors.asset_files(asset)),
        "contracts": list(asset.contracts.order_by("-start_date")[:50]),
        "disposal": disposal,
        "can_manage": has_perm_in(user, "assets.manage", asset.village_id),
        "history": _history(asset) if has_perm_in(user, "core.view_audit", asset.village_id)
        else None,
        "disposed": asset.status == AssetStatus.DISPOSED,
    }  # fmt: skip
    return render(request, "assets/registers/detail.html", context)


@login_required
@require_http_methods(GET_POST)
def asset_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    asset = selectors.asset_get(actor=user, pk=pk)
    _manage(user, asset.village_id)
    back = reverse("assets:asset_detail", args=[asset.pk])
    if asset.status == AssetStatus.DISPOSED:
        messages.error(request, "该台账已处置，不能再修改")
        return redirect(back)
    initial = {
        "number": asset.number, "category": asset.category, "name": asset.name,
        "location": asset.location, "quantity": asset.quantity, "unit": asset.unit,
        "original_value": format_fen(asset.original_value_fen).replace(",", ""),
        "book_value": format_fen(asset.book_value_fen).replace(",", ""),
        "reference_price": format_fen(asset.reference_price_fen).replace(",", ""),
        "acquired_on": asset.acquired_on, "source": asset.source, "status": asset.status,
        "note": asset.note,
    }  # fmt: skip
    form = AssetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        changes = _data(d).__dict__ | {"reference_price": d["reference_price"] or None}
        if not d.get("number"):
            changes.pop("number")
        try:
            services.asset_update(actor=user, asset=asset, changes=changes)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect(back)
    return form_page(request, form, f"修改台账：{asset.number} {asset.name}", back)


@login_required
@require_http_methods(GET_POST)
def asset_file_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    asset = selectors.asset_get(actor=user, pk=pk)
    _manage(user, asset.village_id)
    form = FileForm(request.POST or None, request.FILES or None)
    back = reverse("assets:asset_detail", args=[asset.pk])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            upload = _upload(d["file"]) or ("", b"")
            services.asset_file_add(actor=user, asset=asset, kind=d["kind"], upload=upload)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已上传")
            return redirect(back)
    return form_page(request, form, f"上传附件：{asset.number} {asset.name}", back,
                      multipart=True)  # fmt: skip


@login_required
@require_GET
def asset_file(request: HttpRequest, pk: int) -> FileResponse:
    record = selectors.asset_file_get(actor=request.user, pk=pk)
    response = FileResponse(record.file.open("rb"), content_type=record.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_http_methods(GET_POST)
def asset_dispose(request: HttpRequest, pk: int) -> HttpResponse:
    """处置 (sale, transfer, write-off) by a passed 四议两公开 resolution of the village."""
    user = request.user
    asset = selectors.asset_get(actor=user, pk=pk)
    _manage(user, asset.village_id)
    back = reverse("assets:asset_detail", args=[asset.pk])
    if asset.status == AssetStatus.DISPOSED:
        messages.error(request, "该台账已处置")
        return redirect(back)
    decisions = list(selectors.passed_decisions(asset.village_id)[:200])
    form = DisposalForm(request.POST or None, decisions=decisions,
                        initial={"date": timezone.localdate()})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        decision = selectors.decision_for(asset=asset, pk=parse_int(d["decision"] or ""))
        try:
            services.asset_dispose(
                actor=user, asset=asset, kind=d["kind"], date=d["date"], decision=decision,
                proceeds=d["proceeds"], counterparty=d["counterparty"], note=d["note"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已登记处置")
            return redirect(back)
    intro = (
        f"账面价值{format_fen(asset.book_value_fen)}元。处置集体资产须经“四议两公开”，"
        "且决议已通过；有履行中合同的资产不能处置。"
    )
    return form_page(request, form, f"资产处置：{asset.number} {asset.name}", back, intro=intro)


# ---------------------------------------------------------------- inventory


@login_required
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _need(user)
    params = get_params(request, "region", "year", "status", "format", strip=True)
    qs = selectors.campaign_list(
        actor=user, region=params["region"], year=parse_int(params["year"]),
        status=params["status"],
    )  # fmt: skip
    if params["format"] == "xlsx":
        rows = [
            [c.village.name, c.year, c.title, c.get_status_display(), getattr(c, "line_count", 0),
             getattr(c, "counted_count", 0), getattr(c, "open_count", 0), format_date(c.closed_at),
             "已公开" if c.notice_id else ""]
            for c in qs[:EXPORT_LIMIT]
        ]  # fmt: skip
        header = ["村", "年度", "名称", "状态", "台账项数", "已盘点", "待处理差异", "完成日期",
                  "公开"]  # fmt: skip
        return xlsx_response("清产核资", [("清产核资", header, rows)])
    page, query = paginate(request, qs, PAGE_SIZE, drop=EXPORT)
    manage = selectors.asset_villages(user, "assets.manage")
    start = StartForm(villages=manage, initial={"year": timezone.localdate().year})
    context = {
        "page": page, "params": params, "query": query,
        "villages": list(selectors.asset_villages(user)[:500]),
        "start": start if manage.exists() else None, "statuses": CampaignStatus.choices,
    }  # fmt: skip
    return render(request, "assets/registers/campaign_list.html", context)


@login_required
@require_http_methods(GET_POST)
def campaign_start(request: HttpRequest) -> HttpResponse:
    user = request.user
    villages = selectors.asset_villages(user, "assets.manage")
    if not villages.exists():
        raise PermissionDenied("没有权限发起清产核资")
    form = StartForm(request.POST or None, villages=villages,
                     initial={"year": timezone.localdate().year})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            campaign = services.inventory_start(actor=user, village=d["village"], year=d["year"])
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已开始“{campaign.title}”")
            return redirect("assets:campaign_detail", campaign.pk)
    return form_page(request, form, "开始清产核资", reverse("assets:campaign_list"))


def _line_row(n: int, li: InventoryLine) -> list[Any]:
    return [
        n, li.asset.number if li.asset else "", li.get_category_display(), li.name, li.unit,
        "" if li.expected_quantity is None else str(li.expected_quantity),
        li.get_expected_status_display() if li.expected_status else "",
        "" if li.counted_quantity is None else str(li.counted_quantity),
        li.get_counted_status_display() if li.counted_status else
        ("未找到" if li.counted_at else ""),
        li.get_result_display(), li.note, str(li.counted_by or ""), li.resolution,
        "是" if li.adjusted else "",
    ]  # fmt: skip


@login_required
@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A campaign's progress (counted n of N), its checklist with a filter by result, the
    close and publish buttons; ``?format=xlsx`` is the checklist to print or fill in."""
    user = request.user
    campaign = selectors.campaign_get(actor=user, pk=pk)
    params = get_params(request, "result", "q", "format", strip=True)
    lines = selectors.line_list(campaign=campaign, result=params["result"], q=params["q"])
    if params["format"] == "xlsx":
        rows = [_line_row(n, li) for n, li in enumerate(lines[:EXPORT_LIMIT], start=1)]
        return xlsx_response(f"{campaign.title}盘点表", [("盘点表", LINE_COLUMNS, rows)])
    page, query = paginate(request, lines, PAGE_SIZE * 2, drop=EXPORT)
    village = campaign.village_id
    summary_rows = services.summary_table(campaign.summary)["rows"] if campaign.summary else []
    context = {
        "campaign": campaign, "page": page, "params": params, "query": query,
        "results": LineResult.choices, "summary_rows": summary_rows,
        "summary_columns": services.SUMMARY_COLUMNS,
        "counting": campaign.status == CampaignStatus.COUNTING,
        "can_manage": has_perm_in(user, "assets.manage", village),
        "can_count": has_perm_in(user, "assets.count", village),
    }  # fmt: skip
    return render(request, "assets/registers/campaign_detail.html", context)


@login_required
@require_http_methods(GET_POST)
def line_count(request: HttpRequest, pk: int) -> HttpResponse:
    """The phone page of one line: big inputs, the camera for the photo."""
    user = request.user
    line = selectors.line_get(actor=user, pk=pk)
    if not has_perm_in(user, "assets.count", line.campaign.village_id):
        raise PermissionDenied("没有权限盘点")
    initial = {
        "counted_quantity": line.counted_quantity if line.counted_at else line.expected_quantity,
        "counted_status": line.counted_status if line.counted_at else line.expected_status,
        "note": line.note,
    }
    form = CountForm(request.POST or None, request.FILES or None, initial=initial)
    back = reverse("assets:campaign_detail", args=[line.campaign_id])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.inventory_count(
                actor=user, line=line, counted_quantity=d["counted_quantity"],
                counted_status=d["counted_status"], note=d["note"], photo=_upload(d["photo"]),
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已盘点“{line.name}”")
            following = (
                line.campaign.lines.filter(result=LineResult.PENDING, pk__gt=line.pk)
                .order_by("pk").first()
            )  # fmt: skip
            if following is not None:
                return redirect("assets:line_count", following.pk)
            return redirect(back)
    context = {"form": form, "line": line, "back": back}
    return render(request, "assets/registers/count.html", context)


@login_required
@require_http_methods(GET_POST)
def surplus_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    campaign = selectors.campaign_get(actor=user, pk=pk)
    if not has_perm_in(user, "assets.count", campaign.village_id):
        raise PermissionDenied("没有权限盘点")
    form = SurplusForm(request.POST or None, request.FILES or None)
    back = reverse("assets:campaign_detail", args=[campaign.pk])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.inventory_add_surplus(
                actor=user, campaign=campaign, category=d["category"], name=d["name"],
                unit=d["unit"], counted_quantity=d["counted_quantity"],
                counted_status=d["counted_status"], note=d["note"], photo=_upload(d["photo"]),
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已登记盘盈")
            return redirect(back)
    return form_page(request, form, f"登记盘盈：{campaign.title}", back, multipart=True,
                      intro="现场发现、台账上没有的资产资源。")  # fmt: skip


@login_required
@require_http_methods(GET_POST)
def line_reconcile(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    line = selectors.line_get(actor=user, pk=pk)
    _manage(user, line.campaign.village_id)
    form = ReconcileForm(request.POST or None)
    back = reverse("assets:campaign_detail", args=[line.campaign_id])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.inventory_reconcile(
                actor=user, line=line, resolution=d["resolution"], adjust=d["adjust"]
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已处理差异")
            return redirect(back)
    found = (
        f"账面{line.expected_quantity or '—'}{line.unit}（{line.get_expected_status_display()}），"
        f"实盘{line.counted_quantity if line.counted_quantity is not None else '—'}{line.unit}"
        f"（{line.get_counted_status_display() or '未找到'}）：{line.get_result_display()}"
    )
    return form_page(request, form, f"处理差异：{line.name}", back, intro=found)


def _campaign_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = request.user
    campaign = selectors.campaign_get(actor=user, pk=pk)
    _manage(user, campaign.village_id)
    try:
        if action == "close":
            services.inventory_close(actor=user, campaign=campaign)
            messages.success(request, "清产核资已完成，汇总已生成")
        else:
            services.inventory_publish(actor=user, campaign=campaign)
            messages.success(request, "汇总已提交公开（财务公开须经村务监督委员会审核）")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("assets:campaign_detail", campaign.pk)


@login_required
@require_POST
def campaign_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _campaign_action(request, pk, "close")


@login_required
@require_POST
def campaign_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _campaign_action(request, pk, "publish")


# ---------------------------------------------------------------- import (台账导入)

SHOWN_ERRORS = 200
SHOWN_LINES = 500


def _import_key(village: Any) -> str:
    return f"assets_import:{village.code}"


def _import_village(request: HttpRequest, code: str) -> Any:
    """The village of an import page: out of the viewer's scope is 404, a viewer who may not
    manage its register is 403."""
    village = selectors.village_get(actor=request.user, code=code)
    _manage(request.user, village)
    return village


@login_required
@require_GET
def import_pick(request: HttpRequest) -> HttpResponse:
    """导入台账: the villages whose register the user manages (one: straight to its page)."""
    villages = list(selectors.asset_villages(request.user, "assets.manage")[:500])
    if not villages:
        raise PermissionDenied("没有权限管理三资台账")
    if len(villages) == 1:
        return redirect("assets:asset_import", villages[0].code)
    return render(request, "assets/registers/import_pick.html", {"villages": villages})


@login_required
@require_GET
def import_template(request: HttpRequest, code: str) -> HttpResponse:
    village = _import_village(request, code)
    response = HttpResponse(sheets.template_bytes(), content_type=XLSX_CONTENT_TYPE)
    return attachment(response, f"资产资源台账导入模板-{village.name}.xlsx")


@login_required
@require_GET
def import_errors(request: HttpRequest, code: str) -> HttpResponse:
    """The error report of the last upload checked (kept in the session, not the file)."""
    village = _import_village(request, code)
    errors = (request.session.get(_import_key(village)) or {}).get("errors")
    if not errors:
        raise Http404("没有错误报告")
    response = HttpResponse(
        sheets.error_report_bytes(tuple(e) for e in errors), content_type=XLSX_CONTENT_TYPE
    )
    return attachment(response, f"台账导入错误报告-{village.name}.xlsx")


@login_required
@require_http_methods(GET_POST)
def asset_import(request: HttpRequest, code: str) -> HttpResponse:
    """Upload the filled-in template: every row is checked; the errors (row and column) are
    listed, or a preview of what will be entered. The checked rows (not the file) wait in the
    session for the confirmation, which checks them again and saves them all or none."""
    village = _import_village(request, code)
    key = _import_key(village)
    form = ImportForm(request.POST or None, request.FILES or None)
    result: services.ImportResult | None = None
    token = ""
    if request.method == "POST" and form.is_valid():
        request.session.pop(key, None)
        upload = form.cleaned_data["file"]
        try:
            if (upload.size or 0) > sheets.MAX_UPLOAD_BYTES:
                raise ApplicationError("import_too_big", "文件不能超过8MB", field="file")
            name = str(upload.name or "")
            sheet = sheets.read_sheet(name, upload.read())
            result = services.assets_import_rows(
                actor=request.user, village=village, file_name=name,
                header_row=sheet.header_row, header=sheet.header, rows=sheet.rows, dry_run=True,
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            token = secrets.token_urlsafe(16) if result.ok else ""
            request.session[key] = {
                "token": token,
                "file_name": name[:200],
                "header_row": sheet.header_row,
                "header": sheet.header if result.ok else [],
                "rows": [[n, values] for n, values in sheet.rows] if result.ok else [],
                "errors": [list(e) for e in result.errors[:20_000]],
            }
    context = {
        "village": village, "form": form, "result": result,
        "errors": result.errors[:SHOWN_ERRORS] if result else [],
        "more_errors": max(len(result.errors) - SHOWN_ERRORS, 0) if result else 0,
        "lines": result.lines[:SHOWN_LINES] if result else [],
        "more_lines": max(len(result.lines) - SHOWN_LINES, 0) if result else 0,
        "confirm": ImportConfirmForm(initial={"token": token}),
        "columns": sheets.HEADERS,
    }  # fmt: skip
    return render(request, "assets/registers/import.html", context)


@login_required
@require_POST
def import_confirm(request: HttpRequest, code: str) -> HttpResponse:
    village = _import_village(request, code)
    key = _import_key(village)
    stored = request.session.get(key) or {}
    form = ImportConfirmForm(request.POST)
    token = form.cleaned_data["token"] if form.is_valid() else ""
    if not token or token != stored.get("token"):
        messages.error(request, "预览已失效，请重新上传文件")
        return redirect("assets:asset_import", village.code)
    try:
        result = services.assets_import_rows(
            actor=request.user, village=village, file_name=stored["file_name"],
            header_row=stored["header_row"], header=stored["header"],
            rows=[(n, values) for n, values in stored["rows"]],
        )  # fmt: skip
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("assets:asset_import", village.code)
    if not result.imported:
        request.session[key] = {"token": "", "errors": [list(e) for e in result.errors]}
        errors = "；".join(sheets.describe(e) for e in result.errors[:5])
        messages.error(request, f"确认时发现{len(result.errors)}处错误，未导入任何台账：{errors}")
        return redirect("assets:asset_import", village.code)
    request.session.pop(key, None)
    messages.success(
        request,
        f"已导入{result.count}条台账，账面价值合计{format_fen(result.book_value_fen)}元",
    )
    return redirect(reverse("assets:asset_list") + f"?region={village.code}")
