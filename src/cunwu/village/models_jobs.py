"""Models of the jobs part of 乡村治理: 公益性岗位 (posts), their holders, and the monthly
attendance (考勤) a township pays from. Money in 分; attendance rows are never edited: a
correction after a month closes is a new row, and the newest row of a holder and month counts."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from cunwu.core.models import Region

__all__ = ["JobAttendance", "JobHolder", "JobMonth", "JobPost"]


class JobPost(models.Model):
    """A public-welfare post of a village (保洁员, 护林员, …) with its number of positions.
    ``filled`` counts the current holders; it only moves by conditional UPDATE."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    name = models.CharField("岗位名称", max_length=50)
    duties = models.CharField("岗位职责", max_length=300, blank=True)
    pay_fen = models.BigIntegerField("月报酬（分）")
    funding = models.CharField("资金来源", max_length=100, blank=True)
    positions = models.PositiveSmallIntegerField("岗位数")
    filled = models.PositiveSmallIntegerField("在岗人数", default=0)
    active = models.BooleanField("在设", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "公益性岗位"
        verbose_name_plural = "公益性岗位"
        ordering: ClassVar = ["village", "name", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(pay_fen__gte=0), name="jobpost_pay_nonneg"),
            models.CheckConstraint(condition=Q(positions__gte=1), name="jobpost_positions_min"),
            models.CheckConstraint(
                condition=Q(filled__gte=0) & Q(filled__lte=F("positions")),
                name="jobpost_filled_range",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["county_code", "village"])]

    def __str__(self) -> str:
        return self.name


class JobHolder(models.Model):
    """A registry person in a post from ``start_on`` (to ``end_on`` with a reason). For a
    monitored household the post is also an employment measure (``measure``)."""

    post = models.ForeignKey(
        JobPost, verbose_name="岗位", on_delete=models.PROTECT, related_name="holders"
    )
    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    person = models.ForeignKey(
        "registry.Person", verbose_name="人员", on_delete=models.PROTECT, related_name="+"
    )
    start_on = models.DateField("上岗日期")
    end_on = models.DateField("离岗日期", null=True, blank=True)
    end_reason = models.CharField("离岗原因", max_length=200, blank=True)
    poverty = models.BooleanField("脱贫户", default=False)
    monitored = models.BooleanField("监测对象", default=False)
    measure = models.ForeignKey(
        "monitoring.Measure", verbose_name="帮扶措施", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "公益性岗位人员"
        verbose_name_plural = "公益性岗位人员"
        ordering: ClassVar = ["post", "start_on", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gte=F("start_on")),
                name="jobholder_end_after_start",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["county_code", "village"])]

    def __str__(self) -> str:
        return f"{self.post} {self.person.name}"


class JobMonth(models.Model):
    """A closed month of a village: attendance entered later is a correction."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField("月份")  # the first day of the month
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="结账人", on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField("结账时间", auto_now_add=True)

    class Meta:
        verbose_name = "考勤月结"
        verbose_name_plural = "考勤月结"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["village", "month"], name="jobmonth_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class JobAttendance(models.Model):
    """Days worked by a holder in a month of ``working_days`` working days. ``pay_due_fen`` is
    pay per month × days worked / working days rounded half up to 分; ``net_fen`` subtracts the
    deduction. Append-only: the newest row of (holder, month) counts."""

    holder = models.ForeignKey(
        JobHolder, verbose_name="人员", on_delete=models.PROTECT, related_name="attendance"
    )
    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    month = models.DateField("月份")
    working_days = models.PositiveSmallIntegerField("应出勤天数")
    days_worked = models.PositiveSmallIntegerField("出勤天数")
    pay_fen = models.BigIntegerField("月报酬（分）")
    pay_due_fen = models.BigIntegerField("应发（分）")
    deduction_fen = models.BigIntegerField("扣减（分）", default=0)
    deduction_reason = models.CharField("扣减原因", max_length=200, blank=True)
    net_fen = models.BigIntegerField("实发（分）")
    correction = models.BooleanField("更正", default=False)
    note = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "公益性岗位考勤"
        verbose_name_plural = "公益性岗位考勤"
        ordering: ClassVar = ["month", "holder", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(days_worked__lte=F("working_days")), name="jobatt_days_range"
            ),
            models.CheckConstraint(
                condition=Q(deduction_fen__gte=0) & Q(deduction_fen__lte=F("pay_due_fen")),
                name="jobatt_deduction_range",
            ),
            models.CheckConstraint(
                condition=Q(net_fen=F("pay_due_fen") - F("deduction_fen")), name="jobatt_net"
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["county_code", "village", "month"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.days_worked}/{self.working_days}"
