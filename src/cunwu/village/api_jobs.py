"""The jobs part of 乡村治理 over the API: 公益性岗位 posts, holders, attendance and the monthly
payroll. Money in 分. Scoped like the pages: outside the caller's villages is 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from cunwu.accounts.pages import need
from cunwu.api.schemas import ERRORS, Date, Page, PageParams, Text, paginate
from cunwu.core.models import Region
from cunwu.registry.models import Person

from .models import JobAttendance, JobHolder, JobPost
from .selectors import jobs as selectors
from .services import jobs as services

router = Router()
VIEW = "village.view"


class JobPostOut(Schema):
    id: int
    village: str
    village_name: str
    name: str
    duties: str
    pay_fen: int
    funding: str
    positions: int
    filled: int
    active: bool


class JobPostIn(Schema):
    village: str = Field(max_length=12)
    name: Text = Field(max_length=50)
    duties: Text = Field("", max_length=300)
    pay_fen: int = Field(ge=0, le=10**8)
    funding: Text = Field("", max_length=100)
    positions: int = Field(ge=1, le=500)


class JobHolderOut(Schema):
    id: int
    post: int
    person: int
    person_name: str
    start_on: dt.date
    end_on: dt.date | None
    end_reason: str
    poverty: bool
    monitored: bool
    measure: int | None


class JobHolderIn(Schema):
    person: int = Field(ge=1, le=2**62)
    start_on: Date


class JobHolderEndIn(Schema):
    end_on: Date
    reason: Text = Field(max_length=200)


class JobAttendanceIn(Schema):
    month: Date
    days_worked: int = Field(ge=0, le=31)
    deduction_fen: int = Field(0, ge=0, le=10**8)
    deduction_reason: Text = Field("", max_length=200)
    note: Text = Field("", max_length=200)


class JobAttendanceOut(Schema):
    id: int
    holder: int
    person_name: str
    post_name: str
    month: dt.date
    working_days: int
    days_worked: int
    pay_fen: int
    pay_due_fen: int
    deduction_fen: int
    deduction_reason: str
    net_fen: int
    correction: bool


class JobPayrollOut(Schema):
    village: str
    month: dt.date
    rows: list[JobAttendanceOut]
    total_fen: int


class JobPostFilter(PageParams):
    q: Text = Field("", max_length=50)
    village: Text = Field("", max_length=12)
    active: Text = Field("", max_length=1)


def _post(p: JobPost) -> dict[str, Any]:
    return {"id": p.pk, "village": p.village_id, "village_name": p.village.name, "name": p.name,
            "duties": p.duties, "pay_fen": p.pay_fen, "funding": p.funding,
            "positions": p.positions, "filled": p.filled, "active": p.active}  # fmt: skip


def _holder(h: JobHolder) -> dict[str, Any]:
    return {"id": h.pk, "post": h.post_id, "person": h.person_id, "person_name": h.person.name,
            "start_on": h.start_on, "end_on": h.end_on, "end_reason": h.end_reason,
            "poverty": h.poverty, "monitored": h.monitored, "measure": h.measure_id}  # fmt: skip


def _attendance(a: JobAttendance) -> dict[str, Any]:
    return {"id": a.pk, "holder": a.holder_id, "person_name": a.holder.person.name,
            "post_name": a.holder.post.name, "month": a.month, "working_days": a.working_days,
            "days_worked": a.days_worked, "pay_fen": a.pay_fen, "pay_due_fen": a.pay_due_fen,
            "deduction_fen": a.deduction_fen, "deduction_reason": a.deduction_reason,
            "net_fen": a.net_fen, "correction": a.correction}  # fmt: skip


@router.get("/jobs", response={200: Page[JobPostOut], **ERRORS}, summary="公益性岗位",
            operation_id="job_post_list")  # fmt: skip
def job_post_list(request: HttpRequest, filters: Query[JobPostFilter]) -> dict[str, Any]:
    need(request.user, VIEW)
    qs = selectors.job_posts(user=request.user, q=filters.q, village=filters.village,
                             active=filters.active)  # fmt: skip
    page = paginate(qs, filters)
    page["items"] = [_post(p) for p in page["items"]]
    return page


@router.post("/jobs", response={201: JobPostOut, **ERRORS}, summary="新设公益性岗位",
             operation_id="job_post_create")  # fmt: skip
def job_post_create(request: HttpRequest, body: JobPostIn) -> Status[dict[str, Any]]:
    village = Region.objects.filter(code=body.village).first()
    if village is None:
        raise Http404
    post = services.job_post_create(
        actor=request.user, village=village, name=body.name, duties=body.duties,
        pay_fen=body.pay_fen, funding=body.funding, positions=body.positions,
    )  # fmt: skip
    return Status(201, _post(post))


@router.get("/jobs/{post_id}", response={200: JobPostOut, **ERRORS}, summary="岗位详情",
            operation_id="job_post_detail")  # fmt: skip
def job_post_detail(request: HttpRequest, post_id: int) -> dict[str, Any]:
    return _post(selectors.job_post_get(user=request.user, pk=post_id))


@router.post("/jobs/{post_id}/retire", response={200: JobPostOut, **ERRORS}, summary="撤销岗位",
             operation_id="job_post_retire")  # fmt: skip
def job_post_retire(request: HttpRequest, post_id: int) -> dict[str, Any]:
    """Only a post with nobody in it (else 409 post_has_holders)."""
    post = selectors.job_post_get(user=request.user, pk=post_id)
    return _post(services.job_post_retire(actor=request.user, post=post))


@router.get("/jobs/{post_id}/holders", response={200: list[JobHolderOut], **ERRORS},
            summary="岗位人员", operation_id="job_holder_list")  # fmt: skip
def job_holder_list(request: HttpRequest, post_id: int) -> list[dict[str, Any]]:
    post = selectors.job_post_get(user=request.user, pk=post_id)
    return [_holder(h) for h in selectors.job_holders(user=request.user, post=post)]


@router.post("/jobs/{post_id}/holders", response={201: JobHolderOut, **ERRORS},
             summary="安排上岗", operation_id="job_holder_start")  # fmt: skip
def job_holder_start(
    request: HttpRequest, post_id: int, body: JobHolderIn
) -> Status[dict[str, Any]]:
    post = selectors.job_post_get(user=request.user, pk=post_id)
    person = get_object_or_404(Person, pk=body.person, household__village_id=post.village_id)
    holder = services.job_holder_start(actor=request.user, post=post, person=person,
                                       start_on=body.start_on)  # fmt: skip
    return Status(201, _holder(holder))


@router.post("/jobs/holders/{holder_id}/end", response={200: JobHolderOut, **ERRORS},
             summary="离岗", operation_id="job_holder_end")  # fmt: skip
def job_holder_end(request: HttpRequest, holder_id: int, body: JobHolderEndIn) -> dict[str, Any]:
    holder = selectors.job_holder_get(user=request.user, pk=holder_id)
    holder = services.job_holder_end(actor=request.user, holder=holder, end_on=body.end_on,
                                     reason=body.reason)  # fmt: skip
    return _holder(holder)


@router.post("/jobs/holders/{holder_id}/attendance", response={201: JobAttendanceOut, **ERRORS},
             summary="登记考勤", operation_id="job_attendance_create")  # fmt: skip
def job_attendance_create(
    request: HttpRequest, holder_id: int, body: JobAttendanceIn
) -> Status[dict[str, Any]]:
    holder = selectors.job_holder_get(user=request.user, pk=holder_id)
    row = services.job_attendance_record(
        actor=request.user, holder=holder, month=body.month, days_worked=body.days_worked,
        deduction_fen=body.deduction_fen, deduction_reason=body.deduction_reason, note=body.note,
    )  # fmt: skip
    return Status(201, _attendance(row))


@router.get("/jobs/payroll/{village}/{month}", response={200: JobPayrollOut, **ERRORS},
            summary="月度工资表", operation_id="job_payroll")  # fmt: skip
def job_payroll(request: HttpRequest, village: str, month: Date) -> dict[str, Any]:
    region = get_object_or_404(Region, code=village, level=5)
    from cunwu.accounts.permissions import has_perm_in

    if not has_perm_in(request.user, VIEW, region):
        raise Http404
    rows = selectors.payroll(user=request.user, village=region.code, month=month)
    return {"village": region.code, "month": month.replace(day=1),
            "rows": [_attendance(r.attendance) for r in rows],
            "total_fen": sum(r.attendance.net_fen for r in rows)}  # fmt: skip
