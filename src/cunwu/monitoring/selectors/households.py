"""Reads of monitored households (监测对象) and 脱贫户 records in the actor's scope: the lists
with their filters, one household with its members, risks, history, cases, measures, alerts and
visits. What lies outside the scope is 404."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from cunwu.accounts.models import RoleAssignment, User
from cunwu.accounts.permissions import PERMISSIONS, has_perm_in, regions_in_scope, scope_q
from cunwu.core.models import Region, RegionLevel
from cunwu.registry.models import HEAD, Household, Person, PersonStatus
from cunwu.registry.selectors import region_prefix

from ..models import (
    EXIT_POLICIES,
    Alert,
    AlertStatus,
    Case,
    Category,
    Measure,
    MonitoredHousehold,
    MonitoringState,
    PovertyExit,
    RiskFactor,
    RiskType,
    StateChange,
    Visit,
)

PERM = "monitoring.view"
MAX_Q = 50


def monitoring_villages(actor: Any, perm: str = PERM) -> QuerySet[Region]:
    return regions_in_scope(actor, perm, level=RegionLevel.VILLAGE)


def village_get(*, actor: Any, code: str, perm: str = PERM) -> Region:
    village = Region.objects.filter(code=code[:12], level=RegionLevel.VILLAGE).first()
    if village is None or not has_perm_in(actor, perm, village):
        raise Http404("村不存在")
    return village


def _region(qs: QuerySet[Any], region: str) -> QuerySet[Any]:
    return qs.filter(village__code__startswith=region_prefix(region)) if region else qs


def active_measure_q(on: date, prefix: str = "") -> Q:
    """Measures in force on ``on`` (started, not ended before)."""
    return Q(**{f"{prefix}start_on__lte": on}) & (
        Q(**{f"{prefix}end_on": None}) | Q(**{f"{prefix}end_on__gte": on})
    )


def _head_name(household_ref: str) -> Subquery:
    return Subquery(
        Person.objects.filter(
            household=OuterRef(household_ref), relation=HEAD, status=PersonStatus.ACTIVE
        ).values("name")[:1]
    )


def monitored_list(
    *,
    actor: Any,
    q: str = "",
    region: str = "",
    category: str = "",
    state: str = "",
    risk: str = "",
    cadre: str = "",
    no_measure: bool = False,
    today: date | None = None,
) -> QuerySet[MonitoredHousehold]:
    """监测对象 in scope; ``q`` finds a 户编号 or a member's name; ``cadre`` a 帮扶责任人 by name;
    ``no_measure`` keeps households at risk without a measure in force today (帮扶措施未落实).
    Each row carries ``head_name``, ``has_measure`` and its open risks (prefetched)."""
    today = today or timezone.localdate()
    qs = _region(MonitoredHousehold.objects.filter(scope_q(actor, PERM)), region)
    q = q.strip()[:MAX_Q]
    if q:
        members = Person.objects.filter(household=OuterRef("household"), name__icontains=q)
        qs = qs.filter(Q(household__number__icontains=q) | Exists(members))
    if category in Category.values:
        qs = qs.filter(category=category)
    if state in MonitoringState.values:
        qs = qs.filter(state=state)
    if risk in RiskType.values:
        qs = qs.filter(
            Exists(RiskFactor.objects.filter(monitored=OuterRef("pk"), risk_type=risk,
                                             resolved_on=None))
        )  # fmt: skip
    cadre = cadre.strip()[:MAX_Q]
    if cadre:
        qs = qs.filter(cadre_name__icontains=cadre)
    measures = Measure.objects.filter(active_measure_q(today), monitored=OuterRef("pk"))
    qs = qs.annotate(has_measure=Exists(measures), head_name=_head_name("household"))
    if no_measure:
        qs = qs.filter(state=MonitoringState.AT_RISK, has_measure=False)
    open_risks = RiskFactor.objects.filter(resolved_on=None).order_by("identified_on", "pk")
    ordered: QuerySet[MonitoredHousehold] = (
        qs.select_related("household", "village")
        .prefetch_related(Prefetch("risks", queryset=open_risks, to_attr="open_risks"))
        .order_by("village_id", "household__number")
    )
    return ordered


def monitored_get(*, actor: Any, pk: int) -> MonitoredHousehold:
    monitored = (
        MonitoredHousehold.objects.select_related("household", "village", "cadre")
        .filter(pk=pk)
        .first()
    )
    if monitored is None or not has_perm_in(actor, PERM, monitored.village_id):
        raise Http404("监测对象不存在")
    return monitored


def risk_get(*, actor: Any, pk: int) -> RiskFactor:
    risk = RiskFactor.objects.select_related("monitored").filter(pk=pk).first()
    if risk is None or not has_perm_in(actor, PERM, risk.monitored.village_id):
        raise Http404("风险不存在")
    return risk


def monitored_members(monitored: MonitoredHousehold) -> list[Person]:
    return list(Person.objects.filter(household_id=monitored.household_id).order_by("status", "pk"))


def monitored_risks(monitored: MonitoredHousehold) -> list[RiskFactor]:
    return list(monitored.risks.order_by("resolved_on", "identified_on", "pk"))


def monitored_history(monitored: MonitoredHousehold) -> list[StateChange]:
    return list(monitored.state_changes.select_related("case", "actor").order_by("on", "at", "pk"))


def monitored_cases(monitored: MonitoredHousehold) -> list[Case]:
    return list(Case.objects.filter(household_id=monitored.household_id).order_by("-opened_on"))


def monitored_measures(monitored: MonitoredHousehold) -> list[Measure]:
    return list(monitored.measures.order_by("-start_on", "pk"))


def monitored_alerts(monitored: MonitoredHousehold) -> list[Alert]:
    return list(
        Alert.objects.filter(household_id=monitored.household_id, status=AlertStatus.OPEN)
        .select_related("person")
        .order_by("-created_at", "-pk")
    )


def monitored_visits(monitored: MonitoredHousehold) -> list[Visit]:
    return list(
        Visit.objects.filter(household_id=monitored.household_id)
        .select_related("campaign", "visitor")
        .order_by("-visited_on", "-pk")
    )


def cadre_choices(village: Region | str) -> QuerySet[User]:
    """Users who may be 帮扶责任人 of a household of ``village``: they hold monitoring.view over
    it (village staff, supervisors, the work team, township and county cadres)."""
    code = village if isinstance(village, str) else village.code
    ancestors = [code, code[:9] + "000", code[:6] + "000000", code[:4] + "00000000",
                 code[:2] + "0" * 10]  # fmt: skip
    users = RoleAssignment.objects.filter(
        region_id__in=ancestors, role__in=PERMISSIONS[PERM]
    ).values("user_id")
    return User.objects.filter(pk__in=users, is_active=True).order_by("username")


# ---------------------------------------------------------------- 脱贫户


def exit_list(
    *,
    actor: Any,
    q: str = "",
    region: str = "",
    year: int | None = None,
    policy: str = "",
    monitored: str = "",
) -> QuerySet[PovertyExit]:
    """脱贫户 records in scope; ``policy`` keeps those with a policy in force; ``monitored``
    "1" those that are also 监测对象 (脱贫不稳定户), "0" those that are not."""
    qs = _region(PovertyExit.objects.filter(scope_q(actor, PERM)), region)
    q = q.strip()[:MAX_Q]
    if q:
        members = Person.objects.filter(household=OuterRef("household"), name__icontains=q)
        qs = qs.filter(Q(household__number__icontains=q) | Exists(members))
    if year is not None:
        qs = qs.filter(exit_year=year)
    if policy in EXIT_POLICIES:
        # JSON containment is not on SQLite, which also keeps the text \u-escaped: match the
        # quoted item in either spelling (exact: the items are a fixed list)
        qs = qs.filter(
            Q(policies__icontains=f'"{policy}"') | Q(policies__icontains=json.dumps(policy))
        )
    is_monitored = Exists(MonitoredHousehold.objects.filter(household=OuterRef("household")))
    qs = qs.annotate(is_monitored=is_monitored, head_name=_head_name("household"))
    if monitored in ("0", "1"):
        qs = qs.filter(is_monitored=monitored == "1")
    ordered: QuerySet[PovertyExit] = qs.select_related("household", "village").order_by(
        "village_id", "household__number"
    )
    return ordered


def exit_get(*, actor: Any, household: Household) -> PovertyExit | None:
    if not has_perm_in(actor, PERM, household.village_id):
        raise Http404("户不存在")
    return PovertyExit.objects.filter(household=household).first()


def household_by_number(*, actor: Any, village: str, number: str, perm: str = PERM) -> Household:
    """A registry household of a village in scope by its 户编号 (404 otherwise)."""
    household = (
        Household.objects.filter(village_id=village[:12], number=number.strip()[:30])
        .select_related("village")
        .first()
    )
    if household is None or not has_perm_in(actor, perm, household.village_id):
        raise Http404("户不存在")
    return household
