"""The statistics of 防返贫监测 for a region as of a date: ONE selector, ``monitoring_stats``,
used by the page, its xlsx export and the API alike.

- 脱贫户/人: ``PovertyExit`` rows with ``exit_year`` ≤ the year of ``on``; persons are the
  households' members in the register (在册) today.
- 监测对象 by category and state **as of** ``on``: the last ``StateChange`` with its date ≤
  ``on`` gives both (a household eliminated after ``on`` still counts as at risk on ``on``; one
  entered after ``on`` does not count).
- new (entered or re-entered) and eliminated within ``[start, on]``: households with such a
  ``StateChange`` in the period (a household counts once in each).
- measures coverage: households at risk on ``on`` with at least one measure in force that day
  ÷ households at risk on ``on``.
- 监测对象发生率: persons of households at risk ÷ registered population (the persons in the
  register of the region's households); 脱贫人口占比: 脱贫人口 ÷ registered population
  (DOMAIN.md: the Leiyang report's incidence rate = people still at risk ÷ rural population).

Every figure is an aggregation query grouped by village, rolled up to townships and the region
in Python over those few rows (never a per-household loop).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from cunwu.accounts.permissions import has_perm_in
from cunwu.core.models import Region, RegionLevel
from cunwu.registry.models import Household, HouseholdStatus, Person, PersonStatus
from cunwu.registry.selectors import region_prefix

from ..models import (
    Category,
    Measure,
    MonitoredHousehold,
    MonitoringState,
    PovertyExit,
    StateChange,
)
from .households import active_measure_q

PERM = "monitoring.view"
CATEGORIES: tuple[str, ...] = tuple(Category.values)
STATES: tuple[str, ...] = tuple(MonitoringState.values)


@dataclass
class StatRow:
    """The figures of one region (a village, a township or the whole region asked for)."""

    region: Region
    households: int = 0  # registry households 在册
    population: int = 0  # registry persons 在册
    exit_households: int = 0
    exit_persons: int = 0
    # (category, state) → households / persons, as of ``on``
    counts: dict[tuple[str, str], int] = field(default_factory=dict)
    persons: dict[tuple[str, str], int] = field(default_factory=dict)
    new: int = 0
    eliminated_in_period: int = 0
    covered: int = 0  # at risk with a measure in force on ``on``

    def add(self, other: StatRow) -> None:
        for name in ("households", "population", "exit_households", "exit_persons", "new",
                     "eliminated_in_period", "covered"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for key, n in other.counts.items():
            self.counts[key] = self.counts.get(key, 0) + n
        for key, n in other.persons.items():
            self.persons[key] = self.persons.get(key, 0) + n

    def _sum(self, table: dict[tuple[str, str], int], category: str = "", state: str = "") -> int:
        return sum(
            n
            for (c, s), n in table.items()
            if (not category or c == category) and (not state or s == state)
        )

    def households_of(self, category: str = "", state: str = "") -> int:
        return self._sum(self.counts, category, state)

    def persons_of(self, category: str = "", state: str = "") -> int:
        return self._sum(self.persons, category, state)

    @property
    def monitored(self) -> int:
        return self.households_of()

    @property
    def at_risk(self) -> int:
        return self.households_of(state=MonitoringState.AT_RISK)

    @property
    def eliminated(self) -> int:
        return self.households_of(state=MonitoringState.ELIMINATED)

    @property
    def monitored_persons(self) -> int:
        return self.persons_of()

    @property
    def at_risk_persons(self) -> int:
        return self.persons_of(state=MonitoringState.AT_RISK)

    @property
    def eliminated_persons(self) -> int:
        return self.persons_of(state=MonitoringState.ELIMINATED)

    @property
    def uncovered(self) -> int:
        return self.at_risk - self.covered

    @property
    def coverage(self) -> Fraction | None:
        return Fraction(self.covered, self.at_risk) if self.at_risk else None

    @property
    def incidence(self) -> Fraction | None:
        """监测对象发生率: persons still at risk ÷ registered population."""
        return Fraction(self.at_risk_persons, self.population) if self.population else None

    @property
    def exited_share(self) -> Fraction | None:
        return Fraction(self.exit_persons, self.population) if self.population else None

    def by_category(self) -> list[dict[str, Any]]:
        return [
            {"category": value, "label": label,
             "households": self.households_of(value), "persons": self.persons_of(value),
             "at_risk": self.households_of(value, MonitoringState.AT_RISK),
             "eliminated": self.households_of(value, MonitoringState.ELIMINATED)}
            for value, label in Category.choices
        ]  # fmt: skip


@dataclass
class Stats:
    region: Region
    on: date
    start: date
    total: StatRow
    townships: list[StatRow]
    villages: list[StatRow]


def percent(value: Fraction | None, places: int = 2) -> str:
    """A fraction as a percentage with ``places`` decimals ("0.18%"); "—" when undefined."""
    if value is None:
        return "—"
    scaled = value * 100 * 10**places
    rounded = int(scaled + Fraction(1, 2))  # half up; the figures are never negative
    whole, part = divmod(rounded, 10**places)
    return f"{whole}.{part:0{places}d}%" if places else f"{whole}%"


def stats_region_get(*, actor: Any, code: str) -> Region:
    region = Region.objects.filter(code=code[:12]).first()
    if region is None or not has_perm_in(actor, PERM, region):
        raise Http404("区划不存在")
    return region


def _grouped(qs: Any, *keys: str, **aggregates: Any) -> list[dict[str, Any]]:
    return list(qs.order_by().values(*keys).annotate(**aggregates).order_by())


def monitoring_stats(*, actor: Any, region: Region, on: date, start: date | None = None) -> Stats:
    """The figures of ``region`` (in the actor's scope, else 404) as of ``on``, with the period
    ``[start, on]`` (default: 1 January of ``on``'s year) for the new and eliminated."""
    if not has_perm_in(actor, PERM, region):
        raise Http404("区划不存在")
    start = start or date(on.year, 1, 1)
    prefix = region_prefix(region.code)
    villages = {
        r.code: StatRow(region=r)
        for r in Region.objects.filter(code__startswith=prefix, level=RegionLevel.VILLAGE)
        .exclude(retired=True)
        .order_by("code")
    }

    def row(code: str) -> StatRow | None:
        return villages.get(code)

    # registry: households and persons 在册
    people = Person.objects.filter(
        status=PersonStatus.ACTIVE, household__village__code__startswith=prefix
    )
    for r in _grouped(people, "household__village_id", n=Count("pk")):
        if (target := row(r["household__village_id"])) is not None:
            target.population = r["n"]
    households = Household.objects.filter(
        status=HouseholdStatus.ACTIVE, village__code__startswith=prefix
    )
    for r in _grouped(households, "village_id", n=Count("pk")):
        if (target := row(r["village_id"])) is not None:
            target.households = r["n"]

    # 脱贫户/人
    exits = PovertyExit.objects.filter(village__code__startswith=prefix, exit_year__lte=on.year)
    for r in _grouped(exits, "village_id", n=Count("pk")):
        if (target := row(r["village_id"])) is not None:
            target.exit_households = r["n"]
    exit_people = people.filter(
        household__poverty_exit__isnull=False, household__poverty_exit__exit_year__lte=on.year
    )
    for r in _grouped(exit_people, "household__village_id", n=Count("pk")):
        if (target := row(r["household__village_id"])) is not None:
            target.exit_persons = r["n"]

    # 监测对象 as of ``on``: the state and category of the last change dated on or before it
    last = StateChange.objects.filter(monitored=OuterRef("pk"), on__lte=on).order_by(
        "-on", "-at", "-pk"
    )
    members = (
        Person.objects.filter(household=OuterRef("household"), status=PersonStatus.ACTIVE)
        .order_by()
        .values("household")
        .annotate(c=Count("pk"))
        .values("c")
    )
    measures = Measure.objects.filter(active_measure_q(on), monitored=OuterRef("pk"))
    monitored = MonitoredHousehold.objects.filter(village__code__startswith=prefix).annotate(
        state_on=Subquery(last.values("state")[:1]),
        category_on=Subquery(last.values("category")[:1]),
        members=Coalesce(Subquery(members, output_field=IntegerField()), Value(0)),
        measured=Exists(measures),
    )
    monitored = monitored.filter(state_on__isnull=False)
    for r in _grouped(
        monitored, "village_id", "category_on", "state_on",
        n=Count("pk"), p=Sum("members"),
        c=Count("pk", filter=Q(measured=True, state_on=MonitoringState.AT_RISK)),
    ):  # fmt: skip
        if (target := row(r["village_id"])) is None:
            continue
        key = (r["category_on"], r["state_on"])
        target.counts[key] = target.counts.get(key, 0) + r["n"]
        target.persons[key] = target.persons.get(key, 0) + int(r["p"] or 0)
        target.covered += r["c"]

    # new and eliminated within the period
    changes = StateChange.objects.filter(
        monitored__village__code__startswith=prefix, on__gte=start, on__lte=on
    )
    for r in _grouped(
        changes, "monitored__village_id",
        new=Count("monitored", filter=Q(state=MonitoringState.AT_RISK), distinct=True),
        out=Count("monitored", filter=Q(state=MonitoringState.ELIMINATED), distinct=True),
    ):  # fmt: skip
        if (target := row(r["monitored__village_id"])) is not None:
            target.new = r["new"]
            target.eliminated_in_period = r["out"]

    # roll up
    township_regions = {
        r.code: r
        for r in Region.objects.filter(
            code__in={code[:9] + "000" for code in villages}, level=RegionLevel.TOWNSHIP
        )
    }
    townships: dict[str, StatRow] = {}
    total = StatRow(region=region)
    for code, village_row in villages.items():
        total.add(village_row)
        township = township_regions.get(code[:9] + "000")
        if township is not None:
            townships.setdefault(township.code, StatRow(region=township)).add(village_row)
    return Stats(
        region=region,
        on=on,
        start=start,
        total=total,
        townships=[townships[k] for k in sorted(townships)],
        villages=list(villages.values()),
    )
