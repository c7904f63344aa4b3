"""Feedback and complaints (意见建议、投诉, 互联网+监督) and the village supervision committee
(村务监督委员会): its members, meetings, inspections, and the problem ledger (问题台账) its
findings feed.

A feedback about a named cadre (``about_user``) is hidden from that cadre everywhere and goes to
the committee and the township instead of the village staff (selectors_feedback). A
:class:`Problem` names its source by ``(source_type, source_id)`` so that other modules (三资)
can file their own findings in the same ledger.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from cunwu.core.models import Region

__all__ = [
    "CommitteeMeeting",
    "CommitteeMember",
    "CommitteePosition",
    "Feedback",
    "FeedbackKind",
    "FeedbackReply",
    "FeedbackStatus",
    "Inspection",
    "InspectionSubject",
    "MeetingAttachment",
    "Problem",
    "ProblemCategory",
    "ProblemNote",
    "ProblemStatus",
]


class FeedbackKind(models.TextChoices):
    QUESTION = "question", "咨询"
    SUGGESTION = "suggestion", "建议"
    COMPLAINT = "complaint", "投诉"


class FeedbackStatus(models.TextChoices):
    PENDING = "pending", "待回复"
    REPLIED = "replied", "已回复"
    RESOLVED = "resolved", "已办结"
    CLOSED = "closed", "已关闭"


OPEN_FEEDBACK = (FeedbackStatus.PENDING, FeedbackStatus.REPLIED)


class Feedback(models.Model):
    """A question, suggestion or complaint of a villager to the village, with a tracking code.

    ``reply_due`` and ``resolve_due`` are counted in working days from the day it came in
    (``CUNWU_FEEDBACK_DAYS``); past them it is overdue, and the daily ``cunwu feedback
    escalate`` sets ``escalated_at`` so that the township's discipline inspection sees it.
    """

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="feedback"
    )
    kind = models.CharField("类型", max_length=12, choices=FeedbackKind.choices)
    code = models.CharField("查询码", max_length=12, unique=True)
    text = models.TextField("内容")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提出人账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField("姓名", max_length=50, blank=True)
    phone_encrypted = models.TextField("联系电话（加密）", blank=True)
    phone_masked = models.CharField("联系电话", max_length=20, blank=True)
    # the cadre a complaint names: never shown to that cadre, routed past the village staff
    about_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="涉及的村干部",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField("提出时间", auto_now_add=True)
    reply_due = models.DateField("答复期限")
    resolve_due = models.DateField("办结期限")
    due_warning = models.CharField("期限提示", max_length=200, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=FeedbackStatus.choices, default=FeedbackStatus.PENDING
    )
    replied_at = models.DateTimeField("首次答复时间", null=True, blank=True)
    resolution = models.TextField("办理结果", blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="办结人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField("办结时间", null=True, blank=True)
    close_reason = models.CharField("关闭理由", max_length=200, blank=True)
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True)
    escalated_at = models.DateTimeField("转乡镇纪检时间", null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField("满意度", null=True, blank=True)
    satisfaction_comment = models.CharField("评价", max_length=500, blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "意见投诉"
        ordering: ClassVar = ["-submitted_at", "-pk"]
        indexes: ClassVar = [
            models.Index(fields=["village", "status", "-submitted_at"]),
            models.Index(fields=["status", "resolve_due"]),
            models.Index(fields=["about_user"]),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="feedback_satisfaction_1_5",
            ),
            models.CheckConstraint(
                condition=Q(reply_due__lte=models.F("resolve_due")),
                name="feedback_reply_before_resolve",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def anonymous(self) -> bool:
        return self.submitted_by_id is None


class FeedbackReply(models.Model):
    """One message of the thread: a reply the submitter sees, or an internal note that only
    the staff see (never on the public page or the public API)."""

    feedback = models.ForeignKey(Feedback, on_delete=models.PROTECT, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="答复人", on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField("内容")
    internal = models.BooleanField("内部备注", default=False)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "答复"
        ordering: ClassVar = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.feedback} #{self.pk}"


# ---------------------------------------------------------------- the supervision committee


class CommitteePosition(models.TextChoices):
    CHAIR = "chair", "主任"
    MEMBER = "member", "委员"


class CommitteeMember(models.Model):
    """A member of a village's supervision committee for a term (3–5 members, one chair; the
    village Party secretary does not chair it)."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="committee_members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField("姓名", max_length=50)
    position = models.CharField("职务", max_length=8, choices=CommitteePosition.choices)
    is_party_secretary = models.BooleanField("村党组织书记", default=False)
    term_start = models.DateField("任期开始")
    term_end = models.DateField("任期结束", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "监委会成员"
        ordering: ClassVar = ["village", "position", "term_start", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=~Q(position="chair", is_party_secretary=True),
                name="committee_chair_not_party_secretary",
            ),
            models.CheckConstraint(
                condition=Q(term_end__isnull=True) | Q(term_end__gte=models.F("term_start")),
                name="committee_term_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_position_display()}）"


class CommitteeMeeting(models.Model):
    """A meeting of the committee with its minutes."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="committee_meetings"
    )
    date = models.DateField("会议日期")
    title = models.CharField("议题", max_length=120)
    attendees = models.ManyToManyField(CommitteeMember, verbose_name="出席成员", related_name="+")
    minutes = models.TextField("会议纪要")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "监委会会议"
        ordering: ClassVar = ["-date", "-pk"]

    def __str__(self) -> str:
        return self.title


class MeetingAttachment(models.Model):
    """A PDF or image of a meeting (the signed minutes), checked by content like notices'."""

    meeting = models.ForeignKey(
        CommitteeMeeting, on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField("文件", upload_to="committee/%Y/%m/")
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("类型", max_length=40)
    size = models.PositiveIntegerField("大小")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "会议附件"
        ordering: ClassVar = ["pk"]

    def __str__(self) -> str:
        return self.original_name


class InspectionSubject(models.TextChoices):
    FINANCE = "finance", "财务"
    PROJECT = "project", "工程项目"
    BENEFIT = "benefit", "惠民资金"
    ASSETS = "assets", "集体三资"
    OTHER = "other", "其他"


class Inspection(models.Model):
    """An inspection by the committee; each problem it finds is a row of the problem ledger."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="inspections"
    )
    date = models.DateField("检查日期")
    subject = models.CharField("检查事项", max_length=10, choices=InspectionSubject.choices)
    findings = models.TextField("检查情况")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "监督检查"
        ordering: ClassVar = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_subject_display()}"


class ProblemStatus(models.TextChoices):
    OPEN = "open", "待整改"
    RECTIFYING = "rectifying", "整改中"
    CLOSED = "closed", "已销号"


class ProblemCategory(models.TextChoices):
    ASSETS = "assets", "三资管理"
    FINANCE = "finance", "财务收支"
    CONTRACT = "contract", "合同管理"
    BENEFIT = "benefit", "惠民资金"
    PROJECT = "project", "工程项目"
    DECISION = "decision", "村务决策"
    OTHER = "other", "其他"


# who filed a problem when no user did (the daily contract checks): ``raised_role``
SYSTEM_ROLE = "system"


class Problem(models.Model):
    """A row of the problem ledger (问题台账): what is wrong, who puts it right by when, and
    its closure (整改销号) with the evidence and who closed it.

    ``source_type``/``source_id`` name where it was found: ``disclosure.inspection``,
    ``disclosure.feedback``, or another module's own (``assets.contract``, …).
    """

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="problems"
    )
    source_type = models.CharField("来源类型", max_length=50)
    source_id = models.CharField("来源", max_length=40)
    description = models.TextField("问题描述")
    category = models.CharField(
        "问题类别", max_length=10, choices=ProblemCategory.choices, default=ProblemCategory.OTHER
    )
    # 佐证材料 as found when the problem was filed (what was seen, where)
    evidence_found = models.TextField("佐证材料", blank=True)
    responsible = models.CharField("整改责任人", max_length=100)
    due_date = models.DateField("整改期限")
    status = models.CharField(
        "状态", max_length=12, choices=ProblemStatus.choices, default=ProblemStatus.OPEN
    )
    # None: filed by the system (the daily contract checks)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # the role of who filed it (``supervisor``, ``township_staff``, ``discipline``) or
    # ``system``: only that role closes it (the township or the committee for ``system``)
    raised_role = models.CharField("提出角色", max_length=20, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    # the latest progress report; every one is kept as a ProblemNote
    progress = models.TextField("整改情况", blank=True)
    started_at = models.DateTimeField("开始整改时间", null=True, blank=True)
    evidence = models.TextField("销号依据", blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="销号人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "问题台账"
        ordering: ClassVar = ["-created_at", "-pk"]
        indexes: ClassVar = [
            models.Index(fields=["village", "status", "due_date"]),
            models.Index(fields=["source_type", "source_id"]),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=~Q(status="closed")
                | (Q(closed_at__isnull=False, closed_by__isnull=False) & ~Q(evidence="")),
                name="problem_closed_with_evidence",
            ),
        ]

    def __str__(self) -> str:
        return self.description[:30]


class ProblemNote(models.Model):
    """One progress report on a problem (整改进展), kept: a later one does not replace it."""

    problem = models.ForeignKey(Problem, on_delete=models.PROTECT, related_name="notes")
    text = models.TextField("整改情况")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="报告人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "整改进展"
        ordering: ClassVar = ["problem", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.problem_id} #{self.pk}"
