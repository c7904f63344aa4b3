"""Writes of the contracts (制度要严, 检查要常): contracts with their payment schedules, files,
end and publication; payments against the instalments and their reversal; the contract checks
that file problems in the disclosure module's problem ledger; the daily reminders.

An instalment's ``paid_fen`` moves only by a conditional UPDATE (``paid + n <= amount`` when a
payment comes in, ``paid >= n`` when one is reversed), never by writing ``amount_fen``: two
counters recording the last payment at the same moment cannot both get it in. Every write
appends its audit event in the same transaction.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from cunwu.accounts.permissions import require, scope_q
from cunwu.core.crypto import encrypt_text
from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import format_date, format_fen, mask_phone, normalize_phone
from cunwu.core.models import Region, RegionLevel
from cunwu.disclosure.content import check_attachment
from cunwu.disclosure.models import PUBLIC_STATUSES, Category, Notice, NoticeStatus
from cunwu.disclosure.models_feedback import ProblemCategory
from cunwu.disclosure.models_lists import Decision, DecisionStage
from cunwu.disclosure.services import Period, Subject, notice_publish
from cunwu.disclosure.services_feedback import problem_create

from ..models import (
    CATEGORY_CLASS,
    Asset,
    AssetStatus,
    AwardMethod,
    Contract,
    ContractFile,
    ContractFlag,
    ContractKind,
    ContractStatus,
    Direction,
    EntryCategory,
    FlagRule,
    FundAccount,
    Receivable,
    ReceivablePayment,
    Reminder,
    ReminderKind,
)
from .common import audit as _audit
from .common import clean_text as _text
from .common import yuan_to_fen
from .journal import entry_propose

# The contract checks' rules; ``settings.CUNWU_CONTRACT_RULES`` overrides any of them.
# - decision_threshold_fen: leasing or contracting out collective property is a 第24条 matter
#   (村民委员会组织法) needing a 四议两公开 decision; villages set a sum above which no contract
#   goes without one (5万元 here, a common township rule; DOMAIN.md "Collective assets").
# - tender_threshold_fen: open tender above a threshold the village sets; DOMAIN.md cites one
#   published example of 10万元.
# - max_years: the longest term per class of property. 资源 (land): the 农村土地承包法 allows
#   contracting of 四荒 land and other land for up to 30 years; 资产 and 资金: 5 years, the
#   usual cap of township 三资 rules (a longer lease of a building outlasts the committee).
# - disclose_within_days: a contract is published within 30 days of signing.
DEFAULT_RULES: dict[str, Any] = {
    "decision_threshold_fen": 5_000_000,
    "tender_threshold_fen": 10_000_000,
    "max_years": {"asset": 5, "resource": 30, "funds": 5},
    "disclose_within_days": 30,
}
MAX_AMOUNT_FEN = 10**13  # 1千亿元: more is a typing error
MAX_INSTALMENTS = 120
MAX_FILES = 20
PROBLEM_DAYS = 30  # the rectification deadline of a problem a check files
DUE_SOON_DAYS = 30  # PAYMENT_DUE: instalments due within this many days
EXPIRY_DAYS = 90  # CONTRACT_EXPIRY: active contracts ending within this many days
PUBLISH_DAYS = 7
SOURCE_TYPE = "assets.contract"


def contract_rules() -> dict[str, Any]:
    """The rules from ``settings.CUNWU_CONTRACT_RULES`` over the defaults above."""
    configured = getattr(settings, "CUNWU_CONTRACT_RULES", {}) or {}
    rules = {**DEFAULT_RULES, **configured}
    rules["max_years"] = {**DEFAULT_RULES["max_years"], **configured.get("max_years", {})}
    return rules


# ---------------------------------------------------------------- helpers


def _yuan(value: Any, *, field: str, label: str, positive: bool = False) -> int:
    return yuan_to_fen(value, field=field, label=label, maximum=MAX_AMOUNT_FEN, positive=positive)


def _date(value: Any, *, field: str, label: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ApplicationError(f"{field}_invalid", f"{label}无效", field=field) from None


def _village(region: Region) -> Region:
    if region.level != RegionLevel.VILLAGE or region.retired:
        raise ApplicationError("contract_village", "合同属于一个村，请选择村", field="village")
    return region


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later (29 February → 28 February in a common year)."""
    year = day.year + years
    last = calendar.monthrange(year, day.month)[1]
    return day.replace(year=year, day=min(day.day, last))


def yuan(fen: int) -> str:
    return f"{format_fen(fen)}元"


# ---------------------------------------------------------------- contracts


@dataclass(frozen=True)
class Instalment:
    label: str
    due_date: date
    amount_fen: int


def default_schedule(
    *, start: date, end: date, annual_fen: int, total_fen: int
) -> list[Instalment]:
    """Yearly instalments of the annual price, due on the start date and each anniversary
    before the end date; the last one is what is left of the total price (prorated), so that
    the instalments add up exactly to the total. Refused when the figures do not fit."""
    if total_fen == 0:
        return []
    if annual_fen == 0:
        return [Instalment("合同价款", start, total_fen)]
    dues = []
    k = 0
    while (due := add_years(start, k)) < end:
        dues.append(due)
        k += 1
    last = total_fen - annual_fen * (len(dues) - 1)
    if last == 0 and len(dues) > 1:  # a term a few days past whole years: no empty instalment
        dues.pop()
        last = annual_fen
    if not 0 < last <= annual_fen:
        raise ApplicationError(
            "schedule_mismatch",
            f"按年租金{yuan(annual_fen)}、{len(dues)}个年度计，总价款应在"
            f"{yuan(annual_fen * (len(dues) - 1) + 1)}至{yuan(annual_fen * len(dues))}之间，"
            f"现为{yuan(total_fen)}；请核对金额或逐期填写付款计划",
            field="schedule",
        )  # fmt: skip
    amounts = [annual_fen] * (len(dues) - 1) + [last]
    return [
        Instalment(f"第{i}年（{due.year}年）", due, amount)
        for i, (due, amount) in enumerate(zip(dues, amounts, strict=True), start=1)
    ]


def _clean_schedule(
    schedule: Sequence[tuple[Any, Any, Any]], *, signed_on: date, end: date, total_fen: int
) -> list[Instalment]:
    if len(schedule) > MAX_INSTALMENTS:
        raise ApplicationError(
            "schedule_long", f"付款计划至多{MAX_INSTALMENTS}期", field="schedule"
        )
    lines = []
    for n, row in enumerate(schedule, start=1):
        try:
            label, due, amount = row
        except (TypeError, ValueError):
            raise ApplicationError(
                "schedule_invalid", f"付款计划第{n}期应有款项、日期和金额", field="schedule"
            ) from None
        label = _text(label, field="schedule", label=f"付款计划第{n}期的款项", limit=60)
        due = _date(due, field="schedule", label=f"付款计划第{n}期的日期")
        if not signed_on <= due <= end:
            raise ApplicationError(
                "schedule_date",
                f"付款计划第{n}期的日期{format_date(due)}应在签订日期与终止日期之间",
                field="schedule",
            )  # fmt: skip
        fen = _yuan(amount, field="schedule", label=f"付款计划第{n}期的金额", positive=True)
        lines.append(Instalment(label, due, fen))
    total = sum(line.amount_fen for line in lines)
    if total != total_fen:
        raise ApplicationError(
            "schedule_sum",
            f"付款计划合计{yuan(total)}，与合同总价款{yuan(total_fen)}不一致",
            field="schedule",
        )  # fmt: skip
    return sorted(lines, key=lambda line: line.due_date)


def _overlapping(assets: Iterable[Asset], start: date, end: date, exclude: int | None = None) -> Q:
    return Q(
        assets__in=list(assets), status=ContractStatus.ACTIVE, start_date__lt=end,
        end_date__gt=start,
    ) & ~Q(pk=exclude)  # fmt: skip


@transaction.atomic
def contract_create(
    *,
    actor: Any,
    village: Region,
    number: str,
    title: str,
    kind: str,
    party_name: str,
    party_phone: str = "",
    assets: Sequence[Asset],
    signed_on: date,
    start_date: date,
    end_date: date,
    total_price: str | Decimal | int,
    annual_price: str | Decimal | int,
    deposit: str | Decimal | int = "0",
    award_method: str,
    decision: Decision | None = None,
    note: str = "",
    schedule: Sequence[tuple[Any, Any, Any]] | None = None,
) -> Contract:
    """A lease or contracting of the village's register entries, with its payment schedule
    (the instalments given, or yearly ones of the annual price). The entries become 出租发包."""
    require(actor, "assets.manage", village)
    village = _village(village)
    number = _text(number, field="number", label="合同编号", limit=30)
    title = _text(title, field="title", label="合同名称", limit=120)
    if kind not in ContractKind.values:
        raise ApplicationError("contract_kind", "请选择合同类型", field="kind")
    party_name = _text(party_name, field="party_name", label="承租（承包）方", limit=100)
    phone = normalize_phone(party_phone) if str(party_phone or "").strip() else ""
    if award_method not in AwardMethod.values:
        raise ApplicationError("award_method", "请选择确定方式", field="award_method")
    note = _text(note, field="note", label="备注", limit=2000, required=False)
    if signed_on > timezone.localdate():
        raise ApplicationError("signed_future", "签订日期不能晚于今天", field="signed_on")
    if end_date <= start_date:
        raise ApplicationError("contract_term", "终止日期应晚于起始日期", field="end_date")
    if start_date.year < 1950 or end_date.year > 2200:
        raise ApplicationError("contract_dates", "合同日期超出合理范围，请核对", field="end_date")
    total_fen = _yuan(total_price, field="total_price", label="合同总价款")
    annual_fen = _yuan(annual_price, field="annual_price", label="年租金")
    deposit_fen = _yuan(deposit or "0", field="deposit", label="保证金")
    if decision is not None and decision.village_id != village.pk:
        raise ApplicationError("contract_decision", "所选民主决策不是本村的", field="decision")
    pks = sorted({a.pk for a in assets})
    if not pks:
        raise ApplicationError("contract_assets", "请选择合同标的（台账资产资源）", field="assets")
    locked = list(Asset.objects.select_for_update().filter(pk__in=pks).order_by("pk"))
    if len(locked) != len(pks) or any(a.village_id != village.pk for a in locked):
        raise ApplicationError(
            "contract_assets", "合同标的须为本村台账中的资产资源", field="assets"
        )
    disposed = [a for a in locked if a.status == AssetStatus.DISPOSED]
    if disposed:
        raise ApplicationError(
            "asset_disposed", f"“{disposed[0].name}”已处置，不能出租发包", field="assets"
        )
    other = Contract.objects.filter(_overlapping(locked, start_date, end_date)).distinct().first()
    if other is not None:
        raise ApplicationError(
            "asset_leased",
            f"标的已有履行中的合同{other.number}（{format_date(other.start_date)}至"
            f"{format_date(other.end_date)}），期限重叠",
            field="assets",
        )  # fmt: skip
    if schedule:
        lines = _clean_schedule(schedule, signed_on=signed_on, end=end_date, total_fen=total_fen)
    else:
        lines = default_schedule(
            start=start_date, end=end_date, annual_fen=annual_fen, total_fen=total_fen
        )
    if Contract.objects.filter(village=village, number=number).exists():
        raise ApplicationError("contract_number", f"本村已有合同编号“{number}”", field="number")
    try:
        with transaction.atomic():
            contract = Contract.objects.create(
                village=village, county_code=village.code[:6], number=number, title=title,
                kind=kind, party_name=party_name,
                party_phone_encrypted=encrypt_text(phone, context="contract.phone")
                if phone else "",
                party_phone_masked=mask_phone(phone) if phone else "",
                signed_on=signed_on, start_date=start_date, end_date=end_date,
                total_price_fen=total_fen, annual_price_fen=annual_fen, deposit_fen=deposit_fen,
                award_method=award_method, decision=decision, note=note, created_by=actor,
            )  # fmt: skip
    except IntegrityError as exc:
        raise ApplicationError(
            "contract_number", f"本村已有合同编号“{number}”", field="number", status=409
        ) from exc
    contract.assets.set(locked)
    Receivable.objects.bulk_create(
        Receivable(
            contract=contract,
            village=village,
            county_code=contract.county_code,
            label=line.label,
            due_date=line.due_date,
            amount_fen=line.amount_fen,
        )
        for line in lines
    )
    Asset.objects.filter(pk__in=pks).update(status=AssetStatus.LEASED)
    _audit(
        actor, village, "contract_create", contract, number=number, kind=kind,
        assets=pks, start=start_date.isoformat(), end=end_date.isoformat(),
        total_price_fen=total_fen, annual_price_fen=annual_fen, deposit_fen=deposit_fen,
        award_method=award_method, decision=decision.pk if decision else None,
        instalments=len(lines), phone=bool(phone),
    )  # fmt: skip
    return contract


@transaction.atomic
def contract_file_add(*, actor: Any, contract: Contract, name: str, data: bytes) -> ContractFile:
    """A document of the contract (the signed contract, the tender record): PDF or image."""
    require(actor, "assets.manage", contract.village_id)
    if contract.files.count() >= MAX_FILES:
        raise ApplicationError("contract_files", f"每份合同至多{MAX_FILES}个附件", field="file")
    content_type, extension, sha256 = check_attachment(name, data)
    name = (name.rsplit("/", 1)[-1] or "附件")[:200]
    row = ContractFile(
        contract=contract, original_name=name, content_type=content_type, size=len(data),
        sha256=sha256, uploaded_by=actor,
    )  # fmt: skip
    row.file.save(f"{sha256[:16]}{extension}", ContentFile(data), save=False)
    row.save()
    _audit(actor, contract.village_id, "contract_file_add", contract, name=name, sha256=sha256,
           size=len(data))  # fmt: skip
    return row


@transaction.atomic
def contract_end(
    *, actor: Any, contract: Contract, date: date, reason: str, terminated: bool = False
) -> Contract:
    """收回 (the term is over) or 解除 (ended early): the entries go back to 闲置 unless
    another active contract holds them. The instalments stay: what is owed is still owed."""
    require(actor, "assets.manage", contract.village_id)
    reason = _text(reason, field="reason", label="收回或解除说明", limit=200)
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.status != ContractStatus.ACTIVE:
        raise ApplicationError(
            "contract_state", f"该合同{contract.get_status_display()}", status=409
        )
    if date > timezone.localdate():
        raise ApplicationError("end_future", "收回或解除日期不能晚于今天", field="date")
    if date < contract.start_date:
        raise ApplicationError("end_early", "收回或解除日期不能早于合同起始日期", field="date")
    contract.status = ContractStatus.TERMINATED if terminated else ContractStatus.ENDED
    contract.ended_on = date
    contract.end_reason = reason
    contract.save(update_fields=["status", "ended_on", "end_reason"])
    pks = list(contract.assets.values_list("pk", flat=True))
    held = set(
        Contract.objects.filter(assets__in=pks, status=ContractStatus.ACTIVE)
        .exclude(pk=contract.pk)
        .values_list("assets", flat=True)
    )
    freed = [pk for pk in pks if pk not in held]
    Asset.objects.filter(pk__in=freed, status=AssetStatus.LEASED).update(status=AssetStatus.IDLE)
    _audit(actor, contract.village_id, "contract_end", contract, status=contract.status,
           date=date.isoformat(), reason=reason, assets=freed)  # fmt: skip
    return contract


def contract_table(contract: Contract) -> dict[str, Any]:
    """The contract as the notice's table: never the party's phone."""
    assets = "、".join(
        f"{a.name}（{a.quantity.normalize():f}{a.unit}）" for a in contract.assets.all()
    )
    decision = contract.decision.title if contract.decision else "无"
    rows = [
        ["合同编号", contract.number],
        ["合同名称", contract.title],
        ["类型", contract.get_kind_display()],
        ["承租（承包）方", contract.party_name],
        ["标的", assets],
        ["期限", f"{format_date(contract.start_date)}至{format_date(contract.end_date)}"],
        ["合同总价款", yuan(contract.total_price_fen)],
        ["年租金（承包费）", yuan(contract.annual_price_fen)],
        ["保证金", yuan(contract.deposit_fen)],
        ["确定方式", contract.get_award_method_display()],
        ["民主决策", decision],
    ]
    return {"columns": ["项目", "内容"], "rows": rows}


@transaction.atomic
def contract_publish(*, actor: Any, contract: Contract) -> Notice:
    """合同公开 through the disclosure module (category 合同); once, unless the notice was
    withdrawn or returned."""
    require(actor, "assets.manage", contract.village_id)
    contract = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("village", "decision", "notice")
        .get(pk=contract.pk)
    )
    if contract.notice is not None and contract.notice.status not in (
        NoticeStatus.WITHDRAWN,
        NoticeStatus.RETURNED,
    ):
        raise ApplicationError("contract_published", "该合同已公开", status=409)
    title = f"{contract.village.name}集体资产资源合同公开：{contract.title}"[:120]
    body = (
        f"<p>本村与{contract.party_name}签订的合同{contract.number}（"
        f"{contract.get_kind_display()}）情况如下，公示期内如有异议，请向村务监督委员会反映。</p>"
    )
    notice = notice_publish(
        actor=actor, region=contract.village, category=Category.CONTRACT, title=title, body=body,
        rows=contract_table(contract), period=Period(days=PUBLISH_DAYS),
        subject=Subject(type=SOURCE_TYPE, id=str(contract.pk)),
    )  # fmt: skip
    contract.notice = notice
    contract.save(update_fields=["notice"])
    _audit(actor, contract.village_id, "contract_publish", contract, notice=notice.pk)
    return notice


# ---------------------------------------------------------------- payments


@transaction.atomic
def payment_record(
    *,
    actor: Any,
    receivable: Receivable,
    date: date,
    amount: str | Decimal | int,
    note: str = "",
    account: FundAccount | None = None,
) -> ReceivablePayment:
    """Money received against an instalment (in 元); at most what is still outstanding.

    With ``account`` (the bank or cash account it went into) the receipt is also proposed in
    the fund journal as 发包及上交收入, in the same transaction: the payment and its entry are
    recorded together or not at all (a closed month refuses both), and the entry then walks the
    committee's review and the township's posting like any other."""
    require(actor, "assets.manage", receivable.village_id)
    if account is not None and account.village_id != receivable.village_id:
        raise ApplicationError("account_village", "收款账户不属于本村", field="account")
    fen = _yuan(amount, field="amount", label="收款金额", positive=True)
    note = _text(note, field="note", label="说明", limit=200, required=False)
    if date > timezone.localdate():
        raise ApplicationError("payment_future", "收款日期不能晚于今天", field="date")
    if date.year < 1950:
        raise ApplicationError("payment_date", "收款日期超出合理范围，请核对", field="date")
    if not Receivable.objects.filter(pk=receivable.pk, paid_fen__lte=F("amount_fen") - fen).update(
        paid_fen=F("paid_fen") + fen
    ):
        left = Receivable.objects.values_list("amount_fen", "paid_fen").get(pk=receivable.pk)
        raise ApplicationError(
            "payment_over", f"本期应收还剩 {format_fen(left[0] - left[1])} 元", field="amount",
            status=409,
        )  # fmt: skip
    entry = None
    if account is not None:
        contract = Contract.objects.only("number", "title", "party_name").get(
            pk=receivable.contract_id
        )
        entry = entry_propose(
            actor=actor, account=account, date=date, direction=Direction.RECEIPT,
            category=EntryCategory.CONTRACT_INCOME, counterparty=contract.party_name,
            summary=f"收{contract.title}（{contract.number}）{receivable.label}",
            amount=Decimal(fen) / 100,
        )  # fmt: skip
    payment = ReceivablePayment.objects.create(
        receivable_id=receivable.pk, village_id=receivable.village_id,
        county_code=receivable.county_code, date=date, amount_fen=fen, note=note,
        entry=entry, recorded_by=actor,
    )  # fmt: skip
    _audit(actor, receivable.village_id, "payment_record", payment, receivable=receivable.pk,
           contract=receivable.contract_id, date=date.isoformat(), amount_fen=fen,
           entry=entry.pk if entry else None)  # fmt: skip
    receivable.refresh_from_db(fields=["paid_fen"])
    return payment


@transaction.atomic
def payment_reverse(*, actor: Any, payment: ReceivablePayment, reason: str) -> ReceivablePayment:
    """红字冲销 of a mistaken payment: a row with the negated amount naming it, once."""
    require(actor, "assets.manage", payment.village_id)
    reason = _text(reason, field="reason", label="冲销理由", limit=200)
    if payment.reverses_id is not None or payment.amount_fen <= 0:
        raise ApplicationError("payment_reversal", "冲销记录不能再冲销", status=409)
    if ReceivablePayment.objects.filter(reverses=payment).exists():
        raise ApplicationError("payment_reversed", "该笔收款已冲销", status=409)
    if not Receivable.objects.filter(
        pk=payment.receivable_id, paid_fen__gte=payment.amount_fen
    ).update(paid_fen=F("paid_fen") - payment.amount_fen):  # pragma: no cover (sums hold)
        raise ApplicationError("payment_reversal", "已收金额不足，不能冲销", status=409)
    try:
        with transaction.atomic():
            reversal = ReceivablePayment.objects.create(
                receivable_id=payment.receivable_id, village_id=payment.village_id,
                county_code=payment.county_code, date=timezone.localdate(),
                amount_fen=-payment.amount_fen, reverses=payment, note=reason,
                recorded_by=actor,
            )  # fmt: skip
    except IntegrityError as exc:  # the same payment reversed at the same moment
        raise ApplicationError("payment_reversed", "该笔收款已冲销", status=409) from exc
    _audit(actor, payment.village_id, "payment_reverse", reversal, payment=payment.pk,
           amount_fen=-payment.amount_fen, reason=reason)  # fmt: skip
    return reversal


# ---------------------------------------------------------------- checks (检查要常)


@dataclass(frozen=True)
class Finding:
    rule: str
    detail: str


def _max_years(contract: Contract, rules: dict[str, Any]) -> int | None:
    classes = {CATEGORY_CLASS[a.category] for a in contract.assets.all()}
    limits = [int(rules["max_years"][c]) for c in classes if c in rules["max_years"]]
    return min(limits) if limits else None


def contract_findings(contract: Contract, today: date) -> list[Finding]:
    """The rules ``contract`` breaks on ``today`` (its assets, decision and notice loaded)."""
    rules = contract_rules()
    found = []
    label = f"合同{contract.number}“{contract.title}”"
    total = contract.total_price_fen
    decision_limit = int(rules["decision_threshold_fen"])
    if total > decision_limit and (
        contract.decision is None or contract.decision.stage < DecisionStage.RESOLUTION_NOTICE
    ):
        why = "未关联民主决策" if contract.decision is None else "所关联的民主决策尚未形成决议"
        found.append(Finding(
            FlagRule.NO_DECISION,
            f"{label}总价款{yuan(total)}，超过{yuan(decision_limit)}，{why}（四议两公开）",
        ))  # fmt: skip
    tender_limit = int(rules["tender_threshold_fen"])
    if total > tender_limit and contract.award_method != AwardMethod.TENDER:
        found.append(Finding(
            FlagRule.NOT_TENDERED,
            f"{label}总价款{yuan(total)}，超过{yuan(tender_limit)}，"
            f"未公开招标或竞价（{contract.get_award_method_display()}）",
        ))  # fmt: skip
    limit = _max_years(contract, rules)
    if limit is not None and contract.end_date > add_years(contract.start_date, limit):
        found.append(Finding(
            FlagRule.TERM_TOO_LONG,
            f"{label}期限{format_date(contract.start_date)}至{format_date(contract.end_date)}，"
            f"超过{limit}年上限",
        ))  # fmt: skip
    refs = [a.reference_price_fen for a in contract.assets.all() if a.reference_price_fen]
    if refs and contract.annual_price_fen < sum(refs):
        found.append(Finding(
            FlagRule.BELOW_REFERENCE,
            f"{label}年租金{yuan(contract.annual_price_fen)}，低于标的参考年租金合计"
            f"{yuan(sum(refs))}",
        ))  # fmt: skip
    days = int(rules["disclose_within_days"])
    published = contract.notice is not None and contract.notice.status in PUBLIC_STATUSES
    if not published and today > contract.signed_on + timedelta(days=days):
        found.append(Finding(
            FlagRule.NOT_DISCLOSED,
            f"{label}于{format_date(contract.signed_on)}签订，{days}日内未公开",
        ))  # fmt: skip
    if contract.status == ContractStatus.ACTIVE and contract.end_date < today:
        found.append(Finding(
            FlagRule.EXPIRED_OCCUPIED,
            f"{label}已于{format_date(contract.end_date)}到期，仍未收回",
        ))  # fmt: skip
    return found


def _flag(actor: Any, contract: Contract, finding: Finding, today: date) -> ContractFlag | None:
    """One flag and one problem for (contract, rule), or None when it was flagged before."""
    try:
        with transaction.atomic():
            list(
                Contract.objects.select_for_update().filter(pk=contract.pk).order_by().values("pk")
            )
            if ContractFlag.objects.filter(contract=contract, rule=finding.rule).exists():
                return None
            problem = problem_create(
                actor=None, village=contract.village, source_type=SOURCE_TYPE,
                source_id=str(contract.pk), description=finding.detail,
                responsible=contract.village.name, due_date=today + timedelta(days=PROBLEM_DAYS),
                category=ProblemCategory.CONTRACT,
                evidence_found=f"合同检查（{FlagRule(finding.rule).label}）：{finding.detail}",
                today=today,
            )  # fmt: skip
            flag = ContractFlag.objects.create(
                contract=contract, rule=finding.rule, detail=finding.detail[:300], problem=problem
            )
            _audit(actor, contract.village, "contract_flag", contract, rule=finding.rule,
                   problem=problem.pk)  # fmt: skip
            return flag
    except IntegrityError:  # the same flag filed at the same moment by another run
        return None


def _checked(contracts: Any, actor: Any, today: date) -> list[ContractFlag]:
    flags = []
    rows = contracts.select_related("village", "decision", "notice").prefetch_related("assets")
    for contract in rows.order_by("pk").iterator(chunk_size=500):
        known = set(contract.flags.values_list("rule", flat=True))
        for finding in contract_findings(contract, today):
            if finding.rule in known:
                continue
            flag = _flag(actor, contract, finding, today)
            if flag is not None:
                flags.append(flag)
    return flags


def contract_check(
    *, actor: Any, contract: Contract, today: date | None = None
) -> list[ContractFlag]:
    """Check one contract; returns the new flags (each filed as a problem). ``actor=None`` is
    the system; a user needs ``assets.check`` over the village. The problems are filed by the
    system (``raised_role="system"``): the township or the committee closes them."""
    if actor is not None:
        require(actor, "assets.check", contract.village_id)
    return _checked(Contract.objects.filter(pk=contract.pk), actor, today or timezone.localdate())


def contracts_check_scope(*, actor: Any, today: date | None = None) -> list[ContractFlag]:
    """The 检查合同 button: every contract of the villages where ``actor`` holds assets.check."""
    qs = Contract.objects.filter(scope_q(actor, "assets.check"))
    return _checked(qs, actor, today or timezone.localdate())


def contracts_check_all(*, today: date | None = None) -> list[ContractFlag]:
    """The daily check of every contract (the system)."""
    return _checked(Contract.objects.all(), None, today or timezone.localdate())


# ---------------------------------------------------------------- reminders


def reminders_make(*, today: date | None = None) -> int:
    """The day's reminders: instalments due within 30 days, instalments overdue, active
    contracts ending within 90 days; each (kind, instalment or contract, due date) once (the
    unique constraints hold it when two runs meet). Returns how many were made now."""
    today = today or timezone.localdate()
    outstanding = Receivable.objects.filter(paid_fen__lt=F("amount_fen"))
    wanted: list[Reminder] = []
    for kind, rows in (
        (ReminderKind.PAYMENT_DUE, outstanding.filter(
            due_date__gte=today, due_date__lte=today + timedelta(days=DUE_SOON_DAYS))),
        (ReminderKind.PAYMENT_OVERDUE, outstanding.filter(due_date__lt=today)),
    ):  # fmt: skip
        have = set(
            Reminder.objects.filter(kind=kind, receivable__in=rows).values_list(
                "receivable_id", "due_date"
            )
        )
        for r in rows.values("pk", "contract_id", "village_id", "county_code", "due_date"):
            if (r["pk"], r["due_date"]) not in have:
                wanted.append(Reminder(
                    village_id=r["village_id"], county_code=r["county_code"], kind=kind,
                    contract_id=r["contract_id"], receivable_id=r["pk"], due_date=r["due_date"],
                ))  # fmt: skip
    ending = Contract.objects.filter(
        status=ContractStatus.ACTIVE, end_date__gte=today,
        end_date__lte=today + timedelta(days=EXPIRY_DAYS),
    )  # fmt: skip
    have_c = set(
        Reminder.objects.filter(
            kind=ReminderKind.CONTRACT_EXPIRY, receivable__isnull=True, contract__in=ending
        ).values_list("contract_id", "due_date")
    )
    for c in ending.values("pk", "village_id", "county_code", "end_date"):
        if (c["pk"], c["end_date"]) not in have_c:
            wanted.append(Reminder(
                village_id=c["village_id"], county_code=c["county_code"],
                kind=ReminderKind.CONTRACT_EXPIRY, contract_id=c["pk"], due_date=c["end_date"],
            ))  # fmt: skip
    before = Reminder.objects.count()
    Reminder.objects.bulk_create(wanted, batch_size=500, ignore_conflicts=True)
    return Reminder.objects.count() - before


@transaction.atomic
def reminder_done(*, actor: Any, reminder: Reminder) -> Reminder:
    """A cadre marks a reminder handled (once)."""
    require(actor, "assets.manage", reminder.village_id)
    if not Reminder.objects.filter(pk=reminder.pk, done_at__isnull=True).update(
        done_by=actor, done_at=timezone.now()
    ):
        raise ApplicationError("reminder_done", "该提醒已处理", status=409)
    reminder.refresh_from_db()
    _audit(actor, reminder.village_id, "reminder_done", reminder, kind=reminder.kind,
           contract=reminder.contract_id)  # fmt: skip
    return reminder
