"""The sanitation part of 乡村治理 over the API: road sections, posts, duties (the roster),
the checklist, inspection rounds and their scores, point postings from a yard score, waste
runs and the township's handover report. Outside the caller's villages is 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.files import UploadedFile
from ninja.params.functions import File as FileParam
from ninja.responses import Status
from pydantic import Field

from cunwu.accounts.pages import need
from cunwu.api.schemas import ERRORS, Date, Page, PageParams, Text, paginate
from cunwu.core.errors import ApplicationError
from cunwu.core.models import VillageGroup
from cunwu.disclosure.content import MAX_ATTACHMENT_BYTES
from cunwu.registry.models import Household, Person

from .models_sanitation import (
    ChecklistItem,
    Duty,
    DutyPost,
    InspectionRound,
    InspectionScore,
    RoadSection,
)
from .selectors import sanitation as sel
from .services import sanitation as services

router = Router()


class SanSectionIn(Schema):
    village: str = Field(max_length=12)
    name: str = Field(max_length=100)
    group: int | None = None
    description: str = Field("", max_length=400)
    length_m: int = Field(0, ge=0, le=1_000_000)


class SanSectionOut(Schema):
    id: int
    village: str
    name: str
    group: int | None
    description: str
    length_m: int
    retired_on: dt.date | None


class SanPostIn(Schema):
    village: str = Field(max_length=12)
    name: str = Field(max_length=60)


class SanPostOut(Schema):
    id: int
    village: str
    name: str
    retired_on: dt.date | None


class SanDutyIn(Schema):
    village: str = Field(max_length=12)
    person: int
    post: int
    section: int
    weekdays: str = Field(max_length=20)
    start_time: dt.time
    end_time: dt.time
    tasks: str = Field(max_length=400)
    start_on: Date
    replaces: int | None = None


class SanDutyOut(Schema):
    id: int
    village: str
    person: int
    person_name: str
    post: str
    section: str
    weekdays: str
    start_time: dt.time
    end_time: dt.time
    tasks: str
    welfare: bool
    start_on: dt.date
    end_on: dt.date | None


class SanFilter(PageParams):
    village: str = Field("", max_length=12)


class SanItemOut(Schema):
    id: int
    name: str
    max_score: int


class SanRoundIn(Schema):
    village: str = Field(max_length=12)
    on: Date
    inspectors: str = Field(max_length=200)
    note: str = Field("", max_length=400)


class SanRoundOut(Schema):
    id: int
    village: str
    on: dt.date
    inspectors: str
    note: str


class SanScoreIn(Schema):
    section: int | None = None
    household: int | None = None
    scores: dict[int, int]
    note: str = Field("", max_length=400)


class SanScoreOut(Schema):
    id: int
    round: int
    section: int | None
    household: int | None
    items: dict[str, int]
    total: int
    max_total: int
    point_event: int | None


class SanPointsIn(Schema):
    item: int
    points: int | None = None
    description: str = Field("", max_length=400)


class SanWasteIn(Schema):
    village: str = Field(max_length=12)
    stage: str = Field(max_length=10)
    on: Date
    quantity_kg: int
    group: int | None = None
    note: str = Field("", max_length=400)


class SanWasteOut(Schema):
    id: int
    village: str
    stage: str
    group: int | None
    on: dt.date
    quantity_kg: int
    note: str


class SanHandoverOut(Schema):
    code: str
    name: str
    collected_kg: int
    transferred_kg: int
    last_transfer: dt.date | None
    handed_over: bool


def _duty(d: Duty) -> dict[str, Any]:
    return {
        "id": d.pk, "village": d.village_id, "person": d.person_id, "person_name": d.person.name,
        "post": d.post.name, "section": d.section.name, "weekdays": d.weekdays,
        "start_time": d.start_time, "end_time": d.end_time, "tasks": d.tasks,
        "welfare": d.welfare, "start_on": d.start_on, "end_on": d.end_on,
    }  # fmt: skip


def _section(s: RoadSection) -> dict[str, Any]:
    return {"id": s.pk, "village": s.village_id, "name": s.name, "group": s.group_id,
            "description": s.description, "length_m": s.length_m,
            "retired_on": s.retired_on}  # fmt: skip


def _post(p: DutyPost) -> dict[str, Any]:
    return {"id": p.pk, "village": p.village_id, "name": p.name, "retired_on": p.retired_on}


def _score(s: InspectionScore) -> dict[str, Any]:
    return {
        "id": s.pk, "round": s.round_id, "section": s.section_id, "household": s.household_id,
        "items": s.items, "total": s.total, "max_total": s.max_total,
        "point_event": s.point_event_id,
    }  # fmt: skip


def _group(village: str, pk: int | None) -> VillageGroup | None:
    return None if pk is None else get_object_or_404(VillageGroup, pk=pk, village_id=village)


@router.get("/sanitation/sections", response={200: Page[SanSectionOut], **ERRORS},
            operation_id="sanitation_section_list", summary="卫生路段")  # fmt: skip
def section_list(request: HttpRequest, filters: Query[SanFilter]) -> dict[str, Any]:
    page = paginate(sel.sections(actor=request.user, village=filters.village), filters)
    page["items"] = [_section(s) for s in page["items"]]
    return page


@router.post("/sanitation/sections", response={201: SanSectionOut, **ERRORS},
             operation_id="sanitation_section_create", summary="登记路段")  # fmt: skip
def section_create(request: HttpRequest, body: SanSectionIn) -> Status[dict[str, Any]]:
    village = sel.village_get(actor=request.user, code=body.village)
    s = services.section_add(
        actor=request.user, village=village, name=body.name,
        group=_group(village.code, body.group), description=body.description,
        length_m=body.length_m,
    )  # fmt: skip
    return Status(201, _section(s))


@router.get("/sanitation/posts", response={200: Page[SanPostOut], **ERRORS},
            operation_id="sanitation_post_list", summary="卫生岗位")  # fmt: skip
def post_list(request: HttpRequest, filters: Query[SanFilter]) -> dict[str, Any]:
    from django.db.models import QuerySet

    from cunwu.accounts.permissions import scope_q

    qs: QuerySet[DutyPost] = DutyPost.objects.filter(scope_q(request.user, sel.VIEW))
    if filters.village:
        qs = qs.filter(village_id=filters.village)
    page = paginate(qs, filters)
    page["items"] = [_post(p) for p in page["items"]]
    return page


@router.post("/sanitation/posts", response={201: SanPostOut, **ERRORS},
             operation_id="sanitation_post_create", summary="登记岗位")  # fmt: skip
def post_create(request: HttpRequest, body: SanPostIn) -> Status[dict[str, Any]]:
    village = sel.village_get(actor=request.user, code=body.village)
    p = services.post_add(actor=request.user, village=village, name=body.name)
    return Status(201, _post(p))


@router.get("/sanitation/duties", response={200: Page[SanDutyOut], **ERRORS},
            operation_id="sanitation_duty_list", summary="五定值守表")  # fmt: skip
def duty_list(request: HttpRequest, filters: Query[SanFilter]) -> dict[str, Any]:
    qs = sel.duties(actor=request.user, village=filters.village)
    page = paginate(qs, filters)
    page["items"] = [_duty(d) for d in page["items"]]
    return page


@router.post("/sanitation/duties", response={201: SanDutyOut, **ERRORS},
             operation_id="sanitation_duty_create", summary="安排值守（或更换）")  # fmt: skip
def duty_create(request: HttpRequest, body: SanDutyIn) -> Status[dict[str, Any]]:
    village = sel.village_get(actor=request.user, code=body.village)
    person = get_object_or_404(
        Person.objects.select_related("household"), pk=body.person,
        household__village_id=village.code,
    )  # fmt: skip
    duty = services.duty_assign(
        actor=request.user, village=village, person=person,
        post=get_object_or_404(DutyPost, pk=body.post, village=village),
        section=get_object_or_404(RoadSection, pk=body.section, village=village),
        weekdays=body.weekdays, start_time=body.start_time, end_time=body.end_time,
        tasks=body.tasks, start_on=body.start_on,
        replaces=None if body.replaces is None
        else get_object_or_404(Duty, pk=body.replaces, village=village),
    )  # fmt: skip
    return Status(201, _duty(duty))


@router.get("/sanitation/checklist/{code}", response={200: list[SanItemOut], **ERRORS},
            operation_id="sanitation_checklist", summary="督查项目")  # fmt: skip
def checklist(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    village = sel.village_get(actor=request.user, code=code)
    return [{"id": i.pk, "name": i.name, "max_score": i.max_score}
            for i in sel.checklist(village=village)]  # fmt: skip


@router.post("/sanitation/checklist/{code}/default", response={201: list[SanItemOut], **ERRORS},
             operation_id="sanitation_checklist_default", summary="采用默认督查项目")  # fmt: skip
def checklist_default(request: HttpRequest, code: str) -> Status[list[dict[str, Any]]]:
    village = sel.village_get(actor=request.user, code=code)
    items: list[ChecklistItem] = services.checklist_default(actor=request.user, village=village)
    return Status(201, [{"id": i.pk, "name": i.name, "max_score": i.max_score} for i in items])


@router.get("/sanitation/rounds", response={200: Page[SanRoundOut], **ERRORS},
            operation_id="sanitation_round_list", summary="督查轮次")  # fmt: skip
def round_list(request: HttpRequest, filters: Query[SanFilter]) -> dict[str, Any]:
    page = paginate(sel.rounds(actor=request.user, village=filters.village), filters)
    page["items"] = [{"id": r.pk, "village": r.village_id, "on": r.on, "inspectors": r.inspectors,
                      "note": r.note} for r in page["items"]]  # fmt: skip
    return page


@router.post("/sanitation/rounds", response={201: SanRoundOut, **ERRORS},
             operation_id="sanitation_round_create", summary="登记督查")  # fmt: skip
def round_create(request: HttpRequest, body: SanRoundIn) -> Status[dict[str, Any]]:
    village = sel.village_get(actor=request.user, code=body.village)
    r = services.round_create(
        actor=request.user, village=village, on=body.on, inspectors=body.inspectors,
        note=body.note,
    )  # fmt: skip
    return Status(201, {"id": r.pk, "village": r.village_id, "on": r.on,
                        "inspectors": r.inspectors, "note": r.note})  # fmt: skip


@router.get("/sanitation/rounds/{pk}/scores", response={200: list[SanScoreOut], **ERRORS},
            operation_id="sanitation_score_list", summary="督查得分")  # fmt: skip
def score_list(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    rnd = sel.get_in_scope(request.user, InspectionRound, pk)
    return [_score(s) for s in sel.scores(actor=request.user, round=rnd)]


@router.post("/sanitation/rounds/{pk}/scores", response={201: SanScoreOut, **ERRORS},
             operation_id="sanitation_score_create", summary="打分")  # fmt: skip
def score_create(request: HttpRequest, pk: int, body: SanScoreIn) -> Status[dict[str, Any]]:
    rnd = sel.get_in_scope(request.user, InspectionRound, pk)
    section = (
        None if body.section is None
        else get_object_or_404(RoadSection, pk=body.section, village_id=rnd.village_id)
    )  # fmt: skip
    household = (
        None if body.household is None
        else get_object_or_404(Household, pk=body.household, village_id=rnd.village_id)
    )  # fmt: skip
    score = services.score_record(
        actor=request.user, round=rnd, scores=body.scores, section=section,
        household=household, note=body.note,
    )  # fmt: skip
    return Status(201, _score(score))


@router.post("/sanitation/scores/{pk}/points", response={201: SanScoreOut, **ERRORS},
             operation_id="sanitation_score_points", summary="奖惩计积分")  # fmt: skip
def score_points(request: HttpRequest, pk: int, body: SanPointsIn) -> Status[dict[str, Any]]:
    from cunwu.points.models import RuleItem

    score = sel.get_in_scope(request.user, InspectionScore, pk)
    item = get_object_or_404(RuleItem, pk=body.item)
    services.score_post_points(
        actor=request.user, score=score, item=item, points=body.points,
        description=body.description,
    )  # fmt: skip
    score.refresh_from_db()
    return Status(201, _score(score))


@router.get("/sanitation/waste", response={200: Page[SanWasteOut], **ERRORS},
            operation_id="sanitation_waste_list", summary="垃圾收运记录")  # fmt: skip
def waste_list(request: HttpRequest, filters: Query[SanFilter]) -> dict[str, Any]:
    page = paginate(sel.waste_runs(actor=request.user, village=filters.village), filters)
    page["items"] = [
        {"id": r.pk, "village": r.village_id, "stage": r.stage, "group": r.group_id, "on": r.on,
         "quantity_kg": r.quantity_kg, "note": r.note} for r in page["items"]
    ]  # fmt: skip
    return page


@router.post("/sanitation/waste", response={201: SanWasteOut, **ERRORS},
             operation_id="sanitation_waste_create", summary="登记收运")  # fmt: skip
def waste_create(request: HttpRequest, body: SanWasteIn) -> Status[dict[str, Any]]:
    village = sel.village_get(actor=request.user, code=body.village)
    r = services.waste_run_record(
        actor=request.user, village=village, stage=body.stage, on=body.on,
        quantity_kg=body.quantity_kg, group=_group(village.code, body.group), note=body.note,
        today=timezone.localdate(),
    )  # fmt: skip
    return Status(201, {"id": r.pk, "village": r.village_id, "stage": r.stage,
                        "group": r.group_id, "on": r.on, "quantity_kg": r.quantity_kg,
                        "note": r.note})  # fmt: skip


class SanHandoverFilter(Schema):
    start: Date
    end: Date
    stale_days: int = Field(14, ge=1, le=366)


@router.get("/sanitation/handover", response={200: list[SanHandoverOut], **ERRORS},
            operation_id="sanitation_handover", summary="乡转运交接情况")  # fmt: skip
def handover(request: HttpRequest, filters: Query[SanHandoverFilter]) -> list[dict[str, Any]]:
    rows = sel.handover_report(
        actor=request.user, start=filters.start, end=filters.end, stale_days=filters.stale_days
    )
    return [r.__dict__ for r in rows]


class SanMemberIn(Schema):
    village: str = Field(max_length=12)
    person: int
    role: str = Field(max_length=10)
    start_on: Date


class SanMemberOut(Schema):
    id: int
    village: str
    person: int
    person_name: str
    role: str
    start_on: dt.date


def _member(m: Any) -> dict[str, Any]:
    return {"id": m.pk, "village": m.village_id, "person": m.person_id,
            "person_name": m.person.name, "role": m.role, "start_on": m.start_on}  # fmt: skip


@router.get("/sanitation/members", response={200: Page[SanMemberOut], **ERRORS},
            operation_id="sanitation_member_list", summary="卫生协会会员")  # fmt: skip
def member_list(request: HttpRequest, filters: Query[SanFilter]) -> dict[str, Any]:
    page = paginate(sel.members(actor=request.user, village=filters.village), filters)
    page["items"] = [_member(m) for m in page["items"]]
    return page


@router.post("/sanitation/members", response={201: SanMemberOut, **ERRORS},
             operation_id="sanitation_member_create", summary="登记协会会员")  # fmt: skip
def member_create(request: HttpRequest, body: SanMemberIn) -> Status[dict[str, Any]]:
    village = sel.village_get(actor=request.user, code=body.village)
    person = get_object_or_404(
        Person.objects.select_related("household"), pk=body.person,
        household__village_id=village.code,
    )  # fmt: skip
    m = services.member_add(
        actor=request.user, village=village, person=person, role=body.role,
        start_on=body.start_on,
    )  # fmt: skip
    return Status(201, _member(m))


# ---------------------------------------------------------------- editing, photos


class SanPhotoOut(Schema):
    id: int
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime


@router.post("/sanitation/rounds/{pk}/photos", response={201: list[SanPhotoOut], **ERRORS},
             summary="上传督查照片（multipart：files，可多个）",
             operation_id="sanitation_round_photos")  # fmt: skip
def round_photos(
    request: HttpRequest,
    pk: int,
    files: Annotated[list[UploadedFile], FileParam(..., description="PDF、PNG 或 JPEG")],
) -> Status[list[dict[str, Any]]]:
    need(request.user, sel.VIEW)
    rnd = sel.get_in_scope(request.user, InspectionRound, pk)
    if any((f.size or 0) > MAX_ATTACHMENT_BYTES for f in files):
        raise ApplicationError("file_too_big", "照片不能超过10MB", field="files")
    photos = services.round_photos_add(
        actor=request.user, round=rnd, files=[(f.name or "photo", f.read()) for f in files]
    )
    return Status(201, [{"id": p.pk, "original_name": p.original_name,
                         "content_type": p.content_type, "size": p.size, "sha256": p.sha256,
                         "uploaded_at": p.uploaded_at} for p in photos])  # fmt: skip


class SanItemIn(Schema):
    name: Text = Field(max_length=60)
    max_score: int = Field(ge=-1_000_000, le=1_000_000)


class SanItemFullOut(SanItemOut):
    active: bool
    position: int


def _item(i: ChecklistItem) -> dict[str, Any]:
    return {"id": i.pk, "name": i.name, "max_score": i.max_score, "active": i.active,
            "position": i.position}  # fmt: skip


@router.post("/sanitation/checklist/{code}/items", response={201: SanItemFullOut, **ERRORS},
             operation_id="sanitation_item_create", summary="增加督查项目")  # fmt: skip
def item_create(request: HttpRequest, code: str, body: SanItemIn) -> Status[dict[str, Any]]:
    need(request.user, sel.VIEW)
    village = sel.village_get(actor=request.user, code=code)
    item = services.checklist_item_add(
        actor=request.user, village=village, name=body.name, max_score=body.max_score
    )
    return Status(201, _item(item))


@router.put("/sanitation/items/{pk}", response={200: SanItemFullOut, **ERRORS},
            operation_id="sanitation_item_update", summary="修改督查项目")  # fmt: skip
def item_update(request: HttpRequest, pk: int, body: SanItemIn) -> dict[str, Any]:
    need(request.user, sel.VIEW)
    item = sel.get_in_scope(request.user, ChecklistItem, pk)
    item = services.checklist_item_update(
        actor=request.user, item=item, name=body.name, max_score=body.max_score
    )
    return _item(item)


@router.post("/sanitation/items/{pk}/retire", response={200: SanItemFullOut, **ERRORS},
             operation_id="sanitation_item_retire", summary="停用督查项目")  # fmt: skip
def item_retire(request: HttpRequest, pk: int) -> dict[str, Any]:
    need(request.user, sel.VIEW)
    item = sel.get_in_scope(request.user, ChecklistItem, pk)
    return _item(services.checklist_item_set_active(actor=request.user, item=item, active=False))


@router.post("/sanitation/items/{pk}/restore", response={200: SanItemFullOut, **ERRORS},
             operation_id="sanitation_item_restore", summary="重新启用督查项目")  # fmt: skip
def item_restore(request: HttpRequest, pk: int) -> dict[str, Any]:
    need(request.user, sel.VIEW)
    item = sel.get_in_scope(request.user, ChecklistItem, pk)
    return _item(services.checklist_item_set_active(actor=request.user, item=item, active=True))


class SanSectionUpdateIn(Schema):
    name: Text = Field(max_length=100)
    group: int | None = Field(None, ge=1, le=2**62)
    description: Text = Field("", max_length=400)
    length_m: int = Field(0, ge=0, le=1_000_000)


@router.put("/sanitation/sections/{pk}", response={200: SanSectionOut, **ERRORS},
            operation_id="sanitation_section_update", summary="修改路段")  # fmt: skip
def section_update(request: HttpRequest, pk: int, body: SanSectionUpdateIn) -> dict[str, Any]:
    need(request.user, sel.VIEW)
    section = sel.get_in_scope(request.user, RoadSection, pk)
    s = services.section_update(
        actor=request.user, section=section, name=body.name,
        group=_group(section.village_id, body.group), description=body.description,
        length_m=body.length_m,
    )  # fmt: skip
    return _section(s)


@router.post("/sanitation/sections/{pk}/retire", response={200: SanSectionOut, **ERRORS},
             operation_id="sanitation_section_retire",
             summary="撤销路段（无在岗值守时；记录保留）")  # fmt: skip
def section_retire(request: HttpRequest, pk: int) -> dict[str, Any]:
    need(request.user, sel.VIEW)
    section = sel.get_in_scope(request.user, RoadSection, pk)
    return _section(services.section_retire(actor=request.user, section=section))


@router.post("/sanitation/sections/{pk}/restore", response={200: SanSectionOut, **ERRORS},
             operation_id="sanitation_section_restore", summary="重新启用路段")  # fmt: skip
def section_restore(request: HttpRequest, pk: int) -> dict[str, Any]:
    need(request.user, sel.VIEW)
    section = sel.get_in_scope(request.user, RoadSection, pk)
    return _section(services.section_restore(actor=request.user, section=section))


class SanPostUpdateIn(Schema):
    name: Text = Field(max_length=60)


@router.put("/sanitation/posts/{pk}", response={200: SanPostOut, **ERRORS},
            operation_id="sanitation_post_update", summary="修改岗位名称")  # fmt: skip
def post_update(request: HttpRequest, pk: int, body: SanPostUpdateIn) -> dict[str, Any]:
    need(request.user, sel.VIEW)
    post = sel.get_in_scope(request.user, DutyPost, pk)
    p = services.post_update(actor=request.user, post=post, name=body.name)
    return _post(p)


@router.post("/sanitation/posts/{pk}/retire", response={200: SanPostOut, **ERRORS},
             operation_id="sanitation_post_retire",
             summary="撤销岗位（无在岗值守时；记录保留）")  # fmt: skip
def post_retire(request: HttpRequest, pk: int) -> dict[str, Any]:
    need(request.user, sel.VIEW)
    post = sel.get_in_scope(request.user, DutyPost, pk)
    return _post(services.post_retire(actor=request.user, post=post))


@router.post("/sanitation/posts/{pk}/restore", response={200: SanPostOut, **ERRORS},
             operation_id="sanitation_post_restore", summary="重新启用岗位")  # fmt: skip
def post_restore(request: HttpRequest, pk: int) -> dict[str, Any]:
    need(request.user, sel.VIEW)
    post = sel.get_in_scope(request.user, DutyPost, pk)
    return _post(services.post_restore(actor=request.user, post=post))
