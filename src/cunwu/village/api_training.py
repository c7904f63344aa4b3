"""The training part of 乡村治理 over the API: sessions, attendees (attendance mark, certificates,
employment outcome), labour export records and their yearly counts. Scoped like the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from cunwu.accounts.pages import need
from cunwu.accounts.permissions import has_perm_in
from cunwu.api.schemas import ERRORS, Date, Page, PageParams, Text, paginate
from cunwu.core.models import Region
from cunwu.registry.models import Person

from .models import LabourExport, TrainingAttendee, TrainingSession
from .selectors import training as selectors
from .services import training as services

router = Router()
VIEW = "village.view"


class TrainingSessionOut(Schema):
    id: int
    region: str
    region_name: str
    kind: str
    title: str
    start_on: dt.date
    end_on: dt.date
    place: str
    organiser: str
    hours: int


class TrainingSessionIn(Schema):
    region: str = Field(max_length=12)
    kind: str = Field(max_length=10)
    title: Text = Field(max_length=100)
    start_on: Date
    end_on: Date
    place: Text = Field(max_length=100)
    organiser: Text = Field(max_length=100)
    hours: int = Field(ge=1, le=2000)


class TrainingCertificateOut(Schema):
    id: int
    name: str
    number: str
    issuer: str
    issued_on: dt.date


class TrainingAttendeeOut(Schema):
    id: int
    session: int
    person: int
    person_name: str
    village: str
    attended: bool
    outcome: str
    outcome_place: str
    outcome_from: dt.date | None
    certificates: list[TrainingCertificateOut]


class TrainingAttendeeIn(Schema):
    person: int = Field(ge=1, le=2**62)


class TrainingMarkIn(Schema):
    attended: bool


class TrainingCertificateIn(Schema):
    name: Text = Field(max_length=100)
    number: Text = Field(max_length=50)
    issuer: Text = Field(max_length=100)
    issued_on: Date


class TrainingOutcomeIn(Schema):
    outcome: str = Field(max_length=10)
    place: Text = Field("", max_length=100)
    since: Date | None = None


class LabourExportOut(Schema):
    id: int
    village: str
    person: int
    person_name: str
    year: int
    destination: str
    place: str
    from_month: int
    to_month: int


class LabourExportIn(Schema):
    person: int = Field(ge=1, le=2**62)
    year: int = Field(ge=2000, le=2100)
    destination: str = Field(max_length=10)
    place: Text = Field("", max_length=100)
    from_month: int = Field(ge=1, le=12)
    to_month: int = Field(ge=1, le=12)


class LabourCountOut(Schema):
    code: str
    name: str
    counts: dict[str, int]
    total: int


class TrainingFilter(PageParams):
    q: Text = Field("", max_length=50)
    kind: Text = Field("", max_length=10)
    year: int | None = Field(None, ge=2000, le=2100)
    region: Text = Field("", max_length=12)


class LabourFilter(PageParams):
    year: int | None = Field(None, ge=2000, le=2100)
    village: Text = Field("", max_length=12)


def _session(s: TrainingSession) -> dict[str, Any]:
    return {"id": s.pk, "region": s.region_id, "region_name": s.region.name, "kind": s.kind,
            "title": s.title, "start_on": s.start_on, "end_on": s.end_on, "place": s.place,
            "organiser": s.organiser, "hours": s.hours}  # fmt: skip


def _attendee(a: TrainingAttendee) -> dict[str, Any]:
    certs = [{"id": c.pk, "name": c.name, "number": c.number, "issuer": c.issuer,
              "issued_on": c.issued_on} for c in a.certificates.all()]  # fmt: skip
    return {"id": a.pk, "session": a.session_id, "person": a.person_id,
            "person_name": a.person.name, "village": a.village_id, "attended": a.attended,
            "outcome": a.outcome, "outcome_place": a.outcome_place,
            "outcome_from": a.outcome_from, "certificates": certs}  # fmt: skip


def _export(e: LabourExport) -> dict[str, Any]:
    return {"id": e.pk, "village": e.village_id, "person": e.person_id,
            "person_name": e.person.name, "year": e.year, "destination": e.destination,
            "place": e.place, "from_month": e.from_month, "to_month": e.to_month}  # fmt: skip


@router.get("/training", response={200: Page[TrainingSessionOut], **ERRORS}, summary="培训",
            operation_id="training_list")  # fmt: skip
def training_list(request: HttpRequest, filters: Query[TrainingFilter]) -> dict[str, Any]:
    need(request.user, VIEW)
    qs = selectors.training_sessions(user=request.user, q=filters.q, kind=filters.kind,
                                     year=filters.year, region=filters.region)  # fmt: skip
    page = paginate(qs, filters)
    page["items"] = [_session(s) for s in page["items"]]
    return page


@router.post("/training", response={201: TrainingSessionOut, **ERRORS}, summary="登记培训",
             operation_id="training_create")  # fmt: skip
def training_create(request: HttpRequest, body: TrainingSessionIn) -> Status[dict[str, Any]]:
    region = Region.objects.filter(code=body.region).first()
    if region is None or not has_perm_in(request.user, VIEW, region):
        raise Http404
    data = body.dict()
    data.pop("region")
    session = services.training_session_create(actor=request.user, region=region, **data)
    return Status(201, _session(session))


@router.get("/training/{session_id}", response={200: TrainingSessionOut, **ERRORS},
            summary="培训详情", operation_id="training_detail")  # fmt: skip
def training_detail(request: HttpRequest, session_id: int) -> dict[str, Any]:
    return _session(selectors.training_session_get(user=request.user, pk=session_id))


@router.get("/training/{session_id}/attendees", response={200: list[TrainingAttendeeOut], **ERRORS},
            summary="参训人员", operation_id="training_attendee_list")  # fmt: skip
def training_attendee_list(request: HttpRequest, session_id: int) -> list[dict[str, Any]]:
    session = selectors.training_session_get(user=request.user, pk=session_id)
    return [_attendee(a) for a in selectors.training_attendees(user=request.user, session=session)]


@router.post("/training/{session_id}/attendees", response={201: TrainingAttendeeOut, **ERRORS},
             summary="添加参训人员", operation_id="training_attendee_add")  # fmt: skip
def training_attendee_add(
    request: HttpRequest, session_id: int, body: TrainingAttendeeIn
) -> Status[dict[str, Any]]:
    session = selectors.training_session_get(user=request.user, pk=session_id)
    person = get_object_or_404(Person.objects.select_related("household__village"), pk=body.person)
    attendee = services.training_attendee_add(actor=request.user, session=session, person=person)
    return Status(201, _attendee(attendee))


@router.post("/training/attendees/{attendee_id}/attendance",
             response={200: TrainingAttendeeOut, **ERRORS}, summary="登记是否参训",
             operation_id="training_attendance_mark")  # fmt: skip
def training_attendance_mark(
    request: HttpRequest, attendee_id: int, body: TrainingMarkIn
) -> dict[str, Any]:
    attendee = selectors.training_attendee_get(user=request.user, pk=attendee_id)
    return _attendee(services.training_attendance_mark(
        actor=request.user, attendee=attendee, attended=body.attended))  # fmt: skip


@router.post("/training/attendees/{attendee_id}/certificates",
             response={201: TrainingAttendeeOut, **ERRORS}, summary="登记证书",
             operation_id="training_certificate_add")  # fmt: skip
def training_certificate_add(
    request: HttpRequest, attendee_id: int, body: TrainingCertificateIn
) -> Status[dict[str, Any]]:
    attendee = selectors.training_attendee_get(user=request.user, pk=attendee_id)
    services.training_certificate_add(actor=request.user, attendee=attendee, **body.dict())
    return Status(201, _attendee(attendee))


@router.post("/training/attendees/{attendee_id}/outcome",
             response={200: TrainingAttendeeOut, **ERRORS}, summary="登记就业情况",
             operation_id="training_outcome_set")  # fmt: skip
def training_outcome_set(
    request: HttpRequest, attendee_id: int, body: TrainingOutcomeIn
) -> dict[str, Any]:
    attendee = selectors.training_attendee_get(user=request.user, pk=attendee_id)
    return _attendee(services.training_outcome_set(actor=request.user, attendee=attendee,
                                                   **body.dict()))  # fmt: skip


@router.get("/labour-exports", response={200: Page[LabourExportOut], **ERRORS},
            summary="劳务输出记录", operation_id="labour_export_list")  # fmt: skip
def labour_export_list(request: HttpRequest, filters: Query[LabourFilter]) -> dict[str, Any]:
    need(request.user, VIEW)
    qs = selectors.labour_exports(user=request.user, year=filters.year, village=filters.village)
    page = paginate(qs, filters)
    page["items"] = [_export(e) for e in page["items"]]
    return page


@router.post("/labour-exports", response={201: LabourExportOut, **ERRORS},
             summary="登记劳务输出", operation_id="labour_export_create")  # fmt: skip
def labour_export_create(request: HttpRequest, body: LabourExportIn) -> Status[dict[str, Any]]:
    person = get_object_or_404(Person.objects.select_related("household__village"), pk=body.person)
    if not has_perm_in(request.user, VIEW, person.household.village_id):
        raise Http404
    data = body.dict()
    data.pop("person")
    return Status(201, _export(services.labour_export_record(actor=request.user, person=person,
                                                             **data)))  # fmt: skip


@router.get("/labour-exports/counts/{year}", response={200: list[LabourCountOut], **ERRORS},
            summary="劳务输出年度统计", operation_id="labour_export_counts")  # fmt: skip
def labour_export_counts(request: HttpRequest, year: int) -> list[dict[str, Any]]:
    need(request.user, VIEW)
    out = []
    for r in selectors.labour_counts(user=request.user, year=year):
        counts = {k: v for k, v in r.items() if k not in ("code", "name", "total")}
        out.append({"code": r["code"], "name": r["name"], "counts": counts, "total": r["total"]})
    return out
