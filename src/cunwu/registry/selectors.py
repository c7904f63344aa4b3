"""Reads of the registry, always filtered by the acting user's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from cunwu.accounts.permissions import has_perm_in, scope_q
from cunwu.core.models import AuditEvent, Region, code_prefix

from .models import HOUSEHOLD_TAGS, Household, HouseholdStatus, Person, PersonStatus


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
    if tag == "一般户":
        qs = qs.filter(Q(tags="") | Q(tags__contains="|一般户|"))
    elif tag in HOUSEHOLD_TAGS:
        qs = qs.filter(tags__contains=f"|{tag}|")
    if status:
        qs = qs.filter(status=status)
    q = q.strip()
    if q:
        match = Q(number__icontains=q) | Q(members__name__contains=q)
        if q.isdigit() or (q[:-1].isdigit() and q[-1:] in "xX"):
            match |= Q(members__id_tail__endswith=q.upper()[-6:])
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


def household_members(household: Household, *, include_inactive: bool = True) -> QuerySet[Person]:
    qs = household.members.all()
    if not include_inactive:
        qs = qs.filter(status=PersonStatus.ACTIVE)
    return qs.order_by("status", "-relation", "id")


def scope_counts(*, actor: Any) -> dict[str, Any]:
    """The dashboard: households and persons in scope, by tag and by village."""
    households = Household.objects.filter(
        scope_q(actor, "registry.view"), status=HouseholdStatus.ACTIVE
    )
    persons = Person.objects.filter(
        scope_q(actor, "registry.view", field="household__village"), status=PersonStatus.ACTIVE
    )
    tag_counts = households.aggregate(
        **{
            f"t{i}": Count("pk", filter=Q(tags__contains=f"|{t}|"))
            for i, t in enumerate(HOUSEHOLD_TAGS)
        }
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
    """Audit events about one object, for roles that may read the audit chain in its region."""
    if not has_perm_in(actor, "core.view_audit", region):
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(object_type=object_type, object_id=object_id).order_by(
        "at", "seq"
    )
