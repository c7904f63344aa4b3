"""Writes of the fund journal (资金收支, 流程要明): accounts, entries and their approval,
attachments, reversals, the month-end close and the statement's disclosure.

An entry goes PROPOSED (the village) → REVIEWED (the supervision committee) → POSTED (the
township's agency bookkeeping, which gives it the next voucher number of its village and month);
either approver may send it back (REJECTED, with the reason). Each move is one conditional
UPDATE on the status it leaves, so two approvers pressing at once move it once. A posted entry
is never edited: a reversing entry (红字冲销, its amount negated) goes through the same steps.

Every write that depends on whether a month is closed first takes the row of the village's
month in ``VoucherCounter`` (one upsert): a proposal, a confirmation, a reversal and the
month's close therefore never interleave, and the voucher numbers of a month have no gaps and
no duplicates. Every write appends its audit event in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from cunwu.accounts.permissions import has_perm_in, require
from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import format_fen
from cunwu.core.models import Region, RegionLevel
from cunwu.disclosure import content
from cunwu.disclosure.models import Category, Notice
from cunwu.disclosure.services import Period, Subject, notice_publish

from ..models import (
    CATEGORY_DIRECTIONS,
    AccountKind,
    ApprovalStep,
    Direction,
    EntryApproval,
    EntryCategory,
    EntryFile,
    EntryStatus,
    FundAccount,
    JournalEntry,
    MonthClose,
    VoucherCounter,
)
from .common import audit as _audit
from .common import clean_text as _text
from .common import yuan_to_fen

MAX_AMOUNT_FEN = 100_000_000 * 100  # 1 亿元
EARLIEST = date(2000, 1, 1)
MAX_FILES = content.MAX_ATTACHMENTS
VOUCHER_PREFIX = "记"
STATEMENT_PERIOD_DAYS = 10

PENDING = (EntryStatus.PROPOSED, EntryStatus.REVIEWED)


# ---------------------------------------------------------------- helpers


def _village(region: Region) -> Region:
    if region.level != RegionLevel.VILLAGE or region.retired:
        raise ApplicationError("journal_village", "资金账户属于一个村，请选择村", field="village")
    return region


def voucher_number(year: int, month: int, seq: int) -> str:
    """记-2026-11-003."""
    return f"{VOUCHER_PREFIX}-{year:04d}-{month:02d}-{seq:03d}"


def _counter(village_id: str, year: int, month: int, step: int) -> int:
    """Upsert the village's month row of ``VoucherCounter`` adding ``step`` (0: only lock it);
    the row stays locked until commit. Returns the counter's value."""
    table = connection.ops.quote_name(VoucherCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (village_id, year, month, last) VALUES (%s, %s, %s, %s) "  # noqa: S608
            f"ON CONFLICT (village_id, year, month) DO UPDATE SET last = {table}.last + %s "
            "RETURNING last",
            [village_id, year, month, step, step],
        )
        row = cursor.fetchone()
    if row is None:  # pragma: no cover (RETURNING always gives the row)
        raise RuntimeError("voucher counter returned nothing")
    return int(row[0])


def is_closed(village_id: str, year: int, month: int) -> bool:
    return MonthClose.objects.filter(village_id=village_id, year=year, month=month).exists()


def _open_month(village_id: str, day: date, *, field: str = "date") -> None:
    """Lock the village's month of ``day``; refuse when it is closed."""
    _counter(village_id, day.year, day.month, 0)
    if is_closed(village_id, day.year, day.month):
        raise ApplicationError(
            "month_closed",
            f"{day.year}年{day.month}月已结账，不能再登记该月的收支，请以冲销方式更正",
            field=field,
            status=409,
        )


def _entry_date(value: Any, *, field: str = "date") -> date:
    if not isinstance(value, date):
        raise ApplicationError("date_invalid", "请填写业务日期", field=field)
    if value > timezone.localdate():
        raise ApplicationError("date_future", "业务日期不能晚于今天", field=field)
    if value < EARLIEST:
        raise ApplicationError("date_early", "业务日期不能早于2000年1月1日", field=field)
    return value


def _amount(value: Any) -> int:
    return yuan_to_fen(value, field="amount", label="金额", maximum=MAX_AMOUNT_FEN, positive=True)


_STATE_TEXT: dict[str, str] = {
    EntryStatus.PROPOSED: "该记录待监委会审核",
    EntryStatus.REVIEWED: "该记录已经监委会审核，待乡镇确认",
    EntryStatus.POSTED: "该记录已记账",
    EntryStatus.REJECTED: "该记录已退回",
}


def _state_error(pk: int, wanted: str) -> ApplicationError:
    status = JournalEntry.objects.filter(pk=pk).values_list("status", flat=True).first()
    text = _STATE_TEXT.get(status or "", "该记录不存在")
    if wanted == EntryStatus.PROPOSED:
        return ApplicationError("entry_state", f"{text}，不能再审核", status=409)
    return ApplicationError(
        "entry_state",
        f"{text}，不能确认" if status != EntryStatus.PROPOSED else "监委会尚未审核，不能确认",
        status=409,
    )


# ---------------------------------------------------------------- accounts


@transaction.atomic
def account_create(
    *,
    actor: Any,
    village: Region,
    name: str,
    kind: str,
    bank_name: str = "",
    account_number: str = "",
) -> FundAccount:
    """A bank or cash account of the village (its opening balance is then an entry)."""
    require(actor, "assets.journal_propose", village)
    village = _village(village)
    name = _text(name, field="name", label="账户名称", limit=60)
    if kind not in AccountKind.values:
        raise ApplicationError("kind_invalid", "账户类型只能是银行存款或库存现金", field="kind")
    bank_name = _text(bank_name, field="bank_name", label="开户行", limit=60, required=False)
    account_number = _text(
        account_number, field="account_number", label="账号", limit=40, required=False
    )
    if kind == AccountKind.BANK and not bank_name:
        raise ApplicationError("bank_name_empty", "银行账户请填写开户行", field="bank_name")
    if FundAccount.objects.filter(village=village, name=name).exists():
        raise ApplicationError("account_name_taken", f"本村已有账户“{name}”", field="name")
    account = FundAccount(
        village=village, county_code=village.code[:6], name=name, kind=kind,
        bank_name=bank_name, account_number=account_number, created_by=actor,
    )  # fmt: skip
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError as exc:
        raise ApplicationError(
            "account_name_taken", f"本村已有账户“{name}”", field="name", status=409
        ) from exc
    _audit(actor, village, "account_create", account, name=name, kind=kind,
           bank_name=bank_name)  # fmt: skip
    return account


@transaction.atomic
def account_deactivate(*, actor: Any, account: FundAccount) -> FundAccount:
    """停用: no new entries on it; its entries and balance stay."""
    require(actor, "assets.journal_propose", account.village_id)
    if not FundAccount.objects.filter(pk=account.pk, active=True).update(active=False):
        raise ApplicationError("account_inactive", "该账户已停用", status=409)
    account.active = False
    _audit(actor, account.village_id, "account_deactivate", account, name=account.name)
    return account


# ---------------------------------------------------------------- entries


def _add_file(actor: Any, entry: JournalEntry, name: str, data: bytes) -> EntryFile:
    content_type, extension, sha256 = content.check_attachment(name, data)
    name = (str(name).rsplit("/", 1)[-1] or "附件")[:200]
    item = EntryFile(
        entry=entry, original_name=name, content_type=content_type, size=len(data),
        sha256=sha256, uploaded_by=actor,
    )  # fmt: skip
    item.file.save(f"{sha256[:16]}{extension}", ContentFile(data), save=False)
    item.save()
    return item


def _check_files(files: Sequence[tuple[str, bytes]], existing: int = 0) -> None:
    if existing + len(files) > MAX_FILES:
        raise ApplicationError(
            "attachments_too_many", f"每条收支记录至多{MAX_FILES}个附件", field="attachment"
        )
    for name, data in files:
        content.check_attachment(name, data)


@transaction.atomic
def entry_propose(
    *,
    actor: Any,
    account: FundAccount,
    date: date,
    direction: str,
    category: str,
    counterparty: str = "",
    summary: str,
    amount: Any,
    files: Sequence[tuple[str, bytes]] = (),
) -> JournalEntry:
    """提出一笔收支 (the village): it waits for the committee's review."""
    require(actor, "assets.journal_propose", account.village_id)
    account = FundAccount.objects.select_related("village").get(pk=account.pk)
    if not account.active:
        raise ApplicationError("account_inactive", f"账户“{account.name}”已停用", field="account")
    if direction not in Direction.values:
        raise ApplicationError("direction_invalid", "收支方向只能是收入或支出", field="direction")
    if category not in EntryCategory.values:
        raise ApplicationError("category_invalid", "请选择科目", field="category")
    if direction not in CATEGORY_DIRECTIONS[category]:
        raise ApplicationError(
            "category_direction",
            f"科目“{EntryCategory(category).label}”不能用于{Direction(direction).label}",
            field="category",
        )
    day = _entry_date(date)
    fen = _amount(amount)
    summary = _text(summary, field="summary", label="摘要", limit=200)
    counterparty = _text(
        counterparty, field="counterparty", label="对方单位或个人", limit=100, required=False
    )
    files = list(files)
    _check_files(files)
    _open_month(account.village_id, day)
    entry = JournalEntry.objects.create(
        village_id=account.village_id, county_code=account.county_code, account=account,
        date=day, direction=direction, category=category, counterparty=counterparty,
        summary=summary, amount_fen=fen, proposed_by=actor,
    )  # fmt: skip
    names = [_add_file(actor, entry, name, data).original_name for name, data in files]
    _audit(actor, account.village, "entry_propose", entry, account=account.pk,
           date=day.isoformat(), direction=direction, category=category, amount_fen=fen,
           summary=summary, counterparty=counterparty, files=names)  # fmt: skip
    return entry


@transaction.atomic
def entry_attach(*, actor: Any, entry: JournalEntry, name: str, data: bytes) -> EntryFile:
    """An attachment (发票, 收据, 银行回单) for an entry not yet posted or sent back."""
    require(actor, "assets.journal_propose", entry.village_id)
    if not JournalEntry.objects.filter(pk=entry.pk, status__in=PENDING).exists():
        raise ApplicationError(
            "entry_state", "只能为待审核或待确认的记录上传附件", field="attachment", status=409
        )
    _check_files([(name, data)], existing=EntryFile.objects.filter(entry=entry).count())
    item = _add_file(actor, entry, name, data)
    _audit(actor, entry.village_id, "entry_attach", entry, name=item.original_name,
           sha256=item.sha256, size=item.size)  # fmt: skip
    return item


def _note(approve: bool, note: str) -> str:
    note = _text(note, field="note", label="意见", limit=200, required=False)
    if not approve and not note:
        raise ApplicationError("reason_empty", "退回请写明理由", field="note")
    return note


@transaction.atomic
def entry_review(*, actor: Any, entry: JournalEntry, approve: bool, note: str = "") -> JournalEntry:
    """监委会审核: passed to the township, or sent back with the reason."""
    require(actor, "assets.journal_review", entry.village_id)
    note = _note(approve, note)
    status = EntryStatus.REVIEWED if approve else EntryStatus.REJECTED
    changes: dict[str, Any] = {"status": status}
    if not approve:
        changes["rejected_reason"] = note
    if not JournalEntry.objects.filter(pk=entry.pk, status=EntryStatus.PROPOSED).update(**changes):
        raise _state_error(entry.pk, EntryStatus.PROPOSED)
    EntryApproval.objects.create(
        entry=entry, step=ApprovalStep.REVIEW, approved=bool(approve), note=note, actor=actor
    )
    entry.refresh_from_db()
    _audit(actor, entry.village_id, "entry_review", entry, approved=bool(approve), note=note)
    return entry


@transaction.atomic
def entry_confirm(
    *, actor: Any, entry: JournalEntry, approve: bool, note: str = ""
) -> JournalEntry:
    """乡镇代理记账确认: posted with the next voucher number of its village and month, or sent
    back with the reason. A closed month takes no more entries."""
    require(actor, "assets.journal_confirm", entry.village_id)
    note = _note(approve, note)
    if approve:
        _open_month(entry.village_id, entry.date)
        # the month's row is now held: the number and the post commit together, or neither
        seq = _counter(entry.village_id, entry.date.year, entry.date.month, 1)
        number = voucher_number(entry.date.year, entry.date.month, seq)
        done = JournalEntry.objects.filter(pk=entry.pk, status=EntryStatus.REVIEWED).update(
            status=EntryStatus.POSTED, voucher_number=number, posted_at=timezone.now()
        )
    else:
        done = JournalEntry.objects.filter(pk=entry.pk, status=EntryStatus.REVIEWED).update(
            status=EntryStatus.REJECTED, rejected_reason=note
        )
    if not done:
        raise _state_error(entry.pk, EntryStatus.REVIEWED)  # rolls the counter back too
    EntryApproval.objects.create(
        entry=entry, step=ApprovalStep.CONFIRM, approved=bool(approve), note=note, actor=actor
    )
    entry.refresh_from_db()
    _audit(actor, entry.village_id, "entry_confirm", entry, approved=bool(approve), note=note,
           voucher=entry.voucher_number)  # fmt: skip
    return entry


@transaction.atomic
def entry_reverse(*, actor: Any, entry: JournalEntry, date: date, reason: str) -> JournalEntry:
    """红字冲销 a posted entry: a new entry with the amount negated (same account, direction and
    category) that names it, proposed by the village and approved like any other; once."""
    require(actor, "assets.journal_propose", entry.village_id)
    reason = _text(reason, field="reason", label="冲销原因", limit=150)
    original = JournalEntry.objects.select_related("village").get(pk=entry.pk)
    if original.reverses_id is not None:
        raise ApplicationError("reverse_reversal", "冲销记录不能再冲销", status=409)
    if original.status != EntryStatus.POSTED:
        raise ApplicationError("reverse_not_posted", "只能冲销已记账的记录", status=409)
    if JournalEntry.objects.filter(reverses=original).exclude(status=EntryStatus.REJECTED).exists():
        raise ApplicationError("reverse_twice", "该记录已有冲销记录", status=409)
    day = _entry_date(date)
    if day < original.date:
        raise ApplicationError("reverse_date", "冲销日期不能早于原记录的业务日期", field="date")
    _open_month(original.village_id, day)
    summary = f"冲销{original.voucher_number}：{reason}"[:200]
    try:
        with transaction.atomic():
            reversal = JournalEntry.objects.create(
                village_id=original.village_id, county_code=original.county_code,
                account_id=original.account_id, date=day, direction=original.direction,
                category=original.category, counterparty=original.counterparty,
                summary=summary, amount_fen=-original.amount_fen, reverses=original,
                proposed_by=actor,
            )  # fmt: skip
    except IntegrityError as exc:  # a second reversal at the same moment
        raise ApplicationError("reverse_twice", "该记录已有冲销记录", status=409) from exc
    _audit(actor, original.village, "entry_reverse", reversal, reverses=original.pk,
           voucher=original.voucher_number, date=day.isoformat(),
           amount_fen=reversal.amount_fen, reason=reason)  # fmt: skip
    return reversal


# ---------------------------------------------------------------- month-end close


def _month_ended(year: int, month: int) -> bool:
    today = timezone.localdate()
    return (year, month) < (today.year, today.month)


def _check_month(year: int, month: int) -> None:
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise ApplicationError("month_invalid", "月份有误", field="month")


@transaction.atomic
def month_close(*, actor: Any, village: Region, year: int, month: int) -> MonthClose:
    """月结 (the township): the month's figures are computed from its posted entries and kept;
    afterwards no entry dated in it can be proposed, confirmed or reversed into it."""
    from ..selectors.journal import month_bounds, month_figures

    require(actor, "assets.journal_confirm", village)
    village = _village(village)
    _check_month(year, month)
    if not _month_ended(year, month):
        raise ApplicationError("month_not_ended", f"{year}年{month}月尚未结束，不能结账",
                               field="month")  # fmt: skip
    _counter(village.code, year, month, 0)
    if is_closed(village.code, year, month):
        raise ApplicationError("month_closed_twice", f"{year}年{month}月已结账", status=409)
    start, end = month_bounds(year, month)
    earlier = (
        JournalEntry.objects.filter(village=village, date__lt=start)
        .exclude(status=EntryStatus.REJECTED)
        .dates("date", "month")
    )
    closed = set(MonthClose.objects.filter(village=village).values_list("year", "month"))
    for d in earlier:
        if (d.year, d.month) not in closed:
            raise ApplicationError(
                "month_earlier_open", f"{d.year}年{d.month}月尚未结账，请先结该月", status=409
            )
    pending = JournalEntry.objects.filter(
        village=village, date__gte=start, date__lt=end, status__in=PENDING
    ).count()
    if pending:
        raise ApplicationError(
            "month_pending",
            f"{year}年{month}月还有{pending}笔收支未审核确认，请先处理后再结账",
            status=409,
        )
    figures = month_figures(village=village, year=year, month=month)
    close = MonthClose.objects.create(
        village=village, county_code=village.code[:6], year=year, month=month,
        figures=figures.as_json(), closed_by=actor,
    )  # fmt: skip
    _audit(actor, village, "month_close", close, year=year, month=month,
           receipts_fen=figures.receipts, payments_fen=figures.payments,
           entries=figures.count)  # fmt: skip
    return close


# ---------------------------------------------------------------- statement


def statement_subject(village: Region, year: int, month: int) -> Subject:
    return Subject("assets.statement", f"{village.code}-{year:04d}-{month:02d}")


@transaction.atomic
def statement_publish(*, actor: Any, village: Region, year: int, month: int) -> Notice:
    """公开 the closed month's 收支明细 as a 财务 notice (it goes public after the supervision
    committee's sign-off in the disclosure module); once per month."""
    from ..selectors.journal import statement, statement_table

    if not has_perm_in(actor, "assets.journal_propose", village):
        require(actor, "assets.journal_confirm", village)
    require(actor, "disclosure.publish", village)
    _check_month(year, month)
    close = MonthClose.objects.filter(village=village, year=year, month=month).first()
    if close is None:
        raise ApplicationError(
            "month_not_closed", f"{year}年{month}月尚未结账，结账后才能公开收支明细", status=409
        )
    if close.notice_id is not None:
        raise ApplicationError("statement_published", f"{year}年{month}月的收支明细已经公开",
                               status=409)  # fmt: skip
    data = statement(village=village, year=year, month=month)
    name = village.name.removesuffix("委会").removesuffix("村民委员会")
    title = f"{name}{year}年{month}月集体资金收支明细公开"
    lines = "".join(
        f"<li>{a['name']}：期初{format_fen(a['opening'])}元，本月收入{format_fen(a['receipts'])}元，"
        f"本月支出{format_fen(a['payments'])}元，期末{format_fen(a['closing'])}元</li>"
        for a in data.figures.accounts
    )
    body = (
        f"<p>{year}年{month}月，本村集体资金共记账{data.figures.count}笔，"
        f"收入合计{format_fen(data.figures.income)}元，支出合计{format_fen(data.figures.expense)}元"
        "（不含期初余额、账户互转和押金往来）。</p>"
        f"<ul>{lines}</ul>"
        "<p>收支明细如下，公开期内如有异议，请向村务监督委员会反映。</p>"
    )
    notice = notice_publish(
        actor=actor, region=village, category=Category.FINANCE, title=title, body=body,
        rows=statement_table(data), period=Period(days=STATEMENT_PERIOD_DAYS),
        subject=statement_subject(village, year, month),
    )  # fmt: skip
    if not MonthClose.objects.filter(pk=close.pk, notice__isnull=True).update(notice=notice):
        raise ApplicationError("statement_published", f"{year}年{month}月的收支明细已经公开",
                               status=409)  # fmt: skip
    _audit(actor, village, "statement_publish", close, year=year, month=month,
           notice=notice.pk)  # fmt: skip
    return notice
