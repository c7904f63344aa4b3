"""防返贫监测 over the API (part: measures): the assistance measures of monitored households
(list, add, detail, end), their follow-ups (list, add), and 帮扶措施未落实 (counts per village and
township with the households at risk without an active measure; the measures whose follow-up is
overdue). Amounts come in as 元 text ("1200.50") and go out in 分. Scoped like the pages: what
lies outside the caller's villages is 404."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from cunwu.api.schemas import ERRORS, Date, Page, PageParams, Text, paginate

from .models import FollowUp, Measure
from .selectors import measures as selectors
from .services import measures as services

router = Router(tags=["防返贫监测"])

MAX_ID = 2**62
MeasureTypeName = Literal[
    "industry", "employment", "workshop", "public_job", "housing", "education", "medical",
    "dibao", "tekun", "relief", "pension", "consumption", "credit", "other",
]  # fmt: skip


# ---------------------------------------------------------------- schemas


class MonMeaFollowUpOut(Schema):
    id: int
    measure: int
    visited_on: dt.date
    in_place: bool
    note: str
    visitor: str


class MonMeaMeasureOut(Schema):
    id: int
    monitored: int
    household: int
    household_number: str
    head_name: str
    village: str
    village_name: str
    measure_type: str
    measure_type_label: str
    description: str
    department: str
    amount_fen: int | None
    start_on: dt.date
    end_on: dt.date | None
    ended_note: str
    active: bool = Field(description="今天是否实施中")
    last_follow_up: dt.date | None


class MonMeaMeasureDetailOut(MonMeaMeasureOut):
    follow_ups: list[MonMeaFollowUpOut]


class MonMeaFilter(PageParams):
    q: Text = Field("", max_length=50, description="户编号或成员姓名")
    region: Text = Field("", max_length=12, description="乡镇或村的区划代码")
    measure_type: MeasureTypeName | None = None
    status: Literal["active", "ended"] | None = None
    department: Text = Field("", max_length=50)
    monitored: int | None = Field(None, ge=1, le=MAX_ID, description="监测对象")


class MonMeaMeasureIn(Schema):
    monitored: int = Field(ge=1, le=MAX_ID, description="监测对象")
    measure_type: MeasureTypeName
    description: Text = Field(max_length=300)
    start_on: Date
    end_on: Date | None = None
    amount: Text | None = Field(None, max_length=20, description="金额（元），如 1200.50")
    department: Text = Field("", max_length=100)


class MonMeaEndIn(Schema):
    end_on: Date
    note: Text = Field(max_length=200)


class MonMeaFollowUpIn(Schema):
    visited_on: Date
    in_place: bool
    note: Text = Field("", max_length=300)


class MonMeaGapRowOut(Schema):
    code: str
    name: str
    at_risk: int = Field(description="风险未消除户数")
    without: int = Field(description="没有实施中措施的户数")
    percent: int = Field(description="措施落实率（%）")


class MonMeaGapHouseholdOut(Schema):
    monitored: int
    household: int
    household_number: str
    head_name: str
    village: str
    village_name: str
    category: str
    identified_on: dt.date
    last_measure_end: dt.date | None


class MonMeaGapsOut(Page[MonMeaGapHouseholdOut]):
    on: dt.date
    villages: list[MonMeaGapRowOut]
    townships: list[MonMeaGapRowOut]
    total: MonMeaGapRowOut


class MonMeaGapFilter(PageParams):
    on: Date | None = Field(None, description="统计日期，默认今天")
    region: Text = Field("", max_length=12)
    q: Text = Field("", max_length=50)


class MonMeaOverdueFilter(PageParams):
    on: Date | None = None
    region: Text = Field("", max_length=12)


# ---------------------------------------------------------------- helpers


def _measure(m: Measure, today: dt.date) -> dict[str, Any]:
    return {
        "id": m.pk, "monitored": m.monitored_id, "household": m.monitored.household_id,
        "household_number": m.monitored.household.number,
        "head_name": getattr(m, "head_name", None) or "", "village": m.village_id,
        "village_name": m.village.name, "measure_type": m.measure_type,
        "measure_type_label": m.get_measure_type_display(), "description": m.description,
        "department": m.department, "amount_fen": m.amount_fen, "start_on": m.start_on,
        "end_on": m.end_on, "ended_note": m.ended_note,
        "active": m.start_on <= today and (m.end_on is None or m.end_on >= today),
        "last_follow_up": getattr(m, "last_follow_up", None),
    }  # fmt: skip


def _follow_up(f: FollowUp) -> dict[str, Any]:
    return {"id": f.pk, "measure": f.measure_id, "visited_on": f.visited_on,
            "in_place": f.in_place, "note": f.note, "visitor": str(f.visitor)}  # fmt: skip


def _detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    today = timezone.localdate()
    measure = selectors.measure_get(actor=request.user, pk=pk)
    row = selectors.measure_list(actor=request.user, on=today).get(pk=measure.pk)
    out = _measure(row, today)
    out["follow_ups"] = [_follow_up(f) for f in selectors.follow_ups_of([row])[row.pk]]
    return out


def _gap_row(r: selectors.GapRow) -> dict[str, Any]:
    return {"code": r.code, "name": r.name, "at_risk": r.at_risk, "without": r.without,
            "percent": r.percent}  # fmt: skip


# ---------------------------------------------------------------- endpoints


@router.get("/measures", response={200: Page[MonMeaMeasureOut], **ERRORS}, summary="帮扶措施")
def measure_list(request: HttpRequest, filters: Query[MonMeaFilter]) -> dict[str, Any]:
    today = timezone.localdate()
    monitored = (
        selectors.monitored_get(actor=request.user, pk=filters.monitored)
        if filters.monitored is not None
        else None
    )
    qs = selectors.measure_list(
        actor=request.user, on=today, q=filters.q, region=filters.region,
        measure_type=filters.measure_type or "", status=filters.status or "",
        department=filters.department, monitored=monitored,
    )  # fmt: skip
    page = paginate(qs, filters)
    page["items"] = [_measure(m, today) for m in page["items"]]
    return page


@router.post("/measures", response={201: MonMeaMeasureDetailOut, **ERRORS}, summary="登记帮扶措施")
def measure_create(request: HttpRequest, body: MonMeaMeasureIn) -> Status[dict[str, Any]]:
    monitored = selectors.monitored_get(actor=request.user, pk=body.monitored)
    measure = services.measure_add(
        actor=request.user, monitored=monitored, measure_type=body.measure_type,
        description=body.description, start_on=body.start_on, end_on=body.end_on,
        amount_fen=services.yuan_to_fen(body.amount), department=body.department,
    )  # fmt: skip
    return Status(201, _detail(request, measure.pk))


@router.get("/measures/gaps", response={200: MonMeaGapsOut, **ERRORS}, summary="帮扶措施未落实")
def measure_gaps(request: HttpRequest, filters: Query[MonMeaGapFilter]) -> dict[str, Any]:
    on = filters.on or timezone.localdate()
    counts = selectors.gap_counts(actor=request.user, on=on, region=filters.region)
    qs = selectors.households_without_measures(
        actor=request.user, on=on, region=filters.region, q=filters.q
    )
    page = paginate(qs, filters)
    page["items"] = [
        {"monitored": m.pk, "household": m.household_id, "household_number": m.household.number,
         "head_name": getattr(m, "head_name", None) or "", "village": m.village_id,
         "village_name": m.village.name, "category": m.category,
         "identified_on": m.identified_on,
         "last_measure_end": getattr(m, "last_measure_end", None)}
        for m in page["items"]
    ]  # fmt: skip
    page.update(
        on=on, villages=[_gap_row(r) for r in counts.villages],
        townships=[_gap_row(r) for r in counts.townships], total=_gap_row(counts.total),
    )  # fmt: skip
    return page


@router.get(
    "/measures/overdue",
    response={200: Page[MonMeaMeasureOut], **ERRORS},
    summary="回访逾期的帮扶措施",
)
def measure_overdue(request: HttpRequest, filters: Query[MonMeaOverdueFilter]) -> dict[str, Any]:
    on = filters.on or timezone.localdate()
    qs = selectors.overdue_follow_ups(actor=request.user, on=on, region=filters.region)
    page = paginate(qs, filters)
    page["items"] = [_measure(m, on) for m in page["items"]]
    return page


@router.get(
    "/measures/{int:pk}", response={200: MonMeaMeasureDetailOut, **ERRORS}, summary="帮扶措施详情"
)
def measure_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _detail(request, pk)


@router.post(
    "/measures/{int:pk}/end", response={200: MonMeaMeasureDetailOut, **ERRORS}, summary="结束措施"
)
def measure_end(request: HttpRequest, pk: int, body: MonMeaEndIn) -> dict[str, Any]:
    measure = selectors.measure_get(actor=request.user, pk=pk)
    services.measure_end(actor=request.user, measure=measure, end_on=body.end_on, note=body.note)
    return _detail(request, pk)


@router.get(
    "/measures/{int:pk}/follow-ups",
    response={200: list[MonMeaFollowUpOut], **ERRORS},
    summary="回访记录",
)
def follow_up_list(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    measure = selectors.measure_get(actor=request.user, pk=pk)
    return [_follow_up(f) for f in selectors.follow_ups_of([measure])[measure.pk]]


@router.post(
    "/measures/{int:pk}/follow-ups",
    response={201: MonMeaFollowUpOut, **ERRORS},
    summary="登记回访",
)
def follow_up_create(
    request: HttpRequest, pk: int, body: MonMeaFollowUpIn
) -> Status[dict[str, Any]]:
    measure = selectors.measure_get(actor=request.user, pk=pk)
    follow_up = services.follow_up_add(
        actor=request.user, measure=measure, visited_on=body.visited_on,
        in_place=body.in_place, note=body.note,
    )  # fmt: skip
    return Status(201, _follow_up(follow_up))
