"""三资 over the API (contracts); mounted under /api/v1/assets by assets/api.py.

Contracts (list, create, detail, end, publish, check), instalments (list with an ``overdue``
filter, the aging list), payments (record, reverse), reminders (list, mark handled). Amounts
come in as 元 text ("12000.50") and go out in 分. The party's phone goes out masked only.
Scoped like the pages: what lies outside the caller's villages is 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.files import UploadedFile
from ninja.params.functions import File as FileParam
from ninja.responses import Status
from pydantic import Field

from cunwu.api.schemas import ERRORS, Date, Page, PageParams, Text, paginate
from cunwu.core.errors import ApplicationError
from cunwu.disclosure.content import MAX_ATTACHMENT_BYTES
from cunwu.disclosure.models_lists import Decision

from .models import Asset, Contract, ContractFile, Receivable, ReceivablePayment, Reminder
from .selectors import contracts as selectors
from .selectors import journal as journal_selectors
from .services import contracts as services

router = Router(tags=["三资"])

MAX_ID = 2**62
StatusName = Literal["active", "ended", "terminated"]
KindName = Literal["lease", "contracting", "other"]
AwardName = Literal["tender", "negotiation", "other"]
ReminderName = Literal["payment_due", "payment_overdue", "contract_expiry"]
Yuan = Field(max_length=20, description="金额（元），如 12000.50")


# ---------------------------------------------------------------- schemas


class ReceivableOut(Schema):
    id: int
    contract: int
    contract_number: str
    village: str
    label: str
    due_date: dt.date
    amount_fen: int
    paid_fen: int
    outstanding_fen: int


class FlagOut(Schema):
    rule: str
    rule_label: str
    detail: str
    problem: int
    found_at: dt.datetime


class ContractOut(Schema):
    id: int
    village: str
    village_name: str
    number: str
    title: str
    kind: str
    party_name: str
    party_phone: str = Field(description="联系电话（部分隐藏）")
    assets: list[int]
    signed_on: dt.date
    start_date: dt.date
    end_date: dt.date
    total_price_fen: int
    annual_price_fen: int
    deposit_fen: int
    award_method: str
    decision: int | None
    notice: int | None
    status: str
    status_label: str
    ended_on: dt.date | None
    end_reason: str
    flags: int


class ContractDetailOut(ContractOut):
    receivables: list[ReceivableOut]
    flag_list: list[FlagOut]


class ContractFilter(PageParams):
    q: Text = Field("", max_length=50, description="合同编号、名称或承租方")
    region: Text = Field("", max_length=12)
    status: StatusName | None = None
    kind: KindName | None = None
    expiring_days: int | None = Field(None, ge=0, le=36_500, description="多少天内到期")
    flagged: bool = False


class InstalmentIn(Schema):
    label: Text = Field(max_length=60)
    due_date: Date
    amount: Text = Yuan


class ContractIn(Schema):
    village: Text = Field(pattern=r"^\d{12}$", description="村的区划代码")
    number: Text = Field(max_length=30)
    title: Text = Field(max_length=120)
    kind: KindName
    party_name: Text = Field(max_length=100)
    party_phone: Text = Field("", max_length=20)
    assets: list[int] = Field(min_length=1, max_length=200)
    signed_on: Date
    start_date: Date
    end_date: Date
    total_price: Text = Yuan
    annual_price: Text = Yuan
    deposit: Text = Field("0", max_length=20)
    award_method: AwardName
    decision: int | None = Field(None, ge=1, le=MAX_ID)
    note: Text = Field("", max_length=2000)
    schedule: list[InstalmentIn] | None = Field(
        None, max_length=services.MAX_INSTALMENTS, description="付款计划；不填则按年生成"
    )


class EndIn(Schema):
    date: Date
    reason: Text = Field(max_length=200)
    terminated: bool = False


class CheckOut(Schema):
    new_flags: list[FlagOut]


class ReceivableFilter(PageParams):
    region: Text = Field("", max_length=12)
    contract: int | None = Field(None, ge=1, le=MAX_ID)
    overdue: bool = False


class ReceivableAgingRowOut(Schema):
    village: str | None
    village_name: str
    count: int
    buckets: dict[str, int] = Field(description="各账龄段未收金额（分）")
    total_fen: int


class ReceivableAgingOut(Schema):
    buckets: list[dict[str, str]]
    rows: list[ReceivableAgingRowOut]
    total: ReceivableAgingRowOut


class AgingQuery(Schema):
    region: Text = Field("", max_length=12)


class PaymentIn(Schema):
    receivable: int = Field(ge=1, le=MAX_ID)
    date: Date
    amount: Text = Yuan
    note: Text = Field("", max_length=200)
    # the village's bank or cash account: the receipt is also proposed in the fund journal
    account: int | None = Field(None, ge=1, le=MAX_ID)


class PaymentReverseIn(Schema):
    reason: Text = Field(max_length=200)


class ReceivablePaymentOut(Schema):
    id: int
    receivable: int
    date: dt.date
    amount_fen: int
    reverses: int | None
    note: str
    # the fund-journal entry proposed with it (when an account was named)
    entry: int | None
    receivable_paid_fen: int


class ReminderOut(Schema):
    id: int
    village: str
    kind: str
    kind_label: str
    contract: int
    contract_number: str
    receivable: int | None
    due_date: dt.date
    done_at: dt.datetime | None


class ReminderFilter(PageParams):
    region: Text = Field("", max_length=12)
    kind: ReminderName | None = None
    open: bool = False


# ---------------------------------------------------------------- helpers


def _receivable(r: Receivable) -> dict[str, Any]:
    return {
        "id": r.pk, "contract": r.contract_id, "contract_number": r.contract.number,
        "village": r.village_id, "label": r.label, "due_date": r.due_date,
        "amount_fen": r.amount_fen, "paid_fen": r.paid_fen, "outstanding_fen": r.outstanding_fen,
    }  # fmt: skip


def _flag(f: Any) -> dict[str, Any]:
    return {"rule": f.rule, "rule_label": f.get_rule_display(), "detail": f.detail,
            "problem": f.problem_id, "found_at": f.found_at}  # fmt: skip


def _contract(c: Contract, assets: list[int], flags: int) -> dict[str, Any]:
    return {
        "id": c.pk, "village": c.village_id, "village_name": c.village.name, "number": c.number,
        "title": c.title, "kind": c.kind, "party_name": c.party_name,
        "party_phone": c.party_phone_masked, "assets": assets, "signed_on": c.signed_on,
        "start_date": c.start_date, "end_date": c.end_date,
        "total_price_fen": c.total_price_fen, "annual_price_fen": c.annual_price_fen,
        "deposit_fen": c.deposit_fen, "award_method": c.award_method,
        "decision": c.decision_id, "notice": c.notice_id, "status": c.status,
        "status_label": c.get_status_display(), "ended_on": c.ended_on,
        "end_reason": c.end_reason, "flags": flags,
    }  # fmt: skip


def _detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    c = selectors.contract_get(actor=request.user, pk=pk)
    flags = selectors.contract_flags(c)
    out = _contract(c, sorted(a.pk for a in c.assets.all()), len(flags))
    out["receivables"] = [_receivable(r) for r in c.receivables.select_related("contract")]
    out["flag_list"] = [_flag(f) for f in flags]
    return out


def _payment(p: ReceivablePayment) -> dict[str, Any]:
    paid = Receivable.objects.values_list("paid_fen", flat=True).get(pk=p.receivable_id)
    return {"id": p.pk, "receivable": p.receivable_id, "date": p.date,
            "amount_fen": p.amount_fen, "reverses": p.reverses_id, "note": p.note,
            "entry": p.entry_id, "receivable_paid_fen": paid}  # fmt: skip


def _reminder(r: Reminder) -> dict[str, Any]:
    return {"id": r.pk, "village": r.village_id, "kind": r.kind,
            "kind_label": r.get_kind_display(), "contract": r.contract_id,
            "contract_number": r.contract.number, "receivable": r.receivable_id,
            "due_date": r.due_date, "done_at": r.done_at}  # fmt: skip


# ---------------------------------------------------------------- contracts


@router.get("/contracts", response={200: Page[ContractOut], **ERRORS}, summary="合同列表")
def contract_list(request: HttpRequest, filters: Query[ContractFilter]) -> dict[str, Any]:
    qs = selectors.contract_list(
        actor=request.user, q=filters.q, region=filters.region, status=filters.status or "",
        kind=filters.kind or "", expiring_days=filters.expiring_days, flagged=filters.flagged,
    )  # fmt: skip
    page = paginate(qs, filters)
    ids = [c.pk for c in page["items"]]
    links = Contract.assets.through.objects.filter(contract_id__in=ids).values_list(
        "contract_id", "asset_id"
    )
    assets: dict[int, list[int]] = {}
    for contract_id, asset_id in links:
        assets.setdefault(contract_id, []).append(asset_id)
    page["items"] = [
        _contract(c, sorted(assets.get(c.pk, [])), getattr(c, "flag_count", 0))
        for c in page["items"]
    ]
    return page


@router.post("/contracts", response={201: ContractDetailOut, **ERRORS}, summary="登记合同")
def contract_create(request: HttpRequest, body: ContractIn) -> Status[dict[str, Any]]:
    village = selectors.village_get(actor=request.user, code=body.village)
    assets = list(Asset.objects.filter(pk__in=body.assets))
    if len(assets) != len(set(body.assets)):
        raise ApplicationError(
            "contract_assets", "合同标的须为本村台账中的资产资源", field="assets"
        )
    decision = None
    if body.decision is not None:
        decision = Decision.objects.filter(pk=body.decision).first()
        if decision is None:
            raise ApplicationError("contract_decision", "所选民主决策不存在", field="decision")
    contract = services.contract_create(
        actor=request.user, village=village, number=body.number, title=body.title,
        kind=body.kind, party_name=body.party_name, party_phone=body.party_phone, assets=assets,
        signed_on=body.signed_on, start_date=body.start_date, end_date=body.end_date,
        total_price=body.total_price, annual_price=body.annual_price, deposit=body.deposit,
        award_method=body.award_method, decision=decision, note=body.note,
        schedule=[(i.label, i.due_date, i.amount) for i in body.schedule]
        if body.schedule else None,
    )  # fmt: skip
    return Status(201, _detail(request, contract.pk))


@router.get("/contracts/{int:pk}", response={200: ContractDetailOut, **ERRORS}, summary="合同详情")
def contract_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _detail(request, pk)


@router.post(
    "/contracts/{int:pk}/end", response={200: ContractDetailOut, **ERRORS}, summary="收回或解除"
)
def contract_end(request: HttpRequest, pk: int, body: EndIn) -> dict[str, Any]:
    contract = selectors.contract_get(actor=request.user, pk=pk)
    services.contract_end(
        actor=request.user, contract=contract, date=body.date, reason=body.reason,
        terminated=body.terminated,
    )  # fmt: skip
    return _detail(request, pk)


@router.post(
    "/contracts/{int:pk}/publish", response={200: ContractDetailOut, **ERRORS}, summary="公开合同"
)
def contract_publish(request: HttpRequest, pk: int) -> dict[str, Any]:
    contract = selectors.contract_get(actor=request.user, pk=pk)
    services.contract_publish(actor=request.user, contract=contract)
    return _detail(request, pk)


@router.post("/contracts/{int:pk}/check", response={200: CheckOut, **ERRORS}, summary="检查合同")
def contract_check(request: HttpRequest, pk: int) -> dict[str, Any]:
    contract = selectors.contract_get(actor=request.user, pk=pk)
    flags = services.contract_check(actor=request.user, contract=contract)
    return {"new_flags": [_flag(f) for f in flags]}


# ---------------------------------------------------------------- receivables and payments


@router.get("/receivables", response={200: Page[ReceivableOut], **ERRORS}, summary="应收款")
def receivable_list(request: HttpRequest, filters: Query[ReceivableFilter]) -> dict[str, Any]:
    qs = selectors.receivable_list(
        actor=request.user, region=filters.region, contract=filters.contract,
        overdue=filters.overdue,
    )  # fmt: skip
    page = paginate(qs, filters)
    page["items"] = [_receivable(r) for r in page["items"]]
    return page


@router.get(
    "/receivables/aging", response={200: ReceivableAgingOut, **ERRORS}, summary="应收款账龄"
)
def receivable_aging(request: HttpRequest, query: Query[AgingQuery]) -> dict[str, Any]:
    rows, total = selectors.aging(actor=request.user, region=query.region)

    def row(r: selectors.AgingRow) -> dict[str, Any]:
        return {"village": r.village.code if r.village else None,
                "village_name": r.village.name if r.village else "合计", "count": r.count,
                "buckets": r.buckets, "total_fen": r.total}  # fmt: skip

    return {
        "buckets": [{"key": k, "label": label} for k, label, *_ in selectors.AGING_BUCKETS],
        "rows": [row(r) for r in rows], "total": row(total),
    }  # fmt: skip


@router.post("/payments", response={201: ReceivablePaymentOut, **ERRORS}, summary="登记收款")
def payment_create(request: HttpRequest, body: PaymentIn) -> Status[dict[str, Any]]:
    receivable = selectors.receivable_get(actor=request.user, pk=body.receivable)
    account = (
        journal_selectors.account_get(actor=request.user, pk=body.account)
        if body.account is not None
        else None
    )
    payment = services.payment_record(
        actor=request.user, receivable=receivable, date=body.date, amount=body.amount,
        note=body.note, account=account,
    )  # fmt: skip
    return Status(201, _payment(payment))


@router.post(
    "/payments/{int:pk}/reverse", response={201: ReceivablePaymentOut, **ERRORS}, summary="冲销收款"
)
def payment_reverse(
    request: HttpRequest, pk: int, body: PaymentReverseIn
) -> Status[dict[str, Any]]:
    payment = selectors.payment_get(actor=request.user, pk=pk)
    reversal = services.payment_reverse(actor=request.user, payment=payment, reason=body.reason)
    return Status(201, _payment(reversal))


# ---------------------------------------------------------------- files


class ContractFileOut(Schema):
    id: int
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: dt.datetime
    url: str


def _contract_file(f: ContractFile) -> dict[str, Any]:
    return {"id": f.pk, "original_name": f.original_name, "content_type": f.content_type,
            "size": f.size, "sha256": f.sha256, "uploaded_by": str(f.uploaded_by),
            "uploaded_at": f.uploaded_at, "url": f.file.url}  # fmt: skip


@router.get(
    "/contracts/{int:pk}/files", response={200: list[ContractFileOut], **ERRORS},
    summary="合同附件",
)  # fmt: skip
def contract_file_list(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    contract = selectors.contract_get(actor=request.user, pk=pk)
    return [_contract_file(f) for f in contract.files.select_related("uploaded_by").order_by("pk")]


@router.post(
    "/contracts/{int:pk}/files",
    response={201: ContractFileOut, **ERRORS},
    summary="上传合同附件（multipart：file）",
    description="合同文本、招标记录、图纸：PDF、PNG 或 JPEG，单个不超过10MB，每份合同至多20个。",
)
def contract_file_upload(
    request: HttpRequest,
    pk: int,
    file: Annotated[UploadedFile, FileParam(..., description="PDF、PNG 或 JPEG")],
) -> Status[dict[str, Any]]:
    contract = selectors.contract_get(actor=request.user, pk=pk)
    if (file.size or 0) > MAX_ATTACHMENT_BYTES:
        raise ApplicationError("file_too_big", "附件不能超过10MB", field="file")
    record = services.contract_file_add(
        actor=request.user, contract=contract, name=file.name or "附件", data=file.read()
    )
    return Status(201, _contract_file(record))


# ---------------------------------------------------------------- reminders


@router.get("/reminders", response={200: Page[ReminderOut], **ERRORS}, summary="到期提醒")
def reminder_list(request: HttpRequest, filters: Query[ReminderFilter]) -> dict[str, Any]:
    qs = selectors.reminder_list(
        actor=request.user, region=filters.region, kind=filters.kind or "",
        open_only=filters.open,
    )  # fmt: skip
    page = paginate(qs, filters)
    page["items"] = [_reminder(r) for r in page["items"]]
    return page


@router.post(
    "/reminders/{int:pk}/done", response={200: ReminderOut, **ERRORS}, summary="标记提醒已处理"
)
def reminder_done(request: HttpRequest, pk: int) -> dict[str, Any]:
    reminder = selectors.reminder_get(actor=request.user, pk=pk)
    services.reminder_done(actor=request.user, reminder=reminder)
    return _reminder(selectors.reminder_get(actor=request.user, pk=pk))
