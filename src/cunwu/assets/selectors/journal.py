"""Reads of the fund journal in the actor's scope: accounts with their balances (the sum of
their posted entries, one aggregate query), entries and the approval queues, the month's
figures, the monthly statement (收支明细) and the balance summary, exact in 分."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Case, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404

from cunwu.accounts.permissions import has_perm_in, regions_in_scope, scope_q
from cunwu.core.formatting import format_date, format_fen
from cunwu.core.models import Region, RegionLevel
from cunwu.registry.selectors import region_prefix

from ..models import (
    CATEGORY_CLASS,
    NOT_INCOME_OR_EXPENSE,
    Asset,
    AssetCategory,
    AssetClass,
    Direction,
    EntryCategory,
    EntryFile,
    EntryStatus,
    FundAccount,
    JournalEntry,
    MonthClose,
    Receivable,
    ReceivablePayment,
)

PERM = "assets.view"
POSTED = Q(status=EntryStatus.POSTED)


def signed(prefix: str = "") -> Case:
    """An entry's signed amount (receipts positive, payments negative), for ``Sum``."""
    return Case(
        When(**{f"{prefix}direction": Direction.RECEIPT}, then=F(f"{prefix}amount_fen")),
        default=-F(f"{prefix}amount_fen"),
    )


SIGNED = signed()


def _region(qs: QuerySet[Any], region: str) -> QuerySet[Any]:
    return qs.filter(village__code__startswith=region_prefix(region)) if region else qs


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """First day of the month and first day of the next."""
    return date(year, month, 1), date(year + (month == 12), month % 12 + 1, 1)


def parse_month(raw: str) -> tuple[int, int] | None:
    """``2026-11`` → (2026, 11), or None."""
    try:
        year, month = (int(p) for p in str(raw).split("-"))
    except ValueError:
        return None
    if 2000 <= year <= 2100 and 1 <= month <= 12:
        return year, month
    return None


# ---------------------------------------------------------------- villages and accounts


def journal_villages(actor: Any, perm: str = PERM) -> QuerySet[Region]:
    return regions_in_scope(actor, perm, level=RegionLevel.VILLAGE)


def village_get(*, actor: Any, code: str, perm: str = PERM) -> Region:
    village = Region.objects.filter(code=str(code)[:12], level=RegionLevel.VILLAGE).first()
    if village is None or not has_perm_in(actor, perm, village):
        raise Http404("村不存在")
    return village


def balances(account_ids: Any) -> dict[int, int]:
    """Account id → balance in 分: the sum of its posted entries' signed amounts (one query)."""
    return dict(
        JournalEntry.objects.filter(POSTED, account_id__in=list(account_ids))
        .values("account_id")
        .annotate(b=Sum(SIGNED))
        .values_list("account_id", "b")
    )


def account_list(
    *, actor: Any, region: str = "", active: bool | None = None, q: str = ""
) -> QuerySet[FundAccount]:
    """Accounts in scope, each with ``balance`` (分) annotated."""
    qs = _region(FundAccount.objects.filter(scope_q(actor, PERM)), region)
    if active is not None:
        qs = qs.filter(active=active)
    q = q.strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(bank_name__contains=q))
    out: QuerySet[FundAccount] = (
        qs.select_related("village")
        .annotate(
            balance=Coalesce(
                Sum(signed("entries__"), filter=Q(entries__status=EntryStatus.POSTED)), Value(0)
            )
        )
        .order_by("village_id", "kind", "name")
    )
    return out


def account_get(*, actor: Any, pk: int) -> FundAccount:
    account = FundAccount.objects.select_related("village").filter(pk=pk).first()
    if account is None or not has_perm_in(actor, PERM, account.village_id):
        raise Http404("账户不存在")
    return account


def accounts_for_propose(actor: Any) -> QuerySet[FundAccount]:
    """Active accounts where the actor may propose entries."""
    return (
        FundAccount.objects.filter(scope_q(actor, "assets.journal_propose"), active=True)
        .select_related("village")
        .order_by("village_id", "kind", "name")
    )


# ---------------------------------------------------------------- entries


def entry_list(
    *,
    actor: Any,
    region: str = "",
    account: int | None = None,
    status: str = "",
    direction: str = "",
    category: str = "",
    month: str = "",
    q: str = "",
    perm: str = PERM,
) -> QuerySet[JournalEntry]:
    qs = _region(JournalEntry.objects.filter(scope_q(actor, perm)), region)
    if account:
        qs = qs.filter(account_id=account)
    if status in EntryStatus.values:
        qs = qs.filter(status=status)
    if direction in Direction.values:
        qs = qs.filter(direction=direction)
    if category in EntryCategory.values:
        qs = qs.filter(category=category)
    ym = parse_month(month) if month else None
    if ym:
        start, end = month_bounds(*ym)
        qs = qs.filter(date__gte=start, date__lt=end)
    q = q.strip()
    if q:
        qs = qs.filter(
            Q(summary__contains=q) | Q(counterparty__contains=q) | Q(voucher_number__contains=q)
        )
    return qs.select_related("village", "account", "proposed_by").order_by("-date", "-pk")


def review_queue(*, actor: Any, region: str = "") -> QuerySet[JournalEntry]:
    """Entries waiting for the supervision committee, where the actor reviews."""
    return entry_list(
        actor=actor, region=region, status=EntryStatus.PROPOSED, perm="assets.journal_review"
    ).order_by("date", "pk")


def confirm_queue(*, actor: Any, region: str = "") -> QuerySet[JournalEntry]:
    """Entries reviewed, waiting for the township, where the actor confirms."""
    return entry_list(
        actor=actor, region=region, status=EntryStatus.REVIEWED, perm="assets.journal_confirm"
    ).order_by("date", "pk")


def entry_get(*, actor: Any, pk: int) -> JournalEntry:
    entry = (
        JournalEntry.objects.select_related("village", "account", "proposed_by", "reverses")
        .filter(pk=pk)
        .first()
    )
    if entry is None or not has_perm_in(actor, PERM, entry.village_id):
        raise Http404("收支记录不存在")
    return entry


def entry_reversal(entry: JournalEntry) -> JournalEntry | None:
    """The reversal of ``entry`` that stands (proposed, reviewed or posted), if any."""
    return JournalEntry.objects.filter(reverses=entry).exclude(status=EntryStatus.REJECTED).first()


def entry_approvals(entry: JournalEntry) -> list[Any]:
    return list(entry.approvals.select_related("actor").order_by("at", "pk"))


def entry_files(entry: JournalEntry) -> list[EntryFile]:
    return list(entry.files.select_related("uploaded_by").order_by("uploaded_at", "pk"))


def file_get(*, actor: Any, entry_pk: int, pk: int) -> EntryFile:
    entry = entry_get(actor=actor, pk=entry_pk)
    item = EntryFile.objects.filter(pk=pk, entry=entry).first()
    if item is None:
        raise Http404("附件不存在")
    return item


# ---------------------------------------------------------------- month figures


@dataclass
class AccountFigures:
    account: int
    name: str
    opening: int = 0
    receipts: int = 0
    payments: int = 0

    @property
    def closing(self) -> int:
        return self.opening + self.receipts - self.payments


@dataclass
class Figures:
    """What a village's month came to, in 分, from its posted entries."""

    year: int
    month: int
    accounts: list[dict[str, Any]] = field(default_factory=list)
    categories: list[dict[str, Any]] = field(default_factory=list)
    count: int = 0

    def _sum(self, key: str) -> int:
        return sum(int(a[key]) for a in self.accounts)

    @property
    def opening(self) -> int:
        return self._sum("opening")

    @property
    def receipts(self) -> int:
        return self._sum("receipts")

    @property
    def payments(self) -> int:
        return self._sum("payments")

    @property
    def closing(self) -> int:
        return self._sum("closing")

    @property
    def income(self) -> int:
        """Receipts that are income (期初、互转、押金往来 left out)."""
        return sum(c["receipts"] for c in self.categories if not c["excluded"])

    @property
    def expense(self) -> int:
        return sum(c["payments"] for c in self.categories if not c["excluded"])

    def as_json(self) -> dict[str, Any]:
        return {
            "year": self.year, "month": self.month, "count": self.count,
            "accounts": self.accounts, "categories": self.categories,
            "totals": {"opening": self.opening, "receipts": self.receipts,
                       "payments": self.payments, "closing": self.closing,
                       "income": self.income, "expense": self.expense},
        }  # fmt: skip


def month_figures(*, village: Region | str, year: int, month: int) -> Figures:
    """Per account: opening (posted before the month), receipts and payments of the month
    (a reversal counts negative on its side), closing; per category: receipts and payments."""
    code = village.code if isinstance(village, Region) else village
    start, end = month_bounds(year, month)
    posted = JournalEntry.objects.filter(POSTED, village_id=code)
    opening = dict(
        posted.filter(date__lt=start)
        .values("account_id")
        .annotate(b=Sum(SIGNED))
        .values_list("account_id", "b")
    )
    in_month = list(
        posted.filter(date__gte=start, date__lt=end)
        .values("account_id", "direction", "category")
        .annotate(s=Sum("amount_fen"), n=Count("pk"))
    )
    rows: dict[int, AccountFigures] = {}
    names = dict(FundAccount.objects.filter(village_id=code).values_list("pk", "name"))
    for pk, b in opening.items():
        rows[pk] = AccountFigures(account=pk, name=names.get(pk, ""), opening=int(b or 0))
    by_category: dict[str, dict[str, int]] = {}
    count = 0
    for m in in_month:
        row = rows.setdefault(
            m["account_id"],
            AccountFigures(account=m["account_id"], name=names.get(m["account_id"], "")),
        )
        s = int(m["s"] or 0)
        count += int(m["n"])
        sums = by_category.setdefault(m["category"], {"receipts": 0, "payments": 0})
        if m["direction"] == Direction.RECEIPT:
            row.receipts += s
            sums["receipts"] += s
        else:
            row.payments += s
            sums["payments"] += s
    figures = Figures(year=year, month=month, count=count)
    for row in sorted(rows.values(), key=lambda r: (r.name, r.account)):
        figures.accounts.append(
            {"account": row.account, "name": row.name, "opening": row.opening,
             "receipts": row.receipts, "payments": row.payments, "closing": row.closing}
        )  # fmt: skip
    order = list(EntryCategory.values)
    for cat in sorted(by_category, key=order.index):
        figures.categories.append(
            {"category": cat, "label": EntryCategory(cat).label,
             "receipts": by_category[cat]["receipts"], "payments": by_category[cat]["payments"],
             "excluded": cat in NOT_INCOME_OR_EXPENSE}
        )  # fmt: skip
    return figures


@dataclass(frozen=True)
class BalanceSheet:
    """资产负债简表 of a village at the end of a month, in 分: what the collective holds (money
    from the posted entries, rent due and not yet received, the register's book values) against
    what it owes (deposits and other current accounts received and not yet returned)."""

    money: int  # 货币资金: the accounts' closing balances
    receivables: int  # 应收款: instalments due by the month's end less what was paid by then
    investments: int  # 对外投资及借出款 (资金 entries of the register)
    fixed_assets: int  # 资产 of the register (buildings, machinery, works, trees …)
    resources: int  # 资源 of the register that carry a book value
    deposits: int  # 押金及往来款 received less returned (a liability when positive)

    @property
    def total_assets(self) -> int:
        return self.money + self.receivables + self.investments + self.fixed_assets + self.resources

    @property
    def liabilities(self) -> int:
        return max(self.deposits, 0)

    @property
    def net_assets(self) -> int:
        return self.total_assets - self.liabilities

    def rows(self) -> list[tuple[str, int]]:
        return [
            ("货币资金", self.money), ("应收款", self.receivables),
            ("对外投资及借出款", self.investments), ("资产（账面价值）", self.fixed_assets),
            ("资源（账面价值）", self.resources), ("资产合计", self.total_assets),
            ("押金及往来款（负债）", self.liabilities), ("净资产", self.net_assets),
        ]  # fmt: skip


def balance_sheet(*, village: Region | str, year: int, month: int, money: int) -> BalanceSheet:
    """The balance sheet summary at the end of ``year``-``month``; ``money`` is the month's
    closing balance of the accounts (``Figures.closing``), so the two never disagree."""
    code = village.code if isinstance(village, Region) else village
    _start, end = month_bounds(year, month)
    due = (
        Receivable.objects.filter(village_id=code, due_date__lt=end).aggregate(s=Sum("amount_fen"))[
            "s"
        ]
        or 0
    )
    paid = (
        ReceivablePayment.objects.filter(
            village_id=code, date__lt=end, receivable__due_date__lt=end
        ).aggregate(s=Sum("amount_fen"))["s"]
        or 0
    )
    held = (
        Asset.objects.filter(village_id=code)
        .filter(Q(acquired_on__lt=end) | Q(acquired_on=None))
        .exclude(disposal__date__lt=end)
        .values("category")
        .annotate(s=Sum("book_value_fen"))
    )
    by_class: dict[str, int] = {AssetClass.FUNDS: 0, AssetClass.ASSET: 0, AssetClass.RESOURCE: 0}
    for row in held:
        by_class[CATEGORY_CLASS[AssetCategory(row["category"])]] += int(row["s"] or 0)
    deposits = (
        JournalEntry.objects.filter(
            POSTED, village_id=code, date__lt=end, category=EntryCategory.DEPOSIT
        ).aggregate(s=Sum(SIGNED))["s"]
        or 0
    )
    return BalanceSheet(
        money=money, receivables=int(due) - int(paid), investments=by_class[AssetClass.FUNDS],
        fixed_assets=by_class[AssetClass.ASSET], resources=by_class[AssetClass.RESOURCE],
        deposits=int(deposits),
    )  # fmt: skip


@dataclass
class Statement:
    village: Region
    year: int
    month: int
    entries: list[JournalEntry]
    figures: Figures
    close: MonthClose | None
    balance: BalanceSheet


def statement(*, village: Region, year: int, month: int) -> Statement:
    """收支明细: the month's posted entries in voucher order and the month's figures."""
    start, end = month_bounds(year, month)
    entries = list(
        JournalEntry.objects.filter(POSTED, village=village, date__gte=start, date__lt=end)
        .select_related("account")
        .order_by("voucher_number", "pk")
    )
    close = MonthClose.objects.filter(village=village, year=year, month=month).first()
    figures = month_figures(village=village, year=year, month=month)
    return Statement(
        village=village, year=year, month=month, entries=entries, figures=figures, close=close,
        balance=balance_sheet(village=village, year=year, month=month, money=figures.closing),
    )  # fmt: skip


STATEMENT_COLUMNS = ["日期", "凭证号", "摘要", "科目", "收入（元）", "支出（元）"]


def entry_cells(e: JournalEntry) -> list[str]:
    receipt = e.direction == Direction.RECEIPT
    return [
        format_date(e.date), e.voucher_number, e.summary, e.get_category_display(),
        format_fen(e.amount_fen) if receipt else "", "" if receipt else format_fen(e.amount_fen),
    ]  # fmt: skip


def statement_table(data: Statement) -> dict[str, Any]:
    """The notice's table: the entries, the category totals, the account balances."""
    rows: list[list[str]] = [entry_cells(e) for e in data.entries]
    f = data.figures
    for c in f.categories:
        rows.append(["", "", f"小计：{c['label']}", c["label"],
                     format_fen(c["receipts"]) if c["receipts"] else "",
                     format_fen(c["payments"]) if c["payments"] else ""])  # fmt: skip
    rows.append(["", "", "收入合计（不含期初、互转、往来）", "", format_fen(f.income), ""])
    rows.append(["", "", "支出合计（不含期初、互转、往来）", "", "", format_fen(f.expense)])
    for a in f.accounts:
        rows.append(["", "", f"{a['name']}：期初{format_fen(a['opening'])}，"
                     f"期末{format_fen(a['closing'])}", "", format_fen(a["receipts"]),
                     format_fen(a["payments"])])  # fmt: skip
    for label, fen in data.balance.rows():
        rows.append(["", "", f"资产负债简表（月末）：{label}", "", format_fen(fen), ""])
    return {"columns": STATEMENT_COLUMNS, "rows": rows}


# ---------------------------------------------------------------- months and balances


@dataclass
class MonthRow:
    year: int
    month: int
    proposed: int = 0
    reviewed: int = 0
    posted: int = 0
    rejected: int = 0
    close: MonthClose | None = None

    @property
    def pending(self) -> int:
        return self.proposed + self.reviewed


def months_overview(*, village: Region) -> list[MonthRow]:
    """Every month with entries or a close, newest first, with its counts by status."""
    from django.db.models.functions import ExtractMonth, ExtractYear

    counts = (
        JournalEntry.objects.filter(village=village)
        .annotate(y=ExtractYear("date"), m=ExtractMonth("date"))
        .values("y", "m", "status")
        .annotate(n=Count("pk"))
    )
    rows: dict[tuple[int, int], MonthRow] = {}
    for c in counts:
        row = rows.setdefault((c["y"], c["m"]), MonthRow(year=c["y"], month=c["m"]))
        setattr(row, c["status"], getattr(row, c["status"]) + c["n"])
    for close in MonthClose.objects.filter(village=village).select_related("closed_by", "notice"):
        rows.setdefault((close.year, close.month), MonthRow(close.year, close.month)).close = close
    return [rows[k] for k in sorted(rows, reverse=True)]


@dataclass
class BalanceSummary:
    rows: list[FundAccount]
    total: int
    bank: int
    cash: int


def balance_summary(*, actor: Any, region: str = "") -> BalanceSummary:
    """资金余额: every account in scope with its balance, and the totals."""
    rows = list(account_list(actor=actor, region=region))
    bank = sum(a.balance for a in rows if a.kind == "bank")  # type: ignore[attr-defined]
    cash = sum(a.balance for a in rows if a.kind == "cash")  # type: ignore[attr-defined]
    return BalanceSummary(rows=rows, total=bank + cash, bank=bank, cash=cash)


def figures_mismatches(*, prefix: str = "") -> list[tuple[MonthClose, list[str]]]:
    """Closed months whose kept figures differ from a recomputation from the entries."""
    out = []
    for close in MonthClose.objects.filter(village__code__startswith=prefix).select_related(
        "village"
    ):
        now = month_figures(village=close.village_id, year=close.year, month=close.month)
        kept = close.figures or {}
        bad = []
        kept_accounts = {int(a["account"]): a for a in kept.get("accounts", [])}
        now_accounts = {int(a["account"]): a for a in now.accounts}
        for pk in sorted(set(kept_accounts) | set(now_accounts)):
            k, n = kept_accounts.get(pk), now_accounts.get(pk)
            if (
                k is None
                or n is None
                or any(
                    int(k[key]) != int(n[key])
                    for key in ("opening", "receipts", "payments", "closing")
                )
            ):
                bad.append((n or k or {}).get("name", str(pk)))
        if bad:
            out.append((close, bad))
    return out
