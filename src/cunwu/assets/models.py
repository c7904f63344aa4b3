"""农村集体"三资": the collective's funds, assets and resources, its books, its contracts.

The "五要" of the Hengyang report shape the app: registers complete (底数要清: ``Asset`` and the
yearly ``InventoryCampaign``), procedures explicit (流程要明: a ``JournalEntry`` goes from the
village's proposal through the supervision committee's review to the township's bookkeeping,
``MonthClose`` locks a month), rules strict (制度要严: ``AssetDisposal`` and contracts need a
recorded 四议两公开 ``Decision``), checks regular (检查要常: ``ContractFlag`` rows file problems in
the disclosure module's problem ledger), results published (结果要晒: statements, contracts and
the inventory summary go out through ``disclosure.services.notice_publish``).

Money is in 分 (``BigIntegerField``); areas and quantities are decimals with their unit (亩, 平方米,
台). Books are append-only: a wrong entry is corrected by a reversing entry (红字冲销) that
references it, and an account's balance is the sum of its posted entries.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from cunwu.core.models import Region, StoredFile

# ---------------------------------------------------------------- registers (底数要清)


class AssetClass(models.TextChoices):
    FUNDS = "funds", "资金"
    ASSET = "asset", "资产"
    RESOURCE = "resource", "资源"


class AssetCategory(models.TextChoices):
    # 资金: what the books do not hold as accounts (securities, loans out, shares)
    INVESTMENT = "investment", "对外投资及借出款"
    # 资产
    BUILDING = "building", "房屋建筑物"
    MACHINERY = "machinery", "机器设备"
    WATER_WORKS = "water_works", "水利设施"
    ROAD = "road", "道路设施"
    TREES = "trees", "林木"
    OTHER_ASSET = "other_asset", "其他资产"
    # 资源
    FARMLAND = "farmland", "耕地"
    FOREST_LAND = "forest_land", "林地"
    GRASSLAND = "grassland", "草地"
    WATER_SURFACE = "water_surface", "水面"
    CONSTRUCTION_LAND = "construction_land", "集体经营性建设用地"
    IDLE_HOMESTEAD = "idle_homestead", "闲置宅基地"
    IDLE_HOUSE = "idle_house", "闲置农房"
    OTHER_RESOURCE = "other_resource", "其他资源"


CATEGORY_CLASS: dict[str, str] = {
    AssetCategory.INVESTMENT: AssetClass.FUNDS,
    AssetCategory.BUILDING: AssetClass.ASSET,
    AssetCategory.MACHINERY: AssetClass.ASSET,
    AssetCategory.WATER_WORKS: AssetClass.ASSET,
    AssetCategory.ROAD: AssetClass.ASSET,
    AssetCategory.TREES: AssetClass.ASSET,
    AssetCategory.OTHER_ASSET: AssetClass.ASSET,
    AssetCategory.FARMLAND: AssetClass.RESOURCE,
    AssetCategory.FOREST_LAND: AssetClass.RESOURCE,
    AssetCategory.GRASSLAND: AssetClass.RESOURCE,
    AssetCategory.WATER_SURFACE: AssetClass.RESOURCE,
    AssetCategory.CONSTRUCTION_LAND: AssetClass.RESOURCE,
    AssetCategory.IDLE_HOMESTEAD: AssetClass.RESOURCE,
    AssetCategory.IDLE_HOUSE: AssetClass.RESOURCE,
    AssetCategory.OTHER_RESOURCE: AssetClass.RESOURCE,
}


class AssetStatus(models.TextChoices):
    SELF_OPERATED = "self_operated", "自营自用"
    LEASED = "leased", "出租发包"
    IDLE = "idle", "闲置"
    OCCUPIED = "occupied", "被占用（无合同）"
    DISPOSED = "disposed", "已处置"


class Asset(models.Model):
    """A register entry (资产资源台账): one building, machine, plot or water surface of the
    collective, with its quantity, values and what is done with it now."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="collective_assets"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    number = models.CharField("台账编号", max_length=20)
    category = models.CharField("类别", max_length=20, choices=AssetCategory.choices)
    name = models.CharField("名称", max_length=60)
    location = models.CharField("坐落位置", max_length=200, blank=True)
    quantity = models.DecimalField("面积或数量", max_digits=14, decimal_places=2)
    unit = models.CharField("单位", max_length=10)
    original_value_fen = models.BigIntegerField("原值（分）", default=0)
    book_value_fen = models.BigIntegerField("账面价值（分）", default=0)
    # what a year's lease of the whole entry is worth (an appraisal, the township's guide price):
    # a contract below it is flagged
    reference_price_fen = models.BigIntegerField("参考年租金（分）", null=True, blank=True)
    acquired_on = models.DateField("取得日期", null=True, blank=True)
    source = models.CharField("取得方式", max_length=100, blank=True)
    status = models.CharField(
        "使用状态", max_length=16, choices=AssetStatus.choices, default=AssetStatus.SELF_OPERATED
    )
    note = models.TextField("备注", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "资产资源台账"
        ordering: ClassVar = ["village", "number"]
        indexes: ClassVar = [
            models.Index(fields=["county_code", "category", "status"]),
            models.Index(fields=["village", "category", "status"]),
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["village", "number"], name="asset_number_per_village"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="asset_quantity_positive"),
            models.CheckConstraint(
                condition=Q(original_value_fen__gte=0, book_value_fen__gte=0),
                name="asset_values_nonnegative",
            ),
            models.CheckConstraint(
                condition=Q(reference_price_fen__isnull=True) | Q(reference_price_fen__gte=0),
                name="asset_reference_nonnegative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def asset_class(self) -> str:
        return CATEGORY_CLASS[self.category]


class FileKind(models.TextChoices):
    PHOTO = "photo", "照片"
    DOCUMENT = "document", "文件"


class AssetFile(StoredFile):
    """A photo or document of a register entry (权证, 图纸, 现场照片); kept, never replaced."""

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="files")
    kind = models.CharField("类型", max_length=10, choices=FileKind.choices)
    file = models.FileField("文件", upload_to="assets/%Y/%m/")

    class Meta:
        verbose_name = verbose_name_plural = "台账附件"
        ordering: ClassVar = ["asset", "uploaded_at", "pk"]


class DisposalKind(models.TextChoices):
    SALE = "sale", "出售"
    TRANSFER = "transfer", "转让或划转"
    WRITE_OFF = "write_off", "报废核销"


class AssetDisposal(models.Model):
    """How a register entry left the collective: only through a 四议两公开 decision whose
    resolution passed (村民委员会组织法 第24条: disposing of collective property)."""

    asset = models.OneToOneField(Asset, on_delete=models.PROTECT, related_name="disposal")
    kind = models.CharField("处置方式", max_length=10, choices=DisposalKind.choices)
    date = models.DateField("处置日期")
    decision = models.ForeignKey(
        "disclosure.Decision", verbose_name="民主决策", on_delete=models.PROTECT, related_name="+"
    )
    proceeds_fen = models.BigIntegerField("处置收入（分）", default=0)
    counterparty = models.CharField("受让方", max_length=100, blank=True)
    book_value_fen = models.BigIntegerField("处置时账面价值（分）")
    note = models.TextField("说明", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "资产处置"
        ordering: ClassVar = ["-date", "-pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(proceeds_fen__gte=0), name="disposal_proceeds_nonnegative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.get_kind_display()}"


class CampaignStatus(models.TextChoices):
    COUNTING = "counting", "盘点中"
    CLOSED = "closed", "已完成"


class InventoryCampaign(models.Model):
    """清产核资: the year's count of every register entry on site. Its checklist is generated
    from the register when it starts; it closes once every line is counted and every
    difference reconciled, and its summary is disclosed."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="inventory_campaigns"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("名称", max_length=120)
    status = models.CharField(
        "状态", max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.COUNTING
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="完成人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField("完成时间", null=True, blank=True)
    summary = models.JSONField("汇总", default=dict, blank=True)
    notice = models.ForeignKey(
        "disclosure.Notice",
        verbose_name="公开公告",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = verbose_name_plural = "清产核资"
        ordering: ClassVar = ["-year", "village"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["village", "year"], name="inventory_once_a_year"),
        ]

    def __str__(self) -> str:
        return self.title


class LineResult(models.TextChoices):
    PENDING = "pending", "待盘点"
    MATCH = "match", "账实相符"
    DIFFERENT = "different", "账实不符"
    MISSING = "missing", "盘亏（实物未找到）"
    SURPLUS = "surplus", "盘盈（账外资产）"


class InventoryLine(models.Model):
    """One line of the checklist: what the register says (copied when the campaign starts),
    what was found on site, and how a difference was reconciled. A line without ``asset`` is
    something found on site that the register lacks (盘盈)."""

    campaign = models.ForeignKey(InventoryCampaign, on_delete=models.PROTECT, related_name="lines")
    asset = models.ForeignKey(
        Asset,
        verbose_name="台账",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inventory_lines",
    )
    category = models.CharField("类别", max_length=20, choices=AssetCategory.choices)
    name = models.CharField("名称", max_length=60)
    unit = models.CharField("单位", max_length=10)
    expected_quantity = models.DecimalField(
        "账面数量", max_digits=14, decimal_places=2, null=True, blank=True
    )
    expected_status = models.CharField(
        "账面状态", max_length=16, choices=AssetStatus.choices, blank=True
    )
    counted_quantity = models.DecimalField(
        "实盘数量", max_digits=14, decimal_places=2, null=True, blank=True
    )
    counted_status = models.CharField(
        "实际状态", max_length=16, choices=AssetStatus.choices, blank=True
    )
    result = models.CharField(
        "结果", max_length=10, choices=LineResult.choices, default=LineResult.PENDING
    )
    note = models.CharField("现场情况", max_length=500, blank=True)
    photo = models.FileField("现场照片", upload_to="inventory/%Y/", blank=True)
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="盘点人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    counted_at = models.DateTimeField("盘点时间", null=True, blank=True)
    resolution = models.TextField("处理意见", blank=True)
    # whether the register was changed to what was found (a new entry for a 盘盈)
    adjusted = models.BooleanField("已调整台账", default=False)
    reconciled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reconciled_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "盘点明细"
        ordering: ClassVar = ["campaign", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["campaign", "asset"],
                condition=Q(asset__isnull=False),
                name="inventory_line_once_per_asset",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.name}"


# ---------------------------------------------------------------- fund journal (流程要明)


class AccountKind(models.TextChoices):
    BANK = "bank", "银行存款"
    CASH = "cash", "库存现金"


class FundAccount(models.Model):
    """A bank or cash account of the collective; its balance is the sum of its posted entries
    (the opening balance is itself an entry)."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="fund_accounts"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    name = models.CharField("账户名称", max_length=60)
    kind = models.CharField("类型", max_length=8, choices=AccountKind.choices)
    bank_name = models.CharField("开户行", max_length=60, blank=True)
    account_number = models.CharField("账号", max_length=40, blank=True)
    active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "资金账户"
        ordering: ClassVar = ["village", "kind", "name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["village", "name"], name="fund_account_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Direction(models.TextChoices):
    RECEIPT = "receipt", "收入"
    PAYMENT = "payment", "支出"


class EntryCategory(models.TextChoices):
    # 村集体经济组织会计制度's income and expense heads
    OPERATING_INCOME = "operating_income", "经营收入"
    CONTRACT_INCOME = "contract_income", "发包及上交收入"
    INVESTMENT_INCOME = "investment_income", "投资收益"
    SUBSIDY_INCOME = "subsidy_income", "补助收入"
    OTHER_INCOME = "other_income", "其他收入"
    OPERATING_EXPENSE = "operating_expense", "经营支出"
    ADMIN_EXPENSE = "admin_expense", "管理费用"
    PUBLIC_WELFARE = "public_welfare", "公益支出"
    OTHER_EXPENSE = "other_expense", "其他支出"
    # moves that are neither income nor expense
    OPENING = "opening", "期初余额"
    TRANSFER = "transfer", "账户互转"
    DEPOSIT = "deposit", "押金及往来款"


# which directions each category may take
CATEGORY_DIRECTIONS: dict[str, frozenset[str]] = {
    **{
        c: frozenset({Direction.RECEIPT})
        for c in (
            EntryCategory.OPERATING_INCOME,
            EntryCategory.CONTRACT_INCOME,
            EntryCategory.INVESTMENT_INCOME,
            EntryCategory.SUBSIDY_INCOME,
            EntryCategory.OTHER_INCOME,
            EntryCategory.OPENING,
        )
    },
    **{
        c: frozenset({Direction.PAYMENT})
        for c in (
            EntryCategory.OPERATING_EXPENSE,
            EntryCategory.ADMIN_EXPENSE,
            EntryCategory.PUBLIC_WELFARE,
            EntryCategory.OTHER_EXPENSE,
        )
    },
    EntryCategory.TRANSFER: frozenset({Direction.RECEIPT, Direction.PAYMENT}),
    EntryCategory.DEPOSIT: frozenset({Direction.RECEIPT, Direction.PAYMENT}),
}
# categories outside the statement's income and expense totals
NOT_INCOME_OR_EXPENSE = frozenset(
    {EntryCategory.OPENING, EntryCategory.TRANSFER, EntryCategory.DEPOSIT}
)


class EntryStatus(models.TextChoices):
    PROPOSED = "proposed", "待监委会审核"
    REVIEWED = "reviewed", "待乡镇代理记账确认"
    POSTED = "posted", "已记账"
    REJECTED = "rejected", "已退回"


class JournalEntry(models.Model):
    """A receipt or payment of a fund account (收支记录). The village proposes it, the
    supervision committee reviews it, the township's agency bookkeeping (村账乡代管) confirms
    it and gives it its voucher number; only then does it count in the balance. A wrong posted
    entry is corrected by a reversing entry (``reverses``, its amount negated), never edited."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="journal_entries"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    account = models.ForeignKey(
        FundAccount, verbose_name="账户", on_delete=models.PROTECT, related_name="entries"
    )
    # 记-2026-11-003: given when posted, gapless per village and month
    voucher_number = models.CharField("凭证号", max_length=20, blank=True)
    date = models.DateField("业务日期")
    direction = models.CharField("收支", max_length=8, choices=Direction.choices)
    category = models.CharField("科目", max_length=20, choices=EntryCategory.choices)
    counterparty = models.CharField("对方单位或个人", max_length=100, blank=True)
    summary = models.CharField("摘要", max_length=200)
    # positive; negative only on a reversing entry
    amount_fen = models.BigIntegerField("金额（分）")
    # at most one reversal that stands (a rejected one leaves room for another)
    reverses = models.ForeignKey(
        "self",
        verbose_name="冲销的记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversals",
    )
    status = models.CharField(
        "状态", max_length=10, choices=EntryStatus.choices, default=EntryStatus.PROPOSED
    )
    rejected_reason = models.CharField("退回理由", max_length=200, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="经办人", on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField("提出时间", auto_now_add=True)
    posted_at = models.DateTimeField("记账时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "资金收支"
        ordering: ClassVar = ["village", "date", "pk"]
        indexes: ClassVar = [
            models.Index(fields=["village", "status", "date"]),
            models.Index(fields=["county_code", "status", "date"]),
            models.Index(fields=["account", "status"]),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(reverses__isnull=True, amount_fen__gt=0)
                | Q(reverses__isnull=False, amount_fen__lt=0),
                name="journal_amount_sign",
            ),
            models.UniqueConstraint(
                fields=["reverses"],
                condition=Q(reverses__isnull=False) & ~Q(status="rejected"),
                name="journal_one_standing_reversal",
            ),
            models.UniqueConstraint(
                fields=["village", "voucher_number"],
                condition=~Q(voucher_number=""),
                name="journal_voucher_unique",
            ),
            models.CheckConstraint(
                condition=~Q(status="posted")
                | (~Q(voucher_number="") & Q(posted_at__isnull=False)),
                name="journal_posted_has_voucher",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voucher_number or '待记账'} {self.summary}"

    @property
    def signed_fen(self) -> int:
        """What the entry does to its account's balance."""
        return self.amount_fen if self.direction == Direction.RECEIPT else -self.amount_fen


class ApprovalStep(models.TextChoices):
    REVIEW = "review", "监委会审核"
    CONFIRM = "confirm", "乡镇代理记账确认"


class EntryApproval(models.Model):
    """One step of an entry's approval as it happened: who, when, passed or sent back, why."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="approvals")
    step = models.CharField("环节", max_length=10, choices=ApprovalStep.choices)
    approved = models.BooleanField("同意")
    note = models.CharField("意见", max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审核人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "收支审核记录"
        ordering: ClassVar = ["entry", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.get_step_display()}"


class EntryFile(StoredFile):
    """An attachment of an entry (发票, 收据, 银行回单, 会议记录)."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="files")
    file = models.FileField("文件", upload_to="journal/%Y/%m/")

    class Meta:
        verbose_name = verbose_name_plural = "收支附件"
        ordering: ClassVar = ["entry", "uploaded_at", "pk"]


class VoucherCounter(models.Model):
    """The last voucher number given in a village's month (taken by one upsert)."""

    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["village", "year", "month"], name="voucher_counter_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village_id} {self.year}-{self.month:02d} {self.last}"


class MonthClose(models.Model):
    """月结: the month's books are locked. ``figures`` keep what the month came to per account
    (opening, receipts, payments, closing, in 分) and per category, as closed; the statement
    (收支明细) published from them is ``notice``."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="month_closes"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    year = models.PositiveSmallIntegerField("年")
    month = models.PositiveSmallIntegerField("月")
    figures = models.JSONField("月结数据", default=dict)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="结账人", on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField("结账时间", auto_now_add=True)
    notice = models.ForeignKey(
        "disclosure.Notice",
        verbose_name="收支明细公开",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = verbose_name_plural = "月结"
        ordering: ClassVar = ["village", "-year", "-month"]
        indexes: ClassVar = [models.Index(fields=["county_code", "year", "month"])]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["village", "year", "month"], name="month_close_once"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="month_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.village_id} {self.year}年{self.month}月"


# ---------------------------------------------------------------- contracts (制度要严)


class ContractKind(models.TextChoices):
    LEASE = "lease", "租赁"
    CONTRACTING = "contracting", "发包（承包经营）"
    OTHER = "other", "其他"


class AwardMethod(models.TextChoices):
    TENDER = "tender", "公开招标或竞价"
    NEGOTIATION = "negotiation", "协商议价"
    OTHER = "other", "其他"


class ContractStatus(models.TextChoices):
    ACTIVE = "active", "履行中"
    ENDED = "ended", "已到期收回"
    TERMINATED = "terminated", "已解除"


class Contract(models.Model):
    """A lease or contracting of register entries (出租、发包): who, what, for how long, for
    how much, how it was awarded, and the 四议两公开 decision that approved it."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="contracts"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    number = models.CharField("合同编号", max_length=30)
    title = models.CharField("合同名称", max_length=120)
    kind = models.CharField("类型", max_length=12, choices=ContractKind.choices)
    party_name = models.CharField("承租（承包）方", max_length=100)
    party_phone_encrypted = models.TextField("联系电话（加密）", blank=True)
    party_phone_masked = models.CharField("联系电话", max_length=20, blank=True)
    assets = models.ManyToManyField(Asset, verbose_name="标的", related_name="contracts")
    signed_on = models.DateField("签订日期")
    start_date = models.DateField("起始日期")
    end_date = models.DateField("终止日期")
    total_price_fen = models.BigIntegerField("合同总价款（分）")
    annual_price_fen = models.BigIntegerField("年租金（承包费，分）")
    deposit_fen = models.BigIntegerField("保证金（分）", default=0)
    award_method = models.CharField("确定方式", max_length=12, choices=AwardMethod.choices)
    decision = models.ForeignKey(
        "disclosure.Decision",
        verbose_name="民主决策",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    notice = models.ForeignKey(
        "disclosure.Notice",
        verbose_name="合同公开",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        "状态", max_length=12, choices=ContractStatus.choices, default=ContractStatus.ACTIVE
    )
    ended_on = models.DateField("收回或解除日期", null=True, blank=True)
    end_reason = models.CharField("收回或解除说明", max_length=200, blank=True)
    note = models.TextField("备注", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "合同"
        ordering: ClassVar = ["village", "-start_date", "number"]
        indexes: ClassVar = [
            models.Index(fields=["village", "status", "end_date"]),
            models.Index(fields=["county_code", "status"]),
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["village", "number"], name="contract_number"),
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")), name="contract_term_positive"
            ),
            models.CheckConstraint(
                condition=Q(total_price_fen__gte=0, annual_price_fen__gte=0, deposit_fen__gte=0),
                name="contract_amounts_nonnegative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class ContractFile(StoredFile):
    """A document of a contract (the signed contract, the tender record, maps)."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="files")
    file = models.FileField("文件", upload_to="contracts/%Y/")

    class Meta:
        verbose_name = verbose_name_plural = "合同附件"
        ordering: ClassVar = ["contract", "uploaded_at", "pk"]


class Receivable(models.Model):
    """One instalment of a contract's payment schedule (应收款). ``paid_fen`` is the sum of
    its payments (moved only by a conditional UPDATE, never above ``amount_fen``)."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="receivables")
    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    label = models.CharField("款项", max_length=60)
    due_date = models.DateField("应收日期")
    amount_fen = models.BigIntegerField("应收金额（分）")
    paid_fen = models.BigIntegerField("已收金额（分）", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "应收款"
        ordering: ClassVar = ["contract", "due_date", "pk"]
        indexes: ClassVar = [
            models.Index(fields=["village", "due_date"]),
            models.Index(fields=["county_code", "due_date"]),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0), name="receivable_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(paid_fen__gte=0, paid_fen__lte=F("amount_fen")),
                name="receivable_paid_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.label}"

    @property
    def outstanding_fen(self) -> int:
        return self.amount_fen - self.paid_fen


class ReceivablePayment(models.Model):
    """Money received against an instalment; a mistaken one is reversed by a row with the
    negated amount that names it (``reverses``). ``entry`` is the receipt in the fund journal
    when the payment was booked there."""

    receivable = models.ForeignKey(Receivable, on_delete=models.PROTECT, related_name="payments")
    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    date = models.DateField("收款日期")
    amount_fen = models.BigIntegerField("金额（分）")
    entry = models.ForeignKey(
        JournalEntry,
        verbose_name="收支记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reverses = models.OneToOneField(
        "self",
        verbose_name="冲销的收款",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "收款记录"
        ordering: ClassVar = ["receivable", "date", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(reverses__isnull=True, amount_fen__gt=0)
                | Q(reverses__isnull=False, amount_fen__lt=0),
                name="receivable_payment_sign",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receivable_id} {self.amount_fen}"


class FlagRule(models.TextChoices):
    NO_DECISION = "no_decision", "超过限额未经民主决策"
    NOT_TENDERED = "not_tendered", "超过限额未公开招标"
    TERM_TOO_LONG = "term_too_long", "合同期限超过上限"
    BELOW_REFERENCE = "below_reference", "价格低于参考价"
    NOT_DISCLOSED = "not_disclosed", "合同未公开"
    EXPIRED_OCCUPIED = "expired_occupied", "合同到期未收回"


class ContractFlag(models.Model):
    """A rule a contract breaks, found by the contract checks; each (contract, rule) is
    flagged once and filed as a problem in the problem ledger."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="flags")
    rule = models.CharField("问题", max_length=20, choices=FlagRule.choices)
    detail = models.CharField("说明", max_length=300)
    problem = models.ForeignKey(
        "disclosure.Problem", verbose_name="问题台账", on_delete=models.PROTECT, related_name="+"
    )
    found_at = models.DateTimeField("发现时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "合同检查问题"
        ordering: ClassVar = ["-found_at", "-pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["contract", "rule"], name="contract_flag_once"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.get_rule_display()}"


class ReminderKind(models.TextChoices):
    PAYMENT_DUE = "payment_due", "租金即将到期"
    PAYMENT_OVERDUE = "payment_overdue", "租金逾期未收"
    CONTRACT_EXPIRY = "contract_expiry", "合同即将到期"


class Reminder(models.Model):
    """A reminder for the village: an instalment falling due, one overdue, a contract about to
    expire. The daily command makes each one once; a cadre marks it handled."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField("县级代码", max_length=6, editable=False)
    kind = models.CharField("提醒", max_length=16, choices=ReminderKind.choices)
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="reminders")
    receivable = models.ForeignKey(
        Receivable, null=True, blank=True, on_delete=models.PROTECT, related_name="reminders"
    )
    due_date = models.DateField("到期日")
    created_at = models.DateTimeField("提醒时间", auto_now_add=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    done_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "到期提醒"
        ordering: ClassVar = ["due_date", "pk"]
        indexes: ClassVar = [models.Index(fields=["village", "done_at", "due_date"])]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["kind", "receivable", "due_date"],
                condition=Q(receivable__isnull=False),
                name="reminder_once_per_instalment",
            ),
            models.UniqueConstraint(
                fields=["kind", "contract", "due_date"],
                condition=Q(receivable__isnull=True),
                name="reminder_once_per_contract",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_date}"
