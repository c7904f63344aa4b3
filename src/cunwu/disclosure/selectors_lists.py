"""Reads of the four lists, cases and decisions, scoped to the acting user.

List items of a region are seen by the staff of that region and of the regions below it (the
county's template by every village of the county, so that they can adopt it); cases and
decisions by the staff of their village and above. Anything else is not found (404).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cunwu.accounts.permissions import has_perm_in, scope_prefixes, scope_q
from cunwu.core.models import Region, code_prefix

from .models_lists import (
    Case,
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    Decision,
    DecisionRecord,
    DecisionStatus,
    ListItem,
    ListKind,
)

MAX_Q = 50


def require_any(actor: Any, perm: str, message: str = "没有权限查看") -> None:
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


def _items_q(actor: Any) -> Q:
    prefixes = scope_prefixes(actor, "disclosure.view")
    if prefixes is None:
        return Q()
    q = Q(pk__in=[])
    for prefix in prefixes:
        q |= Q(region__code__startswith=prefix) | Q(region_id__in=_ancestors(prefix))
    return q


def can_see_item(actor: Any, item: ListItem) -> bool:
    prefixes = scope_prefixes(actor, "disclosure.view")
    if prefixes is None:
        return True
    code = item.region_id
    return any(code.startswith(p) or code in _ancestors(p) for p in prefixes)


def _in_region(qs: QuerySet[Any], region: str, field: str) -> QuerySet[Any]:
    if region.isdigit() and len(region) == 12:
        level = Region.objects.filter(code=region).values_list("level", flat=True).first()
        if level is not None:
            return qs.filter(**{f"{field}__code__startswith": code_prefix(region, level)})
    return qs


# ---------------------------------------------------------------- list items


def list_items(
    *,
    actor: Any,
    q: str = "",
    kind: str = "",
    region: str = "",
    level: str = "",
    history: bool = False,
) -> QuerySet[ListItem]:
    """Items in sight: current versions (all versions with ``history``), filtered by list,
    the owning region (exactly that region) or its level, and a search in name and basis."""
    qs = ListItem.objects.filter(_items_q(actor)).select_related("region")
    if not history:
        qs = qs.filter(active=True)
    if kind in ListKind.values:
        qs = qs.filter(kind=kind)
    if region.isdigit() and len(region) == 12:
        qs = qs.filter(region_id=region)
    if level.isdigit():
        qs = qs.filter(region__level=int(level))
    q = q.strip()[:MAX_Q]
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(basis__icontains=q) | Q(key__iexact=q))
    return qs.annotate(step_count=Count("steps")).order_by(
        "kind", "region__level", "name", "-version", "pk"
    )


def list_item_get(*, actor: Any, pk: int) -> ListItem:
    item = ListItem.objects.select_related("region", "based_on__region").filter(pk=pk).first()
    if item is None or not can_see_item(actor, item):
        raise Http404
    return item


def versions_of(item: ListItem) -> QuerySet[ListItem]:
    return ListItem.objects.filter(region=item.region, key=item.key).order_by("-version")


def adoptions_in_scope(*, actor: Any, item: ListItem) -> QuerySet[ListItem]:
    """The current copies of ``item`` (any version) that regions in sight adopted."""
    return (
        ListItem.objects.filter(_items_q(actor), key=item.key, active=True)
        .exclude(region=item.region)
        .select_related("region")
        .order_by("region__code")
    )


def adopted_in(region: Region, item: ListItem) -> ListItem | None:
    return ListItem.objects.filter(region=region, key=item.key, active=True).first()


# ---------------------------------------------------------------- cases


def overdue_case_q(today: date) -> Q:
    return Q(status=CaseStatus.OPEN, step_due__lt=today)


def case_list(
    *,
    actor: Any,
    q: str = "",
    status: str = "",
    region: str = "",
    kind: str = "",
    overdue: bool = False,
    escalated: bool = False,
    today: date | None = None,
) -> QuerySet[Case]:
    qs = Case.objects.filter(scope_q(actor, "disclosure.view")).select_related("village", "item")
    if status in CaseStatus.values:
        qs = qs.filter(status=status)
    if kind in ListKind.values:
        qs = qs.filter(item__kind=kind)
    if overdue:
        qs = qs.filter(overdue_case_q(today or timezone.localdate()))
    if escalated:
        qs = qs.filter(escalated_at__isnull=False, status=CaseStatus.OPEN)
    qs = _in_region(qs, region, "village")
    q = q.strip()[:MAX_Q]
    if q:
        qs = qs.filter(
            Q(code__iexact=q) | Q(applicant_name__icontains=q) | Q(item__name__icontains=q)
        )
    return qs.order_by("-opened_at", "-pk")


def overdue_cases(*, actor: Any, today: date | None = None) -> QuerySet[Case]:
    """Open cases past their step's deadline in the township's (or county's) scope."""
    return (
        Case.objects.filter(
            scope_q(actor, "disclosure.view_overdue"),
            overdue_case_q(today or timezone.localdate()),
        )
        .select_related("village", "item")
        .order_by("step_due", "pk")
    )


def case_get(*, actor: Any, pk: int) -> Case:
    case = (
        Case.objects.select_related("village", "item", "item__region", "opened_by")
        .filter(pk=pk)
        .first()
    )
    if case is None or not has_perm_in(actor, "disclosure.view", case.village):
        raise Http404
    return case


def events_of(case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").order_by("at", "pk")


def normalize_code(raw: str) -> str:
    code = raw.strip().upper().replace(" ", "")
    return code if code.isalnum() and len(code) <= 12 else ""


def public_case(code: str) -> Case:
    """The case a tracking code names (its applicant follows it), else not found."""
    code = normalize_code(code)
    case = (
        Case.objects.select_related("village", "item").filter(code=code).first() if code else None
    )
    if case is None:
        raise Http404
    return case


PUBLIC_EVENTS = (CaseEventKind.OPEN, CaseEventKind.DONE, CaseEventKind.RETURN, CaseEventKind.STOP)


def public_events(case: Case) -> QuerySet[CaseEvent]:
    """What the applicant sees of the history: steps accepted, done, returned or stopped, with
    dates and reasons; internal notes, attachments and who handled it stay inside."""
    return case.events.filter(kind__in=PUBLIC_EVENTS).order_by("at", "pk")


# ---------------------------------------------------------------- decisions


def decision_list(
    *, actor: Any, q: str = "", stage: str = "", status: str = "", region: str = ""
) -> QuerySet[Decision]:
    qs = Decision.objects.filter(scope_q(actor, "disclosure.view")).select_related("village")
    if stage.isdigit():
        qs = qs.filter(stage=int(stage))
    if status in DecisionStatus.values:
        qs = qs.filter(status=status)
    qs = _in_region(qs, region, "village")
    q = q.strip()[:MAX_Q]
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(description__icontains=q))
    return qs.order_by("-created_at", "-pk")


def decision_get(*, actor: Any, pk: int) -> Decision:
    decision = Decision.objects.select_related("village", "created_by").filter(pk=pk).first()
    if decision is None or not has_perm_in(actor, "disclosure.view", decision.village):
        raise Http404
    return decision


def records_of(decision: Decision) -> QuerySet[DecisionRecord]:
    return decision.records.select_related("recorded_by", "notice").order_by("recorded_at", "pk")
