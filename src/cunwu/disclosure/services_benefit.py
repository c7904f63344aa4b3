"""Writes of 惠民资金: importing a batch of payments, putting it up as a 惠民资金 notice (which
waits for the supervision committee's sign-off inside disclosure), and reversing a wrong row.

Every row is checked before anything is written; one bad cell refuses the whole file and each
error names its row and column. Rows are never edited: a reversal (the negative amount, naming
the row) cancels one, and the right figure comes in with a new batch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.html import escape

from cunwu.accounts.permissions import require
from cunwu.core.crypto import blind_index, encrypt_text
from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import format_date, format_fen, parse_yuan
from cunwu.core.idnumber import mask_id_number, normalize_id_number, validate_id_number
from cunwu.core.models import Region, RegionLevel
from cunwu.core.services.audit import audit_append

from . import benefit_sheets as sheets
from .content import MAX_ROWS
from .models import (
    BenefitBatch,
    BenefitPayment,
    Category,
    Notice,
    NoticeStatus,
)
from .services import MAX_PERIOD_DAYS, Period, Subject, notice_publish

ID_CONTEXT = "benefit.id_number"
LOOKUP_CONTEXT = "benefit.lookup"
MAX_ITEM = 50
MAX_NAME = 50
MAX_REASON = 200
MAX_AMOUNT_FEN = 100_000_000  # 100万元 for one person in one row: anything above is a typo
EARLIEST_PAID_ON = date(2000, 1, 1)
# items the import page offers (any other may be typed)
COMMON_ITEMS = (
    "耕地地力保护补贴",
    "残疾人两项补贴",
    "低保金",
    "特困人员救助供养金",
    "高龄津贴",
    "临时救助金",
    "城乡居民基础养老金",
    "农机购置补贴",
    "生态公益林补偿",
    "退耕还林补助",
)
# a notice may be re-submitted for a batch whose last notice ended up here
_REPUBLISHABLE = (NoticeStatus.DRAFT, NoticeStatus.WITHDRAWN, NoticeStatus.RETURNED)

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９－／．", "0123456789-/.")
_TAIL = re.compile(r"^\d{5}[\dX]$")


def mask_name(name: str) -> str:
    """张*三, 李*, 欧**锋: the first and last characters stay (a lone character is starred)."""
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def clean_name(raw: str) -> str:
    return "".join(str(raw).split())


def lookup_key(name: str, tail: str) -> str:
    """The blind index the public query looks a person up by: name and last six ID characters."""
    return blind_index(f"{clean_name(name)}\x1f{tail.upper()}", context=LOOKUP_CONTEXT)


def normalize_tail(raw: str) -> str:
    """The last six characters of an ID number as typed (full-width digits, x) → ``12345X``."""
    tail = normalize_id_number(str(raw))
    if not _TAIL.match(tail):
        raise ApplicationError(
            "benefit_id_tail", "请输入身份证号码的后6位（最后一位可以是X）", field="id_tail"
        )
    return tail


def clean_item(raw: str, *, field: str = "item") -> str:
    item = " ".join(str(raw).split())
    if not item:
        raise ApplicationError("benefit_item", "请填写补贴项目", field=field)
    if len(item) > MAX_ITEM or "\x00" in item:
        raise ApplicationError("benefit_item", f"补贴项目不能超过{MAX_ITEM}个字", field=field)
    return item


def _parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = sheets.cell_text(value).translate(_FULL_WIDTH_DIGITS)
    match = _DATE.match(text) or _DATE_COMPACT.match(text)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


@dataclass
class CheckedRow:
    row: int
    name: str
    id_number: str
    item: str
    amount_fen: int
    paid_on: date


@dataclass
class BenefitImport:
    """The outcome of an import: the batch, or the errors (and then nothing was saved)."""

    batch: BenefitBatch | None = None
    errors: list[sheets.RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.batch is not None


def _check_rows(
    rows: list[tuple[int, dict[str, Any]]], item: str, today: date
) -> tuple[list[CheckedRow], list[sheets.RowError]]:
    checked: list[CheckedRow] = []
    errors: list[sheets.RowError] = []
    seen: dict[tuple[str, str, date], int] = {}
    for n, cells in rows:
        bad: list[sheets.RowError] = []

        def fail(
            column: str, message: str, value: str, bad: list[sheets.RowError] = bad, at: int = n
        ) -> None:
            bad.append((at, column, message, value))

        name = clean_name(sheets.cell_text(cells.get(sheets.NAME)))
        if not name:
            fail(sheets.NAME, "请填写姓名", "")
        elif len(name) > MAX_NAME or "\x00" in name:
            fail(sheets.NAME, f"姓名不能超过{MAX_NAME}个字", name[:MAX_NAME])
        elif any(c.isdigit() for c in name):
            fail(sheets.NAME, "姓名不能含数字（是否填错了列？）", name)

        raw_id = cells.get(sheets.ID_NUMBER)
        id_text = sheets.cell_text(raw_id)
        number = ""
        if not id_text:
            fail(sheets.ID_NUMBER, "请填写公民身份号码", "")
        else:
            try:
                number = validate_id_number(id_text, today=today)
            except ApplicationError as exc:
                hint = (
                    "（该列被存成了数字，请设为文本格式后重填）"
                    if isinstance(raw_id, int | float)
                    else ""
                )
                fail(
                    sheets.ID_NUMBER,
                    exc.message + hint,
                    mask_id_number(normalize_id_number(id_text)),
                )

        raw_amount = cells.get(sheets.AMOUNT)
        amount_text = sheets.cell_text(raw_amount)
        amount = 0
        if not amount_text:
            fail(sheets.AMOUNT, "请填写金额", "")
        else:
            try:
                amount = parse_yuan(amount_text, field=sheets.AMOUNT)
            except ApplicationError as exc:
                fail(sheets.AMOUNT, exc.message, amount_text[:50])
            else:
                if amount <= 0:
                    fail(sheets.AMOUNT, "金额应大于0", amount_text[:50])
                elif amount > MAX_AMOUNT_FEN:
                    fail(
                        sheets.AMOUNT, f"单笔金额不能超过{format_fen(MAX_AMOUNT_FEN)}元",
                        amount_text[:50],
                    )  # fmt: skip

        date_text = sheets.cell_text(cells.get(sheets.PAID_ON))
        paid_on = _parse_date(cells.get(sheets.PAID_ON))
        if not date_text:
            fail(sheets.PAID_ON, "请填写发放日期", "")
        elif paid_on is None:
            fail(sheets.PAID_ON, "日期格式不正确（应如 2026-03-15）", date_text[:50])
        elif paid_on > today:
            fail(sheets.PAID_ON, f"发放日期{format_date(paid_on)}晚于今天", date_text[:50])
        elif paid_on < EARLIEST_PAID_ON:
            fail(sheets.PAID_ON, f"发放日期{format_date(paid_on)}过早，请核对", date_text[:50])

        row_item = item
        item_text = sheets.cell_text(cells.get(sheets.ITEM))
        if item_text:
            try:
                row_item = clean_item(item_text, field=sheets.ITEM)
            except ApplicationError as exc:
                fail(sheets.ITEM, exc.message, item_text[:MAX_ITEM])

        if not bad and paid_on is not None:
            key = (number, row_item, paid_on)
            if key in seen:
                fail(
                    sheets.ID_NUMBER,
                    f"与第{seen[key]}行重复（同一人、同一项目、同一发放日期）",
                    mask_id_number(number),
                )
            else:
                seen[key] = n
        if bad:
            errors.extend(bad)
        elif paid_on is not None:
            checked.append(CheckedRow(n, name, number, row_item, amount, paid_on))
    return checked, errors


def _already_booked(village: Region, rows: list[CheckedRow]) -> list[sheets.RowError]:
    """Rows that an earlier batch of the village already holds (the same file uploaded twice)."""
    indexes = {blind_index(r.id_number, context=ID_CONTEXT): r for r in rows}
    booked: dict[tuple[str, str, date], int | None] = {}
    for start in range(0, len(indexes), 1000):
        chunk = list(indexes)[start : start + 1000]
        for index, item, paid_on, earlier in BenefitPayment.objects.filter(
            village=village, id_number_index__in=chunk, reverses__isnull=True,
            reversed_by__isnull=True,
        ).values_list("id_number_index", "item", "paid_on", "batch_id"):  # fmt: skip
            booked[(index, item, paid_on)] = earlier
    errors: list[sheets.RowError] = []
    for r in rows:
        batch_id = booked.get((blind_index(r.id_number, context=ID_CONTEXT), r.item, r.paid_on))
        if batch_id is not None:
            errors.append((
                r.row, sheets.ID_NUMBER,
                f"该人{r.item}（{format_date(r.paid_on)}）已在第{batch_id}批导入，请勿重复导入",
                mask_id_number(r.id_number),
            ))  # fmt: skip
    return errors


@transaction.atomic
def benefit_import(
    *, actor: Any, village: Region, item: str, file_name: str, data: bytes
) -> BenefitImport:
    """A spreadsheet of payments of ``village``: every row is checked (ID numbers by GB 11643,
    amounts in 元 to 分, dates not in the future, no row twice, none already imported); one error
    and nothing is saved, else one batch with all its rows and one audit event."""
    require(actor, "disclosure.publish", village)
    if village.level != RegionLevel.VILLAGE:
        raise ApplicationError("benefit_village", "惠民资金按村导入，请选择一个村", field="village")
    item = clean_item(item)
    file_name = (str(file_name).replace("\\", "/").rsplit("/", 1)[-1] or "upload")[:200]
    rows = sheets.read_rows(file_name, data)
    if not rows:
        raise ApplicationError("benefit_no_rows", "文件中没有发放记录", field="file")
    if len(rows) > MAX_ROWS:
        raise ApplicationError(
            "benefit_too_many", f"每批至多{MAX_ROWS}行，请分批导入", field="file"
        )
    today = timezone.localdate()
    checked, errors = _check_rows(rows, item, today)
    if not errors:
        errors = _already_booked(village, checked)
    if errors:
        return BenefitImport(errors=errors)
    total = sum(r.amount_fen for r in checked)
    batch = BenefitBatch.objects.create(
        village=village, county_code=village.code[:6], item=item, file_name=file_name,
        row_count=len(checked), total_fen=total, imported_by=actor,
    )  # fmt: skip
    BenefitPayment.objects.bulk_create(
        [
            BenefitPayment(
                village=village,
                county_code=village.code[:6],
                batch=batch,
                row=r.row,
                item=r.item,
                name=r.name,
                id_number_enc=encrypt_text(r.id_number, context=ID_CONTEXT),
                id_number_index=blind_index(r.id_number, context=ID_CONTEXT),
                id_masked=mask_id_number(r.id_number),
                lookup_key=lookup_key(r.name, r.id_number[-6:]),
                amount_fen=r.amount_fen,
                paid_on=r.paid_on,
                year=r.paid_on.year,
                created_by=actor,
            )
            for r in checked
        ],
        batch_size=1000,
    )
    audit_append(
        actor=actor, region=village, action="disclosure.benefit_import", obj=batch,
        payload={"item": item, "file_name": file_name, "rows": len(checked), "total_fen": total},
    )  # fmt: skip
    return BenefitImport(batch=batch)


def current_payments(batch: BenefitBatch) -> list[BenefitPayment]:
    """The batch's rows that stand: neither a reversal nor reversed."""
    return list(
        batch.payments.filter(reverses__isnull=True, reversed_by__isnull=True).order_by("row", "pk")
    )


@transaction.atomic
def benefit_publish(*, actor: Any, batch: BenefitBatch, period_days: int = 7) -> Notice:
    """Put a batch up as a 惠民资金 notice (name, masked ID, item, amount, date of each row that
    stands). 惠民资金 notices wait for the supervision committee's sign-off before they go
    public; a batch whose notice was withdrawn or returned may be put up again."""
    require(actor, "disclosure.publish", batch.village)
    batch = BenefitBatch.objects.select_for_update().get(pk=batch.pk)
    village = Region.objects.get(pk=batch.village_id)
    if batch.notice_id is not None:
        previous = Notice.objects.get(pk=batch.notice_id)
        if previous.status not in _REPUBLISHABLE:
            raise ApplicationError(
                "benefit_published",
                f"该批次已提交公示（公告状态：{previous.status_label}）",
                status=409,
            )
    if not 0 <= period_days <= MAX_PERIOD_DAYS:
        raise ApplicationError(
            "period_days", f"公示天数应在0到{MAX_PERIOD_DAYS}天之间", field="period_days"
        )
    payments = current_payments(batch)
    if not payments:
        raise ApplicationError("benefit_empty", "该批次的记录已全部冲销，无需公示", status=409)
    total = sum(p.amount_fen for p in payments)
    years = sorted({p.year for p in payments})
    year_text = f"{years[0]}年" if len(years) == 1 else f"{years[0]}—{years[-1]}年"
    table = {
        "columns": ["序号", "姓名", "公民身份号码", "补贴项目", "金额（元）", "发放日期"],
        "rows": [
            [str(i), p.name, p.id_masked, p.item, format_fen(p.amount_fen), format_date(p.paid_on)]
            for i, p in enumerate(payments, start=1)
        ],
    }
    body = (
        f"<p>{escape(village.full_name)}{year_text}{escape(batch.item)}发放情况：共{len(payments)}"
        f"人次，合计{format_fen(total)}元，名单如下。如有异议，请在公示期内向村务监督委员会"
        "反映，或在本公告下提出异议。</p>"
    )
    notice = notice_publish(
        actor=actor, region=village, category=Category.BENEFIT,
        title=f"{village.name}{year_text}{batch.item}发放公示", body=body, rows=table,
        period=Period(days=period_days) if period_days else None,
        subject=Subject(type="disclosure.benefitbatch", id=str(batch.pk)),
    )  # fmt: skip
    batch.notice = notice
    batch.save(update_fields=["notice"])
    BenefitPayment.objects.filter(pk__in=[p.pk for p in payments]).update(notice=notice)
    audit_append(
        actor=actor, region=village, action="disclosure.benefit_publish", obj=batch,
        payload={"notice": notice.pk, "rows": len(payments), "total_fen": total,
                 "period_days": period_days},
    )  # fmt: skip
    return notice


@transaction.atomic
def benefit_reverse(*, actor: Any, payment: BenefitPayment, reason: str) -> BenefitPayment:
    """Cancel a wrong row with a reversing row (the negative amount, naming it and the reason);
    the row itself stays as it was. A row is reversed once; a reversal is not reversed."""
    require(actor, "disclosure.publish", payment.village)
    reason = " ".join(str(reason).split())
    if not reason:
        raise ApplicationError("benefit_reason", "请写明冲销理由", field="reason")
    if len(reason) > MAX_REASON or "\x00" in reason:
        raise ApplicationError(
            "benefit_reason", f"冲销理由不能超过{MAX_REASON}个字", field="reason"
        )
    original = BenefitPayment.objects.select_for_update().get(pk=payment.pk)
    if original.reverses_id is not None:
        raise ApplicationError("benefit_reversal", "冲销记录不能再冲销", status=409)
    if BenefitPayment.objects.filter(reverses=original).exists():
        raise ApplicationError("benefit_reversed", "该记录已冲销", status=409)
    reversal = BenefitPayment.objects.create(
        village_id=original.village_id, county_code=original.county_code,
        batch_id=original.batch_id, row=original.row, item=original.item, name=original.name,
        id_number_enc=original.id_number_enc, id_number_index=original.id_number_index,
        id_masked=original.id_masked, lookup_key=original.lookup_key,
        amount_fen=-original.amount_fen, paid_on=original.paid_on, year=original.year,
        reverses=original, reason=reason, created_by=actor,
    )  # fmt: skip
    audit_append(
        actor=actor, region=payment.village, action="disclosure.benefit_reverse", obj=reversal,
        payload={"reverses": original.pk, "batch": original.batch_id, "name": original.name,
                 "id_masked": original.id_masked, "amount_fen": original.amount_fen,
                 "reason": reason},
    )  # fmt: skip
    return reversal
