"""Reports of 三资 (结果要晒): per village, aggregated per township and county.

Every figure is an aggregate of the rows under a region's code prefix, computed in the database
with a few ``GROUP BY`` queries, never one query per village: the county's monthly summary of
400 villages is the same handful of queries as one village's. Money is exact, in 分.

Scope: :func:`report_region` turns the requested code into a region the actor holds
``assets.view`` over (anything else is 404); every later query filters on that region's prefix,
which lies inside the actor's scope.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractMonth, Substr
from django.http import Http404
from django.utils import timezone

from cunwu.accounts.permissions import has_perm_in, scope_prefixes
from cunwu.core.models import PREFIX_LENGTH, Region, RegionLevel
from cunwu.disclosure.models import Notice, NoticeStatus
from cunwu.disclosure.models_feedback import Problem, ProblemStatus

from ..models import (
    CATEGORY_CLASS,
    NOT_INCOME_OR_EXPENSE,
    Asset,
    AssetCategory,
    AssetClass,
    AssetStatus,
    Contract,
    ContractStatus,
    Direction,
    EntryCategory,
    EntryStatus,
    JournalEntry,
    Receivable,
)

PERM = "assets.view"
# the subject of a village's yearly summary notice (one per village and year)
YEAR_SUMMARY_SUBJECT = "assets.year_summary"
# what the idle list shows: idle entries and entries occupied without a contract
IDLE_STATUSES = (AssetStatus.IDLE, AssetStatus.OCCUPIED)
# receivables aging: (label, fewest days overdue, most days overdue); None = open-ended
AGING_BUCKETS: list[tuple[str, int | None, int | None]] = [
    ("未到期", None, 0),
    ("1–30天", 1, 30),
    ("31–90天", 31, 90),
    ("91–180天", 91, 180),
    ("181–365天", 181, 365),
    ("365天以上", 366, None),
]
MIN_YEAR, MAX_YEAR = 2000, 2100


# ---------------------------------------------------------------- region and scope


def report_region(*, actor: Any, code: str = "") -> Region:
    """The region a report is about: ``code`` when the actor holds ``assets.view`` over it,
    else 404; without a code, the widest region of the actor's scope."""
    code = code.strip()
    if not code:
        prefixes = scope_prefixes(actor, PERM)
        if prefixes == []:
            raise Http404("没有可查看的区划")
        if prefixes is None:  # a superuser: the first province
            region = Region.objects.filter(level=RegionLevel.PROVINCE).order_by("code").first()
        else:
            region = _region_of_prefix(prefixes[0])
        if region is None:
            raise Http404("区划不存在")
        return region
    if not (len(code) == 12 and code.isdigit()):
        raise Http404("区划代码应为12位数字")
    region = Region.objects.filter(code=code).select_related("parent").first()
    if region is None or not has_perm_in(actor, PERM, region):
        raise Http404("区划不存在")
    return region


def _region_of_prefix(prefix: str) -> Region | None:
    return Region.objects.filter(code=prefix.ljust(12, "0")).select_related("parent").first()


def report_village(*, actor: Any, code: str) -> Region:
    region = report_region(actor=actor, code=code)
    if region.level != RegionLevel.VILLAGE:
        raise Http404("村不存在")
    return region


def breadcrumbs(region: Region) -> list[Region]:
    """The region's ancestors from the county down to it (the drill-down path)."""
    codes = [
        region.code[:n].ljust(12, "0")
        for level, n in sorted(PREFIX_LENGTH.items())
        if RegionLevel.COUNTY <= level <= region.level
    ]
    found = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [found[c] for c in codes if c in found]


def child_level(region: Region) -> int | None:
    return region.level + 1 if region.level < RegionLevel.VILLAGE else None


def _village_filter(qs: QuerySet[Any], prefix: str, *, county: bool = True) -> QuerySet[Any]:
    """Rows of the villages under ``prefix``. Tables of the app carry ``county_code``: an
    equality on it lets PostgreSQL use the ``(county_code, …)`` indexes; a longer prefix then
    narrows to the township or village."""
    if county and len(prefix) >= PREFIX_LENGTH[RegionLevel.COUNTY]:
        qs = qs.filter(county_code=prefix[: PREFIX_LENGTH[RegionLevel.COUNTY]])
        if len(prefix) == PREFIX_LENGTH[RegionLevel.COUNTY]:
            return qs
    if len(prefix) == PREFIX_LENGTH[RegionLevel.VILLAGE]:
        return qs.filter(village_id=prefix)
    return qs.filter(village__code__startswith=prefix)


def _signed() -> Case:
    """What an entry does to its account's balance: receipts add, payments take away."""
    return Case(
        When(direction=Direction.RECEIPT, then=F("amount_fen")),
        default=-F("amount_fen"),
        output_field=BigIntegerField(),
    )


def _int(value: Any) -> int:
    return int(value or 0)


# ---------------------------------------------------------------- registers


@dataclass
class RegisterRow:
    asset_class: str
    category: str
    status: str
    unit: str
    count: int
    quantity: Decimal
    original_value_fen: int
    book_value_fen: int

    @property
    def class_label(self) -> str:
        return str(AssetClass(self.asset_class).label)

    @property
    def category_label(self) -> str:
        return str(AssetCategory(self.category).label)

    @property
    def status_label(self) -> str:
        return str(AssetStatus(self.status).label)


@dataclass
class Tally:
    """Count and book value of a group of register entries."""

    key: str
    label: str
    count: int = 0
    book_value_fen: int = 0


@dataclass
class Registers:
    rows: list[RegisterRow]
    by_class: list[Tally]
    by_status: list[Tally]
    count: int
    book_value_fen: int
    original_value_fen: int


def register_summary(prefix: str) -> Registers:
    """Register entries by class, category, status and unit (quantities add up only within
    one unit): count, quantity, original and book value. Disposed entries are listed under
    their status and left out of the class totals (they are no longer the collective's)."""
    grouped = (
        _village_filter(Asset.objects.all(), prefix)
        .values("category", "status", "unit")
        .annotate(
            n=Count("pk"),
            qty=Sum("quantity"),
            orig=Sum("original_value_fen"),
            book=Sum("book_value_fen"),
        )
        .order_by()
    )
    rows = [
        RegisterRow(
            asset_class=CATEGORY_CLASS[g["category"]],
            category=g["category"],
            status=g["status"],
            unit=g["unit"],
            count=g["n"],
            quantity=g["qty"] or Decimal(0),
            original_value_fen=_int(g["orig"]),
            book_value_fen=_int(g["book"]),
        )
        for g in grouped
        if g["category"] in CATEGORY_CLASS and g["status"] in AssetStatus.values
    ]
    category_order = {c: i for i, c in enumerate(AssetCategory.values)}
    status_order = {s: i for i, s in enumerate(AssetStatus.values)}
    rows.sort(key=lambda r: (category_order[r.category], status_order[r.status], r.unit))
    by_class = {c: Tally(c, str(label)) for c, label in AssetClass.choices}
    by_status = {s: Tally(s, str(label)) for s, label in AssetStatus.choices}
    held = [r for r in rows if r.status != AssetStatus.DISPOSED]
    for r in rows:
        by_status[r.status].count += r.count
        by_status[r.status].book_value_fen += r.book_value_fen
    for r in held:
        by_class[r.asset_class].count += r.count
        by_class[r.asset_class].book_value_fen += r.book_value_fen
    return Registers(
        rows=rows,
        by_class=list(by_class.values()),
        by_status=list(by_status.values()),
        count=sum(r.count for r in held),
        book_value_fen=sum(r.book_value_fen for r in held),
        original_value_fen=sum(r.original_value_fen for r in held),
    )


def idle_list(prefix: str, *, q: str = "") -> QuerySet[Asset]:
    """闲置资源: entries idle or occupied without a contract (to be put to use or recovered)."""
    qs = _village_filter(Asset.objects.filter(status__in=IDLE_STATUSES), prefix)
    q = q.strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(number__contains=q) | Q(location__contains=q))
    return qs.select_related("village").order_by("village_id", "number")


# ---------------------------------------------------------------- contracts and receivables


@dataclass
class ContractIncome:
    year: int
    active_count: int
    annual_price_fen: int
    received_fen: int


def contract_income(prefix: str, year: int) -> ContractIncome:
    """Contract income: the annual price of the active contracts, and the receipts of category
    发包及上交收入 posted in ``year`` (reversals included, so corrected figures count once)."""
    active = _village_filter(Contract.objects.filter(status=ContractStatus.ACTIVE), prefix)
    a = active.aggregate(n=Count("pk"), annual=Sum("annual_price_fen"))
    received = _village_filter(
        JournalEntry.objects.filter(
            status=EntryStatus.POSTED,
            category=EntryCategory.CONTRACT_INCOME,
            date__gte=date(year, 1, 1),
            date__lte=date(year, 12, 31),
        ),
        prefix,
    ).aggregate(s=Sum(_signed()))
    return ContractIncome(
        year=year,
        active_count=a["n"],
        annual_price_fen=_int(a["annual"]),
        received_fen=_int(received["s"]),
    )


@dataclass
class AgingBucket:
    label: str
    count: int
    outstanding_fen: int


@dataclass
class Aging:
    buckets: list[AgingBucket]
    count: int
    outstanding_fen: int

    @property
    def overdue_fen(self) -> int:
        return self.outstanding_fen - self.buckets[0].outstanding_fen


def _bucket_q(today: date, low: int | None, high: int | None) -> Q:
    """Instalments overdue by ``low``…``high`` days on ``today`` (due today: 0 days)."""
    q = Q()
    if low is not None:
        q &= Q(due_date__lte=today - timedelta(days=low))
    if high is not None:
        q &= Q(due_date__gte=today - timedelta(days=high))
    return q


def receivables_aging(prefix: str, today: date | None = None) -> Aging:
    """Outstanding instalments (amount − paid) by how long they are overdue, in one query."""
    today = today or timezone.localdate()
    outstanding = F("amount_fen") - F("paid_fen")
    qs = _village_filter(Receivable.objects.filter(paid_fen__lt=F("amount_fen")), prefix)
    annotations: dict[str, Any] = {}
    for i, (_label, low, high) in enumerate(AGING_BUCKETS):
        q = _bucket_q(today, low, high)
        annotations[f"n{i}"] = Count("pk", filter=q)
        annotations[f"s{i}"] = Sum(outstanding, filter=q, output_field=BigIntegerField())
    figures = qs.aggregate(**annotations)
    buckets = [
        AgingBucket(label, figures[f"n{i}"], _int(figures[f"s{i}"]))
        for i, (label, _low, _high) in enumerate(AGING_BUCKETS)
    ]
    return Aging(
        buckets=buckets,
        count=sum(b.count for b in buckets),
        outstanding_fen=sum(b.outstanding_fen for b in buckets),
    )


def overdue_list(prefix: str, today: date | None = None) -> QuerySet[Receivable]:
    """Instalments past their due date with money still outstanding, oldest first."""
    today = today or timezone.localdate()
    qs = Receivable.objects.filter(paid_fen__lt=F("amount_fen"), due_date__lt=today)
    return (
        _village_filter(qs, prefix).select_related("village", "contract").order_by("due_date", "pk")
    )


# ---------------------------------------------------------------- problems


@dataclass
class Problems:
    by_status: list[Tally]
    overdue: int
    opened_in_year: int
    closed_in_year: int

    @property
    def total(self) -> int:
        return sum(t.count for t in self.by_status)


def problem_summary(prefix: str, year: int, today: date | None = None) -> Problems:
    """The problem ledger by status; overdue = not closed and past its rectification deadline;
    opened and closed during ``year`` (local dates)."""
    today = today or timezone.localdate()
    tz = timezone.get_current_timezone()
    start = datetime(year, 1, 1, tzinfo=tz)
    end = datetime(year + 1, 1, 1, tzinfo=tz)
    in_year = Q(created_at__gte=start, created_at__lt=end)
    closed_in_year = Q(closed_at__gte=start, closed_at__lt=end)
    qs = _village_filter(Problem.objects.all(), prefix, county=False)
    figures = qs.aggregate(
        **{f"n_{s}": Count("pk", filter=Q(status=s)) for s in ProblemStatus.values},
        overdue=Count("pk", filter=~Q(status=ProblemStatus.CLOSED) & Q(due_date__lt=today)),
        opened=Count("pk", filter=in_year),
        closed=Count("pk", filter=Q(status=ProblemStatus.CLOSED) & closed_in_year),
    )
    return Problems(
        by_status=[Tally(s, str(label), figures[f"n_{s}"]) for s, label in ProblemStatus.choices],
        overdue=figures["overdue"],
        opened_in_year=figures["opened"],
        closed_in_year=figures["closed"],
    )


# ---------------------------------------------------------------- the books


@dataclass
class MonthFigures:
    month: int
    income_fen: int = 0
    expense_fen: int = 0


def income_by_month(prefix: str, year: int) -> list[MonthFigures]:
    """The year's income and expense per month (posted; transfers, deposits and opening
    balances left out), in one query."""
    qs = _village_filter(
        JournalEntry.objects.filter(
            status=EntryStatus.POSTED, date__gte=date(year, 1, 1), date__lte=date(year, 12, 31)
        ).exclude(category__in=NOT_INCOME_OR_EXPENSE),
        prefix,
    )
    months = {m: MonthFigures(m) for m in range(1, 13)}
    for g in (
        qs.annotate(m=ExtractMonth("date"))
        .values("m")
        .annotate(
            income=Sum("amount_fen", filter=Q(direction=Direction.RECEIPT)),
            expense=Sum("amount_fen", filter=Q(direction=Direction.PAYMENT)),
        )
        .order_by()
    ):
        months[g["m"]].income_fen = _int(g["income"])
        months[g["m"]].expense_fen = _int(g["expense"])
    return list(months.values())


@dataclass
class VillageMonth:
    """One village's month: balance at the start, income, expense, receipts and payments of
    every kind (the balance moves by all of them), balance at the end."""

    code: str
    name: str
    opening_fen: int = 0
    income_fen: int = 0
    expense_fen: int = 0
    receipts_fen: int = 0
    payments_fen: int = 0
    closing_fen: int = 0
    entries: int = 0


@dataclass
class MonthlySummary:
    region: Region
    year: int
    month: int
    rows: list[VillageMonth]
    totals: VillageMonth = field(default_factory=lambda: VillageMonth("", "合计"))

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])


def monthly_summary(region: Region, year: int, month: int) -> MonthlySummary:
    """The monthly finance summary of every village under ``region`` (县、乡镇汇总): income and
    expense posted in the month (without 期初余额, 账户互转, 押金及往来款), all receipts and
    payments of the month, and the balances of all the village's accounts before and after it
    (every posted entry up to then). Two queries whatever the number of villages: the villages,
    and one ``GROUP BY village`` over the posted entries up to the month's end."""
    start = date(year, month, 1)
    end = date(year, month, calendar.monthrange(year, month)[1])
    prefix = region.prefix
    villages = Region.objects.filter(level=RegionLevel.VILLAGE, retired=False)
    if region.level == RegionLevel.VILLAGE:
        villages = villages.filter(code=region.code)
    else:
        villages = villages.filter(code__startswith=prefix)
    rows = {
        code: VillageMonth(code, name)
        for code, name in villages.order_by("code").values_list("code", "name")
    }
    signed = _signed()
    in_month = Q(date__gte=start)
    counted = in_month & ~Q(category__in=NOT_INCOME_OR_EXPENSE)
    receipt, payment = Q(direction=Direction.RECEIPT), Q(direction=Direction.PAYMENT)
    big = BigIntegerField()
    grouped = (
        _village_filter(JournalEntry.objects.filter(status=EntryStatus.POSTED), prefix)
        .filter(date__lte=end)
        .values("village_id")
        .annotate(
            closing=Sum(signed),
            opening=Coalesce(Sum(signed, filter=Q(date__lt=start)), Value(0), output_field=big),
            income=Sum("amount_fen", filter=counted & receipt),
            expense=Sum("amount_fen", filter=counted & payment),
            receipts=Sum("amount_fen", filter=in_month & receipt),
            payments=Sum("amount_fen", filter=in_month & payment),
            n=Count("pk", filter=in_month),
        )
        .order_by()
    )
    for g in grouped:
        row = rows.get(g["village_id"])
        if row is None:  # a retired village that still has books: show it too
            row = rows[g["village_id"]] = VillageMonth(g["village_id"], g["village_id"])
        row.opening_fen, row.closing_fen = _int(g["opening"]), _int(g["closing"])
        row.income_fen, row.expense_fen = _int(g["income"]), _int(g["expense"])
        row.receipts_fen, row.payments_fen = _int(g["receipts"]), _int(g["payments"])
        row.entries = g["n"]
    ordered = [rows[c] for c in sorted(rows)]
    totals = VillageMonth("", "合计")
    for r in ordered:
        totals.opening_fen += r.opening_fen
        totals.income_fen += r.income_fen
        totals.expense_fen += r.expense_fen
        totals.receipts_fen += r.receipts_fen
        totals.payments_fen += r.payments_fen
        totals.closing_fen += r.closing_fen
        totals.entries += r.entries
    return MonthlySummary(region=region, year=year, month=month, rows=ordered, totals=totals)


# ---------------------------------------------------------------- drill-down


@dataclass
class ChildRow:
    """A township of a county or a village of a township, with its key figures."""

    region: Region
    assets: int = 0
    book_value_fen: int = 0
    idle: int = 0
    contracts: int = 0
    annual_price_fen: int = 0
    overdue_fen: int = 0
    open_problems: int = 0


def children(region: Region, today: date | None = None) -> list[ChildRow]:
    """The next level down (county → townships → villages) with the key figures of each, one
    ``GROUP BY`` per table on the leading digits of the village code."""
    level = child_level(region)
    if level is None:
        return []
    today = today or timezone.localdate()
    n = PREFIX_LENGTH[level]
    kids = Region.objects.filter(parent=region, level=level, retired=False).order_by("code")
    rows = {r.code[:n]: ChildRow(r) for r in kids}
    if not rows:
        return []
    prefix = region.prefix
    key = Substr("village_id", 1, n)

    def grouped(qs: QuerySet[Any], county: bool = True, **agg: Any) -> dict[str, dict[str, Any]]:
        qs = (
            _village_filter(qs, prefix, county=county)
            .annotate(k=key)
            .values("k")
            .annotate(**agg)
            .order_by()
        )
        return {g["k"]: g for g in qs}

    held = ~Q(status=AssetStatus.DISPOSED)
    for k, g in grouped(
        Asset.objects.all(),
        n=Count("pk", filter=held),
        book=Sum("book_value_fen", filter=held),
        idle=Count("pk", filter=Q(status__in=IDLE_STATUSES)),
    ).items():
        if k in rows:
            rows[k].assets, rows[k].book_value_fen = g["n"], _int(g["book"])
            rows[k].idle = g["idle"]
    for k, g in grouped(
        Contract.objects.filter(status=ContractStatus.ACTIVE),
        n=Count("pk"),
        annual=Sum("annual_price_fen"),
    ).items():
        if k in rows:
            rows[k].contracts, rows[k].annual_price_fen = g["n"], _int(g["annual"])
    outstanding = F("amount_fen") - F("paid_fen")
    for k, g in grouped(
        Receivable.objects.filter(paid_fen__lt=F("amount_fen"), due_date__lt=today),
        s=Sum(outstanding, output_field=BigIntegerField()),
    ).items():
        if k in rows:
            rows[k].overdue_fen = _int(g["s"])
    problems = Problem.objects.exclude(status=ProblemStatus.CLOSED)
    for k, g in grouped(problems, county=False, n=Count("pk")).items():
        if k in rows:
            rows[k].open_problems = g["n"]
    return list(rows.values())


# ---------------------------------------------------------------- the whole report


@dataclass
class Overview:
    region: Region
    year: int
    today: date
    registers: Registers
    income: ContractIncome
    aging: Aging
    problems: Problems
    months: list[MonthFigures]
    children: list[ChildRow]
    path: list[Region]

    @property
    def year_income_fen(self) -> int:
        return sum(m.income_fen for m in self.months)

    @property
    def year_expense_fen(self) -> int:
        return sum(m.expense_fen for m in self.months)


def overview(region: Region, year: int, today: date | None = None) -> Overview:
    """Everything the report page shows about ``region`` for ``year``: a fixed number of
    queries, whatever the number of villages under it."""
    today = today or timezone.localdate()
    prefix = region.prefix
    return Overview(
        region=region,
        year=year,
        today=today,
        registers=register_summary(prefix),
        income=contract_income(prefix, year),
        aging=receivables_aging(prefix, today),
        problems=problem_summary(prefix, year, today),
        months=income_by_month(prefix, year),
        children=children(region, today),
        path=breadcrumbs(region),
    )


def chart_data(data: Overview) -> dict[str, Any]:
    """What charts.js draws (the same figures as the tables below the charts), in 元 for the
    axes; the tables keep the exact 分."""
    return {
        "by_class": {
            "title": "资产资源按类别（账面价值，元）",
            "kind": "pie",
            "labels": [t.label for t in data.registers.by_class],
            "values": [t.book_value_fen / 100 for t in data.registers.by_class],
        },
        "by_status": {
            "title": "台账按使用状态（项）",
            "kind": "bar",
            "labels": [t.label for t in data.registers.by_status],
            "values": [t.count for t in data.registers.by_status],
        },
        "aging": {
            "title": "应收款账龄（未收金额，元）",
            "kind": "bar",
            "labels": [b.label for b in data.aging.buckets],
            "values": [b.outstanding_fen / 100 for b in data.aging.buckets],
        },
        "problems": {
            "title": "问题台账按状态（件）",
            "kind": "bar",
            "labels": [t.label for t in data.problems.by_status],
            "values": [t.count for t in data.problems.by_status],
        },
        "months": {
            "title": f"{data.year}年各月收支（元）",
            "kind": "bars",
            "labels": [f"{m.month}月" for m in data.months],
            "series": [
                {"name": "收入", "values": [m.income_fen / 100 for m in data.months]},
                {"name": "支出", "values": [m.expense_fen / 100 for m in data.months]},
            ],
        },
    }


# ---------------------------------------------------------------- the yearly summary notice


def year_summary_subject_id(village: Region, year: int) -> str:
    return f"{village.code}:{year}"


def year_summary_notice(village: Region, year: int) -> Notice | None:
    """The notice that discloses the village's summary of ``year`` (not a withdrawn one)."""
    return (
        Notice.objects.filter(
            subject_type=YEAR_SUMMARY_SUBJECT, subject_id=year_summary_subject_id(village, year)
        )
        .exclude(status=NoticeStatus.WITHDRAWN)
        .order_by("-pk")
        .first()
    )
