"""Models of the meetings part of 乡村治理: 屋场恳谈会."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from cunwu.core.models import Region, VillageGroup

__all__ = ["Meeting"]


class Meeting(models.Model):
    """A 屋场恳谈会 of one villagers' group: when, where, about what, and its minutes."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="village_meetings"
    )
    county_code = models.CharField("县代码", max_length=6, db_index=True)
    group = models.ForeignKey(
        VillageGroup, verbose_name="村民小组", on_delete=models.PROTECT, related_name="meetings"
    )
    held_on = models.DateField("日期")
    place = models.CharField("地点", max_length=100)
    topic = models.CharField("议题", max_length=200)
    minutes = models.TextField("纪要", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "屋场恳谈会"
        ordering: ClassVar = ["-held_on", "-pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=~models.Q(topic=""), name="village_meeting_topic_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.held_on} {self.topic}"
