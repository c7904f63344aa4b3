"""Reads of the store: goods, movements and redemptions in the actor's scope, the monthly report
(computed from the movements, exact to the unit and the point) and the stock check."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from cunwu.accounts.permissions import has_perm_in, regions_in_scope, scope_q
from cunwu.core.models import Region, RegionLevel
from cunwu.disclosure.models import Notice, NoticeStatus
from cunwu.registry.models import HEAD, Household, Person, PersonStatus
from cunwu.registry.selectors import household_list, region_prefix

from .models import Goods, MovementKind, Redemption, RedemptionStatus, StockMovement

PERM = "store.view"


def _region(qs: QuerySet[Any], region: str) -> QuerySet[Any]:
    return qs.filter(village__code__startswith=region_prefix(region)) if region else qs


def goods_list(
    *, actor: Any, q: str = "", region: str = "", active: bool | None = None
) -> QuerySet[Goods]:
    qs = _region(Goods.objects.filter(scope_q(actor, PERM)), region)
    if active is not None:
        qs = qs.filter(active=active)
    q = q.strip()
    if q:
        qs = qs.filter(name__contains=q)
    return qs.select_related("village").order_by("village_id", "name")


def goods_get(*, actor: Any, pk: int) -> Goods:
    goods = Goods.objects.select_related("village").filter(pk=pk).first()
    if goods is None or not has_perm_in(actor, PERM, goods.village_id):
        raise Http404("商品不存在")
    return goods


def village_get(*, actor: Any, code: str, perm: str = PERM) -> Region:
    village = Region.objects.filter(code=code, level=RegionLevel.VILLAGE).first()
    if village is None or not has_perm_in(actor, perm, village):
        raise Http404("村不存在")
    return village


def store_villages(actor: Any, perm: str = PERM) -> QuerySet[Region]:
    return regions_in_scope(actor, perm, level=RegionLevel.VILLAGE)


def public_goods(village: Region) -> QuerySet[Goods]:
    """The public price list: goods on the shelf, name, unit and points only."""
    return (
        Goods.objects.filter(village=village, active=True)
        .order_by("points_price", "name")
        .only("name", "unit", "points_price", "stock", "photo")
    )


def movement_list(
    *,
    actor: Any,
    goods: int | None = None,
    kind: str = "",
    since: date | None = None,
    until: date | None = None,
    region: str = "",
) -> QuerySet[StockMovement]:
    qs = _region(StockMovement.objects.filter(scope_q(actor, PERM)), region)
    if goods:
        qs = qs.filter(goods_id=goods)
    if kind in MovementKind.values:
        qs = qs.filter(kind=kind)
    if since:
        qs = qs.filter(date__gte=since)
    if until:
        qs = qs.filter(date__lte=until)
    return qs.select_related("goods", "actor", "redemption").order_by("-date", "-pk")


def _local_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def redemption_list(
    *,
    actor: Any,
    q: str = "",
    since: date | None = None,
    until: date | None = None,
    status: str = "",
    region: str = "",
    household: int | None = None,
) -> QuerySet[Redemption]:
    """Redemptions in scope; ``q`` finds the household as the registry does (户编号, a member's
    name, the last digits of an ID) or a receipt number."""
    qs = _region(Redemption.objects.filter(scope_q(actor, PERM)), region)
    q = q.strip()
    if q:
        households = household_list(actor=actor, q=q, status="").values("pk")
        qs = qs.filter(Q(household__in=households) | Q(number__iexact=q))
    if household:
        qs = qs.filter(household_id=household)
    if status in RedemptionStatus.values:
        qs = qs.filter(status=status)
    if since:
        qs = qs.filter(created_at__gte=_local_start(since))
    if until:
        qs = qs.filter(created_at__lt=_local_start(until + timedelta(days=1)))
    return qs.select_related("household", "village", "created_by").order_by("-created_at", "-pk")


def redemption_get(*, actor: Any, pk: int) -> Redemption:
    redemption = (
        Redemption.objects.select_related("household", "village", "created_by", "cancelled_by")
        .filter(pk=pk)
        .first()
    )
    if redemption is None or not has_perm_in(actor, PERM, redemption.village_id):
        raise Http404("兑换单不存在")
    return redemption


def redemption_lines(redemption: Redemption) -> list[Any]:
    return list(redemption.lines.select_related("goods").order_by("pk"))


def head_names(household_ids: Any) -> dict[int, str]:
    return dict(
        Person.objects.filter(
            household_id__in=list(household_ids), relation=HEAD, status=PersonStatus.ACTIVE
        ).values_list("household_id", "name")
    )


def counter_households(*, actor: Any, q: str) -> QuerySet[Household]:
    """The counter's search: active households where the actor may redeem."""
    return (
        household_list(actor=actor, q=q)
        .filter(scope_q(actor, "store.redeem"))
        .select_related("village")[:20]
    )


def counter_household(*, actor: Any, pk: int) -> Household:
    household = Household.objects.select_related("village").filter(pk=pk).first()
    if household is None or not has_perm_in(actor, "store.redeem", household.village_id):
        raise Http404("户不存在")
    return household


# ---------------------------------------------------------------- monthly report

IN_KINDS = (MovementKind.DONATION, MovementKind.PURCHASE, MovementKind.CANCEL)
OUT_KINDS = (MovementKind.REDEMPTION, MovementKind.WRITE_OFF)


@dataclass
class GoodsRow:
    goods: Goods
    opening: int = 0
    donation: int = 0
    purchase: int = 0
    cancel: int = 0
    stocktake_gain: int = 0
    redemption: int = 0  # out figures are positive numbers of units
    write_off: int = 0
    stocktake_loss: int = 0
    closing: int = 0

    @property
    def total_in(self) -> int:
        return self.donation + self.purchase + self.cancel + self.stocktake_gain

    @property
    def total_out(self) -> int:
        return self.redemption + self.write_off + self.stocktake_loss


@dataclass
class HouseholdRow:
    household_id: int
    number: str
    head: str
    redemptions: int
    points: int


@dataclass
class Report:
    village: Region
    year: int
    month: int
    goods: list[GoodsRow] = field(default_factory=list)
    households: list[HouseholdRow] = field(default_factory=list)
    totals: GoodsRow | None = None
    donated_value_fen: int = 0

    @property
    def redemption_count(self) -> int:
        return sum(h.redemptions for h in self.households)

    @property
    def points_total(self) -> int:
        return sum(h.points for h in self.households)


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """First day of the month and first day of the next."""
    start = date(year, month, 1)
    end = date(year + (month == 12), month % 12 + 1, 1)
    return start, end


def monthly_report(*, village: Region, year: int, month: int) -> Report:
    """期初 + 入 − 出 = 期末 for every goods that had stock or moved, from the movements of the
    month (by their date); the month's redemptions (not cancelled) by household."""
    start, end = month_bounds(year, month)
    movements = StockMovement.objects.filter(village=village)
    opening = dict(
        movements.filter(date__lt=start)
        .values("goods_id")
        .annotate(n=Sum("quantity"))
        .values_list("goods_id", "n")
    )
    in_month = (
        movements.filter(date__gte=start, date__lt=end)
        .values("goods_id", "kind")
        .annotate(gain=Sum("quantity", filter=Q(quantity__gt=0)),
                  loss=Sum("quantity", filter=Q(quantity__lt=0)))
    )  # fmt: skip
    rows: dict[int, GoodsRow] = {}
    for pk in opening:
        rows.setdefault(pk, GoodsRow(goods=None))  # type: ignore[arg-type]
    moved = list(in_month)
    for m in moved:
        rows.setdefault(m["goods_id"], GoodsRow(goods=None))  # type: ignore[arg-type]
    goods_by_pk = Goods.objects.in_bulk(list(rows))
    for pk, row in rows.items():
        row.goods = goods_by_pk[pk]
        row.opening = opening.get(pk) or 0
    for m in moved:
        row = rows[m["goods_id"]]
        gain, loss = m["gain"] or 0, -(m["loss"] or 0)
        kind = m["kind"]
        if kind == MovementKind.STOCKTAKE:
            row.stocktake_gain += gain
            row.stocktake_loss += loss
        elif kind in IN_KINDS:
            setattr(row, kind, getattr(row, kind) + gain)
        else:
            setattr(row, kind, getattr(row, kind) + loss)
    report = Report(village=village, year=year, month=month)
    for row in sorted(rows.values(), key=lambda r: (r.goods.name, r.goods.pk)):
        row.closing = row.opening + row.total_in - row.total_out
        if row.opening or row.total_in or row.total_out or row.closing:
            report.goods.append(row)
    totals = GoodsRow(goods=None)  # type: ignore[arg-type]
    for name in ("opening", "donation", "purchase", "cancel", "stocktake_gain", "redemption",
                 "write_off", "stocktake_loss", "closing"):  # fmt: skip
        setattr(totals, name, sum(getattr(r, name) for r in report.goods))
    report.totals = totals
    report.donated_value_fen = (
        movements.filter(date__gte=start, date__lt=end, kind=MovementKind.DONATION).aggregate(
            v=Sum("declared_value_fen")
        )["v"]
        or 0
    )
    by_household = (
        Redemption.objects.filter(
            village=village,
            status=RedemptionStatus.DONE,
            created_at__gte=_local_start(start),
            created_at__lt=_local_start(end),
        )
        .values("household_id", "household__number")
        .annotate(n=Count("pk"), points=Sum("total_points"))
        .order_by("household__number")
    )
    rows_h = list(by_household)
    heads = head_names(r["household_id"] for r in rows_h)
    report.households = [
        HouseholdRow(
            household_id=r["household_id"],
            number=r["household__number"],
            head=heads.get(r["household_id"], ""),
            redemptions=r["n"],
            points=r["points"] or 0,
        )
        for r in rows_h
    ]
    return report


GOODS_COLUMNS = ["商品", "单位", "期初", "捐赠入库", "采购入库", "撤销退回", "盘盈", "兑换出库",
                 "报损", "盘亏", "期末"]  # fmt: skip
HOUSEHOLD_COLUMNS = ["户编号", "户主", "兑换单数", "兑换积分"]


def goods_cells(row: GoodsRow) -> list[Any]:
    return [
        row.goods.name if row.goods else "合计", row.goods.unit if row.goods else "",
        row.opening, row.donation, row.purchase, row.cancel, row.stocktake_gain,
        row.redemption, row.write_off, row.stocktake_loss, row.closing,
    ]  # fmt: skip


def report_table(report: Report) -> dict[str, Any]:
    """The notice's table: the goods, then the households (names and points only: no money)."""
    rows: list[list[Any]] = [[str(c) for c in goods_cells(r)] for r in report.goods]
    if report.totals is not None:
        rows.append([str(c) for c in goods_cells(report.totals)])
    rows.append(["户编号", "户主", "兑换单数", "兑换积分", "", "", "", "", "", "", ""])
    for h in report.households:
        rows.append([h.number, h.head, str(h.redemptions), str(h.points), *[""] * 7])
    rows.append(["合计", "", str(report.redemption_count), str(report.points_total), *[""] * 7])
    return {"columns": GOODS_COLUMNS, "rows": rows}


def report_notice(subject_type: str, subject_id: str) -> Notice | None:
    """The notice that discloses a month's report (not a withdrawn one)."""
    return (
        Notice.objects.filter(subject_type=subject_type, subject_id=subject_id)
        .exclude(status=NoticeStatus.WITHDRAWN)
        .order_by("-pk")
        .first()
    )


def stock_mismatches(*, prefix: str = "") -> list[tuple[Goods, int, int]]:
    """Goods whose cached stock differs from the sum of their movements: (goods, stock, Σ)."""
    sums = dict(
        StockMovement.objects.filter(village__code__startswith=prefix)
        .values("goods_id")
        .annotate(n=Sum("quantity"))
        .values_list("goods_id", "n")
    )
    return [
        (goods, goods.stock, sums.get(goods.pk) or 0)
        for goods in Goods.objects.filter(village__code__startswith=prefix).select_related(
            "village"
        )
        if goods.stock != (sums.get(goods.pk) or 0)
    ]
