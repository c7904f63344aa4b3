"""The four lists (四清单) with their procedures, the cases (办件) that follow them, and the
四议两公开 procedure of major village decisions (:class:`Decision`).

A list item belongs to a county, township or village (``region``). The county (or a township)
keeps a template; a village adopts it, which copies it, and adjusts its copy. Every change makes
a new version of the item (same ``key`` and ``region``, ``version`` + 1) and retires the old one,
which stays: a case points at the version it started under and follows that version's steps.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from cunwu.core.models import Region

__all__ = [
    "Case",
    "CaseEvent",
    "CaseEventKind",
    "CaseStatus",
    "Decision",
    "DecisionRecord",
    "DecisionStage",
    "DecisionStatus",
    "ListItem",
    "ListKind",
    "ListStep",
    "MeetingBody",
]


class ListKind(models.TextChoices):
    AUTONOMY = "autonomy", "村级组织自治事项清单"
    ASSIST = "assist", "协助政府工作清单"
    POWER = "power", "小微权力清单"
    SERVICE = "service", "公共服务事项清单"


class ListItem(models.Model):
    """One version of an item of one of the four lists, owned by a county, township or village.

    ``key`` names the item across its versions and its adopted copies; ``based_on`` is the
    template version a village's (or township's) copy was adopted from. One active version per
    region and key.
    """

    region = models.ForeignKey(
        Region, verbose_name="制定单位", on_delete=models.PROTECT, related_name="list_items"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    key = models.CharField("事项标识", max_length=20)
    kind = models.CharField("清单", max_length=10, choices=ListKind.choices)
    name = models.CharField("事项名称", max_length=100)
    basis = models.TextField("办理依据", blank=True)
    responsible = models.CharField("责任主体", max_length=100)
    materials = models.TextField("所需材料", blank=True)
    disclosure = models.TextField("公开要求", blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    based_on = models.ForeignKey(
        "self",
        verbose_name="依据模板",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="adoptions",
    )
    active = models.BooleanField("现行", default=True)
    # seeded examples: to be checked and adjusted to local practice before use
    example = models.BooleanField("示例", default=False)
    change_note = models.CharField("修订说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="制定人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("制定时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "清单事项"
        ordering: ClassVar = ["kind", "name", "-version"]
        indexes: ClassVar = [
            models.Index(fields=["region", "active", "kind"]),
            models.Index(fields=["county_code", "key"]),
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["region", "key", "version"], name="list_item_version_unique"
            ),
            models.UniqueConstraint(
                fields=["region", "key"], condition=Q(active=True), name="list_item_one_active"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="list_item_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（第{self.version}版）"

    @property
    def materials_list(self) -> list[str]:
        return [line.strip() for line in self.materials.splitlines() if line.strip()]

    @property
    def total_days(self) -> int:
        return sum(step.limit_days for step in self.steps.all())


class ListStep(models.Model):
    """A step of an item's procedure: who acts, within how many working days (0: no limit),
    and what is disclosed at this step."""

    item = models.ForeignKey(ListItem, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField("序号")
    name = models.CharField("环节", max_length=60)
    actor = models.CharField("办理主体", max_length=60)
    limit_days = models.PositiveSmallIntegerField("时限（工作日）", default=0)
    disclose = models.CharField("公开内容", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "办理环节"
        ordering: ClassVar = ["item", "order"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["item", "order"], name="list_step_order_unique"),
            models.CheckConstraint(condition=Q(order__gte=1), name="list_step_order_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"


class CaseStatus(models.TextChoices):
    OPEN = "open", "办理中"
    DONE = "done", "已办结"
    STOPPED = "stopped", "已终止"


class Case(models.Model):
    """An application handled along the steps of one version of a village's list item.

    ``step_order`` is the step under way (None once finished), ``step_due`` its deadline in
    working days from ``step_started``. The applicant follows it on the public page with
    ``code``. The person or household it concerns is kept as plain ids (the registry is another
    module, which disclosure does not import).
    """

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="cases"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    item = models.ForeignKey(
        ListItem, verbose_name="事项（版本）", on_delete=models.PROTECT, related_name="cases"
    )
    code = models.CharField("查询码", max_length=12, unique=True)
    applicant_name = models.CharField("申请人", max_length=50)
    person_id = models.PositiveBigIntegerField("人员编号", null=True, blank=True)
    household_id = models.PositiveBigIntegerField("户编号", null=True, blank=True)
    summary = models.TextField("申请事由", blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    step_order = models.PositiveSmallIntegerField("当前环节", null=True, blank=True)
    step_started = models.DateField("本环节开始", null=True, blank=True)
    step_due = models.DateField("本环节期限", null=True, blank=True)
    due_warning = models.CharField("期限提示", max_length=200, blank=True)
    escalated_at = models.DateTimeField("逾期报乡镇时间", null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="受理人", on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField("受理时间", auto_now_add=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "办件"
        ordering: ClassVar = ["-opened_at", "-pk"]
        indexes: ClassVar = [
            models.Index(fields=["village", "status", "-opened_at"]),
            models.Index(fields=["status", "step_due"]),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(status="open", step_order__isnull=False, step_started__isnull=False)
                | ~Q(status="open"),
                name="case_open_has_step",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def overdue_on(self, today: date) -> bool:
        return (
            self.status == CaseStatus.OPEN and self.step_due is not None and self.step_due < today
        )


class CaseEventKind(models.TextChoices):
    OPEN = "open", "受理"
    DONE = "done", "办结本环节"
    RETURN = "return", "退回上一环节"
    COMMENT = "comment", "备注"
    ESCALATE = "escalate", "逾期报乡镇"
    STOP = "stop", "终止办理"


class CaseEvent(models.Model):
    """Who did what to a case when, at which step, with an optional PDF or image."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField("类型", max_length=10, choices=CaseEventKind.choices)
    step_order = models.PositiveSmallIntegerField("环节", null=True, blank=True)
    step_name = models.CharField("环节名称", max_length=60, blank=True)
    note = models.TextField("说明", blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField("时间", auto_now_add=True)
    file = models.FileField("附件", upload_to="cases/%Y/%m/", blank=True)
    original_name = models.CharField("附件名", max_length=200, blank=True)
    content_type = models.CharField("附件类型", max_length=40, blank=True)
    size = models.PositiveIntegerField("附件大小", default=0)
    sha256 = models.CharField("附件摘要", max_length=64, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "办件记录"
        ordering: ClassVar = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_kind_display()}"


class DecisionStage(models.IntegerChoices):
    PROPOSAL = 1, "村党组织提议"
    CONSULTATION = 2, "村“两委”会议商议"
    PARTY_REVIEW = 3, "党员大会审议"
    RESOLUTION = 4, "村民代表会议或村民会议决议"
    RESOLUTION_NOTICE = 5, "决议公开"
    RESULT_NOTICE = 6, "实施结果公开"
    DONE = 7, "已完成"


class DecisionStatus(models.TextChoices):
    OPEN = "open", "进行中"
    NOTICE = "notice", "公示中"
    DONE = "done", "已完成"


class MeetingBody(models.TextChoices):
    PARTY_BRANCH = "party_branch", "村党组织"
    TWO_COMMITTEES = "two_committees", "村“两委”联席会议"
    PARTY_MEMBERS = "party_members", "党员大会"
    REPRESENTATIVES = "representatives", "村民代表会议"
    VILLAGERS = "villagers", "村民会议"


class Decision(models.Model):
    """A major village matter decided by 四议两公开. ``stage`` is the stage to do next; a failed
    meeting is recorded and the stage stays; an objection upheld against either disclosure sends
    the matter back to the 两委 consultation (``returned_note`` says why)."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="decisions"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    title = models.CharField("事项", max_length=120)
    description = models.TextField("内容", blank=True)
    stage = models.PositiveSmallIntegerField(
        "当前环节", choices=DecisionStage.choices, default=DecisionStage.CONSULTATION
    )
    status = models.CharField(
        "状态", max_length=8, choices=DecisionStatus.choices, default=DecisionStatus.OPEN
    )
    returned_note = models.TextField("退回说明", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "四议两公开"
        ordering: ClassVar = ["-created_at", "-pk"]
        indexes: ClassVar = [models.Index(fields=["village", "status", "-created_at"])]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(stage__gte=1, stage__lte=7), name="decision_stage_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class DecisionRecord(models.Model):
    """One stage as it happened: the meeting (date, attendance, votes, whether quorum and
    majority held) or, for the two disclosures, the notice and how its period ended
    (``passed`` None while the notice is up)."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="records")
    stage = models.PositiveSmallIntegerField("环节", choices=DecisionStage.choices)
    body = models.CharField("会议", max_length=16, choices=MeetingBody.choices, blank=True)
    held_on = models.DateField("日期")
    eligible = models.PositiveIntegerField("应到", null=True, blank=True)
    present = models.PositiveIntegerField("实到", null=True, blank=True)
    households = models.PositiveIntegerField("总户数", null=True, blank=True)
    households_present = models.PositiveIntegerField("到会代表户数", null=True, blank=True)
    votes_for = models.PositiveIntegerField("赞成", null=True, blank=True)
    votes_against = models.PositiveIntegerField("反对", null=True, blank=True)
    votes_abstain = models.PositiveIntegerField("弃权", null=True, blank=True)
    passed = models.BooleanField("通过", null=True)
    failure = models.CharField("未通过原因", max_length=200, blank=True)
    note = models.TextField("说明", blank=True)
    notice = models.ForeignKey(
        "disclosure.Notice",
        verbose_name="公告",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "四议两公开记录"
        ordering: ClassVar = ["decision", "recorded_at", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(present__isnull=True)
                | Q(eligible__isnull=True)
                | Q(present__lte=models.F("eligible")),
                name="decision_record_present_le_eligible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decision_id} {self.get_stage_display()}"

    @property
    def votes_cast(self) -> int:
        return (self.votes_for or 0) + (self.votes_against or 0) + (self.votes_abstain or 0)
