"""Reads of 公益性岗位, scoped to the caller's villages (outside: 404)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from cunwu.accounts.permissions import scope_q

from ..models import JobAttendance, JobHolder, JobPost

PERM = "village.view"


def job_posts(*, user: Any, q: str = "", village: str = "", active: str = "") -> QuerySet[JobPost]:
    qs = JobPost.objects.filter(scope_q(user, PERM)).select_related("village")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(funding__icontains=q))
    if village:
        qs = qs.filter(village__code__startswith=village)
    if active in ("1", "0"):
        qs = qs.filter(active=active == "1")
    return qs.order_by("village", "name", "pk")


def job_post_get(*, user: Any, pk: int) -> JobPost:
    return get_object_or_404(JobPost.objects.filter(scope_q(user, PERM)), pk=pk)


def job_holders(*, user: Any, post: JobPost | None = None) -> QuerySet[JobHolder]:
    qs = JobHolder.objects.filter(scope_q(user, PERM)).select_related("person", "post")
    if post is not None:
        qs = qs.filter(post=post)
    return qs.order_by("post", "start_on", "pk")


def job_holder_get(*, user: Any, pk: int) -> JobHolder:
    return get_object_or_404(
        JobHolder.objects.filter(scope_q(user, PERM)).select_related("post", "person"), pk=pk
    )


@dataclass(frozen=True)
class PayrollRow:
    holder: JobHolder
    attendance: JobAttendance


def payroll(*, user: Any, village: str, month: date) -> list[PayrollRow]:
    """The counting (newest) attendance row of each holder of ``month`` in ``village``."""
    rows = (
        JobAttendance.objects.filter(scope_q(user, PERM), month=month.replace(day=1))
        .filter(village__code__startswith=village)
        .select_related("holder__person", "holder__post", "village")
        .order_by("holder_id", "-pk")
    )
    latest: dict[int, JobAttendance] = {}
    for row in rows:
        latest.setdefault(row.holder_id, row)
    return [PayrollRow(r.holder, r) for r in sorted(latest.values(), key=lambda r: r.holder_id)]
