"""爱心超市: goods priced in points, stock as a movement ledger, redemptions at the counter.

Goods show their name and points only, never a money price (a donation's declared value is
kept for the books, not shown on the shelf). Stock never goes negative; a redemption debits
the household's available points and the stock in one transaction, once per idempotency key.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from cunwu.core.models import Region
from cunwu.registry.models import Household


class Goods(models.Model):
    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="store_goods"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    name = models.CharField("名称", max_length=60)
    points_price = models.PositiveIntegerField("兑换积分")
    unit = models.CharField("单位", max_length=10, default="件")
    photo = models.FileField("图片", upload_to="store/goods/", blank=True)
    active = models.BooleanField("上架", default=True)
    # the sum of the goods' movements (``cunwu store check`` and a test prove it)
    stock = models.IntegerField("库存", default=0)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "商品"
        ordering: ClassVar = ["village", "name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["village", "name"], name="store_goods_name"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="store_goods_stock_nonnegative"),
            models.CheckConstraint(condition=Q(points_price__gt=0), name="store_goods_price"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.points_price}分/{self.unit}）"


class MovementKind(models.TextChoices):
    DONATION = "donation", "捐赠入库"
    PURCHASE = "purchase", "采购入库"
    REDEMPTION = "redemption", "兑换出库"
    CANCEL = "cancel", "兑换撤销退回"
    WRITE_OFF = "write_off", "报损"
    STOCKTAKE = "stocktake", "盘点差异"


class StockMovement(models.Model):
    """One append-only change of a goods' stock (signed ``quantity``)."""

    goods = models.ForeignKey(
        Goods, verbose_name="商品", on_delete=models.PROTECT, related_name="movements"
    )
    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    kind = models.CharField("类型", max_length=12, choices=MovementKind.choices)
    quantity = models.IntegerField("数量")
    date = models.DateField("日期")
    donor = models.CharField("捐赠方/供货方", max_length=100, blank=True)
    # for the books only (分), never shown on shelf labels or the price list
    declared_value_fen = models.BigIntegerField("申报价值（分）", null=True, blank=True)
    reason = models.CharField("说明", max_length=200, blank=True)
    redemption = models.ForeignKey(
        "Redemption",
        verbose_name="兑换单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="movements",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "库存变动"
        ordering: ClassVar = ["-pk"]
        indexes: ClassVar = [
            models.Index(fields=["goods", "date"]),
            models.Index(fields=["village", "date"]),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(condition=~Q(quantity=0), name="store_movement_nonzero"),
            models.CheckConstraint(
                condition=~Q(kind__in=["donation", "purchase", "cancel"]) | Q(quantity__gt=0),
                name="store_movement_in_positive",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["redemption", "write_off"]) | Q(quantity__lt=0),
                name="store_movement_out_negative",
            ),
            models.CheckConstraint(
                condition=Q(declared_value_fen__isnull=True) | Q(declared_value_fen__gte=0),
                name="store_movement_value",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity:+d}"


class RedemptionStatus(models.TextChoices):
    DONE = "done", "已兑换"
    CANCELLED = "cancelled", "已撤销"


class Redemption(models.Model):
    """A basket redeemed by a household at the counter; ``idempotency_key`` (chosen by the
    client when the basket is opened) makes a double tap or a retried request charge once."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="redemptions"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    household = models.ForeignKey(
        Household, verbose_name="户", on_delete=models.PROTECT, related_name="redemptions"
    )
    # DH20261125-0007: the village's 7th receipt of that day (ReceiptCounter)
    number = models.CharField("单号", max_length=20)
    idempotency_key = models.CharField("幂等键", max_length=64, unique=True)
    total_points = models.PositiveIntegerField("积分合计")
    status = models.CharField(
        "状态", max_length=10, choices=RedemptionStatus.choices, default=RedemptionStatus.DONE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="经办人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("兑换时间", auto_now_add=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤销人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cancelled_at = models.DateTimeField("撤销时间", null=True, blank=True)
    cancel_reason = models.CharField("撤销原因", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "兑换单"
        ordering: ClassVar = ["-created_at"]
        indexes: ClassVar = [
            models.Index(fields=["village", "-created_at"]),
            models.Index(fields=["household", "-created_at"]),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(total_points__gt=0), name="store_redemption_total"),
            models.UniqueConstraint(fields=["village", "number"], name="store_redemption_number"),
        ]

    def __str__(self) -> str:
        return self.number


class RedemptionLine(models.Model):
    redemption = models.ForeignKey(
        Redemption, verbose_name="兑换单", on_delete=models.PROTECT, related_name="lines"
    )
    goods = models.ForeignKey(
        Goods, verbose_name="商品", on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField("数量")
    unit_points = models.PositiveIntegerField("单价（积分）")
    points = models.PositiveIntegerField("小计（积分）")

    class Meta:
        verbose_name = verbose_name_plural = "兑换明细"
        ordering: ClassVar = ["redemption", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="store_line_quantity"),
        ]

    def __str__(self) -> str:
        return f"{self.goods_id}×{self.quantity}"


class ReceiptCounter(models.Model):
    """The last receipt number a village gave out on a day (one row per village and day)."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField("日期")
    last = models.PositiveIntegerField("最后序号", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "兑换单号计数"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["village", "day"], name="store_receipt_counter_day"),
        ]

    def __str__(self) -> str:
        return f"{self.village_id} {self.day}: {self.last}"
