"""Reads of the honours part, scoped: outside the caller's villages is 404."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from cunwu.accounts.permissions import has_perm_in, scope_q
from cunwu.registry.models import Household

from ..models_honours import Award, Nomination, Selection

VIEW = "village.view"
SELF = "village.acknowledge"


def _seen(actor: Any) -> Q:
    """Selections in scope; a villager also sees those of the own village (to self-nominate)."""
    q = scope_q(actor, VIEW)
    person = getattr(actor, "person", None) if getattr(actor, "is_authenticated", False) else None
    if person is not None and has_perm_in(actor, SELF, person.household.village_id):
        q |= Q(village_id=person.household.village_id)
    return q


def selection_list(
    *, actor: Any, q: str = "", year: int | None = None, kind: str = "", stage: str = ""
) -> QuerySet[Selection]:
    qs = Selection.objects.filter(_seen(actor)).select_related("village")
    if year:
        qs = qs.filter(year=year)
    if kind:
        qs = qs.filter(kind=kind)
    if stage:
        qs = qs.filter(stage=stage)
    if q:
        qs = qs.filter(Q(village__name__icontains=q) | Q(village__code__startswith=q))
    return qs.annotate(
        nominated=Count("nominations", distinct=True), awarded=Count("awards", distinct=True)
    ).order_by("-year", "village", "kind", "-pk")


def selection_get(*, actor: Any, pk: int) -> Selection:
    selection = Selection.objects.filter(_seen(actor), pk=pk).select_related("village")
    found = selection.first()
    if found is None:
        raise Http404("评选不存在")
    return found


def nominations_of(selection: Selection) -> QuerySet[Nomination]:
    return selection.nominations.select_related("household", "nominated_by").order_by(
        "-candidate", "-votes", "pk"
    )


def nomination_get(*, actor: Any, pk: int) -> Nomination:
    found = (
        Nomination.objects.filter(scope_q(actor, VIEW, "selection__village"), pk=pk)
        .select_related("selection", "household")
        .first()
    )
    if found is None:
        raise Http404("提名不存在")
    return found


def award_list(*, actor: Any, selection: Selection | None = None) -> QuerySet[Award]:
    qs = Award.objects.filter(scope_q(actor, VIEW)).select_related("household", "selection")
    if selection is not None:
        qs = qs.filter(selection=selection)
    return qs


def award_get(*, actor: Any, pk: int) -> Award:
    found = (
        Award.objects.filter(scope_q(actor, VIEW), pk=pk)
        .select_related("household", "selection", "village")
        .first()
    )
    if found is None:
        raise Http404("表彰不存在")
    return found


def household_get(*, actor: Any, pk: int) -> Household:
    """A household in scope, for its honours; a villager sees the own household only."""
    household = Household.objects.filter(pk=pk).select_related("village").first()
    if household is None:
        raise Http404("户不存在")
    if has_perm_in(actor, VIEW, household.village_id):
        return household
    person = getattr(actor, "person", None) if getattr(actor, "is_authenticated", False) else None
    if person is not None and person.household_id == household.pk:
        return household
    raise Http404("户不存在")


def household_honours(household: Household) -> QuerySet[Award]:
    return (
        Award.objects.filter(household=household)
        .select_related("selection")
        .order_by("-awarded_on", "-pk")
    )
