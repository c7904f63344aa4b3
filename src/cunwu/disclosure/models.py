"""Notices (公告) with their disclosure periods (公示期), attachments and objections (异议), and the
disclosure calendar (which categories a village must disclose how often)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from cunwu.core.models import AuditEvent, Region


class Category(models.TextChoices):
    PARTY = "party", "党务"
    VILLAGE = "village", "村务"
    FINANCE = "finance", "财务"
    BENEFIT = "benefit", "惠民资金"
    POINTS = "points", "积分"
    MONITORING = "monitoring", "监测对象"
    CONTRACT = "contract", "合同"


# money leaves the collective or reaches persons: the supervision committee signs off first
SIGNOFF_CATEGORIES = frozenset({Category.FINANCE, Category.BENEFIT})


class PeriodUnit(models.TextChoices):
    NATURAL = "natural", "自然日"
    WORKING = "working", "工作日"


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PENDING_SIGNOFF = "pending_signoff", "待监委会审核"
    PUBLISHED = "published", "公示中"
    PASSED = "passed", "公示期满无异议"
    RETURNED = "returned", "异议成立，已退回"
    WITHDRAWN = "withdrawn", "已撤回"


OPEN_STATUSES = (NoticeStatus.DRAFT, NoticeStatus.PENDING_SIGNOFF)
PUBLIC_STATUSES = (
    NoticeStatus.PUBLISHED,
    NoticeStatus.PASSED,
    NoticeStatus.RETURNED,
    NoticeStatus.WITHDRAWN,
)


class Notice(models.Model):
    """A notice of a village (or a township or county).

    ``body`` is sanitised HTML and ``table`` (``{"columns": [...], "rows": [[...], ...]}``) a list
    such as subsidy recipients; both are masked when saved (no full ID or phone number is ever
    stored here). With ``period_days`` > 0 the notice is a 公示 with a period in natural or working
    days that ends on ``period_end`` (inclusive); with 0 it is a plain 公开 that never closes.
    """

    region = models.ForeignKey(
        Region, verbose_name="公开单位", on_delete=models.PROTECT, related_name="notices"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    category = models.CharField("类别", max_length=12, choices=Category.choices)
    title = models.CharField("标题", max_length=120)
    body = models.TextField("正文", blank=True)
    table = models.JSONField("名单表格", default=dict, blank=True)
    period_start = models.DateField("公示开始", null=True, blank=True)
    period_days = models.PositiveSmallIntegerField("公示天数", default=0)
    period_unit = models.CharField(
        "天数计法", max_length=8, choices=PeriodUnit.choices, default=PeriodUnit.NATURAL
    )
    period_end = models.DateField("公示截止", null=True, blank=True)
    # set when a date of the period lies in a year whose holiday arrangement is unknown
    period_warning = models.CharField("公示期提示", max_length=200, blank=True)
    # what another module published this about, e.g. ("points.application", "42")
    subject_type = models.CharField("关联对象类型", max_length=50, blank=True)
    subject_id = models.CharField("关联对象", max_length=40, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="起草人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("起草时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_off_at = models.DateTimeField("审核时间", null=True, blank=True)
    signoff_note = models.CharField("审核意见", max_length=200, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    # SHA-256 of the published content, and the audit event that recorded it (its hash is the
    # one a printed notice's QR code carries)
    content_hash = models.CharField("内容摘要", max_length=64, blank=True)
    published_event = models.ForeignKey(
        AuditEvent,
        verbose_name="发布记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    close_note = models.CharField("结束说明", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "公告"
        ordering: ClassVar = ["-published_at", "-created_at"]
        indexes: ClassVar = [
            models.Index(fields=["region", "status", "-published_at"]),
            models.Index(fields=["county_code", "status"]),
            models.Index(fields=["status", "period_end"]),
            models.Index(fields=["subject_type", "subject_id"]),
        ]
        constraints: ClassVar = [
            # a published 公示 knows when it ends
            models.CheckConstraint(
                condition=Q(period_days=0)
                | Q(status__in=["draft", "pending_signoff"])
                | Q(period_start__isnull=False, period_end__isnull=False),
                name="notice_period_fixed_when_public",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def has_period(self) -> bool:
        return self.period_days > 0

    @property
    def status_label(self) -> str:
        if self.status == NoticeStatus.PUBLISHED and not self.has_period:
            return "已公开"
        return str(self.get_status_display())

    @property
    def columns(self) -> list[str]:
        columns: list[str] = (self.table or {}).get("columns", [])
        return columns

    @property
    def rows(self) -> list[list[Any]]:
        rows: list[list[Any]] = (self.table or {}).get("rows", [])
        return rows

    @property
    def labelled_rows(self) -> list[list[tuple[str, Any]]]:
        """Each cell with its column's header (a phone shows a table row as labelled lines)."""
        columns = self.columns
        return [list(zip(columns, row, strict=False)) for row in self.rows]


class Attachment(models.Model):
    """A PDF or image attached to a notice (checked by content, not by name)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField("文件", upload_to="notices/%Y/%m/")
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("类型", max_length=40)
    size = models.PositiveIntegerField("大小")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "附件"
        ordering: ClassVar = ["pk"]

    def __str__(self) -> str:
        return self.original_name


class ObjectionStatus(models.TextChoices):
    PENDING = "pending", "待处理"
    UPHELD = "upheld", "异议成立"
    REJECTED = "rejected", "异议不成立"


class Objection(models.Model):
    """An objection raised during a notice's period, by a logged-in villager or anonymously with
    a contact number; the supervision committee records the outcome. ``code`` lets the
    submitter follow it without an account."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="objections")
    code = models.CharField("查询码", max_length=12, unique=True)
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
    text = models.TextField("异议内容")
    submitted_at = models.DateTimeField("提出时间", auto_now_add=True)
    status = models.CharField(
        "状态", max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.PENDING
    )
    outcome = models.TextField("处理结果", blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handled_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "异议"
        ordering: ClassVar = ["submitted_at"]
        indexes: ClassVar = [models.Index(fields=["notice", "status"])]

    def __str__(self) -> str:
        return self.code


class Frequency(models.TextChoices):
    MONTHLY = "monthly", "每月"
    QUARTERLY = "quarterly", "每季度"


class DisclosureRule(models.Model):
    """A category a village must disclose at least this often (村民委员会组织法 第30条: ordinary
    matters quarterly, finances monthly where they are busy). A rule of a region applies to the
    villages under it; the most specific rule for a category wins. The notice for a period is due
    by ``deadline_day`` of the month after it (a county catalogue's "每季度首月20日前")."""

    region = models.ForeignKey(
        Region, verbose_name="适用区划", on_delete=models.PROTECT, related_name="disclosure_rules"
    )
    category = models.CharField("类别", max_length=12, choices=Category.choices)
    frequency = models.CharField("频次", max_length=10, choices=Frequency.choices)
    deadline_day = models.PositiveSmallIntegerField("截止日（次月几日前）", default=20)
    note = models.CharField("依据", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "公开目录"
        ordering: ClassVar = ["region", "category"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["region", "category"], name="disclosure_rule_unique"),
            models.CheckConstraint(
                condition=Q(deadline_day__gte=1, deadline_day__lte=28),
                name="disclosure_rule_deadline_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}{self.get_frequency_display()}"


class RenderingKind(models.TextChoices):
    PDF_A4 = "pdf_a4", "打印（A4）"
    PDF_A3 = "pdf_a3", "打印（A3）"
    PNG = "png", "分享图片"


class RenderingStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "正在生成"
    DONE = "done", "已生成"
    FAILED = "failed", "生成失败"


class Rendering(models.Model):
    """A printable PDF or a share image of a notice, rendered in the background (WeasyPrint
    takes seconds for a CJK font) and stored: one per notice, kind and content. A published
    notice's content never changes, so its file is rendered once; a draft's preview is keyed by
    its current content and marked ``draft`` (it carries no QR code and must not be posted)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="renderings")
    kind = models.CharField("类型", max_length=8, choices=RenderingKind.choices)
    content_hash = models.CharField("内容摘要", max_length=64)
    draft = models.BooleanField("草稿预览", default=False)
    file = models.FileField("文件", upload_to="renderings/%Y/%m/", blank=True)
    status = models.CharField(
        "状态", max_length=8, choices=RenderingStatus.choices, default=RenderingStatus.QUEUED
    )
    error = models.CharField("错误信息", max_length=500, blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    duration_ms = models.PositiveIntegerField("用时（毫秒）", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "公告打印件"
        ordering: ClassVar = ["-created_at"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["notice", "kind", "content_hash", "draft"], name="rendering_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.get_kind_display()}（{self.get_status_display()}）"

    @property
    def is_pdf(self) -> bool:
        return self.kind in (RenderingKind.PDF_A4, RenderingKind.PDF_A3)

    @property
    def pending(self) -> bool:
        return self.status in (RenderingStatus.QUEUED, RenderingStatus.RUNNING)


from .models_benefit import *  # noqa: E402, F403  (惠民资金 payments and their public query)
from .models_feedback import *  # noqa: E402, F403  (feedback, the supervision committee)
from .models_lists import *  # noqa: E402, F403  (the four lists, cases, decisions)
