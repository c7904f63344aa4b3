"""Regions (行政区划), village groups (村民小组), the audit chain (审计链) and holidays (节假日)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models


class RegionLevel(models.IntegerChoices):
    PROVINCE = 1, "省"
    CITY = 2, "市"
    COUNTY = 3, "县"
    TOWNSHIP = 4, "乡镇"
    VILLAGE = 5, "村"


# How many leading digits of the 12-digit code identify a unit at each level.
PREFIX_LENGTH: dict[int, int] = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}


def code_prefix(code: str, level: int) -> str:
    """The significant prefix of a 12-digit statistical code at ``level`` (e.g. a township: 9)."""
    return code[: PREFIX_LENGTH[level]]


class Region(models.Model):
    """An administrative unit keyed by its 12-digit statistical code (统计用区划代码)."""

    code = models.CharField("区划代码", max_length=12, primary_key=True)
    name = models.CharField("名称", max_length=100)
    level = models.PositiveSmallIntegerField("级别", choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # The 3-digit urban-rural class (城乡分类代码, 111…220) of villages, when the source gives it.
    urban_rural_class = models.CharField("城乡分类代码", max_length=3, blank=True)
    # The civil-affairs six-digit county code where it differs from the first six digits.
    civil_code = models.CharField("民政区划代码", max_length=6, blank=True)
    retired = models.BooleanField("已撤销", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "行政区划"
        ordering: ClassVar = ["code"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5), name="region_level_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        """Leading digits shared by this unit and everything under it."""
        return code_prefix(self.code, self.level)

    @property
    def is_village(self) -> bool:
        return self.level == RegionLevel.VILLAGE

    def contains(self, other: Region) -> bool:
        return other.code.startswith(self.prefix) and other.level >= self.level

    @property
    def full_name(self) -> str:
        """County → township → village, e.g. 衡山县开云镇九龙村委会."""
        names: list[str] = []
        node: Region | None = self
        while node is not None and node.level >= RegionLevel.COUNTY:
            names.append(node.name)
            node = node.parent
        return "".join(reversed(names))


class VillageGroup(models.Model):
    """A villagers' group (村民小组) inside a village, created by village staff."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="groups"
    )
    name = models.CharField("名称", max_length=50)
    number = models.PositiveSmallIntegerField("序号", default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "村民小组"
        ordering: ClassVar = ["village", "number", "name"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["village", "name"], name="group_name_unique_in_village"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AuditChain(models.Model):
    """The head of one hash chain (per village; per county for county-level events).

    Appending locks this row (``select_for_update``) so that sequence numbers and
    ``prev_hash`` are taken in order even under concurrent writers.
    """

    region = models.OneToOneField(Region, on_delete=models.PROTECT, primary_key=True)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = verbose_name_plural = "审计链"

    def __str__(self) -> str:
        return f"{self.region_id}#{self.last_seq}"


class AuditEvent(models.Model):
    """One link of an append-only hash chain: ``hash = SHA-256(prev_hash ‖ canonical JSON)``."""

    region = models.ForeignKey(
        Region, verbose_name="区划", on_delete=models.PROTECT, related_name="audit_events"
    )
    seq = models.BigIntegerField("序号")
    at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField("操作人姓名", max_length=150, blank=True)
    action = models.CharField("动作", max_length=64)
    object_type = models.CharField("对象类型", max_length=64)
    object_id = models.CharField("对象编号", max_length=64)
    payload = models.JSONField("内容", default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = verbose_name_plural = "审计事件"
        ordering: ClassVar = ["region", "seq"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["region", "seq"], name="audit_seq_unique_in_chain"),
        ]
        indexes: ClassVar = [
            models.Index(fields=["object_type", "object_id"]),
            # the audit pages filter a chain by date range
            models.Index(fields=["region", "at"], name="audit_event_region_at"),
        ]

    def __str__(self) -> str:
        return f"{self.region_id}#{self.seq} {self.action}"


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", "放假"
    WORKDAY = "workday", "调休上班"


class CalendarSource(models.TextChoices):
    # chinese-calendar's data for the year; entered days only correct single dates
    BUILTIN = "builtin", "内置"
    # the year's whole arrangement was entered (a year chinese-calendar does not know)
    ENTERED = "entered", "录入"


class CalendarYear(models.Model):
    """A year whose official holiday arrangement (国务院办公厅通知) is known to the app.

    A year chinese-calendar ships needs no row; it gets one (source ``builtin``) only when an
    admin corrects some of its dates. A later year gets one (source ``entered``) when its whole
    arrangement has been entered: from then on it counts as known, and every date not entered
    follows the week (Monday to Friday work).
    """

    year = models.PositiveSmallIntegerField("年份", primary_key=True)
    source = models.CharField("来源", max_length=10, choices=CalendarSource.choices)
    note = models.CharField("依据", max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_at = models.DateTimeField("录入时间")

    class Meta:
        verbose_name = verbose_name_plural = "节假日年度"
        ordering: ClassVar = ["year"]

    def __str__(self) -> str:
        return f"{self.year}年"


class HolidayDay(models.Model):
    """One entered date of the official arrangement: a holiday (放假) or a make-up workday
    (调休上班). It overrides chinese-calendar for that date."""

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=10, choices=HolidayKind.choices)
    name = models.CharField("名称", max_length=30, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_at = models.DateTimeField("录入时间")

    class Meta:
        verbose_name = verbose_name_plural = "节假日"
        ordering: ClassVar = ["date"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["holiday", "workday"]), name="holiday_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class StoredFile(models.Model):
    """What every attachment keeps: the name it was uploaded with, what it is (by its first
    bytes), its size and digest, who uploaded it and when. Attachments are kept, never
    replaced."""

    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("格式", max_length=40)
    size = models.PositiveIntegerField("大小")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name
