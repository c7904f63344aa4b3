"""Models of the rules part of 乡村治理: 村规民约、乡风文明公约、清廉公约.

A rule (one per village and kind) has numbered versions. A version is drafted, then adopted by
a recorded 村民会议 / 村民代表会议 resolution and disclosed; adopting it supersedes the version
adopted before. Households acknowledge the adopted version (signed on paper and ticked by a
cadre, or confirmed by a villager on a phone), once each."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from cunwu.core.models import Region

__all__ = [
    "AckWay",
    "Acknowledgement",
    "Rule",
    "RuleClause",
    "RuleKind",
    "RuleMeetingKind",
    "RuleVersion",
    "RuleVersionStatus",
]


class RuleKind(models.TextChoices):
    VILLAGE = "village", "村规民约"
    CIVILITY = "civility", "乡风文明公约"
    INTEGRITY = "integrity", "清廉公约"


class Rule(models.Model):
    """One rule text of a village and kind; its versions carry the clauses and adoption."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="village_rules"
    )
    kind = models.CharField("类别", max_length=12, choices=RuleKind.choices)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "村规民约与公约"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["village", "kind"], name="village_rule_one_per_kind"),
            models.CheckConstraint(
                condition=models.Q(kind__in=RuleKind.values), name="village_rule_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class RuleVersionStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    ADOPTED = "adopted", "已通过"
    SUPERSEDED = "superseded", "已废止"


class RuleMeetingKind(models.TextChoices):
    # the same values as services.rules.ASSEMBLY / REPRESENTATIVES
    ASSEMBLY = "assembly", "村民会议"
    REPRESENTATIVES = "representatives", "村民代表会议"


class RuleVersion(models.Model):
    """Version ``number`` of a rule. Only a draft is edited; adoption records the meeting and
    its votes, 备案 (``filed_on``, ``filed_with``) the filing of a 村规民约 with the township,
    ``notice`` the disclosure. A rule has at most one draft and one adopted version."""

    rule = models.ForeignKey(
        Rule, verbose_name="村规民约", on_delete=models.PROTECT, related_name="versions"
    )
    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    number = models.PositiveIntegerField("版本号")
    title = models.CharField("标题", max_length=100)
    preamble = models.TextField("序言", blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=RuleVersionStatus.choices,
        default=RuleVersionStatus.DRAFT,
    )  # fmt: skip
    copied_from = models.ForeignKey(
        "self", verbose_name="复制自", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="起草人", on_delete=models.PROTECT, related_name="+"
    )
    drafted_at = models.DateTimeField("起草时间", auto_now_add=True)
    meeting_kind = models.CharField(
        "表决会议", max_length=16, choices=RuleMeetingKind.choices, blank=True
    )
    meeting_on = models.DateField("会议日期", null=True, blank=True)
    members = models.PositiveIntegerField("应到人数", null=True, blank=True)
    present = models.PositiveIntegerField("实到人数", null=True, blank=True)
    votes_for = models.PositiveIntegerField("赞成", null=True, blank=True)
    votes_against = models.PositiveIntegerField("反对", null=True, blank=True)
    adopted_at = models.DateTimeField("通过登记时间", null=True, blank=True)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    superseded_at = models.DateTimeField("废止时间", null=True, blank=True)
    filed_on = models.DateField("备案日期", null=True, blank=True)
    filed_with = models.CharField("备案机关", max_length=100, blank=True)
    notice = models.ForeignKey(
        "disclosure.Notice", verbose_name="公告", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = verbose_name_plural = "村规民约版本"
        ordering: ClassVar = ["rule", "-number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["rule", "number"], name="rule_version_number"),
            models.UniqueConstraint(
                fields=["rule"], condition=Q(status="adopted"), name="rule_version_one_adopted"
            ),
            models.UniqueConstraint(
                fields=["rule"], condition=Q(status="draft"), name="rule_version_one_draft"
            ),
            models.CheckConstraint(
                condition=Q(status__in=RuleVersionStatus.values), name="rule_version_status"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(meeting_on__isnull=False, adopted_at__isnull=False),
                name="rule_version_adoption_recorded",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["village", "status"])]

    def __str__(self) -> str:
        return f"{self.title}（第{self.number}版）"

    @property
    def is_draft(self) -> bool:
        return self.status == RuleVersionStatus.DRAFT


class RuleClause(models.Model):
    """Clause ``order`` (1, 2, …) of a version; ``points_item`` links it to the 积分事项 that
    rewards or deducts for it (e.g. 厚养薄葬 → a simple funeral earns points)."""

    version = models.ForeignKey(
        RuleVersion, verbose_name="版本", on_delete=models.CASCADE, related_name="clauses"
    )
    order = models.PositiveSmallIntegerField("条")
    text = models.CharField("条文", max_length=500)
    points_item = models.ForeignKey(
        "points.RuleItem", verbose_name="积分事项", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = verbose_name_plural = "村规民约条款"
        ordering: ClassVar = ["version", "order"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["version", "order"], name="rule_clause_order"),
        ]

    def __str__(self) -> str:
        return f"第{self.order}条"


class AckWay(models.TextChoices):
    PAPER = "paper", "纸质签字"
    PHONE = "phone", "手机确认"


class Acknowledgement(models.Model):
    """A household has acknowledged (签订/承诺遵守) an adopted version, once."""

    version = models.ForeignKey(
        RuleVersion, verbose_name="版本", on_delete=models.PROTECT,
        related_name="acknowledgements",
    )  # fmt: skip
    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        "registry.Household", verbose_name="户", on_delete=models.PROTECT, related_name="+"
    )
    way = models.CharField("方式", max_length=8, choices=AckWay.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "村规民约签订"
        ordering: ClassVar = ["version", "household"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["version", "household"], name="rule_ack_once"),
            models.CheckConstraint(condition=Q(way__in=AckWay.values), name="rule_ack_way"),
        ]

    def __str__(self) -> str:
        return f"{self.household} {self.get_way_display()}"
