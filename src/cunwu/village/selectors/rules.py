"""Reads of 村规民约与公约, scoped to the caller's villages (outside: 404): the rules with their
current versions, a version's clauses, the acknowledgement coverage per villagers' group and
the points earned under the clauses linked to 积分事项."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.shortcuts import get_object_or_404

from cunwu.accounts.permissions import scope_q
from cunwu.registry.models import Household, HouseholdStatus

from ..models_rules import Acknowledgement, Rule, RuleClause, RuleVersion, RuleVersionStatus

PERM = "village.view"


def rules(*, user: Any, q: str = "", village: str = "", perm: str = PERM) -> QuerySet[Rule]:
    """The rules in scope, each annotated with its current (adopted) version: ``current_pk``,
    ``current_number``, ``current_title``, ``current_meeting_on``; and ``draft_number``."""
    adopted = RuleVersion.objects.filter(rule=OuterRef("pk"), status=RuleVersionStatus.ADOPTED)
    draft = RuleVersion.objects.filter(rule=OuterRef("pk"), status=RuleVersionStatus.DRAFT)
    qs = (
        Rule.objects.filter(scope_q(user, perm))
        .select_related("village")
        .annotate(
            current_pk=Subquery(adopted.values("pk")[:1]),
            current_number=Subquery(adopted.values("number")[:1]),
            current_title=Subquery(adopted.values("title")[:1]),
            current_meeting_on=Subquery(adopted.values("meeting_on")[:1]),
            draft_number=Subquery(draft.values("number")[:1]),
        )
    )
    if q:
        matching = RuleVersion.objects.filter(Q(title__icontains=q) | Q(preamble__icontains=q))
        clause_hits = RuleClause.objects.filter(text__icontains=q).values("version__rule")
        qs = qs.filter(
            Q(village__name__icontains=q)
            | Q(pk__in=matching.values("rule"))
            | Q(pk__in=clause_hits)
        )
    if village:
        qs = qs.filter(village__code__startswith=village)
    return qs.order_by("village", "kind", "pk")


def rule_get(*, user: Any, pk: int, perm: str = PERM) -> Rule:
    return get_object_or_404(Rule.objects.filter(scope_q(user, perm)).select_related("village"),
                             pk=pk)  # fmt: skip


def versions(*, rule: Rule) -> QuerySet[RuleVersion]:
    return (
        rule.versions.select_related("drafted_by", "adopted_by", "notice")
        .annotate(acks=Count("acknowledgements"))
        .order_by("-number")
    )


def version_get(*, user: Any, pk: int, perm: str = PERM) -> RuleVersion:
    return get_object_or_404(
        RuleVersion.objects.filter(scope_q(user, perm)).select_related(
            "rule", "village__parent", "drafted_by", "adopted_by", "notice"
        ),
        pk=pk,
    )


def current_of(rule: Rule) -> RuleVersion | None:
    return (
        rule.versions.filter(status=RuleVersionStatus.ADOPTED)
        .select_related("village", "rule")
        .first()
    )


def clauses(version: RuleVersion) -> QuerySet[RuleClause]:
    return version.clauses.select_related("points_item").order_by("order")


def village_households(version: RuleVersion) -> QuerySet[Household]:
    """The village's households in the register (the denominator of the coverage)."""
    return (
        Household.objects.filter(village_id=version.village_id, status=HouseholdStatus.ACTIVE)
        .select_related("group")
        .order_by("group__number", "group__name", "number")
    )


def percent(part: int, whole: int) -> str:
    """``part / whole`` as a percentage with one decimal, rounded half up ("74.0%")."""
    if whole <= 0:
        return "—"
    tenths = (2000 * part + whole) // (2 * whole)
    return f"{tenths // 10}.{tenths % 10}%"


@dataclass
class GroupCoverage:
    name: str
    total: int = 0
    acknowledged: int = 0
    missing: list[Household] = field(default_factory=list)

    @property
    def percent(self) -> str:
        return percent(self.acknowledged, self.total)


@dataclass
class Coverage:
    total: int
    acknowledged: int
    paper: int
    phone: int
    groups: list[GroupCoverage]

    @property
    def percent(self) -> str:
        return percent(self.acknowledged, self.total)

    @property
    def missing(self) -> list[Household]:
        return [h for g in self.groups for h in g.missing]


NO_GROUP = "未分组"


def coverage(version: RuleVersion) -> Coverage:
    """Households of the village that acknowledged ``version`` ÷ the households in the
    register, in total and per villagers' group, with the households still missing (three
    queries whatever the size)."""
    ways = dict(
        Acknowledgement.objects.filter(
            version=version, household__status=HouseholdStatus.ACTIVE
        ).values_list("household_id", "way")
    )
    groups: dict[str, GroupCoverage] = {}
    for h in village_households(version):
        name = h.group.name if h.group is not None else NO_GROUP
        g = groups.setdefault(name, GroupCoverage(name))
        g.total += 1
        if h.pk in ways:
            g.acknowledged += 1
        else:
            g.missing.append(h)
    values = list(ways.values())
    return Coverage(
        total=sum(g.total for g in groups.values()),
        acknowledged=len(values),
        paper=values.count("paper"),
        phone=values.count("phone"),
        groups=list(groups.values()),
    )


# events counted by the clause report: reviewed and not refused (待公示, 公示中, 已生效)
COUNTED_STATUSES = ("approved", "disclosing", "effective")


@dataclass(frozen=True)
class ClauseReport:
    clause: RuleClause
    events: int
    points: int


def clause_report(version: RuleVersion) -> list[ClauseReport]:
    """For each clause linked to a 积分事项: the points events of the village under that item
    (or the village's own item of the same code, which a village copies from a template)
    dated on or after the adoption meeting, counted when approved, in disclosure or posted;
    ``points`` is their net sum (a reversal counts with its negated points)."""
    from cunwu.points.models import PointEvent

    linked = [c for c in clauses(version) if c.points_item_id is not None]
    if not linked or version.meeting_on is None:
        return [ClauseReport(c, 0, 0) for c in linked]
    out = []
    for c in linked:
        item = c.points_item
        assert item is not None  # noqa: S101 (filtered above)
        agg = PointEvent.objects.filter(
            Q(item=item)
            | Q(item__code=item.code, item__version__rulebook__region_id=version.village_id),
            village_id=version.village_id,
            status__in=COUNTED_STATUSES,
            date__gte=version.meeting_on,
        ).aggregate(n=Count("pk", filter=Q(reverses__isnull=True)), s=Sum("points"))
        out.append(ClauseReport(c, agg["n"] or 0, agg["s"] or 0))
    return out


def own_acknowledgement(
    version: RuleVersion, household: Household | None
) -> Acknowledgement | None:
    if household is None:
        return None
    return Acknowledgement.objects.filter(version=version, household=household).first()
