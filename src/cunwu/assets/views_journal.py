"""Pages of the fund journal (资金收支) under /assets/journal/.

Village staff keep the accounts and propose entries (with their attachments) and reversals;
the supervision committee reviews from its queue; the township confirms (the entry is posted
and numbered), closes months and sees every village of the township. The monthly statement
prints, exports and is published as a 财务 notice. Thin: selectors read, services write, an
``ApplicationError`` becomes a form error or a message with nothing changed; what is outside
the user's scope is 404.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
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

from .forms_journal import AccountForm, EntryForm, FileForm, NoteForm, ReverseForm
from .models import Direction, EntryCategory, EntryStatus, JournalEntry
from .selectors import journal as selectors
from .services import journal as services

PAGE_SIZE = 30
GET_POST = ["GET", "POST"]
EXPORT_LIMIT = 20_000
EXPORT = ("format",)
ENTRY_HEADER = ["村", "业务日期", "凭证号", "账户", "收支", "科目", "对方单位或个人", "摘要",
                "金额（元）", "状态", "经办人"]  # fmt: skip


def _entry_cells(e: JournalEntry) -> list[Any]:
    return [
        e.village.name, e.date.isoformat(), e.voucher_number, e.account.name,
        e.get_direction_display(), e.get_category_display(), e.counterparty, e.summary,
        format_fen(e.amount_fen), e.get_status_display(), str(e.proposed_by),
    ]  # fmt: skip


# ---------------------------------------------------------------- accounts and balances


@login_required
@require_GET
def account_list(request: HttpRequest) -> HttpResponse:
    """资金账户与余额: every account in scope with its balance, and the totals."""
    user = request.user
    need(user, "assets.view")
    params = get_params(request, "region", "format")
    summary = selectors.balance_summary(actor=user, region=params["region"])
    if params["format"] == "xlsx":
        rows = [[a.village.name, a.name, a.get_kind_display(), a.bank_name, a.account_number,
                 "启用" if a.active else "停用", format_fen(a.balance)]  # type: ignore[attr-defined]
                for a in summary.rows]  # fmt: skip
        rows.append(["合计", "", "", "", "", "", format_fen(summary.total)])
        header = ["村", "账户名称", "类型", "开户行", "账号", "状态", "余额（元）"]
        return xlsx_response("资金余额", [("资金余额", header, rows)])
    villages = list(selectors.journal_villages(user)[:500])
    context = {
        "summary": summary, "params": params, "villages": villages,
        "can_create": scope_prefixes(user, "assets.journal_propose") != [],
        "can_manage": {a.pk for a in summary.rows
                       if has_perm_in(user, "assets.journal_propose", a.village_id)},
    }  # fmt: skip
    return render(request, "assets/journal/accounts.html", context)


@login_required
@require_http_methods(GET_POST)
def account_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    villages = selectors.journal_villages(user, "assets.journal_propose")
    if not villages.exists():
        raise PermissionDenied("没有权限登记资金账户")
    form = AccountForm(request.POST or None, villages=villages)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            account = services.account_create(
                actor=user, village=d["village"], name=d["name"], kind=d["kind"],
                bank_name=d["bank_name"], account_number=d["account_number"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已登记账户“{account.name}”，请登记期初余额")
            return redirect("assets:journal_accounts")
    return form_page(request, form, "登记资金账户", reverse("assets:journal_accounts"))


@login_required
@require_POST
def account_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.account_get(actor=request.user, pk=pk)
    try:
        services.account_deactivate(actor=request.user, account=account)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已停用账户“{account.name}”")
    return redirect("assets:journal_accounts")


# ---------------------------------------------------------------- entries


def _entry_filters(request: HttpRequest) -> tuple[dict[str, str], Any]:
    params = get_params(request, "q", "region", "account", "status", "direction", "category",
                        "month", "format", strip=True)  # fmt: skip
    qs = selectors.entry_list(
        actor=request.user, region=params["region"], account=parse_int(params["account"]),
        status=params["status"], direction=params["direction"], category=params["category"],
        month=params["month"], q=params["q"],
    )  # fmt: skip
    return params, qs


@login_required
@require_GET
def journal_list(request: HttpRequest) -> HttpResponse:
    """收支记录: filters (村、账户、状态、收支、科目、月份、摘要/对方/凭证号), pager, xlsx."""
    user = request.user
    need(user, "assets.view")
    params, qs = _entry_filters(request)
    if params["format"] == "xlsx":
        rows = [_entry_cells(e) for e in qs[:EXPORT_LIMIT]]
        return xlsx_response("资金收支记录", [("收支记录", ENTRY_HEADER, rows)])
    page, query = paginate(request, qs, PAGE_SIZE, drop=EXPORT)
    villages = list(selectors.journal_villages(user)[:500])
    context = {
        "page": page, "params": params, "query": query, "villages": villages,
        "accounts": list(selectors.account_list(actor=user)[:200]),
        "statuses": EntryStatus.choices, "directions": Direction.choices,
        "categories": EntryCategory.choices,
        "can_propose": scope_prefixes(user, "assets.journal_propose") != [],
        "can_review": scope_prefixes(user, "assets.journal_review") != [],
        "can_confirm": scope_prefixes(user, "assets.journal_confirm") != [],
    }  # fmt: skip
    return render(request, "assets/journal/list.html", context)


@login_required
@require_http_methods(GET_POST)
def entry_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    need(user, "assets.journal_propose")
    accounts = selectors.accounts_for_propose(user)
    initial = {"date": timezone.localdate()}
    form = EntryForm(request.POST or None, request.FILES or None, accounts=accounts,
                     initial=initial)  # fmt: skip
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            files = [(f.name or "附件", f.read()) for f in d["attachments"][:11]]
            entry = services.entry_propose(
                actor=user, account=d["account"], date=d["date"], direction=d["direction"],
                category=d["category"], counterparty=d["counterparty"], summary=d["summary"],
                amount=d["amount"], files=files,
            )  # fmt: skip
        except ApplicationError as exc:
            if exc.field == "attachment":
                exc.field = "attachments"
            apply_error(form, exc)
        else:
            messages.success(request, "已提交，待村务监督委员会审核")
            return redirect("assets:journal_detail", entry.pk)
    if not accounts.exists():
        messages.warning(request, "还没有启用的资金账户，请先登记账户")
    return form_page(request, form, "登记收支", reverse("assets:journal_list"), multipart=True)


@login_required
@require_GET
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    entry = selectors.entry_get(actor=user, pk=pk)
    village = entry.village_id
    closed = services.is_closed(village, entry.date.year, entry.date.month)
    reversal = selectors.entry_reversal(entry)
    context = {
        "e": entry, "approvals": selectors.entry_approvals(entry),
        "files": selectors.entry_files(entry), "reversal": reversal, "closed": closed,
        "note_form": NoteForm(), "file_form": FileForm(),
        "can_review": entry.status == EntryStatus.PROPOSED
        and has_perm_in(user, "assets.journal_review", village),
        "can_confirm": entry.status == EntryStatus.REVIEWED and not closed
        and has_perm_in(user, "assets.journal_confirm", village),
        "can_attach": entry.status in services.PENDING
        and has_perm_in(user, "assets.journal_propose", village),
        "can_reverse": entry.status == EntryStatus.POSTED and reversal is None
        and entry.reverses_id is None and has_perm_in(user, "assets.journal_propose", village),
    }  # fmt: skip
    return render(request, "assets/journal/detail.html", context)


def _approve(request: HttpRequest, pk: int, step: Any, done: str) -> HttpResponse:
    entry = selectors.entry_get(actor=request.user, pk=pk)
    form = NoteForm(request.POST)
    approve = request.POST.get("decision") == "approve"
    if not form.is_valid():
        messages.error(request, "意见至多200字")
    else:
        try:
            step(actor=request.user, entry=entry, approve=approve,
                 note=form.cleaned_data["note"])  # fmt: skip
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, done if approve else "已退回")
    back = request.POST.get("next", "")
    if back in ("review", "confirm"):
        return redirect(f"assets:journal_{back}_queue")
    return redirect("assets:journal_detail", entry.pk)


@login_required
@require_POST
def entry_review(request: HttpRequest, pk: int) -> HttpResponse:
    return _approve(request, pk, services.entry_review, "已审核通过，待乡镇确认")


@login_required
@require_POST
def entry_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    return _approve(request, pk, services.entry_confirm, "已确认记账")


@login_required
@require_http_methods(GET_POST)
def entry_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.entry_get(actor=request.user, pk=pk)
    if not has_perm_in(request.user, "assets.journal_propose", entry.village_id):
        raise PermissionDenied("没有权限冲销")
    form = ReverseForm(request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            reversal = services.entry_reverse(
                actor=request.user, entry=entry, date=d["date"], reason=d["reason"]
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已提交冲销记录，待监委会审核")
            return redirect("assets:journal_detail", reversal.pk)
    back = reverse("assets:journal_detail", args=[entry.pk])
    title = f"冲销：{entry.voucher_number} {entry.summary}（{format_fen(entry.amount_fen)}元）"
    return form_page(request, form, title, back)


@login_required
@require_POST
def file_add(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.entry_get(actor=request.user, pk=pk)
    form = FileForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择要上传的附件")
    else:
        upload = form.cleaned_data["file"]
        try:
            if upload.size > 10 * 1024 * 1024:
                raise ApplicationError("attachment_too_big", f"附件“{upload.name}”超过10 MB")
            services.entry_attach(actor=request.user, entry=entry, name=upload.name or "附件",
                                  data=upload.read())  # fmt: skip
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已上传附件“{upload.name}”")
    return redirect("assets:journal_detail", entry.pk)


@login_required
@require_GET
def file_download(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    item = selectors.file_get(actor=request.user, entry_pk=pk, pk=file_pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=item.content_type)
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(item.original_name)}"
    return response


# ---------------------------------------------------------------- queues


def _queue(request: HttpRequest, perm: str, which: str) -> HttpResponse:
    user = request.user
    need(user, perm)
    params = get_params(request, "region", strip=True)
    if which == "review":
        qs = selectors.review_queue(actor=user, region=params["region"])
        title = "待监委会审核"
    else:
        qs = selectors.confirm_queue(actor=user, region=params["region"])
        title = "待乡镇确认记账"
    page, query = paginate(request, qs, PAGE_SIZE)
    context = {"page": page, "query": query, "params": params, "title": title, "which": which,
               "villages": list(selectors.journal_villages(user, perm)[:500])}  # fmt: skip
    return render(request, "assets/journal/queue.html", context)


@login_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    return _queue(request, "assets.journal_review", "review")


@login_required
@require_GET
def confirm_queue(request: HttpRequest) -> HttpResponse:
    return _queue(request, "assets.journal_confirm", "confirm")


# ---------------------------------------------------------------- months and statements


@login_required
@require_GET
def month_index(request: HttpRequest) -> HttpResponse:
    """月结与收支明细: the villages in scope (one village: straight to it)."""
    user = request.user
    need(user, "assets.view")
    villages = list(selectors.journal_villages(user)[:500])
    if len(villages) == 1:
        return redirect("assets:journal_months", villages[0].code)
    return render(request, "assets/journal/month_index.html", {"villages": villages})


@login_required
@require_GET
def months(request: HttpRequest, code: str) -> HttpResponse:
    """A village's months: entries waiting in each, closed or not, the close button."""
    user = request.user
    village = selectors.village_get(actor=user, code=code)
    rows = selectors.months_overview(village=village)
    today = timezone.localdate()
    context = {
        "village": village, "rows": rows,
        "can_close": has_perm_in(user, "assets.journal_confirm", village),
        "this_month": (today.year, today.month),
    }  # fmt: skip
    return render(request, "assets/journal/months.html", context)


def _year_month(raw: str) -> tuple[int, int]:
    ym = selectors.parse_month(raw)
    if ym is None:
        today = timezone.localdate()
        return today.year, today.month
    return ym


@login_required
@require_POST
def month_close(request: HttpRequest, code: str) -> HttpResponse:
    village = selectors.village_get(actor=request.user, code=code)
    year, month = _year_month(request.POST.get("month", ""))
    try:
        services.month_close(actor=request.user, village=village, year=year, month=month)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{year}年{month}月已结账")
    return redirect("assets:journal_months", village.code)


@login_required
@require_GET
def statement(request: HttpRequest, code: str) -> HttpResponse:
    """收支明细: the month's posted entries in voucher order, category and account totals."""
    user = request.user
    village = selectors.village_get(actor=user, code=code)
    year, month = _year_month(request.GET.get("month", ""))
    data = selectors.statement(village=village, year=year, month=month)
    if request.GET.get("format") == "xlsx":
        f = data.figures
        entry_rows: list[list[Any]] = [selectors.entry_cells(e) for e in data.entries]
        cat_rows: list[list[Any]] = [
            [c["label"], format_fen(c["receipts"]), format_fen(c["payments"]),
             "否" if c["excluded"] else "是"] for c in f.categories
        ]  # fmt: skip
        cat_rows.append(["收入、支出合计", format_fen(f.income), format_fen(f.expense), ""])
        acc_rows: list[list[Any]] = [
            [a["name"], format_fen(a["opening"]), format_fen(a["receipts"]),
             format_fen(a["payments"]), format_fen(a["closing"])] for a in f.accounts
        ]  # fmt: skip
        acc_rows.append(["合计", format_fen(f.opening), format_fen(f.receipts),
                         format_fen(f.payments), format_fen(f.closing)])  # fmt: skip
        return xlsx_response(
            f"{village.name}{year}年{month}月收支明细",
            [("收支明细", selectors.STATEMENT_COLUMNS, entry_rows),
             ("科目汇总", ["科目", "收入（元）", "支出（元）", "计入收支合计"], cat_rows),
             ("账户余额", ["账户", "期初（元）", "收入（元）", "支出（元）", "期末（元）"],
              acc_rows),
             ("资产负债简表", ["项目", "金额（元）"],
              [[label, format_fen(fen)] for label, fen in data.balance.rows()])],
        )  # fmt: skip
    can_publish = (
        data.close is not None and data.close.notice_id is None
        and has_perm_in(user, "disclosure.publish", village)
        and (has_perm_in(user, "assets.journal_propose", village)
             or has_perm_in(user, "assets.journal_confirm", village))
    )  # fmt: skip
    context = {
        "village": village, "data": data, "year": year, "month": month,
        "month_value": f"{year:04d}-{month:02d}", "can_publish": can_publish,
        "made_on": format_date(timezone.localdate()),
    }  # fmt: skip
    return render(request, "assets/journal/statement.html", context)


@login_required
@require_POST
def statement_publish(request: HttpRequest, code: str) -> HttpResponse:
    village = selectors.village_get(actor=request.user, code=code)
    year, month = _year_month(request.POST.get("month", ""))
    try:
        notice = services.statement_publish(actor=request.user, village=village, year=year,
                                            month=month)  # fmt: skip
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已提交公开：{notice.title}（待监委会审核后公开）")
    return redirect(
        reverse("assets:journal_statement", args=[village.code]) + f"?month={year:04d}-{month:02d}"
    )
