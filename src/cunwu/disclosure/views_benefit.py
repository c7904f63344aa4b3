"""Pages of 惠民资金: for staff the batches (list, import with its error report, detail with the
publication and the reversal of a row, xlsx exports, all masked); for the public the query by
name and the last six ID characters (rate-limited per client, the same neutral answer for a
miss whether or not the name exists)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunwu.accounts.permissions import has_perm_in, regions_in_scope, require, scope_prefixes
from cunwu.core.errors import ApplicationError, apply_error
from cunwu.core.formatting import format_fen
from cunwu.core.listing import get_params, paginate
from cunwu.core.models import RegionLevel
from cunwu.core.ratelimit import rate_limit
from cunwu.core.spreadsheets import TABLE_DOWNLOADS, XLSX_CONTENT_TYPE, attachment

from . import benefit_sheets as sheets
from . import selectors_benefit as selectors
from . import services_benefit as services
from .forms_benefit import (
    BenefitImportForm,
    BenefitPublishForm,
    BenefitQueryForm,
    BenefitReverseForm,
)
from .models import BenefitBatch, BenefitPayment
from .views_public import LARGE_COOKIE

PAGE_SIZE = 30
ROWS_PAGE_SIZE = 100
SHOWN_ERRORS = 200
GET_POST = ["GET", "POST"]
EXPORT = ("format",)
ERRORS_KEY = "benefit_import_errors"
QUERY_LIMIT = (10, 600)  # public queries per client and 10 minutes (page and API together)
NOT_FOUND = "未查询到发放记录"

BATCH_HEADER = ["批次", "村", "补贴项目", "原文件名", "人次", "合计金额（元）", "导入人",
                "导入时间", "公示状态"]  # fmt: skip
PAYMENT_HEADER = ["行号", "姓名", "公民身份号码", "补贴项目", "金额（元）", "发放日期", "年度",
                  "说明"]  # fmt: skip


def _need(user: Any, perm: str, message: str = "没有权限查看惠民资金") -> None:
    if scope_prefixes(user, perm) == []:
        raise PermissionDenied(message)


def _villages(user: Any) -> Any:
    return regions_in_scope(user, "disclosure.publish", level=RegionLevel.VILLAGE)


def _batch_cells(b: BenefitBatch) -> list[Any]:
    return [
        b.pk, b.village.name, b.item, b.file_name, b.row_count, format_fen(b.total_fen),
        str(b.imported_by), timezone.localtime(b.imported_at).strftime("%Y-%m-%d %H:%M"),
        b.notice.status_label if b.notice else "未公示",
    ]  # fmt: skip


def _payment_note(p: BenefitPayment) -> str:
    if p.reverses_id is not None:
        return f"冲销第{p.row}行：{p.reason}"
    if getattr(p, "reversed_by", None) is not None:
        return "已冲销"
    return ""


def _payment_cells(p: BenefitPayment) -> list[Any]:
    return [
        p.row, p.name, p.id_masked, p.item, format_fen(p.amount_fen), p.paid_on.isoformat(),
        p.year, _payment_note(p),
    ]  # fmt: skip


# ---------------------------------------------------------------- staff


@login_required
@require_GET
def batch_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _need(user, "disclosure.view")
    params = get_params(request, "q", "item", "region", "year", "published", "format", strip=True)
    qs = selectors.batch_list(
        actor=user, q=params["q"], item=params["item"], region=params["region"],
        year=params["year"], published=params["published"],
    )  # fmt: skip
    if download := TABLE_DOWNLOADS.get(params["format"]):
        return download("惠民资金发放批次", BATCH_HEADER, [_batch_cells(b) for b in qs[:20_000]])
    page, query = paginate(request, qs, PAGE_SIZE, drop=EXPORT)
    context = {
        "page": page,
        "params": params,
        "query": query,
        "items": selectors.items_in_scope(user),
        "villages": regions_in_scope(user, "disclosure.view", level=RegionLevel.VILLAGE)[:500],
        "can_import": scope_prefixes(user, "disclosure.publish") != [],
    }
    return render(request, "disclosure/benefits/list.html", context)


@login_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    _need(request.user, "disclosure.publish", "没有权限导入惠民资金")
    response = HttpResponse(sheets.template_bytes(), content_type=XLSX_CONTENT_TYPE)
    return attachment(response, "惠民资金发放名单模板.xlsx")


@login_required
@require_http_methods(GET_POST)
def batch_import(request: HttpRequest) -> HttpResponse:
    """Upload a list of payments: every row is checked; the errors (row and column) are shown
    and kept for an xlsx report, and nothing is saved; or the batch is saved whole."""
    user = request.user
    villages = _villages(user)
    if not villages.exists():
        raise PermissionDenied("没有权限导入惠民资金")
    form = BenefitImportForm(request.POST or None, request.FILES or None, villages=villages)
    errors: list[sheets.RowError] = []
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        upload = d["file"]
        request.session.pop(ERRORS_KEY, None)
        try:
            if upload.size > sheets.MAX_UPLOAD_BYTES:
                raise ApplicationError("import_too_big", "文件不能超过8MB", field="file")
            result = services.benefit_import(
                actor=user, village=d["village"], item=d["item"], file_name=upload.name or "",
                data=upload.read(),
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            if result.batch is not None:
                b = result.batch
                messages.success(
                    request,
                    f"已导入{b.row_count}人次，合计{format_fen(b.total_fen)}元；核对后可提交公示",
                )
                return redirect("disclosure:benefit_detail", b.pk)
            errors = result.errors
            request.session[ERRORS_KEY] = [list(e) for e in errors[:20_000]]
    context = {
        "form": form,
        "errors": errors[:SHOWN_ERRORS],
        "error_count": len(errors),
        "more_errors": max(len(errors) - SHOWN_ERRORS, 0),
        "common_items": services.COMMON_ITEMS,
    }
    return render(request, "disclosure/benefits/import.html", context)


@login_required
@require_GET
def import_errors(request: HttpRequest) -> HttpResponse:
    """The error report of the last refused upload (kept in the session, not the file)."""
    _need(request.user, "disclosure.publish", "没有权限导入惠民资金")
    errors = request.session.get(ERRORS_KEY)
    if not errors:
        raise Http404("没有错误报告")
    data = sheets.error_report_bytes(tuple(e) for e in errors)
    return attachment(
        HttpResponse(data, content_type=XLSX_CONTENT_TYPE), "惠民资金导入错误报告.xlsx"
    )


@login_required
@require_GET
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    batch = selectors.batch_get(actor=user, pk=pk)
    rows = selectors.payments_of(batch)
    fmt = request.GET.get("format", "")[:10]
    if download := TABLE_DOWNLOADS.get(fmt):
        title = f"惠民资金第{batch.pk}批"
        return download(title, PAYMENT_HEADER, [_payment_cells(p) for p in rows])
    page, query = paginate(request, rows, ROWS_PAGE_SIZE, drop=EXPORT)
    can_publish = has_perm_in(user, "disclosure.publish", batch.village_id)
    notice = batch.notice
    context = {
        "batch": batch,
        "page": page,
        "query": query,
        "net_fen": rows.aggregate(total=Sum("amount_fen"))["total"] or 0,
        "reversed_count": rows.filter(reverses__isnull=False).count(),
        "can_publish": can_publish and (notice is None or notice.status in services._REPUBLISHABLE),
        "can_reverse": can_publish,
        "publish_form": BenefitPublishForm(),
        "notice": notice,
    }
    return render(request, "disclosure/benefits/detail.html", context)


@login_required
@require_POST
def batch_publish(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get(actor=request.user, pk=pk)
    require(request.user, "disclosure.publish", batch.village_id)
    form = BenefitPublishForm(request.POST)
    target = reverse("disclosure:benefit_detail", args=[batch.pk])
    if not form.is_valid():
        messages.error(request, "公示天数应为0到60之间的整数")
        return redirect(target)
    try:
        notice = services.benefit_publish(
            actor=request.user, batch=batch, period_days=form.cleaned_data["period_days"]
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(target)
    messages.success(request, f"已生成公告，状态：{notice.status_label}")
    return redirect("disclosure:notice_detail", notice.pk)


@login_required
@require_http_methods(GET_POST)
def payment_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    payment = selectors.payment_get(actor=request.user, pk=pk)
    require(request.user, "disclosure.publish", payment.village_id)
    form = BenefitReverseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.benefit_reverse(
                actor=request.user, payment=payment, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已冲销第{payment.row}行（{payment.name}）")
            return redirect("disclosure:benefit_detail", payment.batch_id)
    context = {"payment": payment, "form": form}
    return render(request, "disclosure/benefits/reverse.html", context)


# ---------------------------------------------------------------- public


@never_cache
@require_http_methods(GET_POST)
@rate_limit("benefit_query", *QUERY_LIMIT, methods=("POST",))
def public_query(request: HttpRequest) -> HttpResponse:
    """惠民资金查询: a person's own payments by name and the last six ID characters. The answer
    shows item, amount, date and village with the name masked, never the ID number."""
    form = BenefitQueryForm(request.POST or None)
    results: list[BenefitPayment] | None = None
    if request.method == "POST" and form.is_valid():
        try:
            results = selectors.public_query(
                name=form.cleaned_data["name"], id_tail=form.cleaned_data["id_tail"]
            )
        except ApplicationError as exc:
            apply_error(form, exc)
    context = {
        "large_text": request.COOKIES.get(LARGE_COOKIE) == "1",
        "form": form,
        "results": results,
        "total_fen": sum(p.amount_fen for p in results) if results else 0,
        "masked_name": services.mask_name(results[0].name) if results else "",
        "not_found": NOT_FOUND,
    }
    return render(request, "disclosure/benefits/public_query.html", context)
