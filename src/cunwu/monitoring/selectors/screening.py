"""Reads of 防返贫监测 (part: screening): alerts, department imports, screening runs, the
policy lines of a region. A department user sees only their own imports."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from cunwu.accounts.permissions import has_perm_in, scope_prefixes, scope_q
from cunwu.core.models import Region

from ..models import Alert, AlertStatus, DepartmentImport, MonitoringPolicy, ScreeningRun
from ..policy import Policy, ancestor_codes, policy_for


def alert_list(
    *, actor: Any, q: str = "", village: str = "", department: str = "", kind: str = "",
    status: str = "", year: int | None = None,
) -> QuerySet[Alert]:  # fmt: skip
    qs = Alert.objects.filter(scope_q(actor, "monitoring.view")).select_related(
        "village", "household", "person"
    )
    if village:
        qs = qs.filter(village__code__startswith=village)
    if department:
        qs = qs.filter(department=department)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(year=year)
    if q:
        qs = qs.filter(
            Q(household__number__icontains=q)
            | Q(person__name__icontains=q)
            | Q(household__members__name__icontains=q)
        ).distinct()
    return qs.order_by("-created_at", "-pk")


def alert_get(*, actor: Any, pk: int) -> Alert:
    alert = (
        Alert.objects.filter(scope_q(actor, "monitoring.view"), pk=pk)
        .select_related("village", "household", "person", "handled_by")
        .first()
    )
    if alert is None:
        raise Http404("预警不存在")
    return alert


def open_alerts_by_village(*, actor: Any, region: str = "") -> list[dict[str, Any]]:
    """Open alerts per village (for the township): village code, name, count."""
    qs = Alert.objects.filter(scope_q(actor, "monitoring.view"), status=AlertStatus.OPEN)
    if region:
        qs = qs.filter(village__code__startswith=region)
    return [
        dict(row)
        for row in qs.order_by()
        .values("village_id", "village__name")
        .annotate(count=Count("pk"))
        .order_by("village_id")
    ]


def _import_q(actor: Any) -> Q:
    """Imports visible to ``actor``: their own; and, for those who view the monitoring of a
    region, the imports over that region."""
    own = Q(created_by=actor) if getattr(actor, "is_authenticated", False) else Q(pk__in=[])
    prefixes = scope_prefixes(actor, "monitoring.screen")
    if prefixes is None:
        return Q()
    other = Q(pk__in=[])
    for p in prefixes:
        other |= Q(region__code__startswith=p)
    return own | other


def import_list(*, actor: Any, department: str = "") -> QuerySet[DepartmentImport]:
    qs = DepartmentImport.objects.filter(_import_q(actor)).select_related("region", "created_by")
    if department:
        qs = qs.filter(department=department)
    return qs.order_by("-created_at", "-pk")


def import_get(*, actor: Any, pk: int) -> DepartmentImport:
    record = (
        DepartmentImport.objects.filter(_import_q(actor), pk=pk)
        .select_related("region", "created_by")
        .first()
    )
    if record is None:
        raise Http404("导入记录不存在")
    return record


def run_list(*, actor: Any) -> QuerySet[ScreeningRun]:
    return (
        ScreeningRun.objects.filter(scope_q(actor, "monitoring.screen", field="region"))
        .select_related("region")
        .order_by("-started_at", "-pk")
    )


def run_get(*, actor: Any, pk: int) -> ScreeningRun:
    run = run_list(actor=actor).filter(pk=pk).first()
    if run is None:
        raise Http404("筛查批次不存在")
    return run


def region_get(*, actor: Any, code: str, perm: str) -> Region:
    """A region the actor holds ``perm`` over (404 otherwise, or when there is no such code)."""
    region = Region.objects.filter(code=code).first() if code.isdigit() else None
    if region is None or not (
        has_perm_in(actor, perm, region) or has_perm_in(actor, "monitoring.view", region)
    ):
        raise Http404("区划不存在")
    return region


def policy_years(*, region: Region) -> list[Policy]:
    """The effective policy of each year with a line entered for ``region`` or above, plus this
    year and next (newest first)."""
    from django.utils import timezone

    this = timezone.localdate().year
    years = set(
        MonitoringPolicy.objects.filter(region_id__in=ancestor_codes(region.code)).values_list(
            "year", flat=True
        )
    ) | {this, this - 1}
    return [policy_for(region, y) for y in sorted(years, reverse=True)]
