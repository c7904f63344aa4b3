"""Writes of the registers (底数要清): entries and their files, disposals by a 四议两公开 decision,
the yearly inventory (清产核资) from its start to its disclosure.

Amounts come in 元 as typed and are kept in 分; quantities are decimals with two places. Every
refusal is an ``ApplicationError`` in Chinese raised before anything is written, and every
write appends its audit event in the same transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from cunwu.accounts.permissions import require
from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import format_fen
from cunwu.core.models import Region, RegionLevel
from cunwu.core.services.audit import PendingEvent, audit_append_many
from cunwu.disclosure.content import check_attachment
from cunwu.disclosure.models import Category, Notice
from cunwu.disclosure.models_lists import Decision, DecisionStage
from cunwu.disclosure.services import Period, Subject, notice_publish

from .. import sheets_registers as sheets
from ..models import (
    Asset,
    AssetCategory,
    AssetDisposal,
    AssetFile,
    AssetStatus,
    CampaignStatus,
    DisposalKind,
    FileKind,
    InventoryCampaign,
    InventoryLine,
    LineResult,
)
from .common import audit as _audit
from .common import clean_text as _text
from .common import yuan_to_fen

NUMBER_PREFIX = "ZC-"
MAX_FILES = 10
# 一百亿元: no village entry is worth more; a larger figure is a typo (an extra zero or two)
MAX_FEN = 10_000_000_000 * 100
# what a DecimalField(max_digits=14, decimal_places=2) holds
MAX_QUANTITY = Decimal("999999999999.99")
EARLIEST = date(1949, 10, 1)
PUBLISH_DAYS = 7
# the results that need a reconciliation before the campaign can close
DIFFERENCES = (LineResult.DIFFERENT, LineResult.MISSING, LineResult.SURPLUS)
_NUMBER = re.compile(r"^[0-9A-Za-z\-_/]{1,20}$")
_GENERATED = re.compile(r"^ZC-(\d+)$")

Upload = tuple[str, bytes]
"""A file as (the name it was uploaded with, its bytes)."""


# ---------------------------------------------------------------- input


def _long_text(value: Any, *, field: str, label: str, limit: int = 2000) -> str:
    text = str(value or "").strip()
    if len(text) > limit or "\x00" in text:
        raise ApplicationError(f"{field}_long", f"{label}至多{limit}字", field=field)
    return text


def money(value: Any, *, field: str, label: str) -> int:
    """An amount in 元 as 分: not negative, at most two decimals, not absurd; empty is 0."""
    return yuan_to_fen(value, field=field, label=label, maximum=MAX_FEN, required=False)


def _optional_money(value: Any, *, field: str, label: str) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    return money(value, field=field, label=label)


def quantity_of(value: Any, *, field: str = "quantity", label: str = "面积或数量") -> Decimal:
    """A positive decimal with at most two places (亩, 平方米, 台)."""
    text = str(value if value is not None else "").replace(",", "").strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ApplicationError(
            f"{field}_invalid", f"{label}“{value}”不是有效数字", field=field
        ) from None
    if not number.is_finite():
        raise ApplicationError(f"{field}_invalid", f"{label}“{value}”不是有效数字", field=field)
    if number != number.quantize(Decimal("0.01")):
        raise ApplicationError(f"{field}_precision", f"{label}最多保留两位小数", field=field)
    if number <= 0:
        raise ApplicationError(f"{field}_positive", f"{label}应大于0", field=field)
    if number > MAX_QUANTITY:
        raise ApplicationError(f"{field}_too_big", f"{label}过大，请核对", field=field)
    return number.quantize(Decimal("0.01"))


def _counted(value: Any) -> Decimal:
    """A counted quantity: 0 (nothing found) or a positive decimal."""
    text = str(value if value is not None else "").strip()
    if text in {"0", "0.0", "0.00"}:
        return Decimal("0.00")
    try:
        if Decimal(text) == 0:
            return Decimal("0.00")
    except InvalidOperation:
        pass
    return quantity_of(value, field="counted_quantity", label="实盘数量")


def _past_date(value: date | None, *, field: str, label: str) -> date | None:
    if value is None:
        return None
    if not isinstance(value, date):
        raise ApplicationError(f"{field}_invalid", f"{label}不是有效日期", field=field)
    if value > timezone.localdate():
        raise ApplicationError(f"{field}_future", f"{label}不能晚于今天", field=field)
    if value < EARLIEST:
        raise ApplicationError(f"{field}_early", f"{label}不能早于1949年10月1日", field=field)
    return value


def _category(value: str) -> str:
    if value not in AssetCategory.values:
        raise ApplicationError("category_invalid", "请选择台账类别", field="category")
    return value


def _status(value: str, *, field: str = "status") -> str:
    if value == AssetStatus.DISPOSED:
        raise ApplicationError(
            "status_disposed", "“已处置”只能通过资产处置（须经民主决策）登记", field=field
        )
    if value not in AssetStatus.values:
        raise ApplicationError("status_invalid", "请选择使用状态", field=field)
    return value


def _village(region: Region) -> Region:
    if region.level != RegionLevel.VILLAGE or region.retired:
        raise ApplicationError("assets_village", "三资台账属于一个村，请选择村", field="village")
    return region


def _plain(value: Any) -> Any:
    """A field value as the audit payload keeps it (JSON)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _top_number(numbers: Iterable[str]) -> int:
    """The highest N of the generated numbers ``ZC-N`` among ``numbers`` (0 when none)."""
    top = 0
    for number in numbers:
        match = _GENERATED.match(number)
        if match:
            top = max(top, int(match.group(1)))
    return top


def _generated(n: int) -> str:
    return f"{NUMBER_PREFIX}{n:04d}"


def _next_number(village: Region) -> str:
    numbers = Asset.objects.filter(village=village, number__startswith=NUMBER_PREFIX)
    return _generated(_top_number(numbers.values_list("number", flat=True)) + 1)


def _number_text(value: Any) -> str:
    """A typed number in its kept form (upper case), or the reason it is not one."""
    number = str(value or "").strip().upper()
    if not _NUMBER.match(number):
        raise ApplicationError(
            "number_invalid", "台账编号为1到20位字母、数字或“-”，如 ZC-0001", field="number"
        )
    return number


def _taken_message(number: str) -> str:
    return f"本村已有台账编号“{number}”"


def _number(village: Region, value: str, *, exclude: int | None = None) -> str:
    number = _number_text(value)
    taken = Asset.objects.filter(village=village, number=number)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ApplicationError("number_taken", _taken_message(number), field="number")
    return number


def _image_or_document(kind: str, upload: Upload, *, field: str) -> tuple[str, str, str]:
    name, data = upload
    content_type, extension, sha = check_attachment(name, data)
    if kind == FileKind.PHOTO and not content_type.startswith("image/"):
        raise ApplicationError("photo_type", f"照片“{name}”应为PNG或JPEG图片", field=field)
    return content_type, extension, sha


# ---------------------------------------------------------------- entries


@dataclass(frozen=True)
class AssetData:
    """What a register entry says, as typed (amounts in 元)."""

    category: str
    name: str
    quantity: Any
    unit: str
    number: str = ""
    location: str = ""
    original_value: Any = "0"
    book_value: Any = None
    reference_price: Any = None
    acquired_on: date | None = None
    source: str = ""
    status: str = AssetStatus.SELF_OPERATED
    note: str = ""


def _clean(village: Region, data: AssetData) -> dict[str, Any]:
    """The checked fields of an entry; the number is left to the caller."""
    original = money(data.original_value, field="original_value", label="原值")
    book = (
        original
        if data.book_value is None or str(data.book_value).strip() == ""
        else money(data.book_value, field="book_value", label="账面价值")
    )
    return {
        "category": _category(data.category),
        "name": _text(data.name, field="name", label="名称", limit=60),
        "location": _text(data.location, field="location", label="坐落位置", limit=200,
                          required=False),
        "quantity": quantity_of(data.quantity),
        "unit": _text(data.unit, field="unit", label="单位", limit=10),
        "original_value_fen": original,
        "book_value_fen": book,
        "reference_price_fen": _optional_money(
            data.reference_price, field="reference_price", label="参考年租金"
        ),
        "acquired_on": _past_date(data.acquired_on, field="acquired_on", label="取得日期"),
        "source": _text(data.source, field="source", label="取得方式", limit=100, required=False),
        "status": _status(data.status),
        "note": _long_text(data.note, field="note", label="备注"),
    }  # fmt: skip


def _insert(actor: Any, village: Region, fields: dict[str, Any], number: str) -> Asset:
    asset = Asset(village=village, county_code=village.code[:6], number=number,
                  created_by=actor, **fields)  # fmt: skip
    try:
        with transaction.atomic():
            asset.save()
    except IntegrityError as exc:  # the same number saved at the same moment
        raise ApplicationError(
            "number_taken", f"本村已有台账编号“{number}”", field="number", status=409
        ) from exc
    return asset


def _created_payload(asset: Asset) -> dict[str, Any]:
    return {
        "number": asset.number, "category": asset.category, "name": asset.name,
        "quantity": str(asset.quantity), "unit": asset.unit,
        "original_value_fen": asset.original_value_fen, "book_value_fen": asset.book_value_fen,
        "reference_price_fen": asset.reference_price_fen, "status": asset.status,
    }  # fmt: skip


@transaction.atomic
def asset_create(*, actor: Any, village: Region, data: AssetData) -> Asset:
    """A register entry of the village; its number is the one given (unique in the village) or
    the next ``ZC-0001`` of the village. A new entry cannot start as disposed."""
    require(actor, "assets.manage", village)
    village = _village(village)
    # one writer at a time per village while numbers are handed out
    Region.objects.select_for_update().filter(pk=village.pk).first()
    fields = _clean(village, data)
    number = _number(village, data.number) if data.number.strip() else _next_number(village)
    asset = _insert(actor, village, fields, number)
    _audit(actor, village, "asset_create", asset, **_created_payload(asset))
    return asset


UPDATABLE = (
    "number", "category", "name", "location", "quantity", "unit", "original_value_fen",
    "book_value_fen", "reference_price_fen", "acquired_on", "source", "status", "note",
)  # fmt: skip


@transaction.atomic
def asset_update(*, actor: Any, asset: Asset, changes: dict[str, Any], reason: str = "") -> Asset:
    """Change fields of an entry: ``changes`` maps a field of ``AssetData`` (amounts in 元) to its
    new value; a field left out stays. The audit event holds each changed field as [before,
    after]. A disposed entry is closed; ``disposed`` is set only by a disposal."""
    require(actor, "assets.manage", asset.village_id)
    asset = Asset.objects.select_for_update().select_related("village").get(pk=asset.pk)
    if asset.status == AssetStatus.DISPOSED:
        raise ApplicationError("asset_disposed", "该台账已处置，不能再修改", status=409)
    unknown = set(changes) - set(AssetData.__dataclass_fields__)
    if unknown:
        raise ApplicationError("field_unknown", f"不能修改：{'、'.join(sorted(unknown))}")
    current = AssetData(
        category=asset.category, name=asset.name, quantity=asset.quantity, unit=asset.unit,
        number=asset.number, location=asset.location,
        original_value=format_fen(asset.original_value_fen).replace(",", ""),
        book_value=format_fen(asset.book_value_fen).replace(",", ""),
        reference_price=(
            None if asset.reference_price_fen is None
            else format_fen(asset.reference_price_fen).replace(",", "")
        ),
        acquired_on=asset.acquired_on, source=asset.source, status=asset.status, note=asset.note,
    )  # fmt: skip
    merged = {**current.__dict__, **changes}
    fields = _clean(asset.village, AssetData(**merged))
    if "number" in changes:
        fields["number"] = _number(asset.village, str(changes["number"]), exclude=asset.pk)
    before = {name: getattr(asset, name) for name in UPDATABLE}
    for name, value in fields.items():
        setattr(asset, name, value)
    changed = {
        name: [_plain(before[name]), _plain(getattr(asset, name))]
        for name in UPDATABLE
        if before[name] != getattr(asset, name)
    }
    if not changed:
        return asset
    try:
        with transaction.atomic():
            asset.save()
    except IntegrityError as exc:
        raise ApplicationError(
            "number_taken", f"本村已有台账编号“{asset.number}”", field="number", status=409
        ) from exc
    payload: dict[str, Any] = {"changed": changed}
    if reason:
        payload["reason"] = reason
    _audit(actor, asset.village, "asset_update", asset, **payload)
    return asset


@transaction.atomic
def asset_file_add(*, actor: Any, asset: Asset, kind: str, upload: Upload) -> AssetFile:
    """A photo (PNG, JPEG) or document (PDF, PNG, JPEG) of an entry, at most 10 per entry; a
    file is kept, never replaced."""
    require(actor, "assets.manage", asset.village_id)
    if kind not in FileKind.values:
        raise ApplicationError("kind_invalid", "请选择附件类型（照片或文件）", field="kind")
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    if asset.files.count() >= MAX_FILES:
        raise ApplicationError(
            "files_full", f"每条台账至多{MAX_FILES}个附件", field="file", status=409
        )
    name = _text(upload[0], field="file", label="文件名", limit=200)
    content_type, extension, sha = _image_or_document(kind, upload, field="file")
    record = AssetFile(
        asset=asset, kind=kind, original_name=name, content_type=content_type,
        size=len(upload[1]), sha256=sha, uploaded_by=actor,
    )  # fmt: skip
    record.file.save(f"{sha[:16]}.{extension}", ContentFile(upload[1]), save=False)
    record.save()
    _audit(actor, asset.village_id, "asset_file_add", asset, file=name, kind=kind, sha256=sha)
    return record


# ---------------------------------------------------------------- disposal


def check_decision(asset: Asset, decision: Decision | None) -> Decision:
    """村民委员会组织法 第24条: collective property leaves only by a resolution of the village
    (representative) meeting, i.e. a 四议两公开 decision of the same village past its vote."""
    if decision is None:
        raise ApplicationError(
            "decision_required",
            "处置集体资产须经“四议两公开”民主决策，请选择已通过决议的民主决策事项",
            field="decision",
        )
    if decision.village_id != asset.village_id:
        raise ApplicationError(
            "decision_village", "所选民主决策不是本村的事项，不能用于处置本村资产",
            field="decision",
        )  # fmt: skip
    if decision.stage < DecisionStage.RESOLUTION_NOTICE:
        raise ApplicationError(
            "decision_not_passed",
            f"民主决策“{decision.title}”尚未通过村民代表会议或村民会议决议"
            f"（当前环节：{DecisionStage(decision.stage).label}），不能处置",
            field="decision",
        )
    return decision


@transaction.atomic
def asset_dispose(
    *,
    actor: Any,
    asset: Asset,
    kind: str,
    date: date,
    decision: Decision | None,
    proceeds: Any = "0",
    counterparty: str = "",
    note: str = "",
) -> AssetDisposal:
    """Sale, transfer or write-off of an entry, only by a passed 四议两公开 resolution of its
    village and never while a contract on it is in force; the entry becomes disposed and the
    disposal keeps its book value at that day."""
    require(actor, "assets.manage", asset.village_id)
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    if asset.status == AssetStatus.DISPOSED:
        raise ApplicationError("asset_disposed", "该台账已处置", status=409)
    if kind not in DisposalKind.values:
        raise ApplicationError("kind_invalid", "请选择处置方式", field="kind")
    day = _past_date(date, field="date", label="处置日期")
    if day is None:
        raise ApplicationError("date_empty", "请填写处置日期", field="date")
    if asset.acquired_on and day < asset.acquired_on:
        raise ApplicationError("date_early", "处置日期不能早于取得日期", field="date")
    decision = check_decision(asset, decision)
    active = list(asset.contracts.filter(status="active").values_list("number", flat=True)[:3])
    if active:
        raise ApplicationError(
            "asset_under_contract",
            f"该资产有履行中的合同（{'、'.join(active)}），须先收回或解除合同才能处置",
            status=409,
        )
    disposal = AssetDisposal.objects.create(
        asset=asset, kind=kind, date=day, decision=decision,
        proceeds_fen=money(proceeds, field="proceeds", label="处置收入"),
        counterparty=_text(counterparty, field="counterparty", label="受让方", limit=100,
                           required=False),
        book_value_fen=asset.book_value_fen, note=_long_text(note, field="note", label="说明"),
        recorded_by=actor,
    )  # fmt: skip
    before = asset.status
    asset.status = AssetStatus.DISPOSED
    asset.save(update_fields=["status", "updated_at"])
    _audit(actor, asset.village_id, "asset_dispose", asset, kind=kind, date=day.isoformat(),
           decision=decision.pk, proceeds_fen=disposal.proceeds_fen,
           book_value_fen=disposal.book_value_fen, counterparty=disposal.counterparty,
           changed={"status": [before, AssetStatus.DISPOSED]})  # fmt: skip
    return disposal


# ---------------------------------------------------------------- inventory (清产核资)


@transaction.atomic
def inventory_start(*, actor: Any, village: Region, year: int) -> InventoryCampaign:
    """The year's 清产核资 of the village, once a year: its checklist copies every entry that is
    not disposed (what the register says today)."""
    require(actor, "assets.manage", village)
    village = _village(village)
    today = timezone.localdate()
    if not 2000 <= int(year) <= today.year:
        raise ApplicationError("year_invalid", f"年度应在2000年到{today.year}年之间", field="year")
    if InventoryCampaign.objects.filter(village=village, year=year).exists():
        raise ApplicationError(
            "inventory_exists", f"{village.name}{year}年度清产核资已经开始", field="year",
            status=409,
        )  # fmt: skip
    campaign = InventoryCampaign(
        village=village, county_code=village.code[:6], year=year,
        title=f"{village.name}{year}年度清产核资", started_by=actor,
    )  # fmt: skip
    try:
        with transaction.atomic():
            campaign.save()
    except IntegrityError as exc:
        raise ApplicationError(
            "inventory_exists", f"{village.name}{year}年度清产核资已经开始", status=409
        ) from exc
    assets = Asset.objects.filter(village=village).exclude(status=AssetStatus.DISPOSED)
    lines = [
        InventoryLine(
            campaign=campaign,
            asset=a,
            category=a.category,
            name=a.name,
            unit=a.unit,
            expected_quantity=a.quantity,
            expected_status=a.status,
        )
        for a in assets.order_by("number")
    ]
    InventoryLine.objects.bulk_create(lines, batch_size=500)
    _audit(actor, village, "inventory_start", campaign, year=year, lines=len(lines))
    return campaign


def _open_campaign(campaign_id: int) -> InventoryCampaign:
    campaign = InventoryCampaign.objects.select_for_update().get(pk=campaign_id)
    if campaign.status != CampaignStatus.COUNTING:
        raise ApplicationError("inventory_closed", "本次清产核资已完成，不能再修改", status=409)
    return campaign


def _result(line: InventoryLine, counted: Decimal, status: str) -> str:
    if line.asset_id is None and line.expected_quantity is None:
        return LineResult.SURPLUS
    if counted == 0:
        return LineResult.MISSING
    if counted == line.expected_quantity and status == line.expected_status:
        return LineResult.MATCH
    return LineResult.DIFFERENT


def _counted_status(counted: Decimal, status: str) -> str:
    """ "" means 未找到 (nothing on site): only with a count of 0."""
    if counted == 0:
        if status:
            raise ApplicationError(
                "counted_status", "实盘数量为0时，实际状态请选“未找到”", field="counted_status"
            )
        return ""
    if not status:
        raise ApplicationError(
            "counted_status", "找到实物时请选择实际使用状态", field="counted_status"
        )
    return _status(status, field="counted_status")


def _save_photo(line: InventoryLine, photo: Upload | None) -> None:
    if photo is None:
        return
    _content_type, extension, sha = _image_or_document(FileKind.PHOTO, photo, field="photo")
    line.photo.save(f"{sha[:16]}.{extension}", ContentFile(photo[1]), save=False)


@transaction.atomic
def inventory_count(
    *,
    actor: Any,
    line: InventoryLine,
    counted_quantity: Any,
    counted_status: str,
    note: str = "",
    photo: Upload | None = None,
) -> InventoryLine:
    """What was found on site for a line (again, until it is reconciled): the result follows —
    账实相符 when quantity and status are as the register says, 盘亏 when nothing was found
    (0, 未找到), otherwise 账实不符."""
    campaign = _open_campaign(line.campaign_id)
    require(actor, "assets.count", campaign.village_id)
    line = InventoryLine.objects.select_for_update().get(pk=line.pk)
    if line.reconciled_at is not None:
        raise ApplicationError("line_reconciled", "该项差异已处理，不能再盘点", status=409)
    counted = _counted(counted_quantity)
    status = _counted_status(counted, counted_status)
    if line.result == LineResult.SURPLUS and counted == 0:
        raise ApplicationError(
            "counted_quantity_positive", "盘盈资产的实盘数量应大于0", field="counted_quantity"
        )
    line.note = _text(note, field="note", label="现场情况", limit=500, required=False)
    _save_photo(line, photo)
    line.counted_quantity = counted
    line.counted_status = status
    line.result = _result(line, counted, status)
    line.counted_by = actor
    line.counted_at = timezone.now()
    line.save()
    _audit(actor, campaign.village_id, "inventory_count", line, campaign=campaign.pk,
           asset=line.asset_id, counted_quantity=str(counted), counted_status=status,
           result=line.result, photo=photo is not None)  # fmt: skip
    return line


@transaction.atomic
def inventory_add_surplus(
    *,
    actor: Any,
    campaign: InventoryCampaign,
    category: str,
    name: str,
    unit: str,
    counted_quantity: Any,
    counted_status: str,
    note: str = "",
    photo: Upload | None = None,
) -> InventoryLine:
    """Something found on site that the register lacks (盘盈): a line without an entry."""
    campaign = _open_campaign(campaign.pk)
    require(actor, "assets.count", campaign.village_id)
    counted = quantity_of(counted_quantity, field="counted_quantity", label="实盘数量")
    line = InventoryLine(
        campaign=campaign, asset=None, category=_category(category),
        name=_text(name, field="name", label="名称", limit=60),
        unit=_text(unit, field="unit", label="单位", limit=10),
        counted_quantity=counted, counted_status=_counted_status(counted, counted_status),
        result=LineResult.SURPLUS,
        note=_text(note, field="note", label="现场情况", limit=500, required=False),
        counted_by=actor, counted_at=timezone.now(),
    )  # fmt: skip
    _save_photo(line, photo)
    line.save()
    _audit(actor, campaign.village_id, "inventory_surplus", line, campaign=campaign.pk,
           name=line.name, category=line.category, counted_quantity=str(counted),
           unit=line.unit)  # fmt: skip
    return line


@transaction.atomic
def inventory_reconcile(
    *, actor: Any, line: InventoryLine, resolution: str, adjust: bool
) -> InventoryLine:
    """How a difference is settled: a written resolution, and with ``adjust`` the register
    changed to what was found (through ``asset_update``, audited there) or, for a 盘盈, a new
    entry. A 盘亏 leaves the register only by a disposal with its decision."""
    campaign = _open_campaign(line.campaign_id)
    require(actor, "assets.manage", campaign.village_id)
    line = InventoryLine.objects.select_for_update().get(pk=line.pk)
    if line.result not in DIFFERENCES:
        raise ApplicationError(
            "line_no_difference",
            "该项未盘点或账实相符，无需处理" if line.result != LineResult.MATCH
            else "该项账实相符，无需处理",
            status=409,
        )  # fmt: skip
    if line.reconciled_at is not None:
        raise ApplicationError("line_reconciled", "该项差异已处理", status=409)
    text = _long_text(resolution, field="resolution", label="处理意见", limit=1000)
    if not text:
        raise ApplicationError("resolution_empty", "请填写处理意见", field="resolution")
    if adjust and line.result == LineResult.MISSING:
        raise ApplicationError(
            "missing_adjust",
            "盘亏资产须经民主决策后按资产处置办理，不能直接调整台账；请只登记处理意见",
            field="adjust",
        )
    if line.counted_quantity is None:  # a difference is always counted; kept for the types
        raise ApplicationError("line_pending", "该项尚未盘点", status=409)
    if adjust and line.result == LineResult.SURPLUS:
        village = Region.objects.get(code=campaign.village_id)
        line.asset = asset_create(
            actor=actor, village=village,
            data=AssetData(category=line.category, name=line.name,
                           quantity=line.counted_quantity, unit=line.unit,
                           status=line.counted_status or AssetStatus.SELF_OPERATED,
                           source=f"{campaign.year}年度清产核资盘盈",
                           note=f"清产核资盘盈：{text}"),
        )  # fmt: skip
    elif adjust and line.asset is not None:
        asset_update(
            actor=actor, asset=line.asset,
            changes={"quantity": line.counted_quantity, "status": line.counted_status},
            reason=f"{campaign.year}年度清产核资：{text}",
        )  # fmt: skip
    line.resolution = text
    line.adjusted = bool(adjust)
    line.reconciled_by = actor
    line.reconciled_at = timezone.now()
    line.save()
    _audit(actor, campaign.village_id, "inventory_reconcile", line, campaign=campaign.pk,
           result=line.result, adjusted=line.adjusted, asset=line.asset_id)  # fmt: skip
    return line


SUMMARY_KEYS = ("entries", "matched", "different", "missing", "surplus", "book_value_fen")
_RESULT_KEY = {
    LineResult.MATCH: "matched",
    LineResult.DIFFERENT: "different",
    LineResult.MISSING: "missing",
    LineResult.SURPLUS: "surplus",
}


def inventory_summary(lines: Iterable[InventoryLine]) -> dict[str, Any]:
    """Per category (in the order of ``AssetCategory``): lines, matched, different, missing,
    surplus and the book value of their entries (分); with a total row."""
    per: dict[str, dict[str, int]] = {}
    for line in lines:
        row = per.setdefault(line.category, dict.fromkeys(SUMMARY_KEYS, 0))
        row["entries"] += 1
        key = _RESULT_KEY.get(LineResult(line.result))
        if key:
            row[key] += 1
        if line.asset is not None:
            row["book_value_fen"] += line.asset.book_value_fen
    categories = [
        {"category": c.value, "label": str(c.label), **per[c.value]}
        for c in AssetCategory
        if c.value in per
    ]
    total = {k: sum(r[k] for r in per.values()) for k in SUMMARY_KEYS}
    return {"categories": categories, "total": total}


@transaction.atomic
def inventory_close(*, actor: Any, campaign: InventoryCampaign) -> InventoryCampaign:
    """Close the campaign once every line is counted and every difference reconciled; its
    summary is computed then and kept."""
    campaign = _open_campaign(campaign.pk)
    require(actor, "assets.manage", campaign.village_id)
    lines = list(campaign.lines.select_related("asset"))
    pending = sum(1 for li in lines if li.result == LineResult.PENDING)
    if pending:
        raise ApplicationError(
            "inventory_pending", f"还有{pending}项未盘点，不能完成清产核资", status=409
        )
    open_differences = sum(
        1 for li in lines if li.result in DIFFERENCES and li.reconciled_at is None
    )
    if open_differences:
        raise ApplicationError(
            "inventory_unreconciled",
            f"还有{open_differences}项差异未处理，不能完成清产核资",
            status=409,
        )
    campaign.summary = inventory_summary(lines)
    campaign.status = CampaignStatus.CLOSED
    campaign.closed_by = actor
    campaign.closed_at = timezone.now()
    campaign.save()
    _audit(actor, campaign.village_id, "inventory_close", campaign, year=campaign.year,
           total=campaign.summary["total"])  # fmt: skip
    return campaign


SUMMARY_COLUMNS = ["类别", "台账项数", "账实相符", "账实不符", "盘亏", "盘盈", "账面价值（元）"]


def summary_table(summary: dict[str, Any]) -> dict[str, Any]:
    def row(label: str, r: dict[str, Any]) -> list[str]:
        return [label, *(str(r[k]) for k in SUMMARY_KEYS[:-1]), format_fen(r["book_value_fen"])]

    rows = [row(c["label"], c) for c in summary.get("categories", [])]
    if summary.get("total"):
        rows.append(row("合计", summary["total"]))
    return {"columns": SUMMARY_COLUMNS, "rows": rows}


@transaction.atomic
def inventory_publish(*, actor: Any, campaign: InventoryCampaign) -> Notice:
    """结果要晒: the closed campaign's summary as a 财务 notice (it waits for the supervision
    committee's sign-off inside disclosure), once."""
    require(actor, "assets.manage", campaign.village_id)
    campaign = (
        InventoryCampaign.objects.select_for_update().select_related("village").get(pk=campaign.pk)
    )
    if campaign.status != CampaignStatus.CLOSED:
        raise ApplicationError("inventory_open", "清产核资完成后才能公开结果", status=409)
    if campaign.notice_id is not None:
        raise ApplicationError("inventory_published", "本次清产核资结果已经公开", status=409)
    total = campaign.summary.get("total", {})
    body = (
        f"{campaign.village.name}{campaign.year}年度清产核资已完成："
        f"共盘点{total.get('entries', 0)}项，"
        f"账实相符{total.get('matched', 0)}项，账实不符{total.get('different', 0)}项，"
        f"盘亏{total.get('missing', 0)}项，盘盈{total.get('surplus', 0)}项，"
        f"账面价值合计{format_fen(total.get('book_value_fen', 0))}元。"
    )
    notice = notice_publish(
        actor=actor, region=campaign.village, category=Category.FINANCE,
        title=f"{campaign.title}结果公开", body=body, rows=summary_table(campaign.summary),
        period=Period(days=PUBLISH_DAYS),
        subject=Subject(type="assets.inventory", id=str(campaign.pk)),
    )  # fmt: skip
    campaign.notice = notice
    campaign.save(update_fields=["notice"])
    _audit(actor, campaign.village, "inventory_publish", campaign, notice=notice.pk)
    return notice


def active_contract_numbers(asset: Asset) -> list[str]:
    return list(asset.contracts.filter(status="active").values_list("number", flat=True))


# ---------------------------------------------------------------- import (台账导入)

MAX_IMPORT_ROWS = 5000
_IMPORT_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
# a field's stand-in once its cell is reported, so that the rest of the row is still checked
_NEUTRAL: dict[str, Any] = {
    "category": AssetCategory.OTHER_ASSET, "name": "-", "location": "", "quantity": "1",
    "unit": "-", "original_value": "0", "book_value": None, "reference_price": None,
    "acquired_on": None, "source": "", "status": AssetStatus.SELF_OPERATED, "note": "",
}  # fmt: skip
_CATEGORY_OF = {str(c.label): c.value for c in AssetCategory} | {
    c.value: c.value for c in AssetCategory
}
_STATUS_OF = (
    {str(s.label): s.value for s in AssetStatus}
    | {s.value: s.value for s in AssetStatus}
    | {"被占用": AssetStatus.OCCUPIED}
)


@dataclass
class ImportLine:
    """A row that passed the check: the entry it will make (its number given or generated)."""

    row: int
    number: str
    fields: dict[str, Any]

    @property
    def category_label(self) -> str:
        return str(AssetCategory(self.fields["category"]).label)

    @property
    def status_label(self) -> str:
        return str(AssetStatus(self.fields["status"]).label)


@dataclass
class ImportResult:
    """What a check or an import of a register spreadsheet found; ``errors`` in row order,
    each ``(row, column, message, value as given)``."""

    lines: list[ImportLine]
    errors: list[sheets.RowError]
    imported: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def count(self) -> int:
        return len(self.lines)

    @property
    def original_value_fen(self) -> int:
        return sum(li.fields["original_value_fen"] for li in self.lines)

    @property
    def book_value_fen(self) -> int:
        return sum(li.fields["book_value_fen"] for li in self.lines)

    def categories(self) -> list[dict[str, Any]]:
        """Per category (in the order of ``AssetCategory``): entries and book value (分)."""
        per: dict[str, dict[str, Any]] = {}
        for li in self.lines:
            row = per.setdefault(li.fields["category"], {"count": 0, "book_value_fen": 0})
            row["count"] += 1
            row["book_value_fen"] += li.fields["book_value_fen"]
        return [
            {"category": c.value, "label": str(c.label), **per[c.value]}
            for c in AssetCategory
            if c.value in per
        ]


def _import_date(text: str) -> date | None:
    """A 取得日期 as typed (2015-06-30, 2015/6/30, 2015年6月30日, 20150630)."""
    if not text:
        return None
    match = _IMPORT_DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
    if match is None:
        raise ApplicationError(
            "acquired_on_invalid", f"取得日期“{text}”无法识别，请按 2015-06-30 填写",
            field="acquired_on",
        )  # fmt: skip
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ApplicationError(
            "acquired_on_invalid", f"取得日期“{text}”不存在", field="acquired_on"
        ) from None


def _check_header(at: int, header: list[str]) -> list[sheets.RowError]:
    errors: list[sheets.RowError] = []
    seen: set[str] = set()
    for h in header:
        if not h:
            continue
        if h not in sheets.HEADERS:
            errors.append((at, h, "无法识别的列，请使用模板中的列名", h))
        elif h in seen:
            errors.append((at, h, "列名重复", h))
        seen.add(h)
    errors.extend(
        (at, h, "缺少必填列，请使用下载的模板", "") for h in sheets.REQUIRED if h not in seen
    )
    return errors


def _check_row(
    village: Region, values: dict[str, str], bad: Any
) -> tuple[str, dict[str, Any]] | None:
    """The typed number and the fields ``_clean`` makes of one row (the rules of
    ``asset_create``), or None when a cell is bad: every bad cell is passed to ``bad(column,
    message)``, each field being replaced by a neutral value once reported."""
    text = {c.field: values.get(c.header, "") for c in sheets.COLUMNS}
    typed: dict[str, Any] = {k: v for k, v in text.items() if k != "number"}
    failed = False

    def fail(field: str, message: str) -> None:
        nonlocal failed
        failed = True
        bad(sheets.BY_FIELD[field], message, text[field])
        typed[field] = _NEUTRAL[field]

    number = ""
    if text["number"]:
        try:
            number = _number_text(text["number"])
        except ApplicationError as exc:
            failed = True
            bad(sheets.BY_FIELD["number"], exc.message, text["number"])
    if not text["category"]:
        fail("category", "请填写类别")
    elif text["category"] not in _CATEGORY_OF:
        fail("category", f"类别“{text['category']}”不在可选范围内，请按“可选值”表填写")
    else:
        typed["category"] = _CATEGORY_OF[text["category"]]
    if not text["status"]:
        typed["status"] = AssetStatus.SELF_OPERATED
    elif text["status"] not in _STATUS_OF:
        fail("status", f"使用状态“{text['status']}”不在可选范围内，请按“可选值”表填写")
    else:
        typed["status"] = _STATUS_OF[text["status"]]
    try:
        typed["acquired_on"] = _import_date(text["acquired_on"])
    except ApplicationError as exc:
        fail("acquired_on", exc.message)
    for field in ("book_value", "reference_price"):
        typed[field] = typed[field] or None
    for _attempt in range(len(_NEUTRAL) + 1):
        try:
            fields = _clean(village, AssetData(**typed))
        except ApplicationError as exc:
            fail(exc.field if exc.field in _NEUTRAL else "name", exc.message)
        else:
            return None if failed else (number, fields)
    raise AssertionError("_clean kept failing on neutral values")  # pragma: no cover


def assets_import_check(
    *, village: Region, header_row: int, header: list[str], rows: list[sheets.SheetRow]
) -> ImportResult:
    """Every row checked, every error kept: the rules of ``asset_create`` (``_clean``), the
    header (unknown, repeated or missing columns), a 台账编号 twice in the file or already in
    the register. Rows without a number get the next ``ZC-`` numbers after the highest of the
    register and of the file. Reads only."""
    if len(rows) > MAX_IMPORT_ROWS:
        raise ApplicationError(
            "import_too_many", f"一次至多导入{MAX_IMPORT_ROWS}条台账，请分批", field="file"
        )
    errors = _check_header(header_row, header)
    if any(message.startswith("缺少必填列") for _r, _c, message, _v in errors):
        return ImportResult(lines=[], errors=errors)
    if not rows:
        raise ApplicationError("import_no_rows", "文件中没有台账数据", field="file")
    existing = set(Asset.objects.filter(village=village).values_list("number", flat=True))
    first_row: dict[str, int] = {}
    checked: list[tuple[int, str, dict[str, Any]]] = []
    for n, values in rows:
        found_errors: list[sheets.RowError] = []

        def bad(column: str, message: str, value: str, at: int = n,
                into: list[sheets.RowError] = found_errors) -> None:  # fmt: skip
            into.append((at, column, message, value))

        found = _check_row(village, values, bad)
        number = found[0] if found else ""
        if not number and values.get("台账编号"):
            try:
                number = _number_text(values["台账编号"])
            except ApplicationError:
                number = ""
        if number:
            if number in first_row:
                bad("台账编号", f"与第{first_row[number]}行的台账编号重复", values["台账编号"])
                found = None
            elif number in existing:
                bad("台账编号", _taken_message(number), values["台账编号"])
                found = None
            first_row.setdefault(number, n)
        errors.extend(sorted(found_errors, key=lambda e: sheets.HEADERS.index(e[1])))
        if found is not None:
            checked.append((n, number, found[1]))
    if errors:
        return ImportResult(lines=[], errors=errors)
    top = _top_number([*existing, *first_row])
    lines: list[ImportLine] = []
    for n, given, fields in checked:
        if not given:
            top += 1
        lines.append(ImportLine(row=n, number=given or _generated(top), fields=fields))
    return ImportResult(lines=lines, errors=[])


@transaction.atomic
def assets_import_rows(
    *,
    actor: Any,
    village: Region,
    file_name: str,
    header_row: int,
    header: list[str],
    rows: list[sheets.SheetRow],
    dry_run: bool = False,
) -> ImportResult:
    """The rows of a register spreadsheet (read by :func:`assets_import`, or kept in the session
    between the preview and the confirmation): checked by :func:`assets_import_check`; only
    when no row is wrong, and unless ``dry_run``, every entry is saved in this one transaction
    (all or nothing), each with its ``assets.asset_create`` event as ``asset_create`` writes
    it, then one ``assets.asset_import`` event for the file."""
    require(actor, "assets.manage", village)
    village = _village(village)
    # one writer at a time per village while numbers are handed out
    Region.objects.select_for_update().filter(pk=village.pk).first()
    result = assets_import_check(village=village, header_row=header_row, header=header, rows=rows)
    if not result.ok or dry_run:
        return result
    county = village.code[:6]
    assets = [
        Asset(village=village, county_code=county, number=li.number, created_by=actor, **li.fields)
        for li in result.lines
    ]
    try:
        with transaction.atomic():
            Asset.objects.bulk_create(assets, batch_size=500)
    except IntegrityError as exc:  # a number saved at the same moment
        raise ApplicationError(
            "number_taken", "导入时台账编号已被占用，请重新上传", field="file", status=409
        ) from exc
    name = (str(file_name).replace("\\", "/").rsplit("/", 1)[-1] or "upload")[:200]
    events = [
        PendingEvent(
            action="assets.asset_create",
            object_type="assets.asset",
            object_id=str(a.pk),
            payload=_created_payload(a),
        )
        for a in assets
    ]
    events.append(
        PendingEvent(
            action="assets.asset_import", object_type="core.region", object_id=village.code,
            payload={"file_name": name, "rows": len(assets),
                     "original_value_fen": result.original_value_fen,
                     "book_value_fen": result.book_value_fen,
                     "first": assets[0].number, "last": assets[-1].number},
        )
    )  # fmt: skip
    audit_append_many(actor=actor, region=village, events=events)
    result.imported = True
    return result


def assets_import(
    *, actor: Any, village: Region, file_name: str, data: bytes, dry_run: bool = False
) -> ImportResult:
    """资产资源台账导入: a village's register from an xlsx or csv file (the template's columns),
    all or nothing; see :func:`assets_import_rows`. A file that cannot be read at all is an
    ``ApplicationError``; bad cells are the result's ``errors`` with nothing saved."""
    require(actor, "assets.manage", village)
    _village(village)
    sheet = sheets.read_sheet(file_name, data)
    return assets_import_rows(
        actor=actor, village=village, file_name=file_name, header_row=sheet.header_row,
        header=sheet.header, rows=sheet.rows, dry_run=dry_run,
    )  # fmt: skip


__all__ = [
    "AssetData",
    "ImportLine",
    "ImportResult",
    "Upload",
    "asset_create",
    "asset_dispose",
    "asset_file_add",
    "asset_update",
    "assets_import",
    "assets_import_check",
    "assets_import_rows",
    "inventory_add_surplus",
    "inventory_close",
    "inventory_count",
    "inventory_publish",
    "inventory_reconcile",
    "inventory_start",
    "money",
    "quantity_of",
]
