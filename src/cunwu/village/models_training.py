"""Models of the training part of 乡村治理 (§7): training sessions of a village or township, their
attendees with certificates and employment outcome, and the yearly labour export records."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from cunwu.core.models import Region

__all__ = [
    "Destination",
    "LabourExport",
    "Outcome",
    "TrainingAttendee",
    "TrainingCertificate",
    "TrainingKind",
    "TrainingSession",
]


class TrainingKind(models.TextChoices):
    SKILL = "skill", "技能培训"
    FARMER = "farmer", "新型农民科技培训"
    TALENT = "talent", "实用人才"


class Outcome(models.TextChoices):
    LOCAL = "local", "本地就业"
    AWAY = "away", "外出务工"
    SELF = "self", "自主创业"
    NONE = "none", "未就业"


class Destination(models.TextChoices):
    LOCAL = "local", "本地"
    COUNTY = "county", "县内乡外"
    PROVINCE = "province", "县外省内"
    OUTSIDE = "outside", "省外"
    ABROAD = "abroad", "境外"


class TrainingSession(models.Model):
    """A session organised by a village or a township (``region``)."""

    region = models.ForeignKey(
        Region, verbose_name="组织地区", on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    kind = models.CharField("培训类型", max_length=10, choices=TrainingKind.choices)
    title = models.CharField("培训名称", max_length=100)
    start_on = models.DateField("开始日期")
    end_on = models.DateField("结束日期")
    place = models.CharField("培训地点", max_length=100)
    organiser = models.CharField("组织单位", max_length=100)
    hours = models.PositiveSmallIntegerField("学时")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "培训"
        verbose_name_plural = "培训"
        ordering: ClassVar = ["-start_on", "-pk"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(end_on__gte=F("start_on")), name="training_dates"),
            models.CheckConstraint(condition=Q(hours__gte=1), name="training_hours_min"),
        ]
        indexes: ClassVar = [models.Index(fields=["county_code", "region"])]

    def __str__(self) -> str:
        return self.title


class TrainingAttendee(models.Model):
    """A registry person on a session (``village`` is the person's), whether they attended,
    and what work they found afterwards."""

    session = models.ForeignKey(
        TrainingSession, verbose_name="培训", on_delete=models.PROTECT, related_name="attendees"
    )
    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    person = models.ForeignKey(
        "registry.Person", verbose_name="人员", on_delete=models.PROTECT, related_name="+"
    )
    attended = models.BooleanField("已参训", default=False)
    outcome = models.CharField("就业情况", max_length=10, choices=Outcome.choices, blank=True)
    outcome_place = models.CharField("就业地点", max_length=100, blank=True)
    outcome_from = models.DateField("就业起始", null=True, blank=True)

    class Meta:
        verbose_name = "参训人员"
        verbose_name_plural = "参训人员"
        ordering: ClassVar = ["session", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["session", "person"], name="training_attendee_unique"),
        ]

    def __str__(self) -> str:
        return self.person.name


class TrainingCertificate(models.Model):
    attendee = models.ForeignKey(
        TrainingAttendee, verbose_name="参训人员", on_delete=models.PROTECT,
        related_name="certificates",
    )  # fmt: skip
    name = models.CharField("证书名称", max_length=100)
    number = models.CharField("证书编号", max_length=50)
    issuer = models.CharField("发证机关", max_length=100)
    issued_on = models.DateField("发证日期")

    class Meta:
        verbose_name = "培训证书"
        verbose_name_plural = "培训证书"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["issuer", "number"], name="training_cert_unique"),
        ]

    def __str__(self) -> str:
        return self.number


class LabourExport(models.Model):
    """Where a person works in a year (劳务输出), from month to month."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    person = models.ForeignKey(
        "registry.Person", verbose_name="人员", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("年度")
    destination = models.CharField("务工去向", max_length=10, choices=Destination.choices)
    place = models.CharField("务工地点", max_length=100, blank=True)
    from_month = models.PositiveSmallIntegerField("起始月")
    to_month = models.PositiveSmallIntegerField("截止月")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "劳务输出"
        verbose_name_plural = "劳务输出"
        ordering: ClassVar = ["village", "year", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["person", "year"], name="labour_export_unique"),
            models.CheckConstraint(
                condition=Q(from_month__gte=1) & Q(to_month__lte=12)
                & Q(to_month__gte=F("from_month")),
                name="labour_export_months",
            ),
        ]  # fmt: skip
        indexes: ClassVar = [models.Index(fields=["county_code", "village", "year"])]

    def __str__(self) -> str:
        return f"{self.year} {self.get_destination_display()}"
