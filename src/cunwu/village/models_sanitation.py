"""Models of the sanitation part of 乡村治理: the "五定" duty roster (路段、岗位、值守), the
inspection checklist, rounds and scores (督查), and the waste chain runs (户分类、组收集、村集中、
乡转运). Duties and scores are never edited: a change is a new row, the old duty ended."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from cunwu.core.models import Region, StoredFile, VillageGroup
from cunwu.registry.models import Household, Person

__all__ = [
    "AssociationMember",
    "ChecklistItem",
    "Duty",
    "DutyPost",
    "InspectionPhoto",
    "InspectionRound",
    "InspectionScore",
    "MemberRole",
    "RoadSection",
    "WasteRun",
    "WasteStage",
]


class RoadSection(models.Model):
    """定路段: a stretch of road a duty person keeps clean; a retired section (``retired_on``)
    is kept with its duties and scores but no longer chosen."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    group = models.ForeignKey(
        VillageGroup, verbose_name="村民小组", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    name = models.CharField("路段名称", max_length=50)
    description = models.CharField("说明", max_length=200, blank=True)
    length_m = models.PositiveIntegerField("长度（米）", default=0)
    retired_on = models.DateField("撤销日期", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "卫生路段"
        ordering: ClassVar = ["village", "name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["village", "name"], name="sanitation_section_unique")
        ]

    def __str__(self) -> str:
        return self.name


class DutyPost(models.Model):
    """定岗: a post of the sanitation association (保洁员、监督员、…); retired like a section."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("岗位名称", max_length=30)
    retired_on = models.DateField("撤销日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "卫生岗位"
        ordering: ClassVar = ["village", "name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["village", "name"], name="sanitation_post_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Duty(models.Model):
    """定人、定时、定任务: a registry person on a post and a section, on some weekdays in a time
    window, from a date; a change ends this row and starts a new one."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField("县级代码", max_length=6)
    person = models.ForeignKey(
        Person, verbose_name="值守人", on_delete=models.PROTECT, related_name="+"
    )
    post = models.ForeignKey(
        DutyPost, verbose_name="岗位", on_delete=models.PROTECT, related_name="duties"
    )
    section = models.ForeignKey(
        RoadSection, verbose_name="路段", on_delete=models.PROTECT, related_name="duties"
    )
    # "135": ISO weekdays (1 = 周一)
    weekdays = models.CharField("星期", max_length=7)
    start_time = models.TimeField("开始时间")
    end_time = models.TimeField("结束时间")
    tasks = models.CharField("任务", max_length=200)
    welfare = models.BooleanField("公益性岗位安置", default=False)
    start_on = models.DateField("开始日期")
    end_on = models.DateField("结束日期", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "卫生值守"
        ordering: ClassVar = ["village", "section__name", "start_on", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="sanitation_duty_time_order"
            ),
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gte=F("start_on")),
                name="sanitation_duty_date_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.section} {self.post}"

    @property
    def weekdays_label(self) -> str:
        return "每周" + "".join("一二三四五六日"[int(d) - 1] for d in self.weekdays)


class ChecklistItem(models.Model):
    """An item of the village's inspection checklist with its maximum score."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("检查项目", max_length=30)
    max_score = models.PositiveSmallIntegerField("满分")
    position = models.PositiveSmallIntegerField("顺序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "督查项目"
        ordering: ClassVar = ["village", "position", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["village", "name"], name="sanitation_item_unique"),
            models.CheckConstraint(
                condition=Q(max_score__gte=1, max_score__lte=100), name="sanitation_item_max"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class InspectionRound(models.Model):
    """督查: one inspection round on a date, by named inspectors."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField("县级代码", max_length=6)
    on = models.DateField("督查日期")
    inspectors = models.CharField("督查人员", max_length=100)
    note = models.CharField("备注", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "督查轮次"
        ordering: ClassVar = ["village", "-on", "-pk"]

    def __str__(self) -> str:
        return f"{self.on:%Y年%m月%d日}督查"


class InspectionScore(models.Model):
    """The score of a section or of a household's yard in a round: per item 0..max
    (``items`` maps item id → score), with the total kept beside it."""

    round = models.ForeignKey(
        InspectionRound, verbose_name="轮次", on_delete=models.PROTECT, related_name="scores"
    )
    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    section = models.ForeignKey(
        RoadSection, verbose_name="路段", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    household = models.ForeignKey(
        Household, verbose_name="农户庭院", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    items = models.JSONField("分项得分", default=dict)
    total = models.PositiveIntegerField("得分")
    max_total = models.PositiveIntegerField("满分")
    note = models.CharField("备注", max_length=200, blank=True)
    point_event = models.ForeignKey(
        "points.PointEvent", verbose_name="积分申报", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "督查得分"
        ordering: ClassVar = ["round", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=(Q(section__isnull=False) & Q(household__isnull=True))
                | (Q(section__isnull=True) & Q(household__isnull=False)),
                name="sanitation_score_one_target",
            ),
            models.CheckConstraint(
                condition=Q(total__lte=F("max_total")), name="sanitation_score_le_max"
            ),
            models.UniqueConstraint(
                fields=["round", "section"],
                condition=Q(section__isnull=False),
                name="sanitation_score_section_once",
            ),
            models.UniqueConstraint(
                fields=["round", "household"],
                condition=Q(household__isnull=False),
                name="sanitation_score_household_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.total}/{self.max_total}"


class WasteStage(models.TextChoices):
    HOUSEHOLD = "household", "户分类"
    GROUP = "group", "组收集"
    VILLAGE = "village", "村集中"
    TOWNSHIP = "township", "乡转运"


class WasteRun(models.Model):
    """One run of the waste chain: a stage, a date and the quantity in kg; 组收集 names the
    group, 乡转运 is recorded by the township for the village it collected from."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField("县级代码", max_length=6)
    stage = models.CharField("环节", max_length=10, choices=WasteStage.choices)
    group = models.ForeignKey(
        VillageGroup, verbose_name="村民小组", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    on = models.DateField("日期")
    quantity_kg = models.PositiveIntegerField("数量（千克）")
    note = models.CharField("备注", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "垃圾收运记录"
        ordering: ClassVar = ["-on", "-pk"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(quantity_kg__gt=0), name="sanitation_waste_qty"),
            models.CheckConstraint(
                condition=Q(stage__in=WasteStage.values), name="sanitation_waste_stage"
            ),
            models.CheckConstraint(
                condition=~Q(stage="group") | Q(group__isnull=False),
                name="sanitation_waste_group_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.quantity_kg}kg"


class MemberRole(models.TextChoices):
    CHAIR = "chair", "会长"
    VICE = "vice", "副会长"
    MEMBER = "member", "会员"


class AssociationMember(models.Model):
    """A member of the village sanitation association (村级卫生协会); leaving ends the row."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        Person, verbose_name="会员", on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField("职务", max_length=10, choices=MemberRole.choices)
    start_on = models.DateField("入会日期")
    end_on = models.DateField("退出日期", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "卫生协会会员"
        ordering: ClassVar = ["village", "role", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(role__in=MemberRole.values), name="sanitation_member_role"
            ),
            models.UniqueConstraint(
                fields=["village", "person"],
                condition=Q(end_on__isnull=True),
                name="sanitation_member_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name}（{self.get_role_display()}）"


class InspectionPhoto(StoredFile):
    """A photo of an inspection round; kept, never replaced."""

    round = models.ForeignKey(
        InspectionRound, verbose_name="轮次", on_delete=models.PROTECT, related_name="photos"
    )
    file = models.FileField("照片", upload_to="village/sanitation/%Y/%m/")

    class Meta:
        verbose_name = verbose_name_plural = "督查照片"
        ordering: ClassVar = ["round", "uploaded_at", "pk"]
