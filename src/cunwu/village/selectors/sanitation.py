"""Reads of the sanitation part, scoped by ``village.view``: outside scope is 404."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Sum
from django.http import Http404

from cunwu.accounts.permissions import has_perm_in, regions_in_scope, scope_q
from cunwu.core.models import Region, RegionLevel

from ..models_sanitation import (
    AssociationMember,
    ChecklistItem,
    Duty,
    DutyPost,
    InspectionPhoto,
    InspectionRound,
    InspectionScore,
    RoadSection,
    WasteRun,
    WasteStage,
)

VIEW = "village.view"


def village_get(*, actor: Any, code: str) -> Region:
    region = Region.objects.filter(code=code, level=RegionLevel.VILLAGE).first()
    if region is None or not has_perm_in(actor, VIEW, region):
        raise Http404
    return region


def sections(*, actor: Any, village: str = "") -> QuerySet[RoadSection]:
    qs = RoadSection.objects.filter(scope_q(actor, VIEW)).select_related("village", "group")
    return qs.filter(village_id=village) if village else qs


def duties(
    *, actor: Any, village: str = "", on: date | None = None, q: str = "",
    open_only: bool = False,
) -> QuerySet[Duty]:  # fmt: skip
    """The roster: duties in force on ``on`` (all duties when ``on`` is None); ``open_only``
    leaves out duties on retired sections or posts (the roster and its print)."""
    qs = Duty.objects.filter(scope_q(actor, VIEW)).select_related(
        "village", "person", "post", "section"
    )
    if village:
        qs = qs.filter(village_id=village)
    if open_only:
        qs = qs.filter(section__retired_on__isnull=True, post__retired_on__isnull=True)
    if on is not None:
        qs = qs.filter(start_on__lte=on).exclude(end_on__lt=on)
    if q:
        qs = qs.filter(person__name__contains=q) | qs.filter(section__name__contains=q)
    return qs


def checklist(*, village: Region) -> QuerySet[ChecklistItem]:
    return ChecklistItem.objects.filter(village=village, active=True)


def rounds(*, actor: Any, village: str = "") -> QuerySet[InspectionRound]:
    qs = InspectionRound.objects.filter(scope_q(actor, VIEW)).select_related("village")
    return qs.filter(village_id=village) if village else qs


def get_in_scope(actor: Any, model: Any, pk: int) -> Any:
    obj = model.objects.filter(pk=pk).select_related("village").first()
    if obj is None or not has_perm_in(actor, VIEW, obj.village_id):
        raise Http404
    return obj


def scores(*, actor: Any, round: InspectionRound | None = None) -> QuerySet[InspectionScore]:
    qs = InspectionScore.objects.filter(scope_q(actor, VIEW)).select_related(
        "round", "section", "household"
    )
    return qs.filter(round=round) if round is not None else qs


def next_round_due(village: Region, today: date, every_days: int = 30) -> tuple[date, bool]:
    """The monthly plan: the next round is due ``every_days`` after the last; overdue when past."""
    last = InspectionRound.objects.filter(village=village).aggregate(m=Max("on"))["m"]
    due = today if last is None else last + timedelta(days=every_days)
    return due, due < today


def waste_runs(
    *, actor: Any, village: str = "", stage: str = "", start: date | None = None,
    end: date | None = None,
) -> QuerySet[WasteRun]:  # fmt: skip
    qs = WasteRun.objects.filter(scope_q(actor, VIEW)).select_related("village", "group")
    if village:
        qs = qs.filter(village_id=village)
    if stage:
        qs = qs.filter(stage=stage)
    if start:
        qs = qs.filter(on__gte=start)
    if end:
        qs = qs.filter(on__lte=end)
    return qs


@dataclass(frozen=True)
class HandoverRow:
    code: str
    name: str
    collected_kg: int
    transferred_kg: int
    last_transfer: date | None
    handed_over: bool


def handover_report(
    *, actor: Any, start: date, end: date, stale_days: int = 14
) -> list[HandoverRow]:
    """Per village in scope: 村集中 vs 乡转运 in the period; a village has not handed over when it
    had no transfer in the period or its last transfer is older than ``stale_days`` at ``end``."""
    villages = list(regions_in_scope(actor, VIEW, level=RegionLevel.VILLAGE))
    sums: dict[tuple[str, str], int] = {}
    for row in (
        WasteRun.objects.filter(village__in=villages, on__range=(start, end))
        .values("village_id", "stage")
        .annotate(kg=Sum("quantity_kg"))
    ):
        sums[(row["village_id"], row["stage"])] = row["kg"]
    last = dict(
        WasteRun.objects.filter(village__in=villages, stage=WasteStage.TOWNSHIP, on__lte=end)
        .values("village_id")
        .annotate(m=Max("on"))
        .values_list("village_id", "m")
    )
    out = []
    for v in villages:
        transferred = sums.get((v.code, WasteStage.TOWNSHIP), 0)
        latest = last.get(v.code)
        ok = transferred > 0 and latest is not None and (end - latest).days <= stale_days
        out.append(
            HandoverRow(
                code=v.code,
                name=v.name,
                collected_kg=sums.get((v.code, WasteStage.VILLAGE), 0),
                transferred_kg=transferred,
                last_transfer=latest,
                handed_over=ok,
            )
        )
    return out


def statistics(*, actor: Any, year: int, village: str = "") -> dict[str, Any]:
    """Figures of a year for the charts: the mean inspection score (percent of the maximum) by
    month and by section, waste kg by stage per month, and per village."""
    score_qs = scores(actor=actor).filter(round__on__year=year)
    runs = waste_runs(actor=actor, village=village).filter(on__year=year)
    if village:
        score_qs = score_qs.filter(village_id=village)
    months = [f"{m}月" for m in range(1, 13)]

    def percent(rows: list[tuple[int, int]]) -> int:
        top = sum(m for _t, m in rows)
        return round(100 * sum(t for t, _m in rows) / top) if top else 0

    by_month: dict[int, list[tuple[int, int]]] = {}
    by_section: dict[str, list[tuple[int, int]]] = {}
    by_village: dict[str, list[tuple[int, int]]] = {}
    for s in score_qs.select_related("village"):
        pair = (s.total, s.max_total)
        by_month.setdefault(s.round.on.month, []).append(pair)
        if s.section is not None:
            by_section.setdefault(s.section.name, []).append(pair)
        by_village.setdefault(s.village.name, []).append(pair)
    kg: dict[tuple[str, int], int] = {}
    for row in runs.values("stage", "on__month").annotate(kg=Sum("quantity_kg")):
        kg[(row["stage"], row["on__month"])] = row["kg"]
    charts: dict[str, Any] = {
        "score_month": {"kind": "bar", "title": "督查平均得分率（%）按月", "labels": months,
                        "values": [percent(by_month.get(m, [])) for m in range(1, 13)]},
        "score_section": {"kind": "bar", "title": "督查平均得分率（%）按路段",
                          "labels": sorted(by_section),
                          "values": [percent(by_section[k]) for k in sorted(by_section)]},
        "score_village": {"kind": "bar", "title": "督查平均得分率（%）按村",
                          "labels": sorted(by_village),
                          "values": [percent(by_village[k]) for k in sorted(by_village)]},
        "waste_month": {"kind": "bars", "title": "垃圾收运量（千克）按月", "labels": months,
                        "series": [{"name": label, "values": [kg.get((stage, m), 0)
                                                               for m in range(1, 13)]}
                                   for stage, label in WasteStage.choices]},
    }  # fmt: skip
    for spec in charts.values():
        columns = [x["values"] for x in spec["series"]] if "series" in spec else [spec["values"]]
        spec["rows"] = [
            [label, *(col[i] for col in columns)] for i, label in enumerate(spec["labels"])
        ]
    return charts


def members(*, actor: Any, village: str = "") -> QuerySet[AssociationMember]:
    """Current members of the sanitation associations in scope."""
    qs = AssociationMember.objects.filter(scope_q(actor, VIEW), end_on__isnull=True)
    qs = qs.select_related("village", "person")
    return qs.filter(village_id=village) if village else qs


def checklist_all(*, village: Region) -> QuerySet[ChecklistItem]:
    """The whole checklist of a village, retired items included (the editing page)."""
    return ChecklistItem.objects.filter(village=village)


def _current(prefix: str, today: date) -> Q:
    return Q(**{f"{prefix}__end_on__isnull": True}) | Q(**{f"{prefix}__end_on__gte": today})


def sections_of(*, village: Region, today: date) -> QuerySet[RoadSection]:
    """A village's sections, those in use first, then the retired ones, with ``on_duty``
    (current duties), ``used`` (any duty) and ``scored`` (any inspection score)."""
    return (
        RoadSection.objects.filter(village=village)
        .order_by(F("retired_on").desc(nulls_first=True), "name")
        .select_related("group")
        .annotate(
            on_duty=Count("duties", filter=_current("duties", today), distinct=True),
            used=Count("duties", distinct=True),
            scored=Exists(InspectionScore.objects.filter(section=OuterRef("pk"))),
        )
    )


def posts_of(*, village: Region, today: date) -> QuerySet[DutyPost]:
    """A village's posts, those in use first, then the retired ones, with ``on_duty``
    (current duties) and ``used`` (any duty)."""
    qs = DutyPost.objects.filter(village=village)
    return qs.order_by(F("retired_on").desc(nulls_first=True), "name").annotate(
        on_duty=Count("duties", filter=_current("duties", today), distinct=True),
        used=Count("duties", distinct=True),
    )


def round_photos(*, round: InspectionRound) -> QuerySet[InspectionPhoto]:
    return InspectionPhoto.objects.filter(round=round)
