"""惠民资金: subsidies paid to persons (耕地地力保护补贴, 残疾人两项补贴, 低保金 …), imported from
the paying office's spreadsheet by batch, disclosed as a 惠民资金 notice, and open to a public
query by name and the last six characters of the ID number.

Rows are append-only: a wrong row is never edited or deleted; a reversing row (the negative
amount, naming the row it corrects) cancels it, and the right figure comes in a new batch. The
ID number is stored encrypted with a blind index; ``lookup_key`` is the blind index of the name
with the last six characters, so that the public query finds a person's rows without any
plaintext in the database.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from cunwu.core.models import Region

__all__ = ["BenefitBatch", "BenefitPayment"]


class BenefitBatch(models.Model):
    """One imported spreadsheet of payments of a village (one subsidy item, as a rule)."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="benefit_batches"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    item = models.CharField("补贴项目", max_length=50)
    file_name = models.CharField("原文件名", max_length=200)
    row_count = models.PositiveIntegerField("人次")
    total_fen = models.BigIntegerField("合计金额（分）")
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导入人", on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField("导入时间", auto_now_add=True)
    # the 惠民资金 notice the batch was last put up for disclosure in
    notice = models.ForeignKey(
        "disclosure.Notice",
        verbose_name="公示公告",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = verbose_name_plural = "惠民资金发放批次"
        ordering: ClassVar = ["-imported_at", "-pk"]
        indexes: ClassVar = [
            models.Index(fields=["village", "-imported_at"]),
            models.Index(fields=["county_code"]),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(total_fen__gt=0), name="benefit_batch_total_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.item}（{self.file_name}）"


class BenefitPayment(models.Model):
    """One payment to one person, or the reversal of one (negative, ``reverses`` set)."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="benefit_payments"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    batch = models.ForeignKey(
        BenefitBatch, verbose_name="批次", on_delete=models.PROTECT, related_name="payments"
    )
    row = models.PositiveIntegerField("表格行号", default=0)
    item = models.CharField("补贴项目", max_length=50)
    name = models.CharField("姓名", max_length=50)
    id_number_enc = models.TextField("公民身份号码（加密）")
    id_number_index = models.CharField("身份证索引", max_length=64, db_index=True)
    id_masked = models.CharField("公民身份号码", max_length=18)
    # blind index of name + last six characters of the ID number (the public query)
    lookup_key = models.CharField("查询索引", max_length=64, db_index=True)
    amount_fen = models.BigIntegerField("金额（分）")
    paid_on = models.DateField("发放日期")
    year = models.PositiveSmallIntegerField("年度")
    notice = models.ForeignKey(
        "disclosure.Notice",
        verbose_name="公示公告",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reverses = models.OneToOneField(
        "self",
        verbose_name="冲销的记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    reason = models.CharField("冲销理由", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "惠民资金发放记录"
        ordering: ClassVar = ["batch", "row", "pk"]
        indexes: ClassVar = [
            models.Index(fields=["village", "year"]),
            models.Index(fields=["county_code"]),
        ]
        constraints: ClassVar = [
            # a payment is positive; a reversal is negative and names what it reverses
            models.CheckConstraint(
                condition=Q(reverses__isnull=True, amount_fen__gt=0)
                | Q(reverses__isnull=False, amount_fen__lt=0),
                name="benefit_payment_sign",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.item}"

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None
