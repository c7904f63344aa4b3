"""The four lists (四清单), cases (办件) and 四议两公开 over the API.

Staff: scoped like the pages (outside the caller's scope is 404; without the permission anywhere
403). Public, without credentials and rate-limited per client: follow a case by its code (the
steps and dates, never the applicant's or anyone else's data).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from cunwu.api.schemas import ERRORS, Date, Page, PageParams, Text, paginate
from cunwu.core import ratelimit
from cunwu.core.models import Region

from . import selectors_lists as selectors
from . import services_lists as services
from .models_lists import Case, CaseEvent, Decision, DecisionRecord, ListItem

router = Router(tags=["四清单、办件与四议两公开"])

KindName = Literal["autonomy", "assist", "power", "service"]
CaseStatusName = Literal["open", "done", "stopped"]
DecisionStatusName = Literal["open", "notice", "done"]
BodyName = Literal["two_committees", "party_members", "representatives", "villagers"]


# ---------------------------------------------------------------- schemas


class StepIO(Schema):
    name: Text = Field(max_length=60)
    actor: Text = Field(max_length=60, description="办理主体")
    limit_days: int = Field(
        0, ge=0, le=services.MAX_STEP_DAYS, description="时限（工作日），0为不设"
    )
    disclose: Text = Field("", max_length=200, description="本环节公开内容")


class ItemOut(Schema):
    id: int
    region: str
    region_name: str
    key: str = Field(description="事项标识：同一事项的各版本及各单位采用的副本相同")
    kind: str
    kind_label: str
    name: str
    basis: str
    responsible: str
    materials: str
    disclosure: str
    version: int
    based_on: int | None = Field(description="采用的模板版本（事项编号）")
    active: bool
    example: bool
    change_note: str
    created_at: dt.datetime


class ItemDetailOut(ItemOut):
    steps: list[StepIO]


class ItemFilter(PageParams):
    q: Text = Field("", max_length=50)
    kind: KindName | None = None
    region: Text = Field("", max_length=12, description="制定单位的区划代码")
    history: bool = Field(False, description="含已停用的历史版本")


class AdoptIn(Schema):
    region: Text = Field(max_length=12, description="采用单位（乡镇或村）的区划代码")


class ReviseIn(Schema):
    name: Text = Field(max_length=100)
    responsible: Text = Field(max_length=100)
    basis: Text = Field("", max_length=services.MAX_TEXT)
    materials: Text = Field("", max_length=services.MAX_TEXT)
    disclosure: Text = Field("", max_length=services.MAX_TEXT)
    steps: list[StepIO] = Field(max_length=services.MAX_STEPS)
    note: Text = Field(max_length=200, description="修订说明")


class CaseEventOut(Schema):
    id: int
    kind: str
    kind_label: str
    step_order: int | None
    step_name: str
    note: str
    actor: str
    at: dt.datetime
    attachment: str = Field(description="附件文件名（如有）")


class CaseOut(Schema):
    id: int
    code: str
    village: str
    village_name: str
    item: int
    item_name: str
    item_version: int
    applicant_name: str
    person_id: int | None
    household_id: int | None
    summary: str
    status: str
    status_label: str
    step_order: int | None
    step_started: dt.date | None
    step_due: dt.date | None
    due_warning: str
    escalated_at: dt.datetime | None
    opened_at: dt.datetime
    closed_at: dt.datetime | None


class CaseDetailOut(CaseOut):
    steps: list[StepIO]
    events: list[CaseEventOut]


class CaseFilter(PageParams):
    q: Text = Field("", max_length=50)
    status: CaseStatusName | None = None
    kind: KindName | None = None
    region: Text = Field("", max_length=12)
    overdue: bool = False
    escalated: bool = False


class CaseIn(Schema):
    item: int = Field(description="本村现行的清单事项编号")
    applicant_name: Text = Field(max_length=50)
    summary: Text = Field("", max_length=services.MAX_TEXT)
    person_id: int | None = Field(None, ge=1)
    household_id: int | None = Field(None, ge=1)


class ReasonIn(Schema):
    reason: Text = Field(max_length=200)


class CommentIn(Schema):
    note: Text = Field(max_length=services.MAX_TEXT)


class StepActionIn(Schema):
    step: int = Field(ge=1, description="当前环节序号（防止重复提交）")
    note: Text = Field("", max_length=services.MAX_TEXT)


class PublicCaseEventOut(Schema):
    date: dt.date
    step_name: str
    kind: str
    kind_label: str
    note: str = Field(description="退回或终止的理由")


class PublicCaseOut(Schema):
    code: str
    item_name: str
    village_name: str
    status: str
    status_label: str
    opened_on: dt.date
    step_order: int | None
    step_due: dt.date | None
    closed_on: dt.date | None
    steps: list[StepIO]
    events: list[PublicCaseEventOut]


class RecordOut(Schema):
    id: int
    stage: int
    stage_label: str
    body: str
    held_on: dt.date
    eligible: int | None
    present: int | None
    households: int | None
    households_present: int | None
    votes_for: int | None
    votes_against: int | None
    votes_abstain: int | None
    passed: bool | None = Field(description="公示中为空")
    failure: str
    note: str
    notice: int | None


class DecisionOut(Schema):
    id: int
    village: str
    village_name: str
    title: str
    description: str
    stage: int
    stage_label: str
    status: str
    status_label: str
    returned_note: str
    created_at: dt.datetime


class DecisionDetailOut(DecisionOut):
    records: list[RecordOut]


class DecisionFilter(PageParams):
    q: Text = Field("", max_length=50)
    stage: int | None = Field(None, ge=1, le=7)
    status: DecisionStatusName | None = None
    region: Text = Field("", max_length=12)


class DecisionIn(Schema):
    village: Text = Field(max_length=12)
    title: Text = Field(max_length=120)
    description: Text = Field(max_length=services.MAX_TEXT)
    proposed_on: Date = Field(description="村党组织提议日期")
    note: Text = Field("", max_length=services.MAX_TEXT)


class MeetingIn(Schema):
    body: BodyName
    held_on: Date
    eligible: int = Field(ge=1, le=100_000)
    present: int = Field(ge=0, le=100_000)
    votes_for: int = Field(ge=0, le=100_000)
    votes_against: int = Field(0, ge=0, le=100_000)
    votes_abstain: int = Field(0, ge=0, le=100_000)
    households: int | None = Field(None, ge=1, le=100_000)
    households_present: int | None = Field(None, ge=0, le=100_000)
    note: Text = Field("", max_length=services.MAX_TEXT)


class PublishIn(Schema):
    text: Text = Field(max_length=services.MAX_TEXT)


# ---------------------------------------------------------------- helpers


def _steps(item: ListItem) -> list[dict[str, Any]]:
    return [
        {"name": s.name, "actor": s.actor, "limit_days": s.limit_days, "disclose": s.disclose}
        for s in item.steps.all()
    ]


def _item(i: ListItem) -> dict[str, Any]:
    return {
        "id": i.pk, "region": i.region_id, "region_name": i.region.name, "key": i.key,
        "kind": i.kind, "kind_label": i.get_kind_display(), "name": i.name, "basis": i.basis,
        "responsible": i.responsible, "materials": i.materials, "disclosure": i.disclosure,
        "version": i.version, "based_on": i.based_on_id, "active": i.active,
        "example": i.example, "change_note": i.change_note, "created_at": i.created_at,
    }  # fmt: skip


def _item_detail(i: ListItem) -> dict[str, Any]:
    return {**_item(i), "steps": _steps(i)}


def _case(c: Case) -> dict[str, Any]:
    return {
        "id": c.pk, "code": c.code, "village": c.village_id, "village_name": c.village.name,
        "item": c.item_id, "item_name": c.item.name, "item_version": c.item.version,
        "applicant_name": c.applicant_name, "person_id": c.person_id,
        "household_id": c.household_id, "summary": c.summary, "status": c.status,
        "status_label": c.get_status_display(), "step_order": c.step_order,
        "step_started": c.step_started, "step_due": c.step_due, "due_warning": c.due_warning,
        "escalated_at": c.escalated_at, "opened_at": c.opened_at, "closed_at": c.closed_at,
    }  # fmt: skip


def _event(e: CaseEvent) -> dict[str, Any]:
    return {
        "id": e.pk, "kind": e.kind, "kind_label": e.get_kind_display(),
        "step_order": e.step_order, "step_name": e.step_name, "note": e.note,
        "actor": str(e.actor) if e.actor_id else "系统", "at": e.at,
        "attachment": e.original_name,
    }  # fmt: skip


def _case_detail(c: Case) -> dict[str, Any]:
    events = [_event(e) for e in selectors.events_of(c)]
    return {**_case(c), "steps": _steps(c.item), "events": events}


def _record(r: DecisionRecord) -> dict[str, Any]:
    return {
        "id": r.pk, "stage": r.stage, "stage_label": r.get_stage_display(), "body": r.body,
        "held_on": r.held_on, "eligible": r.eligible, "present": r.present,
        "households": r.households, "households_present": r.households_present,
        "votes_for": r.votes_for, "votes_against": r.votes_against,
        "votes_abstain": r.votes_abstain, "passed": r.passed, "failure": r.failure,
        "note": r.note, "notice": r.notice_id,
    }  # fmt: skip


def _decision(d: Decision) -> dict[str, Any]:
    return {
        "id": d.pk, "village": d.village_id, "village_name": d.village.name, "title": d.title,
        "description": d.description, "stage": d.stage, "stage_label": d.get_stage_display(),
        "status": d.status, "status_label": d.get_status_display(),
        "returned_note": d.returned_note, "created_at": d.created_at,
    }  # fmt: skip


def _decision_detail(d: Decision) -> dict[str, Any]:
    return {**_decision(d), "records": [_record(r) for r in selectors.records_of(d)]}


def _region(code: str) -> Region:
    return get_object_or_404(Region, code=code)


# ---------------------------------------------------------------- list items


@router.get("/list-items", response={200: Page[ItemOut], **ERRORS}, summary="四清单事项")
def item_list(request: HttpRequest, filters: Query[ItemFilter]) -> dict[str, Any]:
    selectors.require_any(request.user, "disclosure.view")
    qs = selectors.list_items(
        actor=request.user, q=filters.q, kind=filters.kind or "", region=filters.region,
        history=filters.history,
    )  # fmt: skip
    page = paginate(qs, filters)
    page["items"] = [_item(i) for i in page["items"]]
    return page


@router.get(
    "/list-items/{int:pk}", response={200: ItemDetailOut, **ERRORS}, summary="清单事项及办理环节"
)
def item_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    selectors.require_any(request.user, "disclosure.view")
    return _item_detail(selectors.list_item_get(actor=request.user, pk=pk))


@router.post(
    "/list-items/{int:pk}/adoptions",
    response={201: ItemDetailOut, **ERRORS},
    summary="采用清单模板（生成本单位的版本）",
)
def item_adopt(request: HttpRequest, pk: int, body: AdoptIn) -> Status[dict[str, Any]]:
    selectors.require_any(request.user, "disclosure.manage_lists")
    template = selectors.list_item_get(actor=request.user, pk=pk)
    copy = services.list_item_adopt(
        actor=request.user, template=template, region=_region(body.region)
    )
    return Status(201, _item_detail(copy))


@router.post(
    "/list-items/{int:pk}/revisions",
    response={201: ItemDetailOut, **ERRORS},
    summary="修订清单事项（生成新版本，原版本保留）",
)
def item_revise(request: HttpRequest, pk: int, body: ReviseIn) -> Status[dict[str, Any]]:
    selectors.require_any(request.user, "disclosure.manage_lists")
    item = selectors.list_item_get(actor=request.user, pk=pk)
    data = services.ItemData(
        kind=item.kind, name=body.name, responsible=body.responsible, basis=body.basis,
        materials=body.materials, disclosure=body.disclosure,
    )  # fmt: skip
    steps = [services.StepData(s.name, s.actor, s.limit_days, s.disclose) for s in body.steps]
    new = services.list_item_revise(
        actor=request.user, item=item, data=data, steps=steps, note=body.note
    )
    return Status(201, _item_detail(new))


@router.post(
    "/list-items/{int:pk}/retire",
    response={200: ItemDetailOut, **ERRORS},
    summary="停用清单事项（不再受理新办件）",
)
def item_retire(request: HttpRequest, pk: int, body: ReasonIn) -> dict[str, Any]:
    selectors.require_any(request.user, "disclosure.manage_lists")
    item = selectors.list_item_get(actor=request.user, pk=pk)
    return _item_detail(
        services.list_item_retire(actor=request.user, item=item, reason=body.reason)
    )


# ---------------------------------------------------------------- cases


@router.get("/cases", response={200: Page[CaseOut], **ERRORS}, summary="办件列表")
def case_list(request: HttpRequest, filters: Query[CaseFilter]) -> dict[str, Any]:
    selectors.require_any(request.user, "disclosure.view")
    qs = selectors.case_list(
        actor=request.user, q=filters.q, status=filters.status or "", kind=filters.kind or "",
        region=filters.region, overdue=filters.overdue, escalated=filters.escalated,
    )  # fmt: skip
    page = paginate(qs, filters)
    page["items"] = [_case(c) for c in page["items"]]
    return page


@router.get("/cases/{int:pk}", response={200: CaseDetailOut, **ERRORS}, summary="办件详情")
def case_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    selectors.require_any(request.user, "disclosure.view")
    return _case_detail(selectors.case_get(actor=request.user, pk=pk))


@router.post("/cases", response={201: CaseDetailOut, **ERRORS}, summary="受理办件")
def case_create(request: HttpRequest, body: CaseIn) -> Status[dict[str, Any]]:
    selectors.require_any(request.user, "disclosure.handle_cases")
    item = selectors.list_item_get(actor=request.user, pk=body.item)
    case = services.case_open(
        actor=request.user, item=item, applicant_name=body.applicant_name, summary=body.summary,
        person_id=body.person_id, household_id=body.household_id,
    )  # fmt: skip
    return Status(201, _case_detail(selectors.case_get(actor=request.user, pk=case.pk)))


@router.post(
    "/cases/{int:pk}/advance", response={200: CaseDetailOut, **ERRORS}, summary="办结当前环节"
)
def case_advance(request: HttpRequest, pk: int, body: StepActionIn) -> dict[str, Any]:
    selectors.require_any(request.user, "disclosure.handle_cases")
    case = selectors.case_get(actor=request.user, pk=pk)
    services.case_advance(actor=request.user, case=case, step_order=body.step, note=body.note)
    return _case_detail(selectors.case_get(actor=request.user, pk=pk))


@router.post(
    "/cases/{int:pk}/return", response={200: CaseDetailOut, **ERRORS}, summary="退回上一环节"
)
def case_return(request: HttpRequest, pk: int, body: StepActionIn) -> dict[str, Any]:
    selectors.require_any(request.user, "disclosure.handle_cases")
    case = selectors.case_get(actor=request.user, pk=pk)
    services.case_return(actor=request.user, case=case, step_order=body.step, note=body.note)
    return _case_detail(selectors.case_get(actor=request.user, pk=pk))


@router.post("/cases/{int:pk}/comment", response={200: CaseDetailOut, **ERRORS}, summary="备注")
def case_comment(request: HttpRequest, pk: int, body: CommentIn) -> dict[str, Any]:
    selectors.require_any(request.user, "disclosure.handle_cases")
    case = selectors.case_get(actor=request.user, pk=pk)
    services.case_comment(actor=request.user, case=case, note=body.note)
    return _case_detail(selectors.case_get(actor=request.user, pk=pk))


@router.post("/cases/{int:pk}/stop", response={200: CaseDetailOut, **ERRORS}, summary="终止办理")
def case_stop(request: HttpRequest, pk: int, body: ReasonIn) -> dict[str, Any]:
    selectors.require_any(request.user, "disclosure.handle_cases")
    case = selectors.case_get(actor=request.user, pk=pk)
    services.case_stop(actor=request.user, case=case, reason=body.reason)
    return _case_detail(selectors.case_get(actor=request.user, pk=pk))


@router.get(
    "/public/cases/{code}",
    auth=None,
    response={200: PublicCaseOut, **ERRORS},
    summary="凭查询码查看办件进度（无需令牌）",
)
def public_case(request: HttpRequest, code: Text) -> dict[str, Any]:
    ratelimit.hit(f"case_track:{ratelimit.client_ip(request)}", 30, 600)
    case = selectors.public_case(code)
    return {
        "code": case.code, "item_name": case.item.name, "village_name": case.village.name,
        "status": case.status, "status_label": case.get_status_display(),
        "opened_on": timezone.localdate(case.opened_at), "step_order": case.step_order,
        "step_due": case.step_due,
        "closed_on": timezone.localdate(case.closed_at) if case.closed_at else None,
        "steps": _steps(case.item),
        "events": [
            {"date": timezone.localdate(e.at), "step_name": e.step_name, "kind": e.kind,
             "kind_label": e.get_kind_display(),
             "note": e.note if e.kind in ("return", "stop") else ""}
            for e in selectors.public_events(case)
        ],
    }  # fmt: skip


# ---------------------------------------------------------------- decisions


@router.get("/decisions", response={200: Page[DecisionOut], **ERRORS}, summary="四议两公开事项")
def decision_list(request: HttpRequest, filters: Query[DecisionFilter]) -> dict[str, Any]:
    selectors.require_any(request.user, "disclosure.view")
    qs = selectors.decision_list(
        actor=request.user, q=filters.q, stage=str(filters.stage or ""),
        status=filters.status or "", region=filters.region,
    )  # fmt: skip
    page = paginate(qs, filters)
    page["items"] = [_decision(d) for d in page["items"]]
    return page


@router.get(
    "/decisions/{int:pk}", response={200: DecisionDetailOut, **ERRORS}, summary="四议两公开详情"
)
def decision_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    selectors.require_any(request.user, "disclosure.view")
    return _decision_detail(selectors.decision_get(actor=request.user, pk=pk))


@router.post("/decisions", response={201: DecisionDetailOut, **ERRORS}, summary="登记村党组织提议")
def decision_create(request: HttpRequest, body: DecisionIn) -> Status[dict[str, Any]]:
    selectors.require_any(request.user, "disclosure.decide")
    decision = services.decision_create(
        actor=request.user, village=_region(body.village), title=body.title,
        description=body.description, proposed_on=body.proposed_on, note=body.note,
    )  # fmt: skip
    return Status(201, _decision_detail(decision))


@router.post(
    "/decisions/{int:pk}/meetings",
    response={201: RecordOut, **ERRORS},
    summary="登记会议（核对到会人数和表决票数；未通过时 passed 为 false 并说明原因）",
)
def decision_meeting(request: HttpRequest, pk: int, body: MeetingIn) -> Status[dict[str, Any]]:
    selectors.require_any(request.user, "disclosure.decide")
    decision = selectors.decision_get(actor=request.user, pk=pk)
    meeting = services.Meeting(
        held_on=body.held_on, eligible=body.eligible, present=body.present,
        votes_for=body.votes_for, votes_against=body.votes_against,
        votes_abstain=body.votes_abstain, households=body.households,
        households_present=body.households_present,
    )  # fmt: skip
    record = services.decision_record_meeting(
        actor=request.user, decision=decision, body=body.body, meeting=meeting, note=body.note
    )
    return Status(201, _record(record))


@router.post(
    "/decisions/{int:pk}/notices",
    response={201: DecisionDetailOut, **ERRORS},
    summary="决议公开或实施结果公开（发布村务公告）",
)
def decision_publish(request: HttpRequest, pk: int, body: PublishIn) -> Status[dict[str, Any]]:
    selectors.require_any(request.user, "disclosure.decide")
    decision = selectors.decision_get(actor=request.user, pk=pk)
    services.decision_publish(actor=request.user, decision=decision, text=body.text)
    return Status(201, _decision_detail(selectors.decision_get(actor=request.user, pk=pk)))
