"""The care part of 乡村治理 over the API (permission ``village.care``): care records (list,
add, detail, carer, end), visits (list, add) and the overdue-visit list. Scoped: outside the
caller's villages is 404."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from cunwu.accounts.models import User
from cunwu.accounts.pages import need
from cunwu.api.schemas import ERRORS, Date, Page, PageParams, Text, paginate

from .models_care import CareRecord, CareVisit
from .selectors import care as selectors
from .services import care as services

router = Router(tags=["乡村治理"])
MAX_ID = 2**62
CARE = "village.care"
Group = Literal["child", "woman", "elder", "disabled", "orphan"]


class CareVisitOut(Schema):
    id: int
    record: int
    visited_on: dt.date
    visitor: str
    needs: str
    help_given: str
    follow_up: str


class CareRecordOut(Schema):
    id: int
    village: str
    village_name: str
    person: int
    person_name: str
    household_number: str
    group: str
    group_label: str
    since: dt.date
    interval_days: int
    carer_user: int | None
    carer: str
    ended_on: dt.date | None
    end_reason: str
    last_visit: dt.date | None
    due_on: dt.date


class CareRecordDetailOut(CareRecordOut):
    note: str
    disability: str
    health: str
    visits: list[CareVisitOut]


class CareOverdueOut(CareRecordOut):
    days_late: int


class CareFilter(PageParams):
    group: Group | None = None
    carer: int | None = Field(None, ge=1, lt=MAX_ID)
    status: Literal["open", "ended", "all"] = "open"
    q: Text = Field("", max_length=50)


class CareOverdueFilter(PageParams):
    group: Group | None = None
    carer: int | None = Field(None, ge=1, lt=MAX_ID)
    overdue_only: bool = True
    on: Date | None = None


class CarerIn(Schema):
    carer_user: int | None = Field(None, ge=1, lt=MAX_ID)
    carer_name: Text = Field("", max_length=50)
    carer_phone: Text = Field("", max_length=20)


class CareRecordIn(CarerIn):
    person: int = Field(..., ge=1, lt=MAX_ID)
    group: Group
    since: Date
    interval_days: int | None = Field(None, ge=1, le=366)
    note: Text = Field("", max_length=300)


class CareEndIn(Schema):
    ended_on: Date
    reason: Text = Field(..., max_length=100)


class CareVisitIn(Schema):
    visited_on: Date
    needs: Text = Field("", max_length=300)
    help_given: Text = Field("", max_length=300)
    follow_up: Text = Field("", max_length=300)


def _record(r: CareRecord) -> dict[str, Any]:
    return {
        "id": r.pk, "village": r.village_id, "village_name": r.village.name,
        "person": r.person_id, "person_name": r.person.name,
        "household_number": r.person.household.number, "group": r.group,
        "group_label": r.get_group_display(), "since": r.since, "interval_days": r.interval_days,
        "carer_user": r.carer_user_id, "carer": r.carer_label, "ended_on": r.ended_on,
        "end_reason": r.end_reason, "last_visit": getattr(r, "last_visit", None),
        "due_on": selectors.due_on(r),
    }  # fmt: skip


def _visit(v: CareVisit) -> dict[str, Any]:
    return {"id": v.pk, "record": v.record_id, "visited_on": v.visited_on,
            "visitor": str(v.visitor), "needs": v.needs, "help_given": v.help_given,
            "follow_up": v.follow_up}  # fmt: skip


def _detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    r = selectors.care_get(actor=request.user, pk=pk)
    out = _record(r)
    out.update(note=r.note, disability=r.person.disability, health=r.person.health,
               visits=[_visit(v) for v in selectors.visits_of(r)])  # fmt: skip
    return out


def _carer_user(pk: int | None) -> User | None:
    if pk is None:
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise Http404("用户不存在")
    return user


@router.get("/care", response={200: Page[CareRecordOut], **ERRORS}, summary="关爱对象")
def care_record_list(request: HttpRequest, filters: Query[CareFilter]) -> dict[str, Any]:
    need(request.user, CARE)
    qs = selectors.care_list(actor=request.user, q=filters.q, group=filters.group or "",
                             carer=filters.carer, status=filters.status)  # fmt: skip
    page = paginate(qs, filters)
    page["items"] = [_record(r) for r in page["items"]]
    return page


@router.post("/care", response={201: CareRecordDetailOut, **ERRORS}, summary="登记关爱对象")
def care_record_create(request: HttpRequest, body: CareRecordIn) -> Status[dict[str, Any]]:
    need(request.user, CARE)
    person = selectors.person_get(actor=request.user, pk=body.person)
    r = services.care_add(
        actor=request.user, person=person, group=body.group, since=body.since,
        interval_days=body.interval_days, carer_user=_carer_user(body.carer_user),
        carer_name=body.carer_name, carer_phone=body.carer_phone, note=body.note,
    )  # fmt: skip
    return Status(201, _detail(request, r.pk))


@router.get("/care/overdue", response={200: Page[CareOverdueOut], **ERRORS}, summary="逾期未走访")
def care_overdue(request: HttpRequest, filters: Query[CareOverdueFilter]) -> dict[str, Any]:
    need(request.user, CARE)
    rows = selectors.overdue(
        actor=request.user, on=filters.on or timezone.localdate(), group=filters.group or "",
        carer=filters.carer, overdue_only=filters.overdue_only,
    )  # fmt: skip
    start = (filters.page - 1) * filters.page_size
    items = []
    for row in rows[start : start + filters.page_size]:
        out = _record(row.record)
        out["days_late"] = row.days_late
        items.append(out)
    return {"items": items, "count": len(rows), "page": filters.page,
            "page_size": filters.page_size}  # fmt: skip


@router.get("/care/{pk}", response={200: CareRecordDetailOut, **ERRORS}, summary="关爱对象详情")
def care_record_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _detail(request, pk)


@router.post("/care/{pk}/carer", response={200: CareRecordDetailOut, **ERRORS},
             summary="指定关爱责任人")  # fmt: skip
def care_carer_assign(request: HttpRequest, pk: int, body: CarerIn) -> dict[str, Any]:
    r = selectors.care_get(actor=request.user, pk=pk)
    services.carer_assign(actor=request.user, record=r, carer_user=_carer_user(body.carer_user),
                          carer_name=body.carer_name, carer_phone=body.carer_phone)  # fmt: skip
    return _detail(request, pk)


@router.post("/care/{pk}/end", response={200: CareRecordDetailOut, **ERRORS}, summary="结束关爱")
def care_record_end(request: HttpRequest, pk: int, body: CareEndIn) -> dict[str, Any]:
    r = selectors.care_get(actor=request.user, pk=pk)
    services.care_end(actor=request.user, record=r, ended_on=body.ended_on, reason=body.reason)
    return _detail(request, pk)


@router.get("/care/{pk}/visits", response={200: list[CareVisitOut], **ERRORS}, summary="走访记录")
def care_visit_list(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    r = selectors.care_get(actor=request.user, pk=pk)
    return [_visit(v) for v in selectors.visits_of(r)]


@router.post("/care/{pk}/visits", response={201: CareVisitOut, **ERRORS}, summary="登记走访")
def care_visit_create(request: HttpRequest, pk: int, body: CareVisitIn) -> Status[dict[str, Any]]:
    r = selectors.care_get(actor=request.user, pk=pk)
    v = services.visit_add(actor=request.user, record=r, visited_on=body.visited_on,
                           needs=body.needs, help_given=body.help_given,
                           follow_up=body.follow_up)  # fmt: skip
    return Status(201, _visit(v))
