"""Reads of the survey campaigns: the campaigns an actor sees (those inside the actor's scope
and those over a wider region that covers it), their coverage per village and per township,
the visits and findings, the assignments, and a cadre's "my households" still to visit.

Coverage is households visited / active households, both counted among the campaign's region's
active households that lie in the actor's scope (a village cadre sees the county's campaign
with the figures of the village only). A household dissolved since its visit counts neither
as visited nor in the total.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from cunwu.accounts.models import User
from cunwu.accounts.permissions import PERMISSIONS, regions_in_scope, scope_prefixes, scope_q
from cunwu.core.models import Region, RegionLevel
from cunwu.registry.models import HEAD, Household, HouseholdStatus, Person

from ..models import SECURITY_KEYS, Assignment, Campaign, CampaignKind, Visit
from ..services.campaigns import region_prefix_of

PERM = "monitoring.view"
MAX_Q = 50
ANCESTOR_LENGTHS = (2, 4, 6, 9)


def _ancestors(prefix: str) -> list[str]:
    """The codes of the regions containing the region of ``prefix`` (province … township)."""
    return [prefix[:n] + "0" * (12 - n) for n in ANCESTOR_LENGTHS if n < len(prefix)]


def campaign_scope_q(actor: Any, perm: str = PERM) -> Q:
    """Campaigns over a region inside the actor's scope or over one containing it."""
    prefixes = scope_prefixes(actor, perm)
    if prefixes is None:
        return Q()
    q = Q(pk__in=[])
    for prefix in prefixes:
        q |= Q(region__code__startswith=prefix) | Q(region__code__in=_ancestors(prefix))
    return q


def campaign_list(
    *, actor: Any, q: str = "", kind: str = "", status: str = "", region: str = ""
) -> QuerySet[Campaign]:
    qs = Campaign.objects.filter(campaign_scope_q(actor)).select_related("region")
    q = q.strip()[:MAX_Q]
    if q:
        qs = qs.filter(title__icontains=q)
    if kind in CampaignKind.values:
        qs = qs.filter(kind=kind)
    if status == "open":
        qs = qs.filter(closed_at=None)
    elif status == "closed":
        qs = qs.filter(closed_at__isnull=False)
    if region:
        qs = qs.filter(region_id=region)
    return qs.annotate(visit_count=Count("visits")).order_by("-start_on", "-pk")


def campaign_get(*, actor: Any, pk: int) -> Campaign:
    campaign = (
        Campaign.objects.filter(campaign_scope_q(actor), pk=pk)
        .select_related("region", "created_by")
        .first()
    )
    if campaign is None:
        raise Http404("排查活动不存在")
    return campaign


def _head_name(field: str = "pk") -> Subquery:
    heads = Person.objects.filter(household=OuterRef(field), relation=HEAD)
    return Subquery(heads.order_by("status", "-pk").values("name")[:1])


def campaign_households(campaign: Campaign, *, actor: Any) -> QuerySet[Household]:
    """Active households of the campaign's region in the actor's scope."""
    return Household.objects.filter(
        scope_q(actor, PERM),
        village__code__startswith=region_prefix_of(campaign.region),
        status=HouseholdStatus.ACTIVE,
    )


# ---------------------------------------------------------------- coverage


@dataclass(frozen=True)
class CoverageRow:
    code: str
    name: str
    visited: int
    total: int

    @property
    def percent(self) -> int:
        """Visited share in whole per cent, rounded half up (0 when there is nobody)."""
        if not self.total:
            return 0
        return (200 * self.visited + self.total) // (2 * self.total)


@dataclass(frozen=True)
class Coverage:
    villages: list[CoverageRow]
    townships: list[CoverageRow]
    total: CoverageRow


def coverage(campaign: Campaign, *, actor: Any) -> Coverage:
    """Households visited / active households, per village, per township and in all. Three
    queries however many households."""
    households = campaign_households(campaign, actor=actor)
    visited_q = Exists(Visit.objects.filter(campaign=campaign, household=OuterRef("pk")))
    rows = list(
        households.annotate(visited=visited_q)
        .order_by()
        .values("village")
        .annotate(total=Count("pk"), seen=Count("pk", filter=Q(visited=True)))
        .values_list("village", "seen", "total")
    )
    towns: dict[str, list[int]] = {}
    for code, seen, count in rows:
        t = towns.setdefault(code[:9] + "000", [0, 0])
        t[0] += seen
        t[1] += count
    names = dict(
        Region.objects.filter(code__in=[r[0] for r in rows] + list(towns)).values_list(
            "code", "name"
        )
    )
    villages = sorted(
        (CoverageRow(c, names.get(c, c), s, t) for c, s, t in rows), key=lambda r: r.code
    )
    townships = [CoverageRow(c, names.get(c, c), s, t) for c, (s, t) in sorted(towns.items())]
    total = CoverageRow(
        "", "合计", sum(r.visited for r in villages), sum(r.total for r in villages)
    )
    return Coverage(villages, townships, total)


# ---------------------------------------------------------------- visits and findings


def findings_q() -> Q:
    """Visits that found a risk or an unmet check (两不愁三保障 or drinking water)."""
    q = ~Q(risk_types=[])
    for key in SECURITY_KEYS:
        q |= Q(**{f"checks__{key}": False})
    return q


def visit_list(
    *,
    actor: Any,
    campaign: Campaign,
    q: str = "",
    village: str = "",
    findings: bool = False,
) -> QuerySet[Visit]:
    qs = Visit.objects.filter(scope_q(actor, PERM), campaign=campaign)
    if village:
        qs = qs.filter(village_id=village)
    q = q.strip()[:MAX_Q]
    if q:
        members = Person.objects.filter(household=OuterRef("household"), name=q)
        qs = qs.filter(Q(household__number=q) | Exists(members))
    if findings:
        qs = qs.filter(findings_q())
    return (
        qs.select_related("village", "household", "visitor", "case")
        .annotate(head_name=_head_name("household"))
        .order_by("village", "household__number")
    )


def visit_get(*, actor: Any, pk: int) -> Visit:
    visit = (
        Visit.objects.filter(scope_q(actor, PERM), pk=pk)
        .select_related("campaign", "village", "household", "visitor", "case")
        .annotate(head_name=_head_name("household"))
        .first()
    )
    if visit is None:
        raise Http404("走访记录不存在")
    return visit


def is_finding(visit: Visit) -> bool:
    return bool(visit.risk_types) or not visit.secured


def assignment_list(*, actor: Any, campaign: Campaign) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(scope_q(actor, PERM), campaign=campaign)
        .select_related("village", "group", "cadre")
        .order_by("village", "group__number", "pk")
    )


# ---------------------------------------------------------------- my households


def my_households(
    *, actor: Any, campaign: Campaign, q: str = "", include_visited: bool = False
) -> QuerySet[Household]:
    """The active households assigned to ``actor`` in ``campaign`` (whole villages and groups),
    not yet visited unless ``include_visited``."""
    assigned = Q(pk__in=[])
    for village_id, group_id in Assignment.objects.filter(
        campaign=campaign, cadre=actor
    ).values_list("village_id", "group_id"):
        if group_id is None:
            assigned |= Q(village_id=village_id)
        else:
            assigned |= Q(village_id=village_id, group_id=group_id)
    qs = campaign_households(campaign, actor=actor).filter(assigned)
    visited = Visit.objects.filter(campaign=campaign, household=OuterRef("pk"))
    if not include_visited:
        qs = qs.filter(~Exists(visited))
    q = q.strip()[:MAX_Q]
    if q:
        members = Person.objects.filter(household=OuterRef("pk"), name__contains=q)
        qs = qs.filter(Q(number__contains=q) | Exists(members) | Q(address__contains=q))
    return (
        qs.select_related("village", "group")
        .annotate(head_name=_head_name(), visited=Exists(visited))
        .order_by("village", "number")
    )


def my_campaigns(*, actor: Any) -> QuerySet[Campaign]:
    """Open campaigns where ``actor`` has an assignment."""
    return (
        Campaign.objects.filter(closed_at=None, assignments__cadre=actor)
        .distinct()
        .select_related("region")
        .order_by("-start_on", "-pk")
    )


def campaign_villages(*, actor: Any, campaign: Campaign, perm: str = PERM) -> QuerySet[Region]:
    """The villages of the campaign's region where ``actor`` holds ``perm``."""
    return regions_in_scope(actor, perm, level=RegionLevel.VILLAGE).filter(
        code__startswith=region_prefix_of(campaign.region)
    )


def visit_cadres(villages: list[Region]) -> QuerySet[User]:
    """Active users who may visit households in one of ``villages`` (monitoring.visit held
    over the village or a region containing it)."""
    codes: set[str] = set()
    for v in villages:
        codes.add(v.code)
        codes.update(_ancestors(v.code))
    return (
        User.objects.filter(
            is_active=True,
            assignments__role__in=PERMISSIONS["monitoring.visit"],
            assignments__region__code__in=codes,
        )
        .distinct()
        .order_by("display_name", "username")
    )
