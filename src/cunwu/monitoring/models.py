"""防止返贫动态监测和帮扶: monitored households, their risks, identification and risk-elimination
cases, department screening alerts, assistance measures, survey campaigns.

The cycle (中农组发〔2021〕7号 and the county procedures named in DOMAIN.md): a household is found
(self-application, a cadre's visit, a department alert, a campaign visit) → a ``Case`` walks the
steps home verification → information comparison → democratic appraisal → disclosure (公示, through
the disclosure module) → township review → county approval → the household enters (or, for an
elimination case, leaves) the ``at_risk`` state of its ``MonitoredHousehold``. Every step is a
``CaseStep`` row; nothing is edited in place that an auditor could later ask about.

Thresholds and time limits are ``MonitoringPolicy`` rows keyed by region and year (the most
specific region wins), with the official values of DOMAIN.md as defaults. There is no cap on how
many households may be monitored ("应纳尽纳"): nothing in this app counts against a quota.
Money is in 分.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from cunwu.core.models import Region, StoredFile
from cunwu.registry.models import Household, Person

# ---------------------------------------------------------------- vocabulary


class Category(models.TextChoices):
    UNSTABLE = "unstable", "脱贫不稳定户"
    MARGINAL = "marginal", "边缘易致贫户"
    SUDDEN = "sudden", "突发严重困难户"


class RiskType(models.TextChoices):
    ILLNESS = "illness", "因病"
    EDUCATION = "education", "因学"
    DISABILITY = "disability", "因残"
    DISASTER = "disaster", "因灾"
    ACCIDENT = "accident", "因意外事故"
    INDUSTRY = "industry", "因产业项目失败"
    EMPLOYMENT = "employment", "因务工就业不稳"
    LABOUR = "labour", "缺劳动力"
    HOUSING = "housing", "住房安全"
    WATER = "water", "饮水安全"
    OTHER = "other", "其他"


class MonitoringState(models.TextChoices):
    AT_RISK = "at_risk", "风险未消除"
    ELIMINATED = "eliminated", "风险已消除"


# 两不愁三保障 and drinking water: the checklist of home verifications and campaign visits
SECURITY_CHECKS: tuple[tuple[str, str], ...] = (
    ("food", "不愁吃"),
    ("clothing", "不愁穿"),
    ("education", "义务教育有保障"),
    ("medical", "基本医疗有保障"),
    ("housing", "住房安全有保障"),
    ("water", "饮水安全有保障"),
)
SECURITY_KEYS: tuple[str, ...] = tuple(key for key, _label in SECURITY_CHECKS)

# 四个不摘: the policies that stay in force for a household after it left poverty
EXIT_POLICIES: tuple[str, ...] = (
    "教育资助",
    "医疗保障",
    "住房安全保障",
    "产业帮扶",
    "就业帮扶",
    "小额信贷",
    "兜底保障",
    "驻村帮扶",
)


# ---------------------------------------------------------------- policy (configuration)


class MonitoringPolicy(models.Model):
    """The year's thresholds and time limits for a region (a province sets its own line since
    2022; a county may refine). A field left empty falls back to the next wider region's row
    for the year, then to the defaults of ``monitoring.policy.DEFAULTS``."""

    region = models.ForeignKey(
        Region, verbose_name="区划", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("年度")
    income_threshold_fen = models.BigIntegerField("监测收入标准（分/人·年）", null=True, blank=True)
    income_drop_percent = models.PositiveSmallIntegerField(
        "收入骤减预警比例（%）", null=True, blank=True
    )
    medical_expense_fen = models.BigIntegerField("大额医疗自付预警线（分）", null=True, blank=True)
    rigid_expense_fen = models.BigIntegerField("刚性支出预警线（分）", null=True, blank=True)
    identify_max_workdays = models.PositiveSmallIntegerField(
        "识别总时限（工作日）", null=True, blank=True
    )
    verify_workdays = models.PositiveSmallIntegerField(
        "入户核实时限（工作日）", null=True, blank=True
    )
    compare_workdays = models.PositiveSmallIntegerField(
        "信息比对时限（工作日）", null=True, blank=True
    )
    appraise_workdays = models.PositiveSmallIntegerField(
        "民主评议时限（工作日）", null=True, blank=True
    )
    disclosure_days = models.PositiveSmallIntegerField("公示天数", null=True, blank=True)
    township_workdays = models.PositiveSmallIntegerField(
        "乡镇审核时限（工作日）", null=True, blank=True
    )
    county_workdays = models.PositiveSmallIntegerField(
        "县级审定时限（工作日）", null=True, blank=True
    )
    stable_months = models.PositiveSmallIntegerField("稳定达标月数", null=True, blank=True)
    note = models.CharField("依据", max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="设置人", on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField("设置时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "监测标准与时限"
        ordering: ClassVar = ["-year", "region"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["region", "year"], name="monitoring_policy_unique"),
            models.CheckConstraint(
                condition=Q(income_threshold_fen=None) | Q(income_threshold_fen__gt=0),
                name="monitoring_policy_threshold_positive",
            ),
            models.CheckConstraint(
                condition=Q(disclosure_days=None) | Q(disclosure_days__gte=5),
                name="monitoring_policy_disclosure_at_least_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.year}"


# ---------------------------------------------------------------- households


class PovertyExit(models.Model):
    """A household that left poverty (脱贫户): its year of exit and the policies that stay in
    force for it (四个不摘)."""

    household = models.OneToOneField(
        Household, verbose_name="户", on_delete=models.PROTECT, related_name="poverty_exit"
    )
    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    exit_year = models.PositiveSmallIntegerField("脱贫年度")
    policies = models.JSONField("保持不变的政策", default=list, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "脱贫户"
        ordering: ClassVar = ["village", "household"]
        indexes: ClassVar = [models.Index(fields=["county_code", "exit_year"])]

    def __str__(self) -> str:
        return f"{self.household_id} {self.exit_year}年脱贫"


class MonitoredHousehold(models.Model):
    """A household under monitoring (监测对象). One row per household for life: a household
    whose risk was eliminated and which falls back again is re-identified on the same row, and
    ``StateChange`` keeps the history."""

    household = models.OneToOneField(
        Household, verbose_name="户", on_delete=models.PROTECT, related_name="monitoring"
    )
    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    category = models.CharField("监测类型", max_length=10, choices=Category.choices)
    state = models.CharField(
        "风险状态", max_length=12, choices=MonitoringState.choices, default=MonitoringState.AT_RISK
    )
    identified_on = models.DateField("纳入日期")
    eliminated_on = models.DateField("风险消除日期", null=True, blank=True)
    # 帮扶责任人: a user where the cadre logs in, else just the name and masked phone
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="帮扶责任人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cadre_name = models.CharField("帮扶责任人姓名", max_length=50, blank=True)
    cadre_phone_enc = models.TextField(blank=True, default="")
    cadre_phone_masked = models.CharField("帮扶责任人电话", max_length=20, blank=True)
    # 一户一方案: no labour capacity → social-protection 兜底, and not eliminated while only that
    no_labour = models.BooleanField("无劳动能力户", default=False)
    plan = models.TextField("帮扶计划（一户一方案）", blank=True)
    created_at = models.DateTimeField("建档时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "监测对象"
        ordering: ClassVar = ["village", "household"]
        indexes: ClassVar = [
            models.Index(fields=["county_code", "state", "category"]),
            models.Index(fields=["village", "state"]),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(state="at_risk", eliminated_on=None)
                | Q(state="eliminated", eliminated_on__isnull=False),
                name="monitored_eliminated_on_iff_eliminated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.get_category_display()}"


class StateChange(models.Model):
    """The history of a monitored household: entered, category changed, eliminated, re-entered."""

    monitored = models.ForeignKey(
        MonitoredHousehold, on_delete=models.PROTECT, related_name="state_changes"
    )
    state = models.CharField("风险状态", max_length=12, choices=MonitoringState.choices)
    category = models.CharField("监测类型", max_length=10, choices=Category.choices)
    on = models.DateField("日期")
    case = models.ForeignKey(
        "Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField("说明", max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "监测状态变化"
        ordering: ClassVar = ["monitored", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_state_display()} {self.on}"


class RiskFactor(models.Model):
    """One risk of a monitored household (several per household); resolved, never deleted."""

    monitored = models.ForeignKey(
        MonitoredHousehold, verbose_name="监测对象", on_delete=models.PROTECT, related_name="risks"
    )
    risk_type = models.CharField("风险类型", max_length=12, choices=RiskType.choices)
    note = models.CharField("情况说明", max_length=300, blank=True)
    identified_on = models.DateField("发现日期")
    resolved_on = models.DateField("消除日期", null=True, blank=True)
    resolved_note = models.CharField("消除说明", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "风险类型"
        ordering: ClassVar = ["monitored", "identified_on", "pk"]
        constraints: ClassVar = [
            # one open risk of each type per household
            models.UniqueConstraint(
                fields=["monitored", "risk_type"],
                condition=Q(resolved_on=None),
                name="risk_one_open_per_type",
            ),
        ]

    def __str__(self) -> str:
        return self.get_risk_type_display()


# ---------------------------------------------------------------- cases (识别 / 风险消除)


class CaseKind(models.TextChoices):
    IDENTIFY = "identify", "监测对象识别"
    ELIMINATE = "eliminate", "风险消除"


class CaseSource(models.TextChoices):
    APPLICATION = "application", "农户自主申报"
    CADRE = "cadre", "基层干部排查"
    ALERT = "alert", "部门筛查预警"
    CAMPAIGN = "campaign", "入户排查"
    PROPOSAL = "proposal", "风险消除提议"


class Stage(models.TextChoices):
    """The steps of a case in order; ``DONE`` once decided (approved, rejected or withdrawn)."""

    VERIFY = "verify", "入户核实"
    COMPARE = "compare", "信息比对"
    APPRAISE = "appraise", "民主评议"
    DISCLOSE = "disclose", "村内公示"
    TOWNSHIP = "township", "乡镇审核"
    COUNTY = "county", "县级审定"
    DONE = "done", "已办结"


STAGE_ORDER: tuple[str, ...] = tuple(Stage.values)


class Outcome(models.TextChoices):
    OPEN = "open", "办理中"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "未通过"
    WITHDRAWN = "withdrawn", "已撤回"


class Case(models.Model):
    """An identification (识别) or risk-elimination (风险消除) case of one household. The
    applicant follows it with ``code`` on the public page; a rejection keeps its reason."""

    kind = models.CharField("类型", max_length=10, choices=CaseKind.choices)
    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    household = models.ForeignKey(
        Household, verbose_name="户", on_delete=models.PROTECT, related_name="monitoring_cases"
    )
    monitored = models.ForeignKey(
        MonitoredHousehold,
        verbose_name="监测对象",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    source = models.CharField("来源", max_length=12, choices=CaseSource.choices)
    # what started it: an alert, a campaign visit (ids; the rows point back at the case too)
    alert = models.ForeignKey(
        "Alert", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    visit = models.ForeignKey(
        "Visit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField("查询码", max_length=12, unique=True)
    applicant_name = models.CharField("申请人", max_length=50, blank=True)
    applicant_phone_enc = models.TextField(blank=True, default="")
    applicant_phone_masked = models.CharField("联系电话", max_length=20, blank=True)
    commitment_signed = models.BooleanField("已签承诺授权书", default=False)
    category = models.CharField("拟纳入类型", max_length=10, choices=Category.choices, blank=True)
    risk_types = models.JSONField("风险类型", default=list, blank=True)
    description = models.TextField("情况说明", blank=True)
    stage = models.CharField("当前环节", max_length=10, choices=Stage.choices, default=Stage.VERIFY)
    stage_due_on = models.DateField("本环节时限", null=True, blank=True)
    outcome = models.CharField("结果", max_length=10, choices=Outcome.choices, default=Outcome.OPEN)
    outcome_reason = models.TextField("结果说明", blank=True)
    opened_on = models.DateField("受理日期")
    due_on = models.DateField("办结时限")
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    notice = models.ForeignKey(
        "disclosure.Notice",
        verbose_name="公示",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # an upheld objection sends the case back to appraisal: how many times that happened
    returns = models.PositiveSmallIntegerField("异议退回次数", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "识别与风险消除办件"
        ordering: ClassVar = ["-opened_on", "-pk"]
        indexes: ClassVar = [
            models.Index(fields=["county_code", "kind", "outcome", "stage"]),
            models.Index(fields=["village", "outcome"]),
        ]
        constraints: ClassVar = [
            # one open case of each kind per household
            models.UniqueConstraint(
                fields=["household", "kind"],
                condition=Q(outcome="open"),
                name="case_one_open_per_household_kind",
            ),
            models.CheckConstraint(
                condition=Q(outcome="open", closed_at=None, stage__in=STAGE_ORDER[:-1])
                | (~Q(outcome="open") & Q(closed_at__isnull=False, stage="done")),
                name="case_done_iff_decided",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code}"


class StepResult(models.TextChoices):
    PASSED = "passed", "通过"
    FAILED = "failed", "不通过"
    RETURNED = "returned", "退回"
    NOTE = "note", "记录"


class CaseStep(models.Model):
    """One recorded action on a case: who did what at which step, with the findings."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="steps")
    stage = models.CharField("环节", max_length=10, choices=Stage.choices)
    result = models.CharField("结论", max_length=10, choices=StepResult.choices)
    findings = models.TextField("情况记录", blank=True)
    # step data: the checklist of a home verification, attendance and votes of an appraisal, …
    data = models.JSONField("记录数据", default=dict, blank=True)
    on = models.DateField("办理日期")
    overdue = models.BooleanField("超时办理", default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "办理记录"
        ordering: ClassVar = ["case", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.get_result_display()}"


class CaseFile(StoredFile):
    """An attachment of a case step (承诺授权书, 核实照片, 评议记录); kept, never replaced."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="files")
    step = models.ForeignKey(
        CaseStep, null=True, blank=True, on_delete=models.PROTECT, related_name="files"
    )
    file = models.FileField("文件", upload_to="monitoring/%Y/%m/")

    class Meta:
        verbose_name = verbose_name_plural = "办件附件"
        ordering: ClassVar = ["case", "uploaded_at", "pk"]


# ---------------------------------------------------------------- screening (部门筛查预警)


class Department(models.TextChoices):
    MEDICAL = "medical", "医保"
    CIVIL = "civil", "民政"
    DISABLED = "disabled", "残联"
    EDUCATION = "education", "教育"
    HOUSING = "housing", "住建"
    LABOUR = "labour", "人社"
    EMERGENCY = "emergency", "应急管理"
    WATER = "water", "水利"
    REGISTRY = "registry", "户籍与收入（系统筛查）"


class AlertKind(models.TextChoices):
    # from the registry (the screening run)
    LOW_INCOME = "low_income", "人均纯收入低于监测标准"
    INCOME_DROP = "income_drop", "收入大幅下降"
    LABOUR_LOSS = "labour_loss", "家庭成员丧失劳动能力"
    # from department files
    MEDICAL_EXPENSE = "medical_expense", "大额医疗自付费用"
    SOCIAL_ASSISTANCE = "social_assistance", "低保、特困或临时救助"
    DISABILITY = "disability", "新增残疾"
    SCHOOL = "school", "辍学或教育资助"
    DANGEROUS_HOUSING = "dangerous_housing", "住房安全隐患"
    UNEMPLOYMENT = "unemployment", "失业"
    DISASTER = "disaster", "受灾"
    DRINKING_WATER = "drinking_water", "饮水安全问题"


class AlertStatus(models.TextChoices):
    OPEN = "open", "待核实"
    CONFIRMED = "confirmed", "核实有风险"
    DISMISSED = "dismissed", "核实无风险"
    CASE_OPENED = "case_opened", "已启动识别"


class DepartmentImport(models.Model):
    """A department's file (xlsx/csv): its rows matched to persons by the ID blind index."""

    department = models.CharField("部门", max_length=12, choices=Department.choices)
    region = models.ForeignKey(
        Region, verbose_name="数据范围", on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField("文件", upload_to="monitoring/imports/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=200)
    sha256 = models.CharField("SHA-256", max_length=64)
    status = models.CharField("状态", max_length=12, default="pending")
    total_rows = models.PositiveIntegerField("总行数", default=0)
    processed_rows = models.PositiveIntegerField("已处理行数", default=0)
    matched_rows = models.PositiveIntegerField("匹配行数", default=0)
    unmatched_rows = models.PositiveIntegerField("未匹配行数", default=0)
    invalid_rows = models.PositiveIntegerField("错误行数", default=0)
    duplicate_rows = models.PositiveIntegerField("重复行数", default=0)
    alerts_created = models.PositiveIntegerField("新增预警", default=0)
    errors = models.JSONField("错误与未匹配（前若干条）", default=list, blank=True)
    error_report = models.FileField("错误报告", upload_to="monitoring/errors/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "部门数据导入"
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def percent(self) -> int:
        return 100 * self.processed_rows // self.total_rows if self.total_rows else 0


class DepartmentRecord(models.Model):
    """One valid row of a department file, kept so that the screening can join it with the
    registry (and re-run when a threshold changes). ``person`` is empty for a row whose ID
    matches nobody in the registry (reported as unmatched)."""

    source_import = models.ForeignKey(
        DepartmentImport, on_delete=models.PROTECT, related_name="records"
    )
    row_number = models.PositiveIntegerField("行号")
    department = models.CharField("部门", max_length=12, choices=Department.choices)
    kind = models.CharField("预警类型", max_length=20, choices=AlertKind.choices)
    county_code = models.CharField("县级代码", max_length=6)
    id_index = models.CharField(max_length=64, db_index=True)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    village = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("年度")
    event_date = models.DateField("发生日期", null=True, blank=True)
    amount_fen = models.BigIntegerField("金额（分）", null=True, blank=True)
    details = models.JSONField("详情", default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "部门数据"
        ordering: ClassVar = ["source_import", "row_number"]
        indexes: ClassVar = [models.Index(fields=["county_code", "year", "kind"])]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["source_import", "row_number"], name="department_record_row_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_import_id}:{self.row_number}"


class ScreeningRun(models.Model):
    """A run of the registry screening over a region for a year: what it flagged."""

    region = models.ForeignKey(
        Region, verbose_name="范围", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("收入年度")
    status = models.CharField("状态", max_length=12, default="running")
    households = models.PositiveIntegerField("筛查户数", default=0)
    alerts_created = models.PositiveIntegerField("新增预警", default=0)
    counts = models.JSONField("各类预警数", default=dict, blank=True)
    # progress: a county's run is cut in parts (ranges of households) run side by side; a step
    # is one family of flags of one part, committed on its own
    steps = models.PositiveIntegerField("步骤数", default=0)
    steps_done = models.PositiveIntegerField("已完成步骤", default=0)
    error = models.TextField("错误信息", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "筛查批次"
        ordering: ClassVar = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.region_id} {self.year}"

    @property
    def percent(self) -> int:
        return 100 * self.steps_done // self.steps if self.steps else 0


class Alert(models.Model):
    """A screening alert (部门筛查预警) for the village to verify. ``dedupe_key`` makes
    re-importing a file or re-running the screening idempotent.

    A county's screening writes a million alerts or more at once, and every index is written
    per alert: the dedupe key is unique together with the household, year and kind it hashes
    (the same rule, but an index that a run fills in household order instead of at random, and
    that serves the household's lookups too); the village's own index is left out, the
    composite one leads with it, and serves a county's scope too (``LIKE '430423%'``); the
    columns empty on a new alert (case, handler) or on most alerts of one source (the import
    of a screening alert) are indexed only where set; the run's is not indexed (a run shows
    its counts, not its alerts).

    ``village`` (a copy of the household's, for the scope) and the provenance (``source_run``,
    ``source_import``) have no foreign key in the database: the household's key proves the
    row, a key on its copy would check only that some village of that code exists, and runs
    and imports are logs, never deleted (Django's PROTECT still guards all three). A key costs
    a check per alert at commit, an empty one too: COPYing a million-household county's 2.5 M
    alerts into this table took 77 s with the keys of household, person, import, handler and
    case, 63 s with household and person only (whose checks are 33 s of it), 25 s with none."""

    village = models.ForeignKey(
        Region,
        verbose_name="村",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    household = models.ForeignKey(
        Household,
        verbose_name="户",
        on_delete=models.PROTECT,
        related_name="monitoring_alerts",
        db_index=False,
    )
    person = models.ForeignKey(
        Person,
        verbose_name="成员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    department = models.CharField("来源部门", max_length=12, choices=Department.choices)
    kind = models.CharField("预警类型", max_length=20, choices=AlertKind.choices)
    year = models.PositiveSmallIntegerField("年度")
    amount_fen = models.BigIntegerField("金额（分）", null=True, blank=True)
    details = models.JSONField("详情", default=dict, blank=True)
    # sha256 of kind, household, year and the source's own key (services.screening.dedupe_key)
    dedupe_key = models.CharField(max_length=64)
    source_import = models.ForeignKey(
        DepartmentImport,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alerts",
        db_index=False,
        db_constraint=False,
    )
    source_run = models.ForeignKey(
        ScreeningRun,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alerts",
        db_index=False,
        db_constraint=False,
    )
    status = models.CharField(
        "状态", max_length=12, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    handled_at = models.DateTimeField("核实时间", null=True, blank=True)
    handled_note = models.CharField("核实情况", max_length=300, blank=True)
    case = models.ForeignKey(
        Case,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alerts",
        db_index=False,
    )
    created_at = models.DateTimeField("预警时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "筛查预警"
        ordering: ClassVar = ["-created_at", "-pk"]
        indexes: ClassVar = [
            # the scope (a county's too) is ``village_id LIKE '4304…%'``: pattern_ops serve it
            # in any collation (and ``=``)
            models.Index(
                fields=["village", "status"],
                name="monitoring_alert_village",
                opclasses=["varchar_pattern_ops", "varchar_ops"],
            ),
            models.Index(
                fields=["person"],
                name="monitoring_alert_person",
                condition=Q(person__isnull=False),
            ),
            models.Index(
                fields=["source_import"],
                name="monitoring_alert_import",
                condition=Q(source_import__isnull=False),
            ),
            models.Index(
                fields=["handled_by"],
                name="monitoring_alert_handled_by",
                condition=Q(handled_by__isnull=False),
            ),
            models.Index(
                fields=["case"], name="monitoring_alert_case", condition=Q(case__isnull=False)
            ),
        ]
        constraints: ClassVar = [
            # also the household's index (its alerts, its foreign key's checks)
            models.UniqueConstraint(
                fields=["household", "year", "kind", "dedupe_key"],
                name="monitoring_alert_dedupe_key",
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


# ---------------------------------------------------------------- assistance (帮扶措施)


class MeasureType(models.TextChoices):
    INDUSTRY = "industry", "产业帮扶"
    EMPLOYMENT = "employment", "就业帮扶"
    WORKSHOP = "workshop", "乡村车间就业"
    PUBLIC_JOB = "public_job", "公益性岗位"
    HOUSING = "housing", "住房保障"
    EDUCATION = "education", "教育帮扶"
    MEDICAL = "medical", "医疗保险和医疗救助"
    DIBAO = "dibao", "低保"
    TEKUN = "tekun", "特困供养"
    RELIEF = "relief", "临时救助"
    PENSION = "pension", "养老保险"
    CONSUMPTION = "consumption", "消费帮扶"
    CREDIT = "credit", "小额信贷"
    OTHER = "other", "其他"


# 兜底: social-protection measures (a household that only has these is not eliminated while it
# has no labour capacity)
SAFETY_NET_TYPES = frozenset({MeasureType.DIBAO, MeasureType.TEKUN, MeasureType.RELIEF})


class Measure(models.Model):
    """An assistance measure of a monitored household; ended, never deleted."""

    monitored = models.ForeignKey(
        MonitoredHousehold,
        verbose_name="监测对象",
        on_delete=models.PROTECT,
        related_name="measures",
    )
    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    measure_type = models.CharField("措施类型", max_length=12, choices=MeasureType.choices)
    description = models.CharField("措施内容", max_length=300)
    department = models.CharField("实施单位", max_length=100, blank=True)
    amount_fen = models.BigIntegerField("金额（分）", null=True, blank=True)
    start_on = models.DateField("开始日期")
    end_on = models.DateField("结束日期", null=True, blank=True)
    ended_note = models.CharField("结束说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "帮扶措施"
        ordering: ClassVar = ["monitored", "-start_on", "pk"]
        indexes: ClassVar = [models.Index(fields=["county_code", "village", "end_on"])]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(amount_fen=None) | Q(amount_fen__gte=0), name="measure_amount_sign"
            ),
            models.CheckConstraint(
                condition=Q(end_on=None) | Q(end_on__gte=models.F("start_on")),
                name="measure_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_measure_type_display()}：{self.description}"


class FollowUp(models.Model):
    """A follow-up visit (回访) on a measure: is it in place, is it helping."""

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="follow_ups")
    visited_on = models.DateField("回访日期")
    in_place = models.BooleanField("措施已落实", default=True)
    note = models.CharField("回访情况", max_length=300, blank=True)
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="回访人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "回访记录"
        ordering: ClassVar = ["measure", "-visited_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.visited_on}"


# ---------------------------------------------------------------- survey campaigns (回头看)


class CampaignKind(models.TextChoices):
    REVIEW = "review", "回头看"
    FULL = "full", "入户调查全覆盖"


class Campaign(models.Model):
    """A survey over a region (a township, a county, a village) with the standard questionnaire
    (两不愁三保障 and drinking water, an income estimate, risks found)."""

    region = models.ForeignKey(
        Region, verbose_name="范围", on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    kind = models.CharField("类型", max_length=10, choices=CampaignKind.choices)
    title = models.CharField("名称", max_length=100)
    start_on = models.DateField("开始日期")
    end_on = models.DateField("结束日期")
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("发起时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "排查活动"
        ordering: ClassVar = ["-start_on", "-pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(end_on__gte=models.F("start_on")), name="campaign_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Assignment(models.Model):
    """Households of a village's group (or the whole village) assigned to a cadre."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="assignments")
    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    group = models.ForeignKey(
        "core.VillageGroup",
        verbose_name="村民小组",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="排查人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "排查分工"
        ordering: ClassVar = ["campaign", "village", "group"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["campaign", "village", "group"], name="assignment_unique_group"
            ),
            models.UniqueConstraint(
                fields=["campaign", "village"],
                condition=Q(group=None),
                name="assignment_unique_whole_village",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village_id} {self.group_id or '全村'}"


class Visit(models.Model):
    """A household's visit in a campaign: the checklist, an income estimate, risks found. A
    visit that finds risks may open an identification case."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="visits")
    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        Household, verbose_name="户", on_delete=models.PROTECT, related_name="monitoring_visits"
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="排查人", on_delete=models.PROTECT, related_name="+"
    )
    visited_on = models.DateField("走访日期")
    # {"food": true, "clothing": true, "education": true, "medical": false, ...}: SECURITY_KEYS
    checks = models.JSONField("两不愁三保障及饮水", default=dict)
    income_estimate_fen = models.BigIntegerField("年人均纯收入估算（分）", null=True, blank=True)
    risk_types = models.JSONField("发现的风险", default=list, blank=True)
    note = models.TextField("走访情况", blank=True)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "入户走访"
        ordering: ClassVar = ["campaign", "village", "household"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["campaign", "household"], name="visit_once_per_campaign"
            ),
            models.CheckConstraint(
                condition=Q(income_estimate_fen=None) | Q(income_estimate_fen__gte=0),
                name="visit_income_sign",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.visited_on}"

    @property
    def secured(self) -> bool:
        """两不愁三保障 and drinking water all secured."""
        return all(self.checks.get(key) is True for key in SECURITY_KEYS)
