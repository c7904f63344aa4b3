"""Models of the meetings part of 乡村治理: 屋场恳谈会, their attendance, photos and the opinions
raised, each followed up as a feedback of the disclosure module."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from cunwu.core.models import Region, StoredFile, VillageGroup

__all__ = ["Meeting", "MeetingAttendee", "MeetingOpinion", "MeetingPhoto"]


class Meeting(models.Model):
    """A 屋场恳谈会 of one villagers' group: when, where, about what, and its minutes. Its
    results are disclosed once through a 村务 notice."""

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
    guests = models.CharField("列席人员", max_length=200, blank=True, default="")
    minutes = models.TextField("纪要", blank=True)
    notice = models.ForeignKey(
        "disclosure.Notice", verbose_name="结果公开", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "屋场恳谈会"
        ordering: ClassVar = ["-held_on", "-pk"]
        indexes: ClassVar = [models.Index(fields=["village", "-held_on"])]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=~models.Q(topic=""), name="village_meeting_topic_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.held_on} {self.topic}"


class MeetingAttendee(models.Model):
    """A villager expected at a meeting (应到), and whether the villager came (实到)."""

    meeting = models.ForeignKey(
        Meeting, verbose_name="恳谈会", on_delete=models.CASCADE, related_name="attendees"
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name="村民", on_delete=models.PROTECT, related_name="+"
    )
    present = models.BooleanField("到会", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "恳谈会参会人员"
        ordering: ClassVar = ["meeting", "-present", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["meeting", "person"], name="village_attendee_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person}（{'到会' if self.present else '缺席'}）"


class MeetingPhoto(StoredFile):
    """A photo of a meeting; kept, never replaced."""

    meeting = models.ForeignKey(
        Meeting, verbose_name="恳谈会", on_delete=models.PROTECT, related_name="photos"
    )
    file = models.FileField("照片", upload_to="village/meetings/%Y/%m/")

    class Meta:
        verbose_name = verbose_name_plural = "恳谈会照片"
        ordering: ClassVar = ["meeting", "uploaded_at", "pk"]


class MeetingOpinion(models.Model):
    """An opinion raised at a meeting. It is followed up as a feedback (意见投诉) of the village,
    with the reply, 办结 and rating that machinery gives, and has an owner and a deadline set at
    the meeting."""

    meeting = models.ForeignKey(
        Meeting, verbose_name="恳谈会", on_delete=models.PROTECT, related_name="opinions"
    )
    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    raised_by = models.CharField("提出人", max_length=50, blank=True)
    text = models.TextField("意见内容")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="责任人", on_delete=models.PROTECT,
        related_name="meeting_opinions",
    )  # fmt: skip
    deadline = models.DateField("办理期限")
    feedback = models.OneToOneField(
        "disclosure.Feedback", verbose_name="办理", on_delete=models.PROTECT,
        related_name="meeting_opinion",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "恳谈会意见"
        ordering: ClassVar = ["deadline", "pk"]
        indexes: ClassVar = [models.Index(fields=["village", "deadline"])]

    def __str__(self) -> str:
        return self.text[:30]
