"""Reads of the meetings part of 乡村治理, scoped to the acting user's villages (outside: 404)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cunwu.accounts.permissions import scope_q
from cunwu.disclosure.models_feedback import OPEN_FEEDBACK
from cunwu.registry.models import HouseholdStatus, Person, PersonStatus

from ..models_meetings import Meeting, MeetingOpinion

__all__ = [
    "OPINION_STATES",
    "attendance_candidates",
    "meeting_get",
    "meeting_search",
    "opinion_search",
    "tally",
]

PERM = "village.view"

# the filter of the opinions list: (value, label)
OPINION_STATES = [("open", "办理中"), ("overdue", "已逾期"), ("done", "已办结或关闭")]


def _counted(rows: QuerySet[Meeting]) -> QuerySet[Meeting]:
    return rows.annotate(
        expected=Count("attendees", distinct=True),
        present_count=Count("attendees", filter=Q(attendees__present=True), distinct=True),
        opinion_count=Count("opinions", distinct=True),
    )


def tally(meeting: Meeting) -> tuple[int, int, int]:
    """应到, 实到 and the opinions of a meeting read through ``meeting_search``/``meeting_get``."""
    expected: int = getattr(meeting, "expected", 0)
    present: int = getattr(meeting, "present_count", 0)
    return expected, present, getattr(meeting, "opinion_count", 0)


def meeting_search(
    *,
    actor: Any,
    q: str = "",
    village: str = "",
    start: date | None = None,
    end: date | None = None,
    published: str = "",
) -> QuerySet[Meeting]:
    """Meetings in the actor's villages (village.view), searched in topic, place, guests and
    minutes; ``village`` is a code prefix, ``published`` "1" or "0"."""
    rows = Meeting.objects.filter(scope_q(actor, PERM)).select_related("village", "group")
    q = q.strip()[:50]
    if q:
        rows = rows.filter(
            Q(topic__icontains=q) | Q(place__icontains=q) | Q(minutes__icontains=q)
            | Q(guests__icontains=q)
        )  # fmt: skip
    if village.isdigit():
        rows = rows.filter(village__code__startswith=village)
    if start:
        rows = rows.filter(held_on__gte=start)
    if end:
        rows = rows.filter(held_on__lte=end)
    if published in ("1", "0"):
        rows = rows.filter(notice__isnull=published == "0")
    return _counted(rows).order_by("-held_on", "-pk")


def meeting_get(*, actor: Any, pk: int) -> Meeting:
    rows = Meeting.objects.filter(scope_q(actor, PERM)).select_related("village", "group", "notice")
    return get_object_or_404(_counted(rows), pk=pk)


def attendance_candidates(meeting: Meeting) -> QuerySet[Person]:
    """Who may be listed: the living members of the village's active households, the meeting's
    group first."""
    return (
        Person.objects.filter(
            household__village_id=meeting.village_id,
            household__status=HouseholdStatus.ACTIVE,
            status=PersonStatus.ACTIVE,
        )
        .select_related("household", "household__group")
        .order_by("household__number", "pk")
    )


def opinion_search(
    *, actor: Any, q: str = "", village: str = "", state: str = "", today: date | None = None
) -> QuerySet[MeetingOpinion]:
    """Opinions raised at meetings in scope, with their handling (the feedback's status)."""
    today = today or timezone.localdate()
    rows = MeetingOpinion.objects.filter(scope_q(actor, PERM)).select_related(
        "meeting", "meeting__group", "village", "owner", "feedback"
    )
    q = q.strip()[:50]
    if q:
        rows = rows.filter(
            Q(text__icontains=q) | Q(raised_by__icontains=q) | Q(meeting__topic__icontains=q)
        )
    if village.isdigit():
        rows = rows.filter(village__code__startswith=village)
    if state == "open":
        rows = rows.filter(feedback__status__in=OPEN_FEEDBACK)
    elif state == "overdue":
        rows = rows.filter(feedback__status__in=OPEN_FEEDBACK, deadline__lt=today)
    elif state == "done":
        rows = rows.exclude(feedback__status__in=OPEN_FEEDBACK)
    return rows.order_by("deadline", "pk")
