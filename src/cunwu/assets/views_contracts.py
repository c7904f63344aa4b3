"""Pages of the contracts (制度要严, 检查要常) under /assets/contracts/: the list with its filters,
export and the 检查合同 button; a contract with its schedule, payments, flags and files; the
create, end, payment and reversal forms; the aging list of outstanding rent; the reminders.
Thin: selectors read, services write, an ``ApplicationError`` becomes a form error or a message
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
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunwu.accounts.pages import form_page, need
from cunwu.accounts.permissions import has_perm_in, scope_prefixes
from cunwu.core.errors import ApplicationError, apply_error
from cunwu.core.formatting import format_date, format_fen
from cunwu.core.listing import get_params, paginate, parse_int
from cunwu.core.spreadsheets import xlsx_response

from .forms_contracts import ContractForm, EndForm, FileForm, PaymentForm, ReverseForm
from .models import ContractKind, ContractStatus, ReminderKind
from .selectors import contracts as selectors
from .selectors import journal as journal_selectors
from .services import contracts as services

PAGE_SIZE = 30
GET_POST = ["GET", "POST"]
EXPORT_LIMIT = 20_000
EXPORT = ("format",)


def _manage(user: Any, village: Any) -> None:
    if not has_perm_in(user, "assets.manage", village):
        raise PermissionDenied("没有权限管理合同")


# ---------------------------------------------------------------- the list


@login_required
@require_GET
def contract_list(request: HttpRequest) -> HttpResponse:
    """合同: filters (village, status, kind, expiring within N days, flagged), search, export."""
    user = request.user
    need(user, "assets.view")
    params = get_params(request, "q", "region", "status", "kind", "expiring", "flagged", "format",
                        strip=True)  # fmt: skip
    expiring = parse_int(params["expiring"])
    qs = selectors.contract_list(
        actor=user, q=params["q"], region=params["region"], status=params["status"],
        kind=params["kind"], expiring_days=expiring, flagged=params["flagged"] == "1",
    )  # fmt: skip
    if params["format"] == "xlsx":
        header = ["村", "合同编号", "合同名称", "类型", "承租（承包）方", "联系电话", "签订日期",
                  "起始日期", "终止日期", "总价款（元）", "年租金（元）", "确定方式", "状态",
                  "检查问题数"]  # fmt: skip
        rows = [
            [
                c.village.name,
                c.number,
                c.title,
                c.get_kind_display(),
                c.party_name,
                c.party_phone_masked,
                format_date(c.signed_on),
                format_date(c.start_date),
                format_date(c.end_date),
                format_fen(c.total_price_fen),
                format_fen(c.annual_price_fen),
                c.get_award_method_display(),
                c.get_status_display(),
                getattr(c, "flag_count", 0),
            ]
            for c in qs[:EXPORT_LIMIT]
        ]
        return xlsx_response("合同", [("合同", header, rows)])
    page, query = paginate(request, qs, PAGE_SIZE, drop=EXPORT)
    villages = list(selectors.contract_villages(user)[:500])
    context = {
        "page": page, "params": params, "query": query, "villages": villages,
        "statuses": ContractStatus.choices, "kinds": ContractKind.choices,
        "can_manage": scope_prefixes(user, "assets.manage") != [],
        "can_check": scope_prefixes(user, "assets.check") != [],
        "open_reminders": selectors.open_reminder_count(user),
    }  # fmt: skip
    return render(request, "assets/contracts/list.html", context)


@login_required
@require_POST
def contract_check_run(request: HttpRequest) -> HttpResponse:
    """检查合同: the checks of every contract of the villages in the user's assets.check scope."""
    user = request.user
    if scope_prefixes(user, "assets.check") == []:
        raise PermissionDenied("没有权限检查合同")
    flags = services.contracts_check_scope(actor=user)
    if flags:
        messages.warning(request, f"检查完成，新发现 {len(flags)} 个问题，已记入问题台账")
    else:
        messages.success(request, "检查完成，没有新发现的问题")
    return redirect("assets:contract_list")


# ---------------------------------------------------------------- one contract


@login_required
@require_http_methods(GET_POST)
def contract_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    villages = list(selectors.contract_villages(user, "assets.manage")[:500])
    if not villages:
        raise PermissionDenied("没有权限管理合同")
    code = request.GET.get("village", "")[:12]
    village = next((v for v in villages if v.code == code), villages[0])
    form = ContractForm(
        request.POST or None, assets=selectors.leasable_assets(village),
        decisions=selectors.village_decisions(village),
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            contract = services.contract_create(
                actor=user, village=village, number=d["number"], title=d["title"],
                kind=d["kind"], party_name=d["party_name"], party_phone=d["party_phone"],
                assets=list(d["assets"]), signed_on=d["signed_on"], start_date=d["start_date"],
                end_date=d["end_date"], total_price=d["total_price"],
                annual_price=d["annual_price"], deposit=d["deposit"] or "0",
                award_method=d["award_method"], decision=d["decision"], note=d["note"],
                schedule=form.schedule_rows(),
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已登记合同{contract.number}")
            return redirect("assets:contract_detail", contract.pk)
    context = {"form": form, "village": village, "villages": villages,
               "back": reverse("assets:contract_list")}  # fmt: skip
    return render(request, "assets/contracts/create.html", context)


@login_required
@require_GET
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    contract = selectors.contract_get(actor=user, pk=pk)
    receivables = selectors.contract_receivables(contract)
    today = timezone.localdate()
    context = {
        "contract": contract, "assets": list(contract.assets.all()),
        "receivables": receivables, "payments": selectors.contract_payments(contract),
        "flags": selectors.contract_flags(contract), "files": list(contract.files.all()),
        "paid": sum(r.paid_fen for r in receivables),
        "outstanding": sum(r.outstanding_fen for r in receivables),
        "scheduled": sum(r.amount_fen for r in receivables), "today": today,
        "can_manage": has_perm_in(user, "assets.manage", contract.village_id),
        "can_check": has_perm_in(user, "assets.check", contract.village_id),
        "active": contract.status == ContractStatus.ACTIVE,
    }  # fmt: skip
    return render(request, "assets/contracts/detail.html", context)


@login_required
@require_POST
def contract_check(request: HttpRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get(actor=request.user, pk=pk)
    if not has_perm_in(request.user, "assets.check", contract.village_id):
        raise PermissionDenied("没有权限检查合同")
    flags = services.contract_check(actor=request.user, contract=contract)
    messages.info(request, f"检查完成，新发现 {len(flags)} 个问题")
    return redirect("assets:contract_detail", contract.pk)


@login_required
@require_http_methods(GET_POST)
def contract_end(request: HttpRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get(actor=request.user, pk=pk)
    _manage(request.user, contract.village_id)
    form = EndForm(request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.contract_end(
                actor=request.user, contract=contract, date=d["date"], reason=d["reason"],
                terminated=d["terminated"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "合同已收回或解除，标的恢复为闲置")
            return redirect("assets:contract_detail", contract.pk)
    back = reverse("assets:contract_detail", args=[contract.pk])
    return form_page(request, form, f"收回或解除合同{contract.number}", back)


@login_required
@require_POST
def contract_publish(request: HttpRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get(actor=request.user, pk=pk)
    _manage(request.user, contract.village_id)
    try:
        services.contract_publish(actor=request.user, contract=contract)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "合同已公开")
    return redirect("assets:contract_detail", contract.pk)


@login_required
@require_http_methods(GET_POST)
def contract_file_add(request: HttpRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get(actor=request.user, pk=pk)
    _manage(request.user, contract.village_id)
    form = FileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.contract_file_add(
                actor=request.user, contract=contract, name=upload.name or "附件",
                data=upload.read(),
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已上传附件")
            return redirect("assets:contract_detail", contract.pk)
    back = reverse("assets:contract_detail", args=[contract.pk])
    return form_page(request, form, "上传合同附件", back, multipart=True)


# ---------------------------------------------------------------- payments


@login_required
@require_http_methods(GET_POST)
def payment_create(request: HttpRequest, pk: int) -> HttpResponse:
    receivable = selectors.receivable_get(actor=request.user, pk=pk)
    _manage(request.user, receivable.village_id)
    accounts = journal_selectors.accounts_for_propose(request.user).filter(
        village_id=receivable.village_id
    )
    form = PaymentForm(
        request.POST or None, accounts=accounts, initial={"date": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.payment_record(
                actor=request.user, receivable=receivable, date=d["date"], amount=d["amount"],
                note=d["note"], account=d["account"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已登记收款")
            return redirect("assets:contract_detail", receivable.contract_id)
    back = reverse("assets:contract_detail", args=[receivable.contract_id])
    intro = (f"{receivable.label}：应收{format_fen(receivable.amount_fen)}元，"
             f"已收{format_fen(receivable.paid_fen)}元，"
             f"还剩{format_fen(receivable.outstanding_fen)}元")  # fmt: skip
    return form_page(request, form, f"登记收款 · {receivable.contract.number}", back, intro=intro)


@login_required
@require_http_methods(GET_POST)
def payment_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    payment = selectors.payment_get(actor=request.user, pk=pk)
    _manage(request.user, payment.village_id)
    form = ReverseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.payment_reverse(
                actor=request.user, payment=payment, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已冲销该笔收款")
            return redirect("assets:contract_detail", payment.receivable.contract_id)
    back = reverse("assets:contract_detail", args=[payment.receivable.contract_id])
    intro = f"冲销{format_date(payment.date)}收款{format_fen(payment.amount_fen)}元"
    return form_page(request, form, "冲销收款", back, intro=intro)


# ---------------------------------------------------------------- aging and reminders


@login_required
@require_GET
def receivable_aging(request: HttpRequest) -> HttpResponse:
    """应收款账龄: what is outstanding per village by how long overdue, totals in 元."""
    user = request.user
    need(user, "assets.view")
    params = get_params(request, "region", "format", strip=True)
    rows, total = selectors.aging(actor=user, region=params["region"])
    buckets = selectors.AGING_BUCKETS
    if params["format"] == "xlsx":
        header = ["村", "笔数", *[label for _k, label, *_ in buckets], "合计（元）"]
        cells = [
            [r.village.name if r.village else "合计", r.count,
             *[format_fen(r.buckets[k]) for k, *_ in buckets], format_fen(r.total)]
            for r in [*rows, total]
        ]  # fmt: skip
        return xlsx_response("应收款账龄", [("账龄", header, cells)])
    table = [(r, [r.buckets[k] for k, *_ in buckets]) for r in rows]
    context = {
        "rows": table, "total": total, "total_cells": [total.buckets[k] for k, *_ in buckets],
        "buckets": buckets, "params": params,
        "villages": list(selectors.contract_villages(user)[:500]),
    }  # fmt: skip
    return render(request, "assets/contracts/aging.html", context)


@login_required
@require_GET
def reminder_list(request: HttpRequest) -> HttpResponse:
    """到期提醒: open ones first; a cadre marks one handled."""
    user = request.user
    need(user, "assets.view")
    params = get_params(request, "region", "kind", "open", "format", strip=True)
    qs = selectors.reminder_list(
        actor=user, region=params["region"], kind=params["kind"], open_only=params["open"] == "1"
    )
    if params["format"] == "xlsx":
        header = ["村", "提醒", "合同编号", "款项", "到期日", "处理时间"]
        rows = [
            [r.village.name, r.get_kind_display(), r.contract.number,
             r.receivable.label if r.receivable else "", format_date(r.due_date),
             format_date(timezone.localtime(r.done_at)) if r.done_at else "未处理"]
            for r in qs[:EXPORT_LIMIT]
        ]  # fmt: skip
        return xlsx_response("到期提醒", [("提醒", header, rows)])
    page, query = paginate(request, qs, PAGE_SIZE, drop=EXPORT)
    context = {
        "page": page, "params": params, "query": query, "kinds": ReminderKind.choices,
        "villages": list(selectors.contract_villages(user)[:500]),
        "can_manage": scope_prefixes(user, "assets.manage") != [],
    }  # fmt: skip
    return render(request, "assets/contracts/reminders.html", context)


@login_required
@require_POST
def reminder_done(request: HttpRequest, pk: int) -> HttpResponse:
    reminder = selectors.reminder_get(actor=request.user, pk=pk)
    _manage(request.user, reminder.village_id)
    try:
        services.reminder_done(actor=request.user, reminder=reminder)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已标记为已处理")
    return redirect("assets:reminder_list")
