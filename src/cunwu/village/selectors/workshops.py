"""Reads of 乡村车间, scoped to the caller's villages (outside: 404), and the statistics the
city reports: workshops by recognition state, people employed (脱贫户, 监测对象), idle collective
assets put to use, and last month's headcount and wages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cunwu.accounts.permissions import scope_prefixes, scope_q
from cunwu.core.models import PREFIX_LENGTH, Region, RegionLevel, code_prefix

from ..models_workshops import (
    Assessment,
    AssessmentSheet,
    Employment,
    MonthlyReport,
    Workshop,
    WorkshopFile,
    WorkshopState,
    WorkshopStep,
)

PERM = "village.view"


def workshops(*, user: Any, q: str = "", village: str = "", state: str = "") -> QuerySet[Workshop]:
    qs = Workshop.objects.filter(scope_q(user, PERM)).select_related("village", "asset")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(operator__icontains=q) | Q(products__icontains=q))
    if village:
        qs = qs.filter(village__code__startswith=village)
    if state in WorkshopState.values:
        qs = qs.filter(state=state)
    return qs.order_by("village", "name", "pk")


def workshop_get(*, user: Any, pk: int) -> Workshop:
    return get_object_or_404(
        Workshop.objects.filter(scope_q(user, PERM)).select_related("village", "asset"), pk=pk
    )


def steps(*, workshop: Workshop) -> QuerySet[WorkshopStep]:
    return (
        WorkshopStep.objects.filter(workshop=workshop).select_related("actor").order_by("at", "pk")
    )


def files(*, workshop: Workshop) -> QuerySet[WorkshopFile]:
    return (
        WorkshopFile.objects.filter(workshop=workshop)
        .select_related("step")
        .order_by("uploaded_at", "pk")
    )


def file_get(*, user: Any, workshop_pk: int, pk: int) -> WorkshopFile:
    workshop = workshop_get(user=user, pk=workshop_pk)
    return get_object_or_404(WorkshopFile, workshop=workshop, pk=pk)


def employments(*, user: Any, workshop: Workshop | None = None) -> QuerySet[Employment]:
    qs = Employment.objects.filter(scope_q(user, PERM)).select_related("person", "workshop")
    if workshop is not None:
        qs = qs.filter(workshop=workshop)
    return qs.order_by("workshop", "end_on", "start_on", "pk")


def employment_get(*, user: Any, pk: int) -> Employment:
    return get_object_or_404(
        Employment.objects.filter(scope_q(user, PERM)).select_related("workshop", "person"),
        pk=pk,
    )


def reports(*, workshop: Workshop, current_only: bool = False) -> QuerySet[MonthlyReport]:
    qs = MonthlyReport.objects.filter(workshop=workshop)
    if current_only:
        qs = qs.filter(current=True)
    return qs.order_by("-month", "-pk")


def report_get(*, user: Any, pk: int) -> MonthlyReport:
    return get_object_or_404(
        MonthlyReport.objects.filter(scope_q(user, PERM)).select_related("workshop"), pk=pk
    )


def assessments(*, workshop: Workshop) -> QuerySet[Assessment]:
    return (
        Assessment.objects.filter(workshop=workshop)
        .select_related("sheet", "assessor")
        .prefetch_related("scores__criterion")
        .order_by("-sheet__year", "pk")
    )


def _sheet_q(user: Any, perm: str) -> Q:
    """Sheets of a region containing one of the user's regions, or inside one."""
    prefixes = scope_prefixes(user, perm)
    if prefixes is None:
        return Q()
    q = Q(pk__in=[])
    for prefix in prefixes:
        q |= Q(region__code__startswith=prefix)
        # the county's or township's sheet over a village or township user
        for level in (RegionLevel.COUNTY, RegionLevel.TOWNSHIP):
            short = code_prefix(prefix.ljust(12, "0"), level)
            if len(short) <= len(prefix):
                q |= Q(region__code=short.ljust(12, "0"), region__level=level)
    return q


def sheets(*, user: Any, perm: str = PERM, year: int | None = None) -> QuerySet[AssessmentSheet]:
    qs = AssessmentSheet.objects.filter(_sheet_q(user, perm)).select_related("region")
    if year is not None:
        qs = qs.filter(year=year)
    return qs.prefetch_related("criteria").order_by("-year", "region", "name", "pk")


def sheet_get(*, user: Any, pk: int, perm: str = PERM) -> AssessmentSheet:
    return get_object_or_404(sheets(user=user, perm=perm), pk=pk)


def sheets_for(*, user: Any, workshop: Workshop) -> list[AssessmentSheet]:
    """Active sheets that apply to ``workshop`` (its county's and its township's)."""
    from ..services.workshops import sheet_covers

    return [
        s for s in sheets(user=user, perm="village.assess").filter(active=True)
        if sheet_covers(s, workshop.village_id)
    ]  # fmt: skip


# ---------------------------------------------------------------- statistics


@dataclass
class StatsRow:
    code: str
    name: str
    recognised: int = 0
    conditions: int = 0
    none: int = 0
    employed: int = 0
    employed_poverty: int = 0
    employed_monitored: int = 0
    idle_assets: int = 0
    headcount: int = 0
    wages_fen: int = 0
    _persons: set[int] = field(default_factory=set, repr=False)
    _poverty: set[int] = field(default_factory=set, repr=False)
    _monitored: set[int] = field(default_factory=set, repr=False)
    _assets: set[int] = field(default_factory=set, repr=False)

    @property
    def total(self) -> int:
        return self.recognised + self.conditions + self.none


@dataclass
class WorkshopStats:
    region: Region | None
    month: date
    total: StatsRow
    rows: list[StatsRow]
    charts: dict[str, Any]


def _base_region(user: Any, region_code: str | None) -> Region | None:
    """The region the statistics are about: the one asked for (404 outside the scope) or the
    user's widest region (None: a superuser, everywhere)."""
    if region_code:
        region = get_object_or_404(Region, code=region_code)
        prefixes = scope_prefixes(user, PERM)
        if prefixes is not None and not any(region.code.startswith(p) for p in prefixes):
            from django.http import Http404

            raise Http404
        return region
    prefixes = scope_prefixes(user, PERM)
    if prefixes is None:
        return None
    if len(prefixes) == 1:
        return Region.objects.filter(code=prefixes[0].ljust(12, "0")).first()
    return None


def _last_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def workshop_stats(
    *, user: Any, region_code: str | None = None, month: date | None = None
) -> WorkshopStats:
    """Counts by state, people employed now (open employment; distinct persons), of whom 脱贫户
    and 监测对象, idle collective assets used (distinct assets), and the current monthly reports
    of ``month`` (default: last month) — in total and per region one level below the base."""
    base = _base_region(user, region_code)
    today = timezone.localdate()
    month = (month or _last_month(today)).replace(day=1)
    scope = scope_q(user, PERM)
    if base is not None:
        scope &= Q(village__code__startswith=code_prefix(base.code, base.level))
    if base is not None:
        child_level = min(base.level + 1, RegionLevel.VILLAGE)
    else:  # everywhere (by city), or the user's several regions (each a row)
        prefixes = scope_prefixes(user, PERM)
        shortest = min((len(p) for p in prefixes), default=12) if prefixes else 4
        child_level = next(lv for lv, n in sorted(PREFIX_LENGTH.items()) if n >= shortest)

    def key(village_code: str) -> str:
        return code_prefix(village_code, child_level).ljust(12, "0")

    rows: dict[str, StatsRow] = {}
    total = StatsRow(code=base.code if base else "", name=base.name if base else "全部")

    def row_of(village_code: str) -> StatsRow:
        k = key(village_code)
        if k not in rows:
            rows[k] = StatsRow(code=k, name=k)
        return rows[k]

    for r in Workshop.objects.filter(scope).values("village_id", "state").annotate(n=Count("pk")):
        for target in (row_of(r["village_id"]), total):
            setattr(target, r["state"], getattr(target, r["state"]) + r["n"])
    for village_id, asset_id in Workshop.objects.filter(scope, asset__isnull=False).values_list(
        "village_id", "asset_id"
    ):
        row_of(village_id)._assets.add(asset_id)
        total._assets.add(asset_id)
    open_jobs = Employment.objects.filter(scope, end_on=None, start_on__lte=today)
    for village_id, person_id, poverty, monitored in open_jobs.values_list(
        "village_id", "person_id", "poverty", "monitored"
    ):
        for target in (row_of(village_id), total):
            target._persons.add(person_id)
            if poverty:
                target._poverty.add(person_id)
            if monitored:
                target._monitored.add(person_id)
    for village_id, headcount, wages in MonthlyReport.objects.filter(
        scope, month=month, current=True
    ).values_list("village_id", "headcount", "wages_fen"):
        for target in (row_of(village_id), total):
            target.headcount += headcount
            target.wages_fen += wages
    for target in (*rows.values(), total):
        target.employed = len(target._persons)
        target.employed_poverty = len(target._poverty)
        target.employed_monitored = len(target._monitored)
        target.idle_assets = len(target._assets)
    names = dict(Region.objects.filter(code__in=list(rows)).values_list("code", "name"))
    for k, row in rows.items():
        row.name = names.get(k, k)
    ordered = [rows[k] for k in sorted(rows)]
    labels = [r.name for r in ordered]
    charts: dict[str, Any] = {
        "by_state": {"kind": "pie", "title": "车间认定状态",
                     "labels": [label for _v, label in WorkshopState.choices],
                     "values": [getattr(total, v) for v in WorkshopState.values]},
        "state_by_region": {"kind": "bars", "title": "各地车间数", "labels": labels,
                            "series": [{"name": label, "values": [getattr(r, v) for r in ordered]}
                                       for v, label in WorkshopState.choices]},
        "employed_by_region": {"kind": "bars", "title": "各地车间用工人数", "labels": labels,
                               "series": [
                                   {"name": "在岗人数", "values": [r.employed for r in ordered]},
                                   {"name": "其中脱贫户",
                                    "values": [r.employed_poverty for r in ordered]},
                                   {"name": "其中监测对象",
                                    "values": [r.employed_monitored for r in ordered]},
                               ]},
        "assets_by_region": {"kind": "bar", "title": "盘活闲置资产（处）", "labels": labels,
                             "values": [r.idle_assets for r in ordered]},
    }  # fmt: skip
    for spec in charts.values():
        columns = [x["values"] for x in spec["series"]] if "series" in spec else [spec["values"]]
        spec["rows"] = [
            [label, *(col[i] for col in columns)] for i, label in enumerate(spec["labels"])
        ]
    return WorkshopStats(region=base, month=month, total=total, rows=ordered, charts=charts)
