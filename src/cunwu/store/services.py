"""Writes of the store (爱心超市): goods, stock received and written off, stocktakes, redemptions.

Stock moves only by conditional UPDATEs (``stock >= n`` when it goes down) and each move leaves an
append-only ``StockMovement``; ``Goods.stock`` is their sum (``cunwu store check`` proves it).
A redemption takes the goods and the household's available points in one durable transaction,
once per idempotency key: a double tap, a retried request or two counters sending the same
basket at the same moment charge once. Every write appends its audit event in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from cunwu.accounts.permissions import require
from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import format_date, parse_yuan
from cunwu.core.models import Region, RegionLevel
from cunwu.core.rows import insert, one
from cunwu.core.services.audit import audit_append
from cunwu.disclosure.models import Category, Notice, NoticeStatus
from cunwu.disclosure.services import Period, Subject, notice_publish
from cunwu.points.services import account_for, points_credit, points_debit
from cunwu.registry.models import Household, HouseholdStatus

from .models import (
    Goods,
    MovementKind,
    ReceiptCounter,
    Redemption,
    RedemptionLine,
    RedemptionStatus,
    StockMovement,
)

MAX_PRICE = 100_000
MAX_QUANTITY = 100_000
MAX_LINES = 50
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_KEY = 64
RECEIPT_PREFIX = "DH"
REPORT_PERIOD_DAYS = 7


# ---------------------------------------------------------------- helpers


def _text(value: str, *, field: str, label: str, limit: int, required: bool = True) -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        raise ApplicationError(f"{field}_empty", f"请填写{label}", field=field)
    if len(text) > limit or "\x00" in text:
        raise ApplicationError(f"{field}_long", f"{label}至多{limit}字", field=field)
    return text


def _positive(value: Any, *, field: str, label: str, limit: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except ValueError:
            raise ApplicationError(f"{field}_invalid", f"{label}应为整数", field=field) from None
    if not 0 < value <= limit:
        raise ApplicationError(f"{field}_positive", f"{label}应为1到{limit}之间的整数", field=field)
    return int(value)


def _check_photo(photo: UploadedFile[bytes] | None) -> None:
    """JPEG, PNG or WebP (by their first bytes, not the name), at most 5 MB."""
    if photo is None:
        return
    if photo.size is None or photo.size > MAX_PHOTO_BYTES:
        raise ApplicationError("photo_size", "图片不能超过5MB", field="photo")
    head = photo.read(12)
    photo.seek(0)
    if not (
        head.startswith(b"\xff\xd8\xff")
        or head.startswith(b"\x89PNG\r\n\x1a\n")
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
    ):
        raise ApplicationError("photo_type", "图片应为JPEG、PNG或WebP格式", field="photo")


def _village(region: Region) -> Region:
    if region.level != RegionLevel.VILLAGE or region.retired:
        raise ApplicationError("store_village", "爱心超市属于一个村，请选择村", field="village")
    return region


def _audit(actor: Any, village: Region | str, action: str, obj: Any, **payload: Any) -> None:
    region = village if isinstance(village, Region) else Region.objects.get(code=village)
    audit_append(actor=actor, region=region, action=f"store.{action}", obj=obj, payload=payload)


def _movement(
    *, goods: Goods, kind: str, quantity: int, actor: Any, on: date, **fields: Any
) -> StockMovement:
    return StockMovement.objects.create(
        goods=goods, village_id=goods.village_id, county_code=goods.county_code, kind=kind,
        quantity=quantity, date=on, actor=actor if getattr(actor, "is_authenticated", False)
        else None, **fields,
    )  # fmt: skip


# ---------------------------------------------------------------- goods


@transaction.atomic
def goods_create(
    *,
    actor: Any,
    village: Region,
    name: str,
    points_price: int,
    unit: str = "件",
    photo: UploadedFile[bytes] | None = None,
    active: bool = True,
) -> Goods:
    """A goods of the village's store, priced in points only (never in money)."""
    require(actor, "store.manage", village)
    village = _village(village)
    name = _text(name, field="name", label="名称", limit=60)
    price = _positive(points_price, field="points_price", label="兑换积分", limit=MAX_PRICE)
    unit = _text(unit, field="unit", label="单位", limit=10)
    _check_photo(photo)
    if Goods.objects.filter(village=village, name=name).exists():
        raise ApplicationError("goods_name_taken", f"本村已有商品“{name}”", field="name")
    goods = Goods(
        village=village, county_code=village.code[:6], name=name, points_price=price, unit=unit,
        active=bool(active),
    )  # fmt: skip
    if photo is not None:
        goods.photo.save(photo.name or "goods.jpg", photo, save=False)
    try:
        with transaction.atomic():
            goods.save()
    except IntegrityError as exc:  # the same name saved at the same moment
        raise ApplicationError(
            "goods_name_taken", f"本村已有商品“{name}”", field="name", status=409
        ) from exc
    _audit(actor, village, "goods_create", goods, name=name, points_price=price, unit=unit,
           active=goods.active)  # fmt: skip
    return goods


@transaction.atomic
def goods_update(
    *,
    actor: Any,
    goods: Goods,
    name: str | None = None,
    points_price: int | None = None,
    unit: str | None = None,
    photo: UploadedFile[bytes] | None = None,
    active: bool | None = None,
) -> Goods:
    """Change a goods (``None`` leaves a field as it is). A new price applies to redemptions
    from now on; those already made keep the points they were charged."""
    require(actor, "store.manage", goods.village_id)
    goods = Goods.objects.select_for_update().get(pk=goods.pk)
    before = {"name": goods.name, "points_price": goods.points_price, "unit": goods.unit,
              "active": goods.active}  # fmt: skip
    if name is not None:
        name = _text(name, field="name", label="名称", limit=60)
        if Goods.objects.filter(village_id=goods.village_id, name=name).exclude(pk=goods.pk):
            raise ApplicationError("goods_name_taken", f"本村已有商品“{name}”", field="name")
        goods.name = name
    if points_price is not None:
        goods.points_price = _positive(
            points_price, field="points_price", label="兑换积分", limit=MAX_PRICE
        )
    if unit is not None:
        goods.unit = _text(unit, field="unit", label="单位", limit=10)
    if active is not None:
        goods.active = bool(active)
    _check_photo(photo)
    if photo is not None:
        goods.photo.save(photo.name or "goods.jpg", photo, save=False)
    try:
        with transaction.atomic():
            goods.save(update_fields=["name", "points_price", "unit", "active", "photo"])
    except IntegrityError as exc:
        raise ApplicationError(
            "goods_name_taken", f"本村已有商品“{goods.name}”", field="name", status=409
        ) from exc
    after = {"name": goods.name, "points_price": goods.points_price, "unit": goods.unit,
             "active": goods.active}  # fmt: skip
    changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    _audit(actor, goods.village_id, "goods_update", goods, changed=changed,
           photo=photo is not None)  # fmt: skip
    return goods


# ---------------------------------------------------------------- stock


@transaction.atomic
def stock_receive(
    *,
    actor: Any,
    goods: Goods,
    kind: str,
    quantity: int,
    donor: str = "",
    declared_value: str | Decimal | int | None = None,
    reason: str = "",
) -> StockMovement:
    """入库: a donation (the donor is named; a declared value in 元 is kept in 分 for the books,
    never shown on the shelf) or a purchase (the supplier may be named)."""
    require(actor, "store.manage", goods.village_id)
    if kind not in (MovementKind.DONATION, MovementKind.PURCHASE):
        raise ApplicationError("receive_kind", "入库类型只能是捐赠或采购", field="kind")
    quantity = _positive(quantity, field="quantity", label="数量", limit=MAX_QUANTITY)
    donor = _text(
        donor, field="donor", label="捐赠方" if kind == MovementKind.DONATION else "供货方",
        limit=100, required=kind == MovementKind.DONATION,
    )  # fmt: skip
    reason = _text(reason, field="reason", label="说明", limit=200, required=False)
    value_fen = None
    if declared_value is not None and str(declared_value).strip():
        value_fen = parse_yuan(declared_value, field="declared_value")
        if value_fen < 0:
            raise ApplicationError(
                "declared_value_negative", "价值不能为负", field="declared_value"
            )
    Goods.objects.filter(pk=goods.pk).update(stock=F("stock") + quantity)
    movement = _movement(
        goods=goods, kind=kind, quantity=quantity, actor=actor, on=timezone.localdate(),
        donor=donor, declared_value_fen=value_fen, reason=reason,
    )  # fmt: skip
    _audit(actor, goods.village_id, "stock_receive", movement, goods=goods.pk, kind=kind,
           quantity=quantity, donor=donor, declared_value_fen=value_fen)  # fmt: skip
    return movement


def _take(goods: Goods, quantity: int) -> None:
    """Take ``quantity`` off the shelf, or refuse when fewer are left (one conditional UPDATE:
    two counters cannot both hand out the last one)."""
    if not Goods.objects.filter(pk=goods.pk, stock__gte=quantity).update(
        stock=F("stock") - quantity
    ):
        left = Goods.objects.filter(pk=goods.pk).values_list("stock", flat=True).first() or 0
        raise ApplicationError(
            "insufficient_stock", f"库存不足：{goods.name}仅剩{left}{goods.unit}",
            field="quantity", status=409,
        )  # fmt: skip


@transaction.atomic
def stock_write_off(*, actor: Any, goods: Goods, quantity: int, reason: str) -> StockMovement:
    """报损: goods spoiled, broken or lost, with the reason."""
    require(actor, "store.manage", goods.village_id)
    quantity = _positive(quantity, field="quantity", label="数量", limit=MAX_QUANTITY)
    reason = _text(reason, field="reason", label="报损原因", limit=200)
    _take(goods, quantity)
    movement = _movement(
        goods=goods, kind=MovementKind.WRITE_OFF, quantity=-quantity, actor=actor,
        on=timezone.localdate(), reason=reason,
    )  # fmt: skip
    _audit(actor, goods.village_id, "stock_write_off", movement, goods=goods.pk,
           quantity=quantity, reason=reason)  # fmt: skip
    return movement


@transaction.atomic
def stocktake(
    *, actor: Any, village: Region, counts: Iterable[tuple[Goods, int]], reason: str = ""
) -> list[StockMovement]:
    """盘点: the counted quantity of each goods; a difference becomes one STOCKTAKE movement
    (none where the count agrees). The counted goods are locked while compared."""
    require(actor, "store.manage", village)
    reason = _text(reason, field="reason", label="说明", limit=200, required=False)
    counted: dict[int, int] = {}
    for goods, number in counts:
        if goods.village_id != village.code:
            raise ApplicationError("goods_village", f"“{goods.name}”不是本村的商品", field="counts")
        if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number <= 10**7:
            raise ApplicationError(
                "count_invalid", f"“{goods.name}”的盘点数量应为不小于0的整数", field="counts"
            )
        counted[goods.pk] = number
    if not counted:
        raise ApplicationError("stocktake_empty", "请填写至少一种商品的盘点数量", field="counts")
    today = timezone.localdate()
    movements = []
    differences = []
    for goods in Goods.objects.select_for_update().filter(pk__in=counted).order_by("pk"):
        diff = counted[goods.pk] - goods.stock
        if diff == 0:
            continue
        Goods.objects.filter(pk=goods.pk).update(stock=F("stock") + diff)
        movements.append(
            _movement(
                goods=goods,
                kind=MovementKind.STOCKTAKE,
                quantity=diff,
                actor=actor,
                on=today,
                reason=reason or f"盘点：账面{goods.stock}，实盘{counted[goods.pk]}",
            )
        )
        differences.append([goods.pk, goods.stock, counted[goods.pk]])
    audit_append(
        actor=actor, region=village, action="store.stocktake", object_type="store.goods",
        object_id=",".join(str(pk) for pk in sorted(counted))[:100],
        payload={"counted": len(counted), "differences": differences, "reason": reason},
    )  # fmt: skip
    return movements


# ---------------------------------------------------------------- redemptions


@dataclass(frozen=True)
class Basket:
    """Goods id → quantity, duplicates merged."""

    quantities: dict[int, int]

    @classmethod
    def of(cls, lines: Sequence[tuple[Goods | int, int]]) -> Basket:
        quantities: dict[int, int] = {}
        for goods, quantity in lines:
            pk = goods if isinstance(goods, int) else goods.pk
            if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
                raise ApplicationError("quantity_positive", "兑换数量应为正整数", field="lines")
            if pk is None:
                raise ApplicationError("goods_unknown", "商品不存在", field="lines")
            quantities[pk] = quantities.get(pk, 0) + quantity
            if quantities[pk] > MAX_QUANTITY:
                raise ApplicationError("quantity_large", "兑换数量过大", field="lines")
        if not quantities:
            raise ApplicationError("basket_empty", "请先选择要兑换的商品", field="lines")
        if len(quantities) > MAX_LINES:
            raise ApplicationError("basket_large", f"一次至多兑换{MAX_LINES}种商品", field="lines")
        return cls(quantities)


def clean_key(key: str) -> str:
    key = (key or "").strip()
    if not key or len(key) > MAX_KEY or not key.isascii() or not key.isprintable():
        raise ApplicationError(
            "idempotency_key", f"幂等键应为1到{MAX_KEY}个可见ASCII字符", field="idempotency_key"
        )
    return key


def receipt_number(day: date, seq: int) -> str:
    return f"{RECEIPT_PREFIX}{day:%Y%m%d}-{seq:04d}"


_CLAIM = (
    f"UPDATE {Goods._meta.db_table} SET stock = stock - %s WHERE id = %s AND village_id = %s "  # noqa: S608
    "AND active AND stock >= %s RETURNING points_price"
)


def _claim(pk: int, quantity: int, village_id: str) -> int:
    """Take ``quantity`` of a goods of the village that is on the shelf, in one conditional
    UPDATE that also returns its current price; when it takes nothing, say why."""
    row = one(_CLAIM, [quantity, pk, village_id, quantity])
    if row is not None:
        return int(row[0])
    goods = Goods.objects.filter(pk=pk).first()
    if goods is None or goods.village_id != village_id:
        raise ApplicationError("goods_unknown", "商品不存在或不属于本村", field="lines")
    if not goods.active:
        raise ApplicationError("goods_inactive", f"“{goods.name}”已下架", field="lines")
    raise ApplicationError(
        "insufficient_stock", f"库存不足：{goods.name}仅剩{goods.stock}{goods.unit}",
        field="lines", status=409,
    )  # fmt: skip


_COUNT = (
    f"INSERT INTO {ReceiptCounter._meta.db_table} AS c (village_id, day, last) "  # noqa: S608
    "VALUES (%s, %s, 1) ON CONFLICT (village_id, day) DO UPDATE SET last = c.last + 1 "
    "RETURNING last"
)


def _next_receipt(village_id: str, day: date) -> int:
    """The village's next receipt sequence of the day, in one statement; the counter row stays
    locked until commit, so numbers have no gaps and no duplicates."""
    row = one(_COUNT, [village_id, day])
    if row is None:  # pragma: no cover (RETURNING always gives the row)
        raise RuntimeError("receipt counter returned nothing")
    return int(row[0])


def _replay(existing: Redemption, household: Household, basket: Basket) -> Redemption:
    """The same key again: the redemption it made, unchanged, when the request is the same."""
    lines = dict(existing.lines.values_list("goods_id", "quantity"))
    if existing.household_id != household.pk or lines != basket.quantities:
        raise ApplicationError(
            "idempotency_conflict",
            "该兑换请求已用于另一张兑换单，与本次的户或商品不同，请重新开单",
            field="idempotency_key",
            status=409,
        )
    return existing


def redemption_create(
    *,
    actor: Any,
    household: Household,
    lines: Sequence[tuple[Goods | int, int]],
    idempotency_key: str,
) -> Redemption:
    """兑换: the household's basket for its available points, once per idempotency key.

    The same key again returns the redemption it made (nothing charged twice); the same key
    with another household or basket is refused (409). Two requests with the same key at the
    same moment: the second waits on the key's unique index, fails when the first commits and
    returns the first one's redemption."""
    key = clean_key(idempotency_key)
    basket = Basket.of(lines)
    require(actor, "store.redeem", household.village_id)
    try:
        return _redeem(actor=actor, household=household, basket=basket, key=key)
    except IntegrityError:
        existing = Redemption.objects.filter(idempotency_key=key).first()
        if existing is None:
            raise
        return _replay(existing, household, basket)


@transaction.atomic(durable=True)
def _redeem(*, actor: Any, household: Household, basket: Basket, key: str) -> Redemption:
    today = timezone.localdate()
    if household.status != HouseholdStatus.ACTIVE:
        raise ApplicationError("household_inactive", "该户已注销，不能兑换", field="household")
    prices: dict[int, int] = {}
    for pk in sorted(basket.quantities):  # in id order: two baskets never wait on each other
        prices[pk] = _claim(pk, basket.quantities[pk], household.village_id)
    total = sum(prices[pk] * basket.quantities[pk] for pk in prices)
    # the receipt's number: the village's next of the day (its counter row is held to commit,
    # so numbers have no gaps); then the row, complete. A concurrent request with the same key
    # waits on the key's unique index here and fails when this one commits; rolled back, it
    # replays this one (redemption_create).
    number = receipt_number(today, _next_receipt(household.village_id, today))
    redemption = insert(Redemption(
        village_id=household.village_id, county_code=household.county_code, household=household,
        number=number, idempotency_key=key, total_points=total, created_by=actor,
    ))  # fmt: skip
    try:
        points_debit(
            actor=actor, household=household, points=total,
            ref=("store.redemption", str(redemption.pk)), memo=f"爱心超市兑换 {today:%Y%m%d}",
        )  # fmt: skip
    except ApplicationError as exc:
        if exc.code != "insufficient_points":
            raise
        available = account_for(household).available
        raise ApplicationError(
            "insufficient_points", f"可用积分不足：本次需{total}分，该户可用{available}分",
            field="lines", status=409,
        ) from exc  # fmt: skip
    # the counter's hot path: one plain INSERT per row (the ORM's own cost more Python than
    # the database spent on them)
    for pk in sorted(basket.quantities):
        quantity = basket.quantities[pk]
        insert(RedemptionLine(
            redemption=redemption, goods_id=pk, quantity=quantity, unit_points=prices[pk],
            points=prices[pk] * quantity,
        ))  # fmt: skip
        insert(StockMovement(
            goods_id=pk, village_id=household.village_id, county_code=household.county_code,
            kind=MovementKind.REDEMPTION, quantity=-quantity, date=today, redemption=redemption,
            actor=redemption.created_by,
        ))  # fmt: skip
    audit_append(
        actor=actor, region=household.village, action="store.redeem", obj=redemption,
        payload={"number": redemption.number, "household": household.number, "points": total,
                 "lines": [[pk, basket.quantities[pk]] for pk in sorted(basket.quantities)]},
    )  # fmt: skip
    return redemption


@transaction.atomic
def redemption_cancel(*, actor: Any, redemption: Redemption, reason: str) -> Redemption:
    """撤销: on the day it was made, once; the goods go back on the shelf and the points back to
    the household."""
    require(actor, "store.redeem", redemption.village_id)
    reason = _text(reason, field="reason", label="撤销原因", limit=200)
    made_on = timezone.localtime(redemption.created_at).date()
    if made_on != timezone.localdate():
        raise ApplicationError(
            "cancel_day", f"只能撤销当天的兑换（该单为{format_date(made_on)}兑换）", status=409
        )
    now = timezone.now()
    if not Redemption.objects.filter(pk=redemption.pk, status=RedemptionStatus.DONE).update(
        status=RedemptionStatus.CANCELLED, cancelled_by=actor, cancelled_at=now,
        cancel_reason=reason,
    ):  # fmt: skip
        raise ApplicationError("cancel_twice", "该兑换单已撤销", status=409)
    redemption.refresh_from_db()
    lines = list(redemption.lines.select_related("goods").order_by("goods_id"))
    today = timezone.localdate(now)
    for line in lines:
        Goods.objects.filter(pk=line.goods_id).update(stock=F("stock") + line.quantity)
        _movement(
            goods=line.goods, kind=MovementKind.CANCEL, quantity=line.quantity, actor=actor,
            on=today, redemption=redemption, reason=reason,
        )  # fmt: skip
    points_credit(
        actor=actor, household=redemption.household, points=redemption.total_points,
        ref=("store.redemption", str(redemption.pk)), memo=f"撤销兑换单{redemption.number}",
    )  # fmt: skip
    audit_append(
        actor=actor, region=redemption.village, action="store.redeem_cancel", obj=redemption,
        payload={"number": redemption.number, "points": redemption.total_points,
                 "reason": reason},
    )  # fmt: skip
    return redemption


# ---------------------------------------------------------------- monthly report


def report_subject(village: Region, year: int, month: int) -> Subject:
    return Subject("store.report", f"{village.code}-{year:04d}-{month:02d}")


@transaction.atomic
def report_publish(*, actor: Any, village: Region, year: int, month: int) -> Notice:
    """公示 the month's report (stock in and out by goods; points redeemed by household) on the
    village's notice board, once per month (again only after the earlier one was withdrawn)."""
    from .selectors import monthly_report, report_table

    require(actor, "store.manage", village)
    require(actor, "disclosure.publish", village)
    today = timezone.localdate()
    if (year, month) > (today.year, today.month):
        raise ApplicationError("report_future", "不能公示尚未开始的月份", field="month")
    subject = report_subject(village, year, month)
    if (
        Notice.objects.filter(subject_type=subject.type, subject_id=subject.id)
        .exclude(status=NoticeStatus.WITHDRAWN)
        .exists()
    ):
        raise ApplicationError("report_published", f"{year}年{month}月的收支已经公示", status=409)
    report = monthly_report(village=village, year=year, month=month)
    name = village.name.removesuffix("委会").removesuffix("村民委员会")
    title = f"{name}爱心超市{year}年{month}月收支公示"
    body = (
        f"<p>{year}年{month}月，本村爱心超市共兑换{report.redemption_count}单，"
        f"{len(report.households)}户兑换积分合计{report.points_total}分。"
        "商品收支明细如下，公示期内如有异议，请向村务监督委员会反映。</p>"
    )
    notice = notice_publish(
        actor=actor, region=village, category=Category.POINTS, title=title, body=body,
        rows=report_table(report), period=Period(days=REPORT_PERIOD_DAYS), subject=subject,
    )  # fmt: skip
    audit_append(
        actor=actor, region=village, action="store.report_publish", obj=notice,
        payload={"year": year, "month": month, "redemptions": report.redemption_count,
                 "points": report.points_total},
    )  # fmt: skip
    return notice
