"""三资 over the API (journal); mounted under /api/v1/assets by assets/api.py.

Under ``/journal``: accounts (list with balances, create), entries (list with filters, create,
detail, review, confirm, reverse, files), the month-end close, the monthly statement (GET its
figures, POST to publish it) and the balances. Amounts are read in 元 (``"1234.50"``) and
returned in 分. Scoped like the pages: what lies outside the caller's villages is 404."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from cunwu.api.schemas import ERRORS, Date, Page, PageParams, Text, paginate

from .models import FundAccount, JournalEntry
from .selectors import journal as selectors
from .services import journal as services

router = Router(tags=["三资"])

MAX_ID = 2**62
StatusName = Literal["proposed", "reviewed", "posted", "rejected"]
DirectionName = Literal["receipt", "payment"]
CategoryName = Literal[
    "operating_income", "contract_income", "investment_income", "subsidy_income",
    "other_income", "operating_expense", "admin_expense", "public_welfare", "other_expense",
    "opening", "transfer", "deposit",
]  # fmt: skip
VILLAGE = Field(pattern=r"^\d{12}$", description="村的区划代码")


# ---------------------------------------------------------------- schemas


class AccountOut(Schema):
    id: int
    village: str
    village_name: str
    name: str
    kind: str
    kind_label: str
    bank_name: str
    account_number: str
    active: bool
    balance_fen: int = Field(description="余额（分）：已记账收支之和")


class AccountFilter(PageParams):
    region: Text = Field("", max_length=12)
    active: bool | None = None
    q: Text = Field("", max_length=50)


class AccountIn(Schema):
    village: Text = VILLAGE
    name: Text = Field(max_length=60)
    kind: Literal["bank", "cash"]
    bank_name: Text = Field("", max_length=60)
    account_number: Text = Field("", max_length=40)


class EntryOut(Schema):
    id: int
    village: str
    village_name: str
    account: int
    account_name: str
    voucher_number: str
    date: dt.date
    direction: str
    category: str
    category_label: str
    counterparty: str
    summary: str
    amount_fen: int = Field(description="金额（分），冲销记录为负")
    signed_fen: int = Field(description="对余额的影响（分）")
    reverses: int | None
    status: str
    status_label: str
    rejected_reason: str
    proposed_by: str
    proposed_at: dt.datetime
    posted_at: dt.datetime | None


class ApprovalOut(Schema):
    step: str
    step_label: str
    approved: bool
    note: str
    actor: str
    at: dt.datetime


class EntryDetailOut(EntryOut):
    approvals: list[ApprovalOut]
    reversed_by: int | None


class EntryFilter(PageParams):
    region: Text = Field("", max_length=12)
    account: int | None = Field(None, ge=1, le=MAX_ID)
    status: StatusName | None = None
    direction: DirectionName | None = None
    category: CategoryName | None = None
    month: Text = Field("", pattern=r"^(\d{4}-\d{2})?$", description="月份，如 2026-11")
    q: Text = Field("", max_length=50, description="摘要、对方单位或凭证号")


class EntryIn(Schema):
    account: int = Field(ge=1, le=MAX_ID)
    date: Date
    direction: DirectionName
    category: CategoryName
    counterparty: Text = Field("", max_length=100)
    summary: Text = Field(max_length=200)
    amount: Text = Field(max_length=20, description="金额（元），如 1234.50")


class ApproveIn(Schema):
    approve: bool
    note: Text = Field("", max_length=200, description="意见（退回时必填）")


class EntryReverseIn(Schema):
    date: Date
    reason: Text = Field(max_length=150)


class EntryFileOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: dt.datetime
    url: str


class MonthIn(Schema):
    village: Text = VILLAGE
    year: int = Field(ge=2000, le=2100)
    month: int = Field(ge=1, le=12)


class MonthCloseOut(Schema):
    id: int
    village: str
    year: int
    month: int
    figures: dict[str, Any]
    closed_by: str
    closed_at: dt.datetime
    notice: int | None


class StatementLineOut(Schema):
    id: int
    date: dt.date
    voucher_number: str
    account: int
    summary: str
    category: str
    direction: str
    amount_fen: int


class StatementAccountOut(Schema):
    account: int
    name: str
    opening: int
    receipts: int
    payments: int
    closing: int


class StatementCategoryOut(Schema):
    category: str
    label: str
    receipts: int
    payments: int
    excluded: bool = Field(description="期初、互转、往来：不计入收支合计")


class StatementOut(Schema):
    village: str
    year: int
    month: int
    closed: bool
    notice: int | None
    entries: list[StatementLineOut]
    accounts: list[StatementAccountOut]
    categories: list[StatementCategoryOut]
    income_fen: int
    expense_fen: int
    opening_fen: int
    closing_fen: int


class StatementNoticeRef(Schema):
    id: int
    title: str
    status: str


class BalancesQuery(Schema):
    region: Text = Field("", max_length=12)


class BalancesOut(Schema):
    accounts: list[AccountOut]
    bank_fen: int
    cash_fen: int
    total_fen: int


# ---------------------------------------------------------------- helpers


def _account(a: FundAccount) -> dict[str, Any]:
    return {
        "id": a.pk, "village": a.village_id, "village_name": a.village.name, "name": a.name,
        "kind": a.kind, "kind_label": a.get_kind_display(), "bank_name": a.bank_name,
        "account_number": a.account_number, "active": a.active,
        "balance_fen": int(getattr(a, "balance", 0) or 0),
    }  # fmt: skip


def _entry(e: JournalEntry) -> dict[str, Any]:
    return {
        "id": e.pk, "village": e.village_id, "village_name": e.village.name,
        "account": e.account_id, "account_name": e.account.name,
        "voucher_number": e.voucher_number, "date": e.date, "direction": e.direction,
        "category": e.category, "category_label": e.get_category_display(),
        "counterparty": e.counterparty, "summary": e.summary, "amount_fen": e.amount_fen,
        "signed_fen": e.signed_fen, "reverses": e.reverses_id, "status": e.status,
        "status_label": e.get_status_display(), "rejected_reason": e.rejected_reason,
        "proposed_by": str(e.proposed_by), "proposed_at": e.proposed_at,
        "posted_at": e.posted_at,
    }  # fmt: skip


def _entry_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    e = selectors.entry_get(actor=request.user, pk=pk)
    reversal = selectors.entry_reversal(e)
    return {
        **_entry(e),
        "approvals": [
            {"step": a.step, "step_label": a.get_step_display(), "approved": a.approved,
             "note": a.note, "actor": str(a.actor), "at": a.at}
            for a in selectors.entry_approvals(e)
        ],
        "reversed_by": reversal.pk if reversal else None,
    }  # fmt: skip


def _account_of(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _account(selectors.account_list(actor=request.user).get(pk=pk))


# ---------------------------------------------------------------- accounts


@router.get("/journal/accounts", response={200: Page[AccountOut], **ERRORS}, summary="资金账户")
def account_list(request: HttpRequest, filters: Query[AccountFilter]) -> dict[str, Any]:
    qs = selectors.account_list(
        actor=request.user, region=filters.region, active=filters.active, q=filters.q
    )
    page = paginate(qs, filters)
    page["items"] = [_account(a) for a in page["items"]]
    return page


@router.post("/journal/accounts", response={201: AccountOut, **ERRORS}, summary="登记资金账户")
def account_create(request: HttpRequest, body: AccountIn) -> Status[dict[str, Any]]:
    village = selectors.village_get(actor=request.user, code=body.village)
    account = services.account_create(
        actor=request.user, village=village, name=body.name, kind=body.kind,
        bank_name=body.bank_name, account_number=body.account_number,
    )  # fmt: skip
    return Status(201, _account_of(request, account.pk))


@router.get("/journal/balances", response={200: BalancesOut, **ERRORS}, summary="资金余额")
def balances(request: HttpRequest, query: Query[BalancesQuery]) -> dict[str, Any]:
    summary = selectors.balance_summary(actor=request.user, region=query.region)
    return {
        "accounts": [_account(a) for a in summary.rows], "bank_fen": summary.bank,
        "cash_fen": summary.cash, "total_fen": summary.total,
    }  # fmt: skip


# ---------------------------------------------------------------- entries


@router.get("/journal/entries", response={200: Page[EntryOut], **ERRORS}, summary="收支记录")
def entry_list(request: HttpRequest, filters: Query[EntryFilter]) -> dict[str, Any]:
    qs = selectors.entry_list(
        actor=request.user, region=filters.region, account=filters.account,
        status=filters.status or "", direction=filters.direction or "",
        category=filters.category or "", month=filters.month, q=filters.q,
    )  # fmt: skip
    page = paginate(qs, filters)
    page["items"] = [_entry(e) for e in page["items"]]
    return page


@router.post(
    "/journal/entries", response={201: EntryDetailOut, **ERRORS}, summary="登记收支（待监委会审核）"
)
def entry_create(request: HttpRequest, body: EntryIn) -> Status[dict[str, Any]]:
    account = selectors.account_get(actor=request.user, pk=body.account)
    entry = services.entry_propose(
        actor=request.user, account=account, date=body.date, direction=body.direction,
        category=body.category, counterparty=body.counterparty, summary=body.summary,
        amount=body.amount,
    )  # fmt: skip
    return Status(201, _entry_detail(request, entry.pk))


@router.get(
    "/journal/entries/{int:pk}", response={200: EntryDetailOut, **ERRORS}, summary="收支记录详情"
)
def entry_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _entry_detail(request, pk)


@router.post(
    "/journal/entries/{int:pk}/review",
    response={200: EntryDetailOut, **ERRORS},
    summary="监委会审核（通过或退回）",
)
def entry_review(request: HttpRequest, pk: int, body: ApproveIn) -> dict[str, Any]:
    entry = selectors.entry_get(actor=request.user, pk=pk)
    services.entry_review(actor=request.user, entry=entry, approve=body.approve, note=body.note)
    return _entry_detail(request, pk)


@router.post(
    "/journal/entries/{int:pk}/confirm",
    response={200: EntryDetailOut, **ERRORS},
    summary="乡镇代理记账确认（记账并编凭证号，或退回）",
)
def entry_confirm(request: HttpRequest, pk: int, body: ApproveIn) -> dict[str, Any]:
    entry = selectors.entry_get(actor=request.user, pk=pk)
    services.entry_confirm(actor=request.user, entry=entry, approve=body.approve, note=body.note)
    return _entry_detail(request, pk)


@router.post(
    "/journal/entries/{int:pk}/reverse",
    response={201: EntryDetailOut, **ERRORS},
    summary="红字冲销（生成冲销记录，待审核确认）",
)
def entry_reverse(request: HttpRequest, pk: int, body: EntryReverseIn) -> Status[dict[str, Any]]:
    entry = selectors.entry_get(actor=request.user, pk=pk)
    reversal = services.entry_reverse(
        actor=request.user, entry=entry, date=body.date, reason=body.reason
    )
    return Status(201, _entry_detail(request, reversal.pk))


@router.get(
    "/journal/entries/{int:pk}/files",
    response={200: list[EntryFileOut], **ERRORS},
    summary="收支附件",
)
def entry_files(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    from django.urls import reverse

    entry = selectors.entry_get(actor=request.user, pk=pk)
    return [
        {"id": f.pk, "name": f.original_name, "content_type": f.content_type, "size": f.size,
         "sha256": f.sha256, "uploaded_by": str(f.uploaded_by), "uploaded_at": f.uploaded_at,
         "url": reverse("assets:journal_file", args=[entry.pk, f.pk])}
        for f in selectors.entry_files(entry)
    ]  # fmt: skip


# ---------------------------------------------------------------- months and statements


@router.post("/journal/months/close", response={201: MonthCloseOut, **ERRORS}, summary="月结")
def month_close(request: HttpRequest, body: MonthIn) -> Status[dict[str, Any]]:
    village = selectors.village_get(actor=request.user, code=body.village)
    close = services.month_close(
        actor=request.user, village=village, year=body.year, month=body.month
    )
    return Status(201, {
        "id": close.pk, "village": close.village_id, "year": close.year, "month": close.month,
        "figures": close.figures, "closed_by": str(close.closed_by), "closed_at": close.closed_at,
        "notice": close.notice_id,
    })  # fmt: skip


@router.get("/journal/statement", response={200: StatementOut, **ERRORS}, summary="月度收支明细")
def statement(request: HttpRequest, query: Query[MonthIn]) -> dict[str, Any]:
    village = selectors.village_get(actor=request.user, code=query.village)
    data = selectors.statement(village=village, year=query.year, month=query.month)
    f = data.figures
    return {
        "village": village.code, "year": query.year, "month": query.month,
        "closed": data.close is not None,
        "notice": data.close.notice_id if data.close else None,
        "entries": [
            {"id": e.pk, "date": e.date, "voucher_number": e.voucher_number,
             "account": e.account_id, "summary": e.summary, "category": e.category,
             "direction": e.direction, "amount_fen": e.amount_fen}
            for e in data.entries
        ],
        "accounts": f.accounts, "categories": f.categories, "income_fen": f.income,
        "expense_fen": f.expense, "opening_fen": f.opening, "closing_fen": f.closing,
    }  # fmt: skip


@router.post(
    "/journal/statement",
    response={201: StatementNoticeRef, **ERRORS},
    summary="公开月度收支明细（已结账的月份；经监委会审核后公开）",
)
def statement_publish(request: HttpRequest, body: MonthIn) -> Status[dict[str, Any]]:
    village = selectors.village_get(actor=request.user, code=body.village)
    notice = services.statement_publish(
        actor=request.user, village=village, year=body.year, month=body.month
    )
    return Status(201, {"id": notice.pk, "title": notice.title, "status": notice.status})
