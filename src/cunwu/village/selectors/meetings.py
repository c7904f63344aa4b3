"""Reads of the meetings part of 乡村治理, scoped to the acting user's villages."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from cunwu.accounts.permissions import scope_q

from ..models_meetings import Meeting

__all__ = ["meeting_search"]


def meeting_search(*, actor: Any, q: str = "") -> QuerySet[Meeting]:
    """Meetings in the actor's villages (village.view), searched in topic, place and minutes."""
    rows = Meeting.objects.filter(scope_q(actor, "village.view")).select_related("village", "group")
    q = q.strip()[:50]
    if q:
        rows = rows.filter(Q(topic__icontains=q) | Q(place__icontains=q) | Q(minutes__icontains=q))
    return rows
