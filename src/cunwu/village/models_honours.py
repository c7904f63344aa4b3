"""Models of the honours part of 乡村治理: yearly selections of 文明户, 最美家庭 and 星级户, their
nominations, the appraisal vote and the awards."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from cunwu.core.models import Region
from cunwu.disclosure.models import Notice
from cunwu.registry.models import Household

__all__ = [
    "Award",
    "Nomination",
    "NominationSource",
    "Selection",
    "SelectionKind",
    "SelectionStage",
]


class SelectionKind(models.TextChoices):
    CIVILISED = "civilised", "文明户"
    FAMILY = "family", "最美家庭"
    STAR = "star", "星级户"


class SelectionStage(models.TextChoices):
    NOMINATING = "nominating", "提名中"
    APPRAISING = "appraising", "评议中"
    DISCLOSING = "disclosing", "公示中"
    AWARDED = "awarded", "已表彰"
    CANCELLED = "cancelled", "已取消"


class NominationSource(models.TextChoices):
    RANKING = "ranking", "积分排名"
    GROUP = "group", "村民小组推荐"
    SELF = "self", "自荐"


class Selection(models.Model):
    """One selection campaign of a village for a year and a kind, with its quota."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    year = models.PositiveSmallIntegerField("年度")
    kind = models.CharField("评选类别", max_length=12, choices=SelectionKind.choices)
    quota = models.PositiveSmallIntegerField("名额")
    stage = models.CharField(
        "阶段", max_length=12, choices=SelectionStage.choices, default=SelectionStage.NOMINATING
    )
    # the appraisal meeting (评议会)
    members_total = models.PositiveSmallIntegerField("评议会应到人数", null=True, blank=True)
    members_present = models.PositiveSmallIntegerField("评议会实到人数", null=True, blank=True)
    appraised_on = models.DateField("评议日期", null=True, blank=True)
    appraisal_rounds = models.PositiveSmallIntegerField("评议次数", default=0)
    notice = models.ForeignKey(
        Notice, verbose_name="公示", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    cancel_reason = models.CharField("取消原因", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "评选活动"
        verbose_name_plural = "评选活动"
        ordering: ClassVar = ["-year", "kind", "-pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["village", "year", "kind"],
                condition=~models.Q(stage="cancelled"),
                name="village_selection_one_per_year",
            ),
            models.CheckConstraint(
                condition=models.Q(quota__gte=1), name="village_selection_quota_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(year__gte=2000, year__lte=2100),
                name="village_selection_year_range",
            ),
            models.CheckConstraint(
                condition=models.Q(stage__in=[s.value for s in SelectionStage]),
                name="village_selection_stage_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(members_present__isnull=True)
                | models.Q(members_present__lte=models.F("members_total")),
                name="village_selection_present_le_total",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["county_code", "village", "year"])]

    def __str__(self) -> str:
        return f"{self.year}年度{self.get_kind_display()}评选"

    def save(self, *args: object, **kwargs: object) -> None:
        self.county_code = self.village_id[:6]
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Nomination(models.Model):
    """A household nominated in a selection (one per household and selection)."""

    selection = models.ForeignKey(
        Selection, verbose_name="评选活动", on_delete=models.PROTECT, related_name="nominations"
    )
    household = models.ForeignKey(
        Household, verbose_name="户", on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField("提名方式", max_length=10, choices=NominationSource.choices)
    reason = models.CharField("提名理由", max_length=300)
    points = models.IntegerField("提名时累计积分", null=True, blank=True)
    votes = models.PositiveSmallIntegerField("得票", null=True, blank=True)
    candidate = models.BooleanField("拟表彰", default=False)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提名人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("提名时间", auto_now_add=True)

    class Meta:
        verbose_name = "提名"
        verbose_name_plural = "提名"
        ordering: ClassVar = ["pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["selection", "household"], name="village_nomination_one_per_household"
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=[s.value for s in NominationSource]),
                name="village_nomination_source_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household.number}户提名"


class Award(models.Model):
    """The award of a household in a selection: its number and date (never deleted)."""

    selection = models.ForeignKey(
        Selection, verbose_name="评选活动", on_delete=models.PROTECT, related_name="awards"
    )
    nomination = models.OneToOneField(
        Nomination, verbose_name="提名", on_delete=models.PROTECT, related_name="award"
    )
    household = models.ForeignKey(
        Household, verbose_name="户", on_delete=models.PROTECT, related_name="+"
    )
    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    number = models.CharField("证书编号", max_length=40, unique=True)
    awarded_on = models.DateField("表彰日期")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "表彰"
        verbose_name_plural = "表彰"
        ordering: ClassVar = ["-awarded_on", "pk"]
        indexes: ClassVar = [models.Index(fields=["county_code", "village"])]

    def __str__(self) -> str:
        return self.number

    def save(self, *args: object, **kwargs: object) -> None:
        self.county_code = self.village_id[:6]
        super().save(*args, **kwargs)  # type: ignore[arg-type]
