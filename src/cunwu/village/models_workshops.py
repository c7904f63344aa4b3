"""Models of the workshops part of 乡村治理: 乡村车间 (village workshops), their recognition
(申请 → 乡镇审核 → 县级认定, with documents), the people they employ, their monthly headcount
and wages, and the yearly assessment (考核) against a criteria sheet. Money in 分.

Recognition steps and monthly reports are append-only: a step is a row, a corrected monthly
report is a new row superseding the old (only the current row of a workshop and month counts).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from cunwu.core.models import Region, StoredFile

__all__ = [
    "Assessment",
    "AssessmentCriterion",
    "AssessmentScore",
    "AssessmentSheet",
    "Employment",
    "MonthlyReport",
    "PayModel",
    "Workshop",
    "WorkshopFile",
    "WorkshopStage",
    "WorkshopState",
    "WorkshopStep",
    "WorkshopStepKind",
]


class WorkshopState(models.TextChoices):
    NONE = "none", "未认定"
    CONDITIONS = "conditions", "具备条件或在建"
    RECOGNISED = "recognised", "已认定"


class WorkshopStage(models.TextChoices):
    """Where the open recognition application stands."""

    NONE = "none", "无待办申请"
    APPLIED = "applied", "已申请，待乡镇审核"
    TOWNSHIP_PASSED = "township_passed", "乡镇审核通过，待县级认定"


class PayModel(models.TextChoices):
    BASE_PLUS_PIECE = "base_plus", "底薪+计时计件提成"
    PIECE = "piece", "计件"
    HOURLY = "hourly", "计时"
    MONTHLY = "monthly", "固定月薪"
    OTHER = "other", "其他"


class Workshop(models.Model):
    """A village workshop (乡村车间): who runs it, where (an idle collective asset from the 三资
    register when it uses one), what it makes, how it pays, and its recognition state."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    name = models.CharField("车间名称", max_length=60)
    operator = models.CharField("经营主体", max_length=60)
    operator_phone_enc = models.TextField(blank=True, default="")
    operator_phone_masked = models.CharField("联系电话", max_length=20, blank=True)
    premises = models.CharField("场所", max_length=200)
    asset = models.ForeignKey(
        "assets.Asset", verbose_name="使用的集体资产", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    products = models.CharField("主要产品", max_length=200)
    pay_model = models.CharField(
        "薪酬方式", max_length=12, choices=PayModel.choices, default=PayModel.BASE_PLUS_PIECE
    )
    pay_note = models.CharField("薪酬说明", max_length=200, blank=True)
    state = models.CharField(
        "认定状态", max_length=12, choices=WorkshopState.choices, default=WorkshopState.NONE
    )
    stage = models.CharField(
        "申请进度", max_length=16, choices=WorkshopStage.choices, default=WorkshopStage.NONE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "乡村车间"
        ordering: ClassVar = ["village", "name", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(state__in=WorkshopState.values), name="workshop_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(stage__in=WorkshopStage.values), name="workshop_stage_valid"
            ),
            models.CheckConstraint(
                condition=Q(pay_model__in=PayModel.values), name="workshop_pay_model_valid"
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["county_code", "state"])]

    def __str__(self) -> str:
        return self.name


class WorkshopStepKind(models.TextChoices):
    APPLY = "apply", "申请认定"
    TOWNSHIP_PASS = "township_pass", "乡镇审核通过"
    TOWNSHIP_RETURN = "township_return", "乡镇退回"
    COUNTY_RECOGNISE = "county_recognise", "县级认定"
    COUNTY_REFUSE = "county_refuse", "县级不予认定"


class WorkshopStep(models.Model):
    """One step of the recognition workflow; append-only."""

    workshop = models.ForeignKey(
        Workshop, verbose_name="车间", on_delete=models.PROTECT, related_name="steps"
    )
    kind = models.CharField("环节", max_length=16, choices=WorkshopStepKind.choices)
    note = models.CharField("意见", max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="办理人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("办理时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "车间认定环节"
        ordering: ClassVar = ["workshop", "at", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(kind__in=WorkshopStepKind.values), name="workshopstep_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class WorkshopFile(StoredFile):
    """A document of a workshop (营业执照, 场地协议, 申请表, 照片…), optionally of a step."""

    workshop = models.ForeignKey(
        Workshop, verbose_name="车间", on_delete=models.PROTECT, related_name="files"
    )
    step = models.ForeignKey(
        WorkshopStep, verbose_name="环节", null=True, blank=True, on_delete=models.PROTECT,
        related_name="files",
    )  # fmt: skip
    file = models.FileField("文件", upload_to="village/workshops/%Y/%m/")

    class Meta:
        verbose_name = verbose_name_plural = "车间材料"
        ordering: ClassVar = ["workshop", "uploaded_at", "pk"]


class Employment(models.Model):
    """A registry person working in a workshop from ``start_on`` (to ``end_on``). For a
    monitored household the job is also an employment measure (``measure``)."""

    workshop = models.ForeignKey(
        Workshop, verbose_name="车间", on_delete=models.PROTECT, related_name="employments"
    )
    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )  # the workshop's village (scope)
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    person = models.ForeignKey(
        "registry.Person", verbose_name="人员", on_delete=models.PROTECT, related_name="+"
    )
    start_on = models.DateField("入职日期")
    end_on = models.DateField("离职日期", null=True, blank=True)
    end_reason = models.CharField("离职原因", max_length=200, blank=True)
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
        verbose_name = verbose_name_plural = "车间用工"
        ordering: ClassVar = ["workshop", "start_on", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gte=F("start_on")),
                name="employment_end_after_start",
            ),
            models.UniqueConstraint(
                fields=["workshop", "person"],
                condition=Q(end_on__isnull=True),
                name="employment_one_open",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["county_code", "village"])]

    def __str__(self) -> str:
        return f"{self.workshop} {self.person.name}"


class MonthlyReport(models.Model):
    """A workshop's headcount and wages paid in a month. A correction is a new row that
    supersedes the old one; only ``current`` rows count, one per workshop and month."""

    workshop = models.ForeignKey(
        Workshop, verbose_name="车间", on_delete=models.PROTECT, related_name="reports"
    )
    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    month = models.DateField("月份")  # the first day of the month
    headcount = models.PositiveIntegerField("用工人数")
    poverty_headcount = models.PositiveIntegerField("其中脱贫人口和监测对象")
    wages_fen = models.BigIntegerField("发放工资（分）")
    note = models.CharField("说明", max_length=200, blank=True)
    current = models.BooleanField("有效", default=True)
    supersedes = models.OneToOneField(
        "self", verbose_name="更正的报表", null=True, blank=True, on_delete=models.PROTECT,
        related_name="superseded_by",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填报人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("填报时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "车间月报"
        ordering: ClassVar = ["workshop", "-month", "-pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(poverty_headcount__lte=F("headcount")), name="wsreport_poverty_le"
            ),
            models.CheckConstraint(condition=Q(wages_fen__gte=0), name="wsreport_wages_nonneg"),
            models.UniqueConstraint(
                fields=["workshop", "month"],
                condition=Q(current=True),
                name="wsreport_one_current",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["county_code", "village", "month"])]

    def __str__(self) -> str:
        return f"{self.workshop} {self.month:%Y-%m}"


class AssessmentSheet(models.Model):
    """A county's or township's criteria sheet for the yearly assessment of workshops."""

    region = models.ForeignKey(
        Region, verbose_name="制定单位", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("年度")
    name = models.CharField("名称", max_length=60)
    active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="制定人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("制定时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "车间考核表"
        ordering: ClassVar = ["-year", "region", "name", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["region", "year", "name"], name="wssheet_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.year}年{self.name}"


class AssessmentCriterion(models.Model):
    sheet = models.ForeignKey(
        AssessmentSheet, verbose_name="考核表", on_delete=models.PROTECT, related_name="criteria"
    )
    order = models.PositiveSmallIntegerField("序号")
    name = models.CharField("考核项目", max_length=100)
    max_score = models.PositiveSmallIntegerField("分值")

    class Meta:
        verbose_name = verbose_name_plural = "车间考核项目"
        ordering: ClassVar = ["sheet", "order", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(max_score__gt=0), name="wscriterion_max_pos"),
            models.UniqueConstraint(fields=["sheet", "order"], name="wscriterion_order_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Assessment(models.Model):
    """A workshop's yearly assessment against a sheet: ``total`` of the scores out of
    ``max_total``; the grade is by the percentage (优秀 ≥ 90%, 良好 ≥ 75%, 合格 ≥ 60%)."""

    workshop = models.ForeignKey(
        Workshop, verbose_name="车间", on_delete=models.PROTECT, related_name="assessments"
    )
    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    sheet = models.ForeignKey(
        AssessmentSheet, verbose_name="考核表", on_delete=models.PROTECT, related_name="+"
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="考核人", on_delete=models.PROTECT, related_name="+"
    )
    total = models.PositiveIntegerField("得分")
    max_total = models.PositiveIntegerField("满分")
    grade = models.CharField("等次", max_length=8)
    note = models.CharField("说明", max_length=300, blank=True)
    created_at = models.DateTimeField("考核时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "车间考核"
        ordering: ClassVar = ["workshop", "-sheet__year", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["workshop", "sheet"], name="wsassessment_unique"),
            models.CheckConstraint(
                condition=Q(total__lte=F("max_total")), name="wsassessment_total_le_max"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workshop} {self.sheet} {self.total}"


class AssessmentScore(models.Model):
    assessment = models.ForeignKey(
        Assessment, verbose_name="考核", on_delete=models.PROTECT, related_name="scores"
    )
    criterion = models.ForeignKey(
        AssessmentCriterion, verbose_name="考核项目", on_delete=models.PROTECT, related_name="+"
    )
    score = models.PositiveSmallIntegerField("得分")

    class Meta:
        verbose_name = verbose_name_plural = "车间考核得分"
        ordering: ClassVar = ["assessment", "criterion__order"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["assessment", "criterion"], name="wsscore_unique_criterion"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion} {self.score}"
