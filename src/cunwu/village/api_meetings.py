"""The meetings part of 乡村治理 over the API: 屋场恳谈会, attendance, photos, opinions (each a
feedback of the village) and the results disclosure. Scoped like the pages: outside the
caller's villages is 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.files import UploadedFile
from ninja.params.functions import File as FileParam
from ninja.responses import Status
from pydantic import Field

from cunwu.accounts.models import User
from cunwu.accounts.pages import need
from cunwu.accounts.permissions import has_perm_in
from cunwu.api.schemas import ERRORS, Date, Page, PageParams, Text, paginate
from cunwu.core.errors import ApplicationError
from cunwu.core.models import VillageGroup
from cunwu.disclosure.content import MAX_ATTACHMENT_BYTES

from .models_meetings import Meeting, MeetingOpinion
from .selectors import meetings as selectors
from .services import meetings as services

router = Router()
VIEW = "village.view"
MAX_ID = 2**62


class MeetingOut(Schema):
    id: int
    village: str
    village_name: str
    group: int
    group_name: str
    held_on: dt.date
    place: str
    topic: str
    guests: str
    minutes: str
    expected: int
    present: int
    absent: int
    opinions: int
    notice: int | None


class MeetingAttendeeOut(Schema):
    person: int
    name: str
    household: str
    present: bool


class MeetingOpinionOut(Schema):
    id: int
    meeting: int
    village: str
    text: str
    raised_by: str
    owner: int
    owner_name: str
    deadline: dt.date
    feedback_code: str
    status: str
    status_label: str
    resolution: str


class MeetingPhotoOut(Schema):
    id: int
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime


class MeetingDetailOut(MeetingOut):
    attendees: list[MeetingAttendeeOut]
    opinion_rows: list[MeetingOpinionOut]
    photos: list[MeetingPhotoOut]


class MeetingCreateIn(Schema):
    group: int = Field(ge=1, le=MAX_ID)
    held_on: Date
    place: Text = Field(max_length=100)
    topic: Text = Field(max_length=200)
    guests: Text = Field("", max_length=200)
    minutes: str = Field("", max_length=10_000)


class MeetingUpdateIn(Schema):
    held_on: Date
    place: Text = Field(max_length=100)
    topic: Text = Field(max_length=200)
    guests: Text = Field("", max_length=200)
    minutes: str = Field("", max_length=10_000)


class MeetingAttendanceIn(Schema):
    expected: list[int] = Field(max_length=services.MAX_ATTENDEES)
    present: list[int] = Field(default_factory=list, max_length=services.MAX_ATTENDEES)


class MeetingAttendanceOut(Schema):
    expected: int
    present: int
    absent: int


class MeetingOpinionIn(Schema):
    text: Text = Field(max_length=2000)
    raised_by: Text = Field("", max_length=50)
    kind: Literal["question", "suggestion", "complaint"] = "suggestion"
    owner: int = Field(ge=1, le=MAX_ID)
    deadline: Date


class MeetingFilter(PageParams):
    q: Text = Field("", max_length=50)
    village: Text = Field("", max_length=12)
    start: Date | None = None
    end: Date | None = None
    published: Literal["", "0", "1"] = ""


class MeetingOpinionFilter(PageParams):
    q: Text = Field("", max_length=50)
    village: Text = Field("", max_length=12)
    state: Literal["", "open", "overdue", "done"] = ""


def _meeting(m: Meeting) -> dict[str, Any]:
    expected, present, opinions = selectors.tally(m)
    return {"id": m.pk, "village": m.village_id, "village_name": m.village.name,
            "group": m.group_id, "group_name": m.group.name, "held_on": m.held_on,
            "place": m.place, "topic": m.topic, "guests": m.guests, "minutes": m.minutes,
            "expected": expected, "present": present, "absent": expected - present,
            "opinions": opinions,
            "notice": m.notice_id}  # fmt: skip


def _opinion(o: MeetingOpinion) -> dict[str, Any]:
    return {"id": o.pk, "meeting": o.meeting_id, "village": o.village_id, "text": o.text,
            "raised_by": o.raised_by, "owner": o.owner_id, "owner_name": str(o.owner),
            "deadline": o.deadline, "feedback_code": o.feedback.code,
            "status": o.feedback.status, "status_label": o.feedback.get_status_display(),
            "resolution": o.feedback.resolution}  # fmt: skip


def _detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    m = selectors.meeting_get(actor=request.user, pk=pk)
    attendees = m.attendees.select_related("person", "person__household").order_by("pk")
    opinions = m.opinions.select_related("owner", "feedback").order_by("pk")
    return {**_meeting(m),
            "attendees": [{"person": a.person_id, "name": a.person.name,
                           "household": a.person.household.number, "present": a.present}
                          for a in attendees],
            "opinion_rows": [_opinion(o) for o in opinions],
            "photos": [{"id": p.pk, "original_name": p.original_name,
                        "content_type": p.content_type, "size": p.size, "sha256": p.sha256,
                        "uploaded_at": p.uploaded_at} for p in m.photos.all()]}  # fmt: skip


@router.get("/meetings", response={200: Page[MeetingOut], **ERRORS}, summary="屋场恳谈会",
            operation_id="village_meeting_list")  # fmt: skip
def meeting_list(request: HttpRequest, filters: Query[MeetingFilter]) -> dict[str, Any]:
    need(request.user, VIEW)
    qs = selectors.meeting_search(
        actor=request.user, q=filters.q, village=filters.village, start=filters.start,
        end=filters.end, published=filters.published,
    )  # fmt: skip
    page = paginate(qs, filters)
    page["items"] = [_meeting(m) for m in page["items"]]
    return page


@router.post("/meetings", response={201: MeetingDetailOut, **ERRORS}, summary="登记屋场恳谈会",
             operation_id="village_meeting_create")  # fmt: skip
def meeting_create(request: HttpRequest, body: MeetingCreateIn) -> Status[dict[str, Any]]:
    group = VillageGroup.objects.select_related("village").filter(pk=body.group).first()
    if group is None or not has_perm_in(request.user, VIEW, group.village_id):
        raise Http404
    meeting = services.meeting_create(
        actor=request.user, group=group, held_on=body.held_on, place=body.place,
        topic=body.topic, guests=body.guests, minutes=body.minutes,
    )  # fmt: skip
    return Status(201, _detail(request, meeting.pk))


@router.get("/meetings/{meeting_id}", response={200: MeetingDetailOut, **ERRORS},
            summary="恳谈会详情", operation_id="village_meeting_detail")  # fmt: skip
def meeting_detail(request: HttpRequest, meeting_id: int) -> dict[str, Any]:
    return _detail(request, meeting_id)


@router.put("/meetings/{meeting_id}", response={200: MeetingDetailOut, **ERRORS},
            summary="修改恳谈会（结果公开前）", operation_id="village_meeting_update")  # fmt: skip
def meeting_update(request: HttpRequest, meeting_id: int, body: MeetingUpdateIn) -> dict[str, Any]:
    meeting = selectors.meeting_get(actor=request.user, pk=meeting_id)
    text = services.MeetingText(place=body.place, topic=body.topic, guests=body.guests,
                                minutes=body.minutes)  # fmt: skip
    services.meeting_update(actor=request.user, meeting=meeting, held_on=body.held_on, text=text)
    return _detail(request, meeting_id)


@router.put("/meetings/{meeting_id}/attendance", response={200: MeetingAttendanceOut, **ERRORS},
            summary="登记参会人员（应到、实到）",
            operation_id="village_meeting_attendance")  # fmt: skip
def meeting_attendance(
    request: HttpRequest, meeting_id: int, body: MeetingAttendanceIn
) -> dict[str, int]:
    meeting = selectors.meeting_get(actor=request.user, pk=meeting_id)
    expected, present = services.meeting_attendance_set(
        actor=request.user, meeting=meeting, expected=body.expected, present=body.present
    )
    return {"expected": expected, "present": present, "absent": expected - present}


@router.post("/meetings/{meeting_id}/photos", response={201: list[MeetingPhotoOut], **ERRORS},
             summary="上传恳谈会照片（multipart：files，可多个）",
             operation_id="village_meeting_photos")  # fmt: skip
def meeting_photos(
    request: HttpRequest,
    meeting_id: int,
    files: Annotated[list[UploadedFile], FileParam(..., description="PDF、PNG 或 JPEG")],
) -> Status[list[dict[str, Any]]]:
    meeting = selectors.meeting_get(actor=request.user, pk=meeting_id)
    if any((f.size or 0) > MAX_ATTACHMENT_BYTES for f in files):
        raise ApplicationError("file_too_big", "照片不能超过10MB", field="files")
    photos = services.meeting_photos_add(
        actor=request.user, meeting=meeting, files=[(f.name or "photo", f.read()) for f in files]
    )
    return Status(201, [{"id": p.pk, "original_name": p.original_name,
                         "content_type": p.content_type, "size": p.size, "sha256": p.sha256,
                         "uploaded_at": p.uploaded_at} for p in photos])  # fmt: skip


@router.post("/meetings/{meeting_id}/opinions", response={201: MeetingOpinionOut, **ERRORS},
             summary="登记恳谈会意见（转入意见投诉办理）",
             operation_id="village_meeting_opinion_add")  # fmt: skip
def meeting_opinion_add(
    request: HttpRequest, meeting_id: int, body: MeetingOpinionIn
) -> Status[dict[str, Any]]:
    meeting = selectors.meeting_get(actor=request.user, pk=meeting_id)
    owner = get_object_or_404(User, pk=body.owner)
    opinion = services.opinion_add(
        actor=request.user, meeting=meeting, text=body.text, raised_by=body.raised_by,
        kind=body.kind, owner=owner, deadline=body.deadline,
    )  # fmt: skip
    return Status(201, _opinion(opinion))


@router.post("/meetings/{meeting_id}/publish", response={200: MeetingDetailOut, **ERRORS},
             summary="公开恳谈会结果", operation_id="village_meeting_publish")  # fmt: skip
def meeting_publish(request: HttpRequest, meeting_id: int) -> dict[str, Any]:
    meeting = selectors.meeting_get(actor=request.user, pk=meeting_id)
    services.meeting_publish(actor=request.user, meeting=meeting)
    return _detail(request, meeting_id)


@router.get("/meeting-opinions", response={200: Page[MeetingOpinionOut], **ERRORS},
            summary="恳谈会意见办理", operation_id="village_meeting_opinion_list")  # fmt: skip
def opinion_list(request: HttpRequest, filters: Query[MeetingOpinionFilter]) -> dict[str, Any]:
    need(request.user, VIEW)
    qs = selectors.opinion_search(actor=request.user, q=filters.q, village=filters.village,
                                  state=filters.state)  # fmt: skip
    page = paginate(qs, filters)
    page["items"] = [_opinion(o) for o in page["items"]]
    return page
