"""Reads of 培训与劳务输出, scoped to the caller's regions (outside: 404)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from cunwu.accounts.permissions import scope_q

from ..models import LabourExport, TrainingAttendee, TrainingSession

PERM = "village.view"


def training_sessions(
    *, user: Any, q: str = "", kind: str = "", year: int | None = None, region: str = ""
) -> QuerySet[TrainingSession]:
    """Sessions organised in scope, or with an attendee from a village in scope."""
    attended = TrainingAttendee.objects.filter(scope_q(user, PERM)).values("session_id")
    qs = TrainingSession.objects.filter(
        scope_q(user, PERM, "region") | Q(pk__in=attended)
    ).select_related("region")
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(organiser__icontains=q))
    if kind:
        qs = qs.filter(kind=kind)
    if year:
        qs = qs.filter(start_on__year=year)
    if region:
        qs = qs.filter(region__code__startswith=region)
    return qs.annotate(attendee_count=Count("attendees")).order_by("-start_on", "-pk")


def training_session_get(*, user: Any, pk: int) -> TrainingSession:
    return get_object_or_404(training_sessions(user=user), pk=pk)


def training_attendees(*, user: Any, session: TrainingSession) -> QuerySet[TrainingAttendee]:
    """Attendees of ``session``: all of them to its organiser, else those of villages in scope."""
    qs = TrainingAttendee.objects.filter(session=session)
    if not TrainingSession.objects.filter(scope_q(user, PERM, "region"), pk=session.pk).exists():
        qs = qs.filter(scope_q(user, PERM))
    return qs.select_related("person", "village").prefetch_related("certificates").order_by("pk")


def training_attendee_get(*, user: Any, pk: int) -> TrainingAttendee:
    attendee = get_object_or_404(TrainingAttendee.objects.select_related("session"), pk=pk)
    get_object_or_404(training_attendees(user=user, session=attendee.session), pk=pk)
    return attendee


def labour_exports(
    *, user: Any, year: int | None = None, village: str = ""
) -> QuerySet[LabourExport]:
    qs = LabourExport.objects.filter(scope_q(user, PERM)).select_related("person", "village")
    if year:
        qs = qs.filter(year=year)
    if village:
        qs = qs.filter(village__code__startswith=village)
    return qs.order_by("village", "person__name", "pk")


def labour_counts(*, user: Any, year: int) -> list[dict[str, Any]]:
    """Per village: how many people work where in ``year``, with a total row per village."""
    rows = (
        labour_exports(user=user, year=year)
        .values("village__code", "village__name", "destination")
        .annotate(n=Count("pk"))
        .order_by("village__code", "destination")
    )
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        entry = out.setdefault(
            r["village__code"], {"code": r["village__code"], "name": r["village__name"], "total": 0}
        )
        entry[r["destination"]] = r["n"]
        entry["total"] += r["n"]
    return list(out.values())
