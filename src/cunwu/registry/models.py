"""Households (户), persons (家庭成员), yearly incomes, life events and import jobs."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from cunwu.core.models import Region, VillageGroup

HOUSEHOLD_TAGS = ["脱贫户", "监测户", "低保户", "特困供养", "一般户"]


class HouseholdStatus(models.TextChoices):
    ACTIVE = "active", "在册"
    DISSOLVED = "dissolved", "已注销"


class Household(models.Model):
    """A household of a village. ``number`` (户编号) is unique within the village."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="households"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    group = models.ForeignKey(
        VillageGroup,
        verbose_name="村民小组",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="households",
    )
    number = models.CharField("户编号", max_length=30)
    address = models.CharField("住址", max_length=200, blank=True)
    # "|脱贫户|低保户|": delimited so that ``tags__contains="|低保户|"`` works on every database
    tags = models.CharField("户类型", max_length=100, blank=True, default="")
    status = models.CharField(
        "状态", max_length=12, choices=HouseholdStatus.choices, default=HouseholdStatus.ACTIVE
    )
    created_at = models.DateTimeField("建档时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "户"
        ordering: ClassVar = ["village", "number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["village", "number"], name="household_number_unique"),
        ]
        indexes: ClassVar = [models.Index(fields=["county_code", "village"])]

    def __str__(self) -> str:
        return self.number

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split("|") if t]


class Gender(models.TextChoices):
    MALE = "男", "男"
    FEMALE = "女", "女"


class PersonStatus(models.TextChoices):
    ACTIVE = "active", "在册"
    DECEASED = "deceased", "死亡"
    MOVED_OUT = "moved_out", "迁出"
    MARRIED_OUT = "married_out", "婚出"


RELATIONS = [
    "户主",
    "配偶",
    "子",
    "女",
    "儿媳",
    "女婿",
    "孙子",
    "孙女",
    "外孙子",
    "外孙女",
    "父亲",
    "母亲",
    "公公",
    "婆婆",
    "岳父",
    "岳母",
    "祖父",
    "祖母",
    "兄弟",
    "姐妹",
    "其他",
]
HEAD = "户主"

# The optional details of a person, in the order of the forms, the spreadsheet and the audit.
PERSON_DETAILS: tuple[str, ...] = (
    "ethnicity", "education", "school_stage", "health", "disability", "labour_ability",
    "work_status", "work_place", "medical_insurance", "pension_insurance",
)  # fmt: skip


class Person(models.Model):
    """A household member. The ID number is stored encrypted with a blind index for lookup."""

    household = models.ForeignKey(
        Household, verbose_name="户", on_delete=models.PROTECT, related_name="members"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    name = models.CharField("姓名", max_length=50)
    relation = models.CharField("与户主关系", max_length=10)
    # AES-GCM ciphertext, its HMAC blind index (unique per deployment), and what may be shown
    id_number_enc = models.TextField(blank=True, default="")
    id_number_index = models.CharField(max_length=64, null=True, blank=True, unique=True)
    id_masked = models.CharField("公民身份号码", max_length=18, blank=True, default="")
    id_tail = models.CharField("身份证后六位", max_length=6, blank=True, default="", db_index=True)
    id_pending_reason = models.CharField("暂无身份证号原因", max_length=100, blank=True)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    phone_enc = models.TextField(blank=True, default="")
    phone_masked = models.CharField("联系电话", max_length=20, blank=True, default="")
    ethnicity = models.CharField("民族", max_length=20, blank=True, default="汉族")
    education = models.CharField("文化程度", max_length=20, blank=True)
    school_stage = models.CharField("在校生状况", max_length=20, blank=True)
    health = models.CharField("健康状况", max_length=50, blank=True)
    disability = models.CharField("残疾情况", max_length=50, blank=True)
    labour_ability = models.CharField("劳动技能", max_length=20, blank=True)
    work_status = models.CharField("务工状况", max_length=20, blank=True)
    work_place = models.CharField("务工地点", max_length=100, blank=True)
    medical_insurance = models.BooleanField("参加医保", default=False)
    pension_insurance = models.BooleanField("参加养老保险", default=False)
    status = models.CharField(
        "状态", max_length=12, choices=PersonStatus.choices, default=PersonStatus.ACTIVE
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "家庭成员"
        ordering: ClassVar = ["household", "id"]
        constraints: ClassVar = [
            # one head among the active members of a household
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(relation=HEAD, status="active"),
                name="one_active_head_per_household",
            ),
            models.CheckConstraint(
                condition=~Q(id_number_index=None) | ~Q(id_pending_reason=""),
                name="person_id_or_pending_reason",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["county_code", "name"])]

    def __str__(self) -> str:
        return self.name


class IncomeCategory(models.TextChoices):
    WAGES = "wages", "工资性收入"
    BUSINESS = "business", "生产经营性收入"
    PROPERTY = "property", "财产性收入"
    TRANSFER = "transfer", "转移性收入"
    BUSINESS_EXPENSE = "business_expense", "生产经营支出"


class IncomeRecord(models.Model):
    """One category of a household's income for one year, in 分."""

    household = models.ForeignKey(
        Household, verbose_name="户", on_delete=models.PROTECT, related_name="incomes"
    )
    year = models.PositiveSmallIntegerField("年度")
    category = models.CharField("类别", max_length=20, choices=IncomeCategory.choices)
    amount_fen = models.BigIntegerField("金额（分）")
    note = models.CharField("说明", max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "收入"
        ordering: ClassVar = ["household", "-year", "category"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["household", "year", "category"], name="income_unique_per_category"
            ),
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="income_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_category_display()}"


class LifeEventKind(models.TextChoices):
    REGISTERED = "registered", "登记"
    BIRTH = "birth", "出生"
    DEATH = "death", "死亡"
    MARRIAGE_IN = "marriage_in", "婚入"
    MARRIAGE_OUT = "marriage_out", "婚出"
    MOVE_IN = "move_in", "迁入"
    MOVE_OUT = "move_out", "迁出"
    TRANSFER = "transfer", "转户"
    SPLIT = "split", "分户"
    MERGE = "merge", "合户"
    ID_ASSIGNED = "id_assigned", "补录身份证号"


class LifeEvent(models.Model):
    """The history of a person and household: what happened, when, recorded by whom."""

    household = models.ForeignKey(
        Household, verbose_name="户", on_delete=models.PROTECT, related_name="life_events"
    )
    person = models.ForeignKey(
        Person,
        verbose_name="成员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="life_events",
    )
    kind = models.CharField("事项", max_length=20, choices=LifeEventKind.choices)
    date = models.DateField("日期")
    details = models.JSONField("详情", default=dict, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "人口变动"
        ordering: ClassVar = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "等待处理"
    CHECKING = "checking", "校验中"
    INVALID = "invalid", "有错误"
    VALID = "valid", "校验通过，待确认"
    IMPORTING = "importing", "导入中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class ImportJob(models.Model):
    """An uploaded household spreadsheet: checked first (preview), imported on confirmation."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField("文件", upload_to="imports/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=200)
    status = models.CharField(
        "状态", max_length=12, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    total_rows = models.PositiveIntegerField("总行数", default=0)
    processed_rows = models.PositiveIntegerField("已处理行数", default=0)
    error_count = models.PositiveIntegerField("错误数", default=0)
    errors = models.JSONField("错误（前若干条）", default=list, blank=True)
    error_report = models.FileField("错误报告", upload_to="imports/errors/", blank=True)
    summary = models.JSONField("结果", default=dict, blank=True)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "导入任务"
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def percent(self) -> int:
        return 100 * self.processed_rows // self.total_rows if self.total_rows else 0


class ExportStatus(models.TextChoices):
    PENDING = "pending", "等待处理"
    RUNNING = "running", "导出中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class ExportJob(models.Model):
    """A household export requested on the web, written to a file in the background.

    The file holds full ID numbers when the requester may see them: it is deleted after a day
    (``cunwu export expire``), the row stays as the record of the request.
    """

    region = models.ForeignKey(
        Region, verbose_name="导出范围", on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导出人", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        "状态", max_length=12, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    total_rows = models.PositiveIntegerField("总人数", default=0)
    processed_rows = models.PositiveIntegerField("已写出人数", default=0)
    file = models.FileField("文件", upload_to="exports/%Y/%m/", blank=True)
    row_count = models.PositiveIntegerField("导出人数", default=0)
    error = models.TextField("错误信息", blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "导出任务"
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        return f"导出{self.region_id}（{self.get_status_display()}）"

    @property
    def percent(self) -> int:
        return 100 * self.processed_rows // self.total_rows if self.total_rows else 0
