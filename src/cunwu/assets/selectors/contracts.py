"""Reads of the contracts in the actor's scope: contracts with their schedule, payments, flags
and files; instalments and the aging list of what is outstanding; reminders. What lies outside
the scope is 404."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from cunwu.accounts.permissions import has_perm_in, regions_in_scope, scope_q
from cunwu.core.models import Region, RegionLevel
from cunwu.disclosure.models_lists import Decision
from cunwu.registry.selectors import region_prefix

from ..models import (
    Asset,
    AssetStatus,
    Contract,
    ContractFlag,
    ContractKind,
    ContractStatus,
    Receivable,
    ReceivablePayment,
    Reminder,
)

PERM = "assets.view"
MAX_Q = 50

# the aging buckets: (key, label, fewest days overdue, most days overdue)
AGING_BUCKETS: tuple[tuple[str, str, int | None, int | None], ...] = (
    ("current", "未到期", None, 0),
    ("d30", "逾期1–30天", 1, 30),
    ("d90", "31–90天", 31, 90),
    ("d180", "91–180天", 91, 180),
    ("d365", "181–365天", 181, 365),
    ("over", "一年以上", 366, None),
)


def _region(qs: QuerySet[Any], region: str) -> QuerySet[Any]:
    return qs.filter(village__code__startswith=region_prefix(region)) if region else qs


def contract_villages(actor: Any, perm: str = PERM) -> QuerySet[Region]:
    return regions_in_scope(actor, perm, level=RegionLevel.VILLAGE)


def village_get(*, actor: Any, code: str, perm: str = PERM) -> Region:
    village = Region.objects.filter(code=code, level=RegionLevel.VILLAGE).first()
    if village is None or not has_perm_in(actor, perm, village):
        raise Http404("村不存在")
    return village


def contract_list(
    *,
    actor: Any,
    q: str = "",
    region: str = "",
    status: str = "",
    kind: str = "",
    expiring_days: int | None = None,
    flagged: bool = False,
    today: date | None = None,
) -> QuerySet[Contract]:
    """Contracts in scope; ``q`` finds a number, a title or a party; ``expiring_days`` keeps
    active contracts ending within that many days; ``flagged`` those with a check's flag."""
    today = today or timezone.localdate()
    qs = _region(Contract.objects.filter(scope_q(actor, PERM)), region)
    q = q.strip()[:MAX_Q]
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q) | Q(party_name__icontains=q))
    if status in ContractStatus.values:
        qs = qs.filter(status=status)
    if kind in ContractKind.values:
        qs = qs.filter(kind=kind)
    if expiring_days is not None:
        qs = qs.filter(
            status=ContractStatus.ACTIVE,
            end_date__gte=today,
            end_date__lte=today + timedelta(days=min(expiring_days, 36_500)),
        )
    flags = ContractFlag.objects.filter(contract=OuterRef("pk"))
    qs = qs.annotate(flag_count=Count("flags", distinct=True))
    if flagged:
        qs = qs.filter(Exists(flags))
    ordered: QuerySet[Contract] = qs.select_related("village").order_by(
        "village_id", "-start_date", "number"
    )
    return ordered


def contract_get(*, actor: Any, pk: int) -> Contract:
    contract = (
        Contract.objects.select_related("village", "decision", "notice", "created_by")
        .filter(pk=pk)
        .first()
    )
    if contract is None or not has_perm_in(actor, PERM, contract.village_id):
        raise Http404("合同不存在")
    return contract


def contract_receivables(contract: Contract) -> list[Receivable]:
    return list(contract.receivables.order_by("due_date", "pk"))


def contract_payments(contract: Contract) -> list[ReceivablePayment]:
    return list(
        ReceivablePayment.objects.filter(receivable__contract=contract)
        .select_related("receivable", "recorded_by", "reverses", "entry")
        .annotate(reversed_count=Count("reversed_by"))
        .order_by("date", "pk")
    )


def contract_flags(contract: Contract) -> list[ContractFlag]:
    return list(contract.flags.select_related("problem").order_by("found_at", "pk"))


def leasable_assets(village: Region | str) -> QuerySet[Asset]:
    """The entries of a village that may be leased (not disposed)."""
    code = village if isinstance(village, str) else village.code
    return (
        Asset.objects.filter(village_id=code)
        .exclude(status=AssetStatus.DISPOSED)
        .order_by("number")
    )


def village_decisions(village: Region | str) -> QuerySet[Decision]:
    code = village if isinstance(village, str) else village.code
    return Decision.objects.filter(village_id=code).order_by("-created_at", "-pk")


def receivable_get(*, actor: Any, pk: int) -> Receivable:
    receivable = Receivable.objects.select_related("contract", "village").filter(pk=pk).first()
    if receivable is None or not has_perm_in(actor, PERM, receivable.village_id):
        raise Http404("应收款不存在")
    return receivable


def payment_get(*, actor: Any, pk: int) -> ReceivablePayment:
    payment = ReceivablePayment.objects.select_related("receivable").filter(pk=pk).first()
    if payment is None or not has_perm_in(actor, PERM, payment.village_id):
        raise Http404("收款记录不存在")
    return payment


def receivable_list(
    *,
    actor: Any,
    region: str = "",
    contract: int | None = None,
    overdue: bool = False,
    outstanding: bool = False,
    today: date | None = None,
) -> QuerySet[Receivable]:
    today = today or timezone.localdate()
    qs = _region(Receivable.objects.filter(scope_q(actor, PERM)), region)
    if contract:
        qs = qs.filter(contract_id=contract)
    if outstanding or overdue:
        qs = qs.filter(paid_fen__lt=F("amount_fen"))
    if overdue:
        qs = qs.filter(due_date__lt=today)
    return qs.select_related("contract", "village").order_by("due_date", "pk")


@dataclass
class AgingRow:
    village: Region | None
    buckets: dict[str, int] = field(default_factory=dict)
    count: int = 0

    @property
    def total(self) -> int:
        return sum(self.buckets.values())

    @property
    def overdue(self) -> int:
        return self.total - self.buckets.get("current", 0)


def _bucket_q(today: date, low: int | None, high: int | None) -> Q:
    """Instalments overdue by low..high days on ``today`` (None: no bound)."""
    q = Q()
    if low is not None:
        q &= Q(due_date__lte=today - timedelta(days=low))
    if high is not None:
        q &= Q(due_date__gte=today - timedelta(days=high))
    return q


def aging(
    *, actor: Any, region: str = "", today: date | None = None
) -> tuple[list[AgingRow], AgingRow]:
    """What is outstanding per village, by how long overdue (in 分), and the total row."""
    today = today or timezone.localdate()
    qs = receivable_list(actor=actor, region=region, outstanding=True, today=today)
    sums = {
        key: Coalesce(Sum(F("amount_fen") - F("paid_fen"), filter=_bucket_q(today, low, high)), 0)
        for key, _label, low, high in AGING_BUCKETS
    }
    rows = (
        qs.order_by()
        .values("village_id")
        .annotate(count=Count("pk"), **sums)
        .order_by("village_id")
    )
    villages = Region.objects.in_bulk([r["village_id"] for r in rows])
    out = []
    total = AgingRow(village=None, buckets={key: 0 for key, *_ in AGING_BUCKETS})
    for r in rows:
        row: dict[str, Any] = dict(r)
        buckets = {key: int(row[key]) for key, *_ in AGING_BUCKETS}
        out.append(AgingRow(village=villages[r["village_id"]], buckets=buckets, count=r["count"]))
        total.count += r["count"]
        for key, value in buckets.items():
            total.buckets[key] += value
    return out, total


def reminder_list(
    *, actor: Any, region: str = "", open_only: bool = False, kind: str = ""
) -> QuerySet[Reminder]:
    """Reminders in scope, open ones first (then by due date)."""
    qs = _region(Reminder.objects.filter(scope_q(actor, PERM)), region)
    if open_only:
        qs = qs.filter(done_at__isnull=True)
    if kind:
        qs = qs.filter(kind=kind[:20])
    return qs.select_related("contract", "receivable", "village", "done_by").order_by(
        F("done_at").asc(nulls_first=True), "due_date", "pk"
    )


def reminder_get(*, actor: Any, pk: int) -> Reminder:
    reminder = Reminder.objects.select_related("contract", "receivable").filter(pk=pk).first()
    if reminder is None or not has_perm_in(actor, PERM, reminder.village_id):
        raise Http404("提醒不存在")
    return reminder


def open_reminder_count(actor: Any) -> int:
    return Reminder.objects.filter(scope_q(actor, PERM), done_at__isnull=True).count()
