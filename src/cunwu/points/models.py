"""积分制: versioned rulebooks, point events and the household ledger.

A village's rulebook (积分细则) is a sequence of versions; a version takes effect only after a
村民代表会议 adopted it and its disclosure period passed, and an event is always scored by the
version in force on the event's date. Events are proposed, reviewed, disclosed in monthly
batches and only then post to the ledger. The ledger is append-only: corrections are reversal
events that reference what they correct.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from cunwu.core.models import Region, RegionLevel
from cunwu.disclosure.models import Notice
from cunwu.registry.models import Household, Person


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    DISCLOSING = "disclosing", "已表决，公示中"
    EFFECTIVE = "effective", "已生效"
    RETURNED = "returned", "异议成立，已退回"


class Unit(models.TextChoices):
    EVENT = "event", "每次"
    MONTH = "month", "每月"
    QUARTER = "quarter", "每季度"
    YEAR = "year", "每年"


class CapPeriod(models.TextChoices):
    MONTH = "month", "每月"
    QUARTER = "quarter", "每季度"
    YEAR = "year", "每年"


class Evidence(models.TextChoices):
    NONE = "none", "无需"
    PHOTO = "photo", "需照片"


class Proposer(models.TextChoices):
    VILLAGER = "villager", "村民自报"
    CADRE = "cadre", "村干部"
    GRID = "grid", "网格员/工作队"
    SYSTEM = "system", "系统生成"


DEFAULT_PROPOSERS = "villager,cadre,grid"
# cumulative points from which a household holds one star more (configurable per version)
DEFAULT_STAR_THRESHOLDS = [50, 100, 200, 300, 500]


class Rulebook(models.Model):
    """The rulebook of a village, or a template of a township or county that villages copy."""

    region = models.OneToOneField(
        Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="rulebook"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    name = models.CharField("名称", max_length=100)
    # whether available points start again from zero every year (villages differ)
    reset_yearly = models.BooleanField("可用积分每年清零", default=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "积分细则"

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.county_code = self.region_id[:6]
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def is_template(self) -> bool:
        return self.region.level != RegionLevel.VILLAGE


class RulebookVersion(models.Model):
    """One version of a rulebook with its categories and items; its adoption is recorded
    (村民代表会议: quorum two thirds of the members, more than half of those present in favour)."""

    rulebook = models.ForeignKey(
        Rulebook, verbose_name="积分细则", on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField("版本号")
    status = models.CharField(
        "状态", max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    copied_from = models.ForeignKey(
        "self",
        verbose_name="复制自",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="copies",
    )
    note = models.CharField("修订说明", max_length=200, blank=True)
    star_thresholds = models.JSONField("星级门槛（累计积分）", default=list, blank=True)
    # the adoption (村民代表会议决议)
    resolution_date = models.DateField("表决日期", null=True, blank=True)
    members_total = models.PositiveIntegerField("应到代表人数", null=True, blank=True)
    members_present = models.PositiveIntegerField("实到人数", null=True, blank=True)
    votes_for = models.PositiveIntegerField("赞成票", null=True, blank=True)
    # requested start, and the actual one: not before the day after the disclosure period
    effective_requested = models.DateField("拟生效日期", null=True, blank=True)
    effective_from = models.DateField("生效日期", null=True, blank=True)
    notice = models.ForeignKey(
        Notice,
        verbose_name="公示公告",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="起草人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "积分细则版本"
        ordering: ClassVar = ["rulebook", "-number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["rulebook", "number"], name="points_version_number"),
            models.CheckConstraint(
                condition=~Q(status="effective") | Q(effective_from__isnull=False),
                name="points_version_effective_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rulebook.name} 第{self.number}版"

    @property
    def thresholds(self) -> list[int]:
        return list(self.star_thresholds or DEFAULT_STAR_THRESHOLDS)


class RuleCategory(models.Model):
    version = models.ForeignKey(
        RulebookVersion, verbose_name="版本", on_delete=models.CASCADE, related_name="categories"
    )
    name = models.CharField("类别", max_length=30)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "积分类别"
        ordering: ClassVar = ["version", "order", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["version", "name"], name="points_category_name"),
        ]

    def __str__(self) -> str:
        return self.name


class RuleItem(models.Model):
    """An item of a rulebook: ``points`` added (positive) or deducted (negative) per ``unit``;
    reviewers may adjust between ``points_min`` and ``points_max``; ``cap`` limits the points
    a household collects from it per ``cap_period`` (in absolute value)."""

    version = models.ForeignKey(
        RulebookVersion, verbose_name="版本", on_delete=models.CASCADE, related_name="items"
    )
    category = models.ForeignKey(
        RuleCategory, verbose_name="类别", on_delete=models.CASCADE, related_name="items"
    )
    code = models.CharField("编号", max_length=10)
    name = models.CharField("事项", max_length=100)
    points = models.IntegerField("分值")
    points_min = models.IntegerField("最低分值")
    points_max = models.IntegerField("最高分值")
    unit = models.CharField("计分单位", max_length=8, choices=Unit.choices, default=Unit.EVENT)
    cap = models.PositiveIntegerField("周期上限（分）", null=True, blank=True)
    cap_period = models.CharField(
        "上限周期", max_length=8, choices=CapPeriod.choices, default=CapPeriod.YEAR
    )
    evidence = models.CharField(
        "佐证材料", max_length=8, choices=Evidence.choices, default=Evidence.NONE
    )
    proposers = models.CharField("可申报人", max_length=40, default=DEFAULT_PROPOSERS)
    repeat_same_day = models.BooleanField("同日可重复", default=False)
    valid_from = models.DateField("有效期起", null=True, blank=True)
    valid_until = models.DateField("有效期止", null=True, blank=True)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "积分事项"
        ordering: ClassVar = ["version", "category__order", "order", "code"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["version", "code"], name="points_item_code"),
            models.CheckConstraint(condition=~Q(points=0), name="points_item_nonzero"),
            models.CheckConstraint(
                condition=Q(points_min__lte=F("points")) & Q(points__lte=F("points_max")),
                name="points_item_bounds",
            ),
            # an item adds or deducts: its bounds do not cross zero
            models.CheckConstraint(
                condition=Q(points_min__gt=0) | Q(points_max__lt=0),
                name="points_item_sign",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def proposer_set(self) -> set[str]:
        return {p for p in self.proposers.split(",") if p}


class EventStatus(models.TextChoices):
    PROPOSED = "proposed", "待审核"
    APPROVED = "approved", "已审核待公示"
    REJECTED = "rejected", "未通过"
    DISCLOSING = "disclosing", "公示中"
    EFFECTIVE = "effective", "已生效"


# events that count against caps and block a duplicate
LIVE_STATUSES = (
    EventStatus.PROPOSED,
    EventStatus.APPROVED,
    EventStatus.DISCLOSING,
    EventStatus.EFFECTIVE,
)


class PointEvent(models.Model):
    """A proposed score for a household (积分申报). ``reverses`` marks a reversal: it carries
    the negated points of the effective event it corrects and follows the same path."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="point_events"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    household = models.ForeignKey(
        Household, verbose_name="户", on_delete=models.PROTECT, related_name="point_events"
    )
    person = models.ForeignKey(
        Person,
        verbose_name="获得人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="point_events",
    )
    item = models.ForeignKey(
        RuleItem, verbose_name="积分事项", on_delete=models.PROTECT, related_name="events"
    )
    date = models.DateField("发生日期")
    points = models.IntegerField("分值")
    description = models.CharField("事由", max_length=300, blank=True)
    photo = models.FileField("照片", upload_to="points/%Y/%m/", blank=True)
    source = models.CharField("申报方式", max_length=10, choices=Proposer.choices)
    status = models.CharField(
        "状态", max_length=12, choices=EventStatus.choices, default=EventStatus.PROPOSED
    )
    # "item:household:date" while the event is live and its item allows no repeat the same day
    dedupe_key = models.CharField(max_length=60, null=True, blank=True, unique=True, editable=False)
    reverses = models.OneToOneField(
        "self",
        verbose_name="冲销的积分",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申报人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    proposed_at = models.DateTimeField("申报时间", auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_note = models.CharField("审核意见", max_length=200, blank=True)
    batch = models.ForeignKey(
        "PointBatch",
        verbose_name="公示批次",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    effective_at = models.DateTimeField("生效时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "积分申报"
        ordering: ClassVar = ["-date", "-pk"]
        indexes: ClassVar = [
            models.Index(fields=["village", "status", "-date"]),
            models.Index(fields=["household", "item", "date"]),
            models.Index(fields=["county_code", "status"]),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(condition=~Q(points=0), name="points_event_nonzero"),
        ]

    def __str__(self) -> str:
        return f"{self.household.number} {self.item.name} {self.points:+d}"


class BatchStatus(models.TextChoices):
    DISCLOSING = "disclosing", "公示中"
    PASSED = "passed", "公示期满，已入账"
    RETURNED = "returned", "异议成立，退回复审"


class PointBatch(models.Model):
    """Approved events of a village disclosed together (a monthly 积分公示)."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="point_batches"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    title = models.CharField("标题", max_length=120)
    status = models.CharField(
        "状态", max_length=12, choices=BatchStatus.choices, default=BatchStatus.DISCLOSING
    )
    notice = models.OneToOneField(
        Notice,
        verbose_name="公示公告",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发布人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("发布时间", auto_now_add=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "积分公示批次"
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class PointAccount(models.Model):
    """A household's two figures. Both are the sums of its ledger rows (``cunwu points check``
    and a property test prove it); they are kept here so that a redemption can claim points
    with one conditional UPDATE."""

    household = models.OneToOneField(
        Household, verbose_name="户", on_delete=models.PROTECT, related_name="point_account"
    )
    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="point_accounts"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    cumulative = models.IntegerField("累计积分", default=0)
    available = models.IntegerField("可用积分", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "积分账户"
        indexes: ClassVar = [models.Index(fields=["village", "-cumulative"])]

    def __str__(self) -> str:
        return f"{self.household.number}：累计{self.cumulative}，可用{self.available}"


class EntryKind(models.TextChoices):
    EARN = "earn", "积分入账"
    REVERSAL = "reversal", "冲销"
    REDEEM = "redeem", "兑换"
    REDEEM_CANCEL = "redeem_cancel", "兑换撤销"
    RESET = "reset", "年度清零"
    OPENING = "opening", "期初结转"


class LedgerEntry(models.Model):
    """One append-only row of a household's points: ``cumulative`` and ``available`` are the
    changes to the two figures. ``date`` is the event's date for earned points (rankings by
    period use it) and the booking date otherwise."""

    account = models.ForeignKey(
        PointAccount, verbose_name="账户", on_delete=models.PROTECT, related_name="entries"
    )
    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    kind = models.CharField("类型", max_length=16, choices=EntryKind.choices)
    date = models.DateField("日期")
    cumulative = models.IntegerField("累计积分变动")
    available = models.IntegerField("可用积分变动")
    event = models.OneToOneField(
        PointEvent,
        verbose_name="积分申报",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entry",
    )
    person = models.ForeignKey(
        Person,
        verbose_name="获得人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # what another module booked this for, e.g. ("store.redemption", "17")
    ref_type = models.CharField("关联类型", max_length=40, blank=True)
    ref_id = models.CharField("关联对象", max_length=40, blank=True)
    memo = models.CharField("摘要", max_length=200)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("记账时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "积分流水"
        ordering: ClassVar = ["-pk"]
        indexes: ClassVar = [
            models.Index(fields=["account", "-id"]),
            models.Index(fields=["village", "date"]),
            models.Index(fields=["ref_type", "ref_id"]),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=~Q(cumulative=0) | ~Q(available=0), name="points_entry_nonzero"
            ),
            # spending never lowers the reputation figure
            models.CheckConstraint(
                condition=~Q(kind__in=["redeem", "redeem_cancel", "reset"]) | Q(cumulative=0),
                name="points_entry_spending_keeps_cumulative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.available:+d}"
