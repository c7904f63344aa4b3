"""Reads of the assistance measures in the actor's scope: the measures list, one household's
measures with their follow-ups, and 帮扶措施未落实 — the monitored households at risk without an
active measure, counted per village and per township — with the measures whose follow-up is
overdue. What lies outside the scope is 404.

A measure is active on day d when ``start_on <= d`` and (``end_on`` is empty or ``end_on >= d``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar

from django.db.models import (
    Count,
    Exists,
    F,
    Max,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from cunwu.accounts.permissions import scope_q
from cunwu.core.models import Region
from cunwu.registry.models import HEAD, Person
from cunwu.registry.selectors import region_prefix

from ..models import FollowUp, Measure, MeasureType, MonitoredHousehold, MonitoringState

_M = TypeVar("_M", bound=Model)

PERM = "monitoring.view"
MAX_Q = 50

# 帮扶措施回访: an active measure of a household at risk is followed up at least once a
# quarter; without a follow-up (or, for a new measure, since its start) for more than this
# many days it is listed as overdue on the gaps page.
FOLLOW_UP_DAYS = 90


def _head_name() -> Subquery:
    heads = Person.objects.filter(household=OuterRef("monitored__household"), relation=HEAD)
    return Subquery(heads.order_by("status", "-pk").values("name")[:1])


def active_q(on: date, prefix: str = "") -> Q:
    """Measures active on ``on`` (``prefix`` names the relation from the queried model)."""
    return Q(**{f"{prefix}start_on__lte": on}) & (
        Q(**{f"{prefix}end_on": None}) | Q(**{f"{prefix}end_on__gte": on})
    )


def _region(qs: QuerySet[_M], region: str) -> QuerySet[_M]:
    return qs.filter(village__code__startswith=region_prefix(region)) if region else qs


def measure_list(
    *,
    actor: Any,
    on: date,
    q: str = "",
    region: str = "",
    measure_type: str = "",
    status: str = "",
    department: str = "",
    monitored: MonitoredHousehold | None = None,
) -> QuerySet[Measure]:
    """Measures in scope; ``q`` finds a 户编号 or a member's name; ``status`` is ``active``
    (active on ``on``) or ``ended`` (ended before ``on``). Adds ``head_name`` and
    ``last_follow_up`` (the latest follow-up date)."""
    qs = _region(Measure.objects.filter(scope_q(actor, PERM)), region)
    if monitored is not None:
        qs = qs.filter(monitored=monitored)
    q = q.strip()[:MAX_Q]
    if q:
        members = Person.objects.filter(household=OuterRef("monitored__household"), name=q)
        qs = qs.filter(Q(monitored__household__number=q) | Exists(members))
    if measure_type in MeasureType.values:
        qs = qs.filter(measure_type=measure_type)
    if status == "active":
        qs = qs.filter(active_q(on))
    elif status == "ended":
        qs = qs.filter(end_on__lt=on)
    department = department.strip()[:MAX_Q]
    if department:
        qs = qs.filter(department__icontains=department)
    last = FollowUp.objects.filter(measure=OuterRef("pk")).order_by("-visited_on")
    return (
        qs.select_related("village", "monitored__household")
        .annotate(head_name=_head_name(), last_follow_up=Subquery(last.values("visited_on")[:1]))
        .order_by("village", "monitored__household__number", "-start_on", "pk")
    )


def measure_get(*, actor: Any, pk: int) -> Measure:
    measure = (
        Measure.objects.filter(scope_q(actor, PERM), pk=pk)
        .select_related("village", "monitored__household")
        .first()
    )
    if measure is None:
        raise Http404("帮扶措施不存在")
    return measure


def monitored_get(*, actor: Any, pk: int) -> MonitoredHousehold:
    monitored = (
        MonitoredHousehold.objects.filter(scope_q(actor, PERM), pk=pk)
        .select_related("village", "household")
        .annotate(head_name=_head_name_of_household())
        .first()
    )
    if monitored is None:
        raise Http404("监测对象不存在")
    return monitored


def _head_name_of_household() -> Subquery:
    heads = Person.objects.filter(household=OuterRef("household"), relation=HEAD)
    return Subquery(heads.order_by("status", "-pk").values("name")[:1])


def follow_ups_of(measures: list[Measure]) -> dict[int, list[FollowUp]]:
    """The follow-ups of ``measures`` by measure id, latest first (one query)."""
    out: dict[int, list[FollowUp]] = {m.pk: [] for m in measures}
    rows = FollowUp.objects.filter(measure__in=[m.pk for m in measures]).select_related("visitor")
    for f in rows.order_by("-visited_on", "-pk"):
        out[f.measure_id].append(f)
    return out


# ---------------------------------------------------------------- 帮扶措施未落实


def households_without_measures(
    *, actor: Any, on: date, region: str = "", q: str = ""
) -> QuerySet[MonitoredHousehold]:
    """Monitored households at risk in scope without a measure active on ``on``."""
    active = Measure.objects.filter(active_q(on), monitored=OuterRef("pk"))
    qs = _region(
        MonitoredHousehold.objects.filter(
            scope_q(actor, PERM), state=MonitoringState.AT_RISK
        ).filter(~Exists(active)),
        region,
    )
    q = q.strip()[:MAX_Q]
    if q:
        members = Person.objects.filter(household=OuterRef("household"), name=q)
        qs = qs.filter(Q(household__number=q) | Exists(members))
    last_end = Measure.objects.filter(monitored=OuterRef("pk"), end_on__lt=on).order_by("-end_on")
    return (
        qs.select_related("village", "household")
        .annotate(
            head_name=_head_name_of_household(),
            last_measure_end=Subquery(last_end.values("end_on")[:1]),
        )
        .order_by("village", "household__number")
    )


@dataclass(frozen=True)
class GapRow:
    """At-risk households of a village or township and how many have no active measure."""

    code: str
    name: str
    at_risk: int
    without: int

    @property
    def with_measures(self) -> int:
        return self.at_risk - self.without

    @property
    def percent(self) -> int:
        """Share with an active measure, in whole per cent (100 when nobody is at risk)."""
        if not self.at_risk:
            return 100
        return (200 * self.with_measures + self.at_risk) // (2 * self.at_risk)


@dataclass(frozen=True)
class GapCounts:
    villages: list[GapRow]
    townships: list[GapRow]
    total: GapRow


def township_code(village_code: str) -> str:
    return village_code[:9] + "000"


def gap_counts(*, actor: Any, on: date, region: str = "") -> GapCounts:
    """Per village (those with households at risk) and per township: at-risk households and
    those without an active measure on ``on``. Three queries."""
    active = Measure.objects.filter(active_q(on), monitored=OuterRef("pk"))
    rows = list(
        _region(
            MonitoredHousehold.objects.filter(scope_q(actor, PERM), state=MonitoringState.AT_RISK),
            region,
        )
        .annotate(has_measure=Exists(active))
        .order_by()
        .values("village")
        .annotate(n=Count("pk"), without=Count("pk", filter=Q(has_measure=False)))
        .values_list("village", "n", "without")
    )
    towns: dict[str, list[int]] = {}
    for code, n, without in rows:
        t = towns.setdefault(township_code(code), [0, 0])
        t[0] += n
        t[1] += without
    names = dict(
        Region.objects.filter(code__in=[r[0] for r in rows] + list(towns)).values_list(
            "code", "name"
        )
    )
    villages = sorted(
        (GapRow(code, names.get(code, code), n, w) for code, n, w in rows), key=lambda r: r.code
    )
    townships = [
        GapRow(code, names.get(code, code), n, w) for code, (n, w) in sorted(towns.items())
    ]
    total = GapRow("", "合计", sum(r.at_risk for r in villages), sum(r.without for r in villages))
    return GapCounts(villages, townships, total)


def overdue_follow_ups(*, actor: Any, on: date, region: str = "") -> QuerySet[Measure]:
    """Measures active on ``on`` of households at risk whose latest follow-up (or, never
    followed up, whose start) is more than ``FOLLOW_UP_DAYS`` days before ``on``."""
    cutoff = on - timedelta(days=FOLLOW_UP_DAYS)
    last = FollowUp.objects.filter(measure=OuterRef("pk"), visited_on__lte=on)
    qs = _region(
        Measure.objects.filter(
            scope_q(actor, PERM), active_q(on), monitored__state=MonitoringState.AT_RISK
        ),
        region,
    )
    return (
        qs.annotate(
            last_follow_up=Subquery(
                last.order_by().values("measure").annotate(m=Max("visited_on")).values("m")[:1]
            )
        )
        .annotate(reference=Coalesce(F("last_follow_up"), F("start_on")))
        .filter(reference__lt=cutoff)
        .select_related("village", "monitored__household")
        .annotate(head_name=_head_name())
        .order_by("reference", "village", "pk")
    )
