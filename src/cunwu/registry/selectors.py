"""Reads of the registry, always filtered by the acting user's scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from cunwu.accounts.permissions import has_perm_in, regions_in_scope, scope_q
from cunwu.core.crypto import blind_index
from cunwu.core.errors import ApplicationError
from cunwu.core.idnumber import validate_id_number
from cunwu.core.models import AuditEvent, Region, RegionLevel, VillageGroup, code_prefix

from .models import (
    HEAD,
    HOUSEHOLD_TAGS,
    Household,
    HouseholdStatus,
    IncomeCategory,
    IncomeRecord,
    LifeEvent,
    Person,
    PersonStatus,
)
from .services import ID_CONTEXT, per_capita_net_income


def _id_index(raw: str) -> str:
    try:
        number = validate_id_number(raw)
    except ApplicationError:
        return "#"  # not a valid number: matches nothing
    return blind_index(number, context=ID_CONTEXT)


def tag_q(tag: str) -> Q:
    """Households carrying ``tag``; a household without any tag counts as 一般户."""
    if tag == "一般户":
        return Q(tags="") | Q(tags__contains="|一般户|")
    return Q(tags__contains=f"|{tag}|")


def region_prefix(code: str) -> str:
    """The significant prefix of a region code (unknown codes match nothing)."""
    region = Region.objects.filter(code=code).only("code", "level").first()
    return code_prefix(region.code, region.level) if region else "#"


def household_list(
    *,
    actor: Any,
    q: str = "",
    region: str = "",
    group: int | None = None,
    tag: str = "",
    status: str = HouseholdStatus.ACTIVE,
) -> QuerySet[Household]:
    """Households in scope; ``q`` matches 户编号, a member's name, or the last digits of an ID."""
    qs = Household.objects.filter(scope_q(actor, "registry.view"))
    if region:
        qs = qs.filter(village__code__startswith=region_prefix(region))
    if group:
        qs = qs.filter(group_id=group)
    if tag in HOUSEHOLD_TAGS:
        qs = qs.filter(tag_q(tag))
    if status:
        qs = qs.filter(status=status)
    q = q.strip()
    if q:
        match = Q(number__icontains=q) | Q(members__name__contains=q)
        if q.isdigit() or (q[:-1].isdigit() and q[-1:] in "xX"):
            if len(q) <= 6:
                match |= Q(members__id_tail__endswith=q.upper())
            else:  # a whole ID number: look it up by its blind index, never by plaintext
                match |= Q(members__id_number_index=_id_index(q))
        qs = qs.filter(match).distinct()
    return qs.select_related("village", "group").order_by("village_id", "number")


def household_get(*, actor: Any, pk: int) -> Household:
    """One household, or 404 when it does not exist or lies outside the actor's scope."""
    household = Household.objects.select_related("village", "group").filter(pk=pk).first()
    if household is None or not has_perm_in(actor, "registry.view", household.village_id):
        raise Http404("户不存在")
    return household


def person_get(*, actor: Any, pk: int) -> Person:
    person = Person.objects.select_related("household__village").filter(pk=pk).first()
    if person is None or not has_perm_in(actor, "registry.view", person.household.village_id):
        raise Http404("成员不存在")
    return person


def own_household(user: Any) -> Household | None:
    """The household of the person a (villager's) account belongs to, while both are active."""
    if not getattr(user, "is_authenticated", False):
        return None
    person = (
        Person.objects.select_related("household__village", "household__group")
        .filter(user=user, status=PersonStatus.ACTIVE, household__status=HouseholdStatus.ACTIVE)
        .first()
    )
    return person.household if person else None


def household_members(household: Household, *, include_inactive: bool = True) -> QuerySet[Person]:
    """Members in the order a household register lists them: active first, the head first."""
    qs = household.members.all()
    if not include_inactive:
        qs = qs.filter(status=PersonStatus.ACTIVE)
    return qs.annotate(
        inactive=Case(
            When(status=PersonStatus.ACTIVE, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        not_head=Case(
            When(relation=HEAD, then=Value(0)), default=Value(1), output_field=IntegerField()
        ),
    ).order_by("inactive", "not_head", "id")


def scope_counts(*, actor: Any) -> dict[str, Any]:
    """The dashboard: households and persons in scope, by tag and by village."""
    households = Household.objects.filter(
        scope_q(actor, "registry.view"), status=HouseholdStatus.ACTIVE
    )
    persons = Person.objects.filter(
        scope_q(actor, "registry.view", field="household__village"), status=PersonStatus.ACTIVE
    )
    tag_counts = households.aggregate(
        **{f"t{i}": Count("pk", filter=tag_q(t)) for i, t in enumerate(HOUSEHOLD_TAGS)}
    )
    by_village: list[dict[str, Any]] = [
        dict(row)
        for row in households.values("village_id", "village__name")
        .annotate(households=Count("pk", distinct=True))
        .order_by("village_id")
    ]
    person_by_village = dict(
        persons.values_list("household__village_id").annotate(n=Count("pk")).order_by()
    )
    for row in by_village:
        row["persons"] = person_by_village.get(row["village_id"], 0)
    return {
        "households": households.count(),
        "persons": persons.count(),
        "by_tag": [(t, tag_counts[f"t{i}"]) for i, t in enumerate(HOUSEHOLD_TAGS)],
        "by_village": by_village,
    }


def audit_history(
    *, actor: Any, object_type: str, object_id: str, region: str
) -> QuerySet[AuditEvent]:
    """Audit events about one object, for roles that may read the audit chain in its region.

    Events recorded in chains outside the actor's audit scope stay hidden (a person who moved
    in from another village keeps that village's history to itself).
    """
    if not has_perm_in(actor, "core.view_audit", region):
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(
        scope_q(actor, "core.view_audit", field="region"),
        object_type=object_type,
        object_id=object_id,
    ).order_by("at", "seq")


# ---------------------------------------------------------------- pages


def household_table(
    *,
    actor: Any,
    q: str = "",
    region: str = "",
    group: int | None = None,
    tag: str = "",
    status: str = HouseholdStatus.ACTIVE,
) -> QuerySet[Household]:
    """:func:`household_list` with what a list page shows, in one query however many rows.

    Adds ``head_name`` and ``head_id_masked`` (the active head, else the latest former head of
    a dissolved household) and ``member_count`` (active members).
    """
    heads = (
        Person.objects.filter(household=OuterRef("pk"), relation=HEAD)
        .annotate(
            inactive=Case(
                When(status=PersonStatus.ACTIVE, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("inactive", "-pk")
    )
    active = (
        Person.objects.filter(household=OuterRef("pk"), status=PersonStatus.ACTIVE)
        .order_by()
        .values("household")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return household_list(
        actor=actor, q=q, region=region, group=group, tag=tag, status=status
    ).annotate(
        head_name=Subquery(heads.values("name")[:1]),
        head_id_masked=Subquery(heads.values("id_masked")[:1]),
        member_count=Coalesce(Subquery(active, output_field=IntegerField()), Value(0)),
    )


def villages_in_scope(*, actor: Any, perm: str = "registry.view") -> QuerySet[Region]:
    """Villages (level 5) where the actor holds ``perm``, by code."""
    return regions_in_scope(actor, perm, level=RegionLevel.VILLAGE)


def villages_with_households(*, actor: Any) -> QuerySet[Region]:
    """Villages in the actor's view scope that hold at least one household (the list filter:
    a deployment may load every village of a province, most of them without data)."""
    return villages_in_scope(actor=actor).filter(
        Exists(Household.objects.filter(village=OuterRef("pk")))
    )


def village_groups(*, actor: Any, village: str) -> QuerySet[VillageGroup]:
    """The groups of one village the actor may view; none for a village outside scope."""
    if not village or not has_perm_in(actor, "registry.view", village):
        return VillageGroup.objects.none()
    return VillageGroup.objects.filter(village_id=village).order_by("number", "name")


def household_find(
    *, actor: Any, village: str, number: str, perm: str = "registry.view"
) -> Household:
    """A household by 户编号 in one village, or ApplicationError when none is within ``perm``."""
    number = number.strip()
    household = (
        Household.objects.select_related("village", "group")
        .filter(village_id=village, number=number)
        .first()
    )
    if household is None or not has_perm_in(actor, perm, household.village_id):
        raise ApplicationError("household_not_found", f"未找到户编号为{number}的户", field="number")
    return household


@dataclass
class IncomeYear:
    """One year of a household's incomes: amounts by category (分) and 人均纯收入."""

    year: int
    amounts: dict[str, int] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    per_capita: int | None = None

    @property
    def cells(self) -> list[tuple[str, int | None]]:
        """(label, amount) in the order of :data:`INCOME_COLUMNS`; ``None`` where none entered."""
        return [(label, self.amounts.get(c)) for c, label in INCOME_COLUMNS]


INCOME_COLUMNS: list[tuple[str, str]] = [(c.value, str(c.label)) for c in IncomeCategory]


def household_incomes(*, household: Household, members: int) -> list[IncomeYear]:
    """Incomes by year, newest first; 人均纯收入 over ``members`` (the active members)."""
    years: dict[int, IncomeYear] = {}
    for record in IncomeRecord.objects.filter(household=household).order_by("-year", "category"):
        row = years.setdefault(record.year, IncomeYear(year=record.year))
        row.amounts[record.category] = record.amount_fen
        if record.note:
            row.notes[record.category] = record.note
    for row in years.values():
        if members > 0:
            row.per_capita = per_capita_net_income(row.amounts, members)
    return list(years.values())


def household_life_events(*, household: Household) -> QuerySet[LifeEvent]:
    """Life events of a household, newest first."""
    return (
        LifeEvent.objects.filter(household=household)
        .select_related("person", "recorded_by")
        .order_by("-date", "-id")
    )


def household_audit_history(
    *, actor: Any, household: Household, persons: list[Person]
) -> QuerySet[AuditEvent]:
    """Audit events of a household, its members and its income records, newest first.

    Empty for roles without ``core.view_audit`` in the household's village; events from chains
    outside the actor's audit scope stay hidden.
    """
    if not has_perm_in(actor, "core.view_audit", household.village_id):
        return AuditEvent.objects.none()
    income_ids = [
        str(pk)
        for pk in IncomeRecord.objects.filter(household=household).values_list("pk", flat=True)
    ]
    match = Q(object_type="registry.household", object_id=str(household.pk))
    if persons:
        match |= Q(object_type="registry.person", object_id__in=[str(p.pk) for p in persons])
    if income_ids:
        match |= Q(object_type="registry.incomerecord", object_id__in=income_ids)
    return (
        AuditEvent.objects.filter(match)
        .filter(scope_q(actor, "core.view_audit", field="region"))
        .select_related("region")
        .order_by("-at", "-seq")
    )
