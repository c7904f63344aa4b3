"""Reads of the points system (积分制), always scoped to the acting user.

Rulebooks, events, batches and balances of a village are seen by its staff and by those above
(township, county); a township's or county's template is also seen by the villages below it, so
that they can copy it. Anything else is not found (404). Rankings are exact: households with the
same points share a rank (1, 2, 2, 4), and the star tier follows the thresholds of the version
in force. Every list costs the same number of queries whatever its length.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from cunwu.accounts.permissions import has_perm_in, scope_prefixes, scope_q
from cunwu.core.models import Region, RegionLevel, VillageGroup
from cunwu.registry.models import Household, HouseholdStatus, Person, PersonStatus

from .models import (
    DEFAULT_STAR_THRESHOLDS,
    BatchStatus,
    EntryKind,
    EventStatus,
    LedgerEntry,
    PointAccount,
    PointBatch,
    PointEvent,
    Rulebook,
    RulebookVersion,
    RuleCategory,
    RuleItem,
    VersionStatus,
)
from .services import version_in_force

MAX_Q = 50
HEAD = "户主"
VIEW = "points.view"


def require_any(actor: Any, perm: str = VIEW, message: str = "没有权限查看") -> None:
    """Refuse (403) someone who holds ``perm`` nowhere (a villager on a staff page)."""
    if scope_prefixes(actor, perm) == []:
        raise PermissionDenied(message)


def _ancestors(prefix: str) -> list[str]:
    """The county and township codes above a scope prefix (their templates are seen below)."""
    codes = []
    if len(prefix) > 6:
        codes.append(prefix[:6] + "000000")
    if len(prefix) > 9:
        codes.append(prefix[:9] + "000")
    return codes


def _rulebooks_q(actor: Any) -> Q:
    prefixes = scope_prefixes(actor, VIEW)
    if prefixes is None:
        return Q()
    q = Q(pk__in=[])
    for prefix in prefixes:
        q |= Q(region__code__startswith=prefix) | Q(region_id__in=_ancestors(prefix))
    return q


def can_see_region(actor: Any, code: str) -> bool:
    """The region's own rulebook in scope, or a template above the actor's scope."""
    prefixes = scope_prefixes(actor, VIEW)
    if prefixes is None:
        return True
    return any(code.startswith(p) or code in _ancestors(p) for p in prefixes)


def _household_head() -> Subquery:
    return Subquery(
        Person.objects.filter(
            household=OuterRef("pk"), relation=HEAD, status=PersonStatus.ACTIVE
        ).values("name")[:1]
    )


# ---------------------------------------------------------------- regions


def villages_in_scope(*, actor: Any, perm: str = VIEW) -> QuerySet[Region]:
    prefixes = scope_prefixes(actor, perm)
    qs = Region.objects.filter(level=RegionLevel.VILLAGE, retired=False)
    if prefixes is not None:
        q = Q(pk__in=[])
        for prefix in prefixes:
            q |= Q(code__startswith=prefix)
        qs = qs.filter(q)
    return qs.order_by("code")


def village_get(*, actor: Any, code: str, perm: str = VIEW) -> Region:
    """A village where ``actor`` holds ``perm``, or 404."""
    village = Region.objects.filter(code=code[:12], level=RegionLevel.VILLAGE).first()
    if village is None or not has_perm_in(actor, perm, village):
        raise Http404("村不存在")
    return village


def region_get(*, actor: Any, code: str) -> Region:
    """A village, township or county whose rulebook the actor may see, or 404."""
    region = Region.objects.filter(code=code[:12], level__gte=RegionLevel.COUNTY).first()
    if region is None or not can_see_region(actor, region.code):
        raise Http404("区划不存在")
    return region


def groups_of(village: Region | str) -> QuerySet[VillageGroup]:
    code = village if isinstance(village, str) else village.code
    return VillageGroup.objects.filter(village_id=code).order_by("number", "name")


# ---------------------------------------------------------------- rulebooks


def rulebooks(*, actor: Any, templates: bool | None = None) -> QuerySet[Rulebook]:
    """Rulebooks in scope, with the templates above; ``templates`` keeps only templates (True)
    or only villages' rulebooks (False)."""
    qs = Rulebook.objects.filter(_rulebooks_q(actor)).select_related("region")
    if templates is True:
        qs = qs.exclude(region__level=RegionLevel.VILLAGE)
    elif templates is False:
        qs = qs.filter(region__level=RegionLevel.VILLAGE)
    return qs.order_by("region_id")


def versions(*, actor: Any, region: str = "", status: str = "") -> QuerySet[RulebookVersion]:
    qs = RulebookVersion.objects.filter(_versions_q(actor)).select_related(
        "rulebook__region", "notice", "copied_from__rulebook"
    )
    if region:
        qs = qs.filter(rulebook__region_id=region[:12])
    if status in VersionStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("rulebook__region_id", "-number")


def _versions_q(actor: Any) -> Q:
    prefixes = scope_prefixes(actor, VIEW)
    if prefixes is None:
        return Q()
    q = Q(pk__in=[])
    for prefix in prefixes:
        q |= Q(rulebook__region__code__startswith=prefix) | Q(
            rulebook__region_id__in=_ancestors(prefix)
        )
    return q


def versions_of(rulebook: Rulebook) -> QuerySet[RulebookVersion]:
    return rulebook.versions.select_related("notice", "copied_from__rulebook").order_by("-number")


def version_get(*, actor: Any, pk: int) -> RulebookVersion:
    version = (
        RulebookVersion.objects.select_related("rulebook__region", "notice", "created_by")
        .filter(pk=pk)
        .first()
    )
    if version is None or not can_see_region(actor, version.rulebook.region_id):
        raise Http404("版本不存在")
    return version


def item_get(*, actor: Any, pk: int) -> RuleItem:
    item = (
        RuleItem.objects.select_related("version__rulebook__region", "category")
        .filter(pk=pk)
        .first()
    )
    if item is None or not can_see_region(actor, item.version.rulebook.region_id):
        raise Http404("事项不存在")
    return item


@dataclass
class CategoryItems:
    category: RuleCategory
    items: list[RuleItem]


def items_by_category(version: RulebookVersion) -> list[CategoryItems]:
    """The version's items under their categories, in order (two queries)."""
    groups = [CategoryItems(c, []) for c in version.categories.all()]
    by_pk = {g.category.pk: g for g in groups}
    for item in version.items.all():
        by_pk[item.category_id].items.append(item)
    return [g for g in groups if g.items]


def templates_for(region: Region) -> QuerySet[RulebookVersion]:
    """Published templates (township and county) a village may copy."""
    return (
        RulebookVersion.objects.filter(
            rulebook__region_id__in=_ancestors(region.code), status=VersionStatus.EFFECTIVE
        )
        .select_related("rulebook__region")
        .order_by("rulebook__region_id", "-number")
    )


def version_items_in_force(village: Region | str, on: date) -> list[RuleItem]:
    version = version_in_force(village, on)
    if version is None:
        return []
    return list(version.items.select_related("category", "version"))


# ---------------------------------------------------------------- events


def events(
    *,
    actor: Any,
    status: str = "",
    village: str = "",
    group: int | None = None,
    item: str = "",
    q: str = "",
    start: date | None = None,
    end: date | None = None,
    batch: int | None = None,
) -> QuerySet[PointEvent]:
    """Events in scope; ``item`` is an item code, ``q`` a 户编号 or a member's name."""
    qs = PointEvent.objects.filter(scope_q(actor, VIEW))
    if status in EventStatus.values:
        qs = qs.filter(status=status)
    if village:
        qs = qs.filter(village_id=village[:12])
    if group:
        qs = qs.filter(household__group_id=group)
    if item:
        qs = qs.filter(item__code=item.strip().upper()[:10])
    if start:
        qs = qs.filter(date__gte=start)
    if end:
        qs = qs.filter(date__lte=end)
    if batch:
        qs = qs.filter(batch_id=batch)
    q = q.strip()[:MAX_Q]
    if q:
        qs = qs.filter(
            Q(household__number__icontains=q)
            | Q(household__members__name__contains=q, household__members__relation=HEAD)
        ).distinct()
    return qs.select_related(
        "village", "household__group", "person", "item", "proposed_by", "reviewed_by", "batch"
    ).order_by("-date", "-pk")


def event_get(*, actor: Any, pk: int) -> PointEvent:
    event = (
        PointEvent.objects.select_related(
            "village",
            "household__group",
            "person",
            "item__version",
            "proposed_by",
            "reviewed_by",
            "batch__notice",
            "reverses",
        )
        .filter(pk=pk)
        .first()
    )
    if event is None or not has_perm_in(actor, VIEW, event.village_id):
        raise Http404("积分申报不存在")
    return event


def reversal_of(event: PointEvent) -> PointEvent | None:
    return PointEvent.objects.filter(reverses=event).first()


def households_search(*, village: Region, q: str) -> QuerySet[Household]:
    """Active households of the village whose 户编号 or a member's name contains ``q``."""
    qs = Household.objects.filter(village=village, status=HouseholdStatus.ACTIVE)
    q = q.strip()[:MAX_Q]
    if q:
        qs = qs.filter(
            Q(number__icontains=q)
            | Q(members__name__contains=q, members__status=PersonStatus.ACTIVE)
        ).distinct()
    return qs.annotate(head=_household_head()).select_related("group").order_by("number")


def active_members(household: Household) -> QuerySet[Person]:
    return household.members.filter(status=PersonStatus.ACTIVE).order_by("pk")


# ---------------------------------------------------------------- batches


def batches(*, actor: Any, village: str = "", status: str = "") -> QuerySet[PointBatch]:
    qs = PointBatch.objects.filter(scope_q(actor, VIEW))
    if village:
        qs = qs.filter(village_id=village[:12])
    if status in BatchStatus.values:
        qs = qs.filter(status=status)
    return qs.select_related("village", "notice", "created_by").order_by("-created_at", "-pk")


def batch_get(*, actor: Any, pk: int) -> PointBatch:
    batch = PointBatch.objects.select_related("village", "notice").filter(pk=pk).first()
    if batch is None or not has_perm_in(actor, VIEW, batch.village_id):
        raise Http404("公示批次不存在")
    return batch


# ---------------------------------------------------------------- balances and rankings


def household_get(*, actor: Any, pk: int) -> Household:
    household = Household.objects.select_related("village", "group").filter(pk=pk).first()
    if household is None or not has_perm_in(actor, VIEW, household.village_id):
        raise Http404("户不存在")
    return household


def balances(
    *, actor: Any, village: str = "", group: int | None = None, q: str = ""
) -> QuerySet[Household]:
    """Active households in scope with their two figures (``cumulative``, ``available``; zero
    without an account) and ``head`` (the head's name)."""
    qs = Household.objects.filter(scope_q(actor, VIEW), status=HouseholdStatus.ACTIVE)
    if village:
        qs = qs.filter(village_id=village[:12])
    if group:
        qs = qs.filter(group_id=group)
    q = q.strip()[:MAX_Q]
    if q:
        qs = qs.filter(
            Q(number__icontains=q)
            | Q(members__name__contains=q, members__status=PersonStatus.ACTIVE)
        ).distinct()
    return (
        qs.annotate(
            cumulative=Coalesce("point_account__cumulative", Value(0)),
            available=Coalesce("point_account__available", Value(0)),
            head=_household_head(),
        )
        .select_related("village", "group")
        .order_by("village_id", "number")
    )


def star_of(points: int, thresholds: list[int]) -> int:
    """How many stars ``points`` earn: the number of thresholds reached (0..len)."""
    return bisect.bisect_right(sorted(thresholds), points)


def thresholds_of(village: Region | str, on: date | None = None) -> list[int]:
    version = version_in_force(village, on or timezone.localdate())
    return version.thresholds if version is not None else list(DEFAULT_STAR_THRESHOLDS)


@dataclass
class RankRow:
    rank: int
    household: Household
    head: str
    points: int
    stars: int


def rankings(
    *,
    actor: Any,
    village: Region,
    group: int | None = None,
    start: date | None = None,
    end: date | None = None,
) -> list[RankRow]:
    """The village's active households by points, best first, ties sharing a rank (1, 2, 2, 4).

    With a period (``start``/``end``, either open): the points earned in it — the sum of the
    ledger's earned and reversed points whose date falls in it. Without: cumulative points.
    Stars count the thresholds of the version in force (on ``end``, else today) that the
    ranked points reach."""
    if not has_perm_in(actor, VIEW, village):
        raise Http404("村不存在")
    qs = Household.objects.filter(village=village, status=HouseholdStatus.ACTIVE)
    if group:
        qs = qs.filter(group_id=group)
    if start is None and end is None:
        figure: Any = Coalesce("point_account__cumulative", Value(0))
    else:
        entries = LedgerEntry.objects.filter(
            account__household=OuterRef("pk"), kind__in=[EntryKind.EARN, EntryKind.REVERSAL]
        )
        if start:
            entries = entries.filter(date__gte=start)
        if end:
            entries = entries.filter(date__lte=end)
        figure = Coalesce(
            Subquery(
                entries.order_by()
                .values("account__household")
                .annotate(total=Sum("cumulative"))
                .values("total")[:1],
                output_field=IntegerField(),
            ),
            Value(0),
        )
    rows = list(
        qs.annotate(points=figure, head=_household_head())
        .select_related("group")
        .order_by("-points", "number")
    )
    thresholds = thresholds_of(village, end)
    out: list[RankRow] = []
    for position, household in enumerate(rows, start=1):
        row: Any = household  # annotated with points and head
        points = int(row.points)
        rank = out[-1].rank if out and out[-1].points == points else position
        out.append(RankRow(rank, household, row.head or "", points, star_of(points, thresholds)))
    return out


def household_rank(household: Household) -> tuple[int, int, int]:
    """(rank in the village by cumulative points, households ranked, stars): for the villager's
    own page (three queries)."""
    account = PointAccount.objects.filter(household=household).first()
    mine = account.cumulative if account else 0
    households = Household.objects.filter(
        village_id=household.village_id, status=HouseholdStatus.ACTIVE
    )
    total = households.count()
    above = households.filter(point_account__cumulative__gt=mine).count()
    if mine < 0:  # households without an account stand at zero, above a negative figure
        above += households.filter(point_account__isnull=True).count()
    stars = star_of(mine, thresholds_of(household.village_id))
    return above + 1, total, stars


@dataclass
class StatementRow:
    entry: LedgerEntry
    cumulative: int
    available: int


def household_statement(household: Household) -> list[StatementRow]:
    """The household's ledger rows, oldest first, with running balances of both figures."""
    entries = (
        LedgerEntry.objects.filter(account__household=household)
        .select_related("event__item", "event__reverses", "person", "actor")
        .order_by("pk")
    )
    cumulative = available = 0
    rows = []
    for entry in entries:
        cumulative += entry.cumulative
        available += entry.available
        rows.append(StatementRow(entry, cumulative, available))
    return rows


def account_of(household: Household) -> PointAccount | None:
    return PointAccount.objects.filter(household=household).first()


def open_events_of(household: Household) -> QuerySet[PointEvent]:
    """Events of the household not yet in the ledger (proposed, approved, disclosing)."""
    return (
        PointEvent.objects.filter(
            household=household,
            status__in=[EventStatus.PROPOSED, EventStatus.APPROVED, EventStatus.DISCLOSING],
        )
        .select_related("item")
        .order_by("-date", "-pk")
    )
