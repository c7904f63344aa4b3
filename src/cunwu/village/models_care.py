"""Models of the care part of 乡村治理: persons under care (留守儿童、留守妇女、留守老人、残疾人、
孤儿), their carers and the visits."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from cunwu.core.models import Region
from cunwu.registry.models import Person

__all__ = ["DEFAULT_INTERVALS", "CareGroup", "CareRecord", "CareVisit"]


class CareGroup(models.TextChoices):
    CHILD = "child", "留守儿童"
    WOMAN = "woman", "留守妇女"
    ELDER = "elder", "留守老人"
    DISABLED = "disabled", "残疾人"
    ORPHAN = "orphan", "孤儿"


# days between two visits unless the record says otherwise
DEFAULT_INTERVALS: dict[str, int] = {
    CareGroup.CHILD: 30,
    CareGroup.ELDER: 30,
    CareGroup.DISABLED: 60,
    CareGroup.WOMAN: 90,
    CareGroup.ORPHAN: 90,
}


class CareRecord(models.Model):
    """A person under care in one group since a date; ended (with a reason), never deleted."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    person = models.ForeignKey(
        Person, verbose_name="关爱对象", on_delete=models.PROTECT, related_name="+"
    )
    group = models.CharField("类别", max_length=10, choices=CareGroup.choices)
    since = models.DateField("纳入日期")
    interval_days = models.PositiveSmallIntegerField("走访周期（天）")
    carer_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="关爱责任人（干部）", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    carer_name = models.CharField("关爱责任人", max_length=50, blank=True)
    carer_phone_enc = models.TextField(blank=True, default="")
    carer_phone_masked = models.CharField("责任人电话", max_length=20, blank=True)
    note = models.CharField("情况说明", max_length=300, blank=True)
    ended_on = models.DateField("结束日期", null=True, blank=True)
    end_reason = models.CharField("结束原因", max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "关爱对象"
        verbose_name_plural = "关爱对象"
        ordering: ClassVar = ["village", "group", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["person", "group"],
                condition=models.Q(ended_on__isnull=True),
                name="village_care_one_open_per_group",
            ),
            models.CheckConstraint(
                condition=models.Q(group__in=[g.value for g in CareGroup]),
                name="village_care_group_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(interval_days__gte=1, interval_days__lte=366),
                name="village_care_interval_range",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | (models.Q(ended_on__gte=models.F("since")) & ~models.Q(end_reason="")),
                name="village_care_end_after_since",
            ),
            models.CheckConstraint(
                condition=models.Q(carer_user__isnull=False) | ~models.Q(carer_name=""),
                name="village_care_has_carer",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["county_code", "village"])]

    def __str__(self) -> str:
        return f"{self.person.name}（{self.get_group_display()}）"

    def save(self, *args: object, **kwargs: object) -> None:
        self.county_code = self.village_id[:6]
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def carer_label(self) -> str:
        if self.carer_user_id is not None:
            user = self.carer_user
            return str(getattr(user, "display_name", "") or user)
        return f"{self.carer_name} {self.carer_phone_masked}".strip()


class CareVisit(models.Model):
    """A visit to a person under care: what was needed, what was done (append-only)."""

    record = models.ForeignKey(
        CareRecord, verbose_name="关爱对象", on_delete=models.PROTECT, related_name="visits"
    )
    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    visited_on = models.DateField("走访日期")
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="走访人", on_delete=models.PROTECT, related_name="+"
    )
    needs = models.CharField("发现的需求", max_length=300, blank=True)
    help_given = models.CharField("提供的帮助", max_length=300, blank=True)
    follow_up = models.CharField("后续跟进", max_length=300, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "走访记录"
        verbose_name_plural = "走访记录"
        ordering: ClassVar = ["-visited_on", "-pk"]
        indexes: ClassVar = [models.Index(fields=["county_code", "village"])]

    def __str__(self) -> str:
        return f"{self.visited_on}走访"

    def save(self, *args: object, **kwargs: object) -> None:
        self.county_code = self.village_id[:6]
        super().save(*args, **kwargs)  # type: ignore[arg-type]
