"""Writes of the meetings part of 乡村治理 (屋场恳谈会).

A meeting is recorded for one villagers' group; its attendance lists the villagers expected
(应到) and marks who came (实到), the rest being absent (缺席). Each opinion raised becomes a
feedback (意见投诉) of the village with an owner among the village cadres and a deadline, so it is
answered, 办结 and rated like any other. The results are disclosed once, as a 村务 notice with
the opinions and their owners; after that the record is fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from cunwu.accounts.permissions import has_perm_in, require
from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import clean_text
from cunwu.core.models import VillageGroup
from cunwu.disclosure.content import store_attachments
from cunwu.disclosure.models import Category
from cunwu.disclosure.models_feedback import FeedbackKind
from cunwu.disclosure.selectors_feedback import village_cadres
from cunwu.disclosure.services import Subject, notice_publish
from cunwu.disclosure.services_feedback import feedback_submit
from cunwu.registry.models import HouseholdStatus, Person, PersonStatus

from ..models_meetings import Meeting, MeetingAttendee, MeetingOpinion, MeetingPhoto
from .common import audit

__all__ = [
    "MAX_ATTENDEES",
    "MAX_PHOTOS",
    "MeetingText",
    "meeting_attendance_set",
    "meeting_create",
    "meeting_photos_add",
    "meeting_publish",
    "meeting_update",
    "opinion_add",
]

PERM = "village.manage"
PUBLISH = "disclosure.publish"
MAX_PHOTOS = 10
MAX_ATTENDEES = 2000
MAX_DEADLINE_DAYS = 366
SUBJECT = "village.meeting"


@dataclass(frozen=True)
class MeetingText:
    """What a meeting says: where, about what, who else came, and its minutes."""

    place: str
    topic: str
    guests: str = ""
    minutes: str = ""

    def cleaned(self) -> dict[str, str]:
        minutes = self.minutes.strip()
        if len(minutes) > 10_000 or "\x00" in minutes:
            raise ApplicationError("meeting_minutes_long", "纪要不能超过10000字", field="minutes")
        return {
            "place": clean_text(self.place, field="place", label="地点", limit=100),
            "topic": clean_text(self.topic, field="topic", label="议题", limit=200),
            "guests": clean_text(
                self.guests, field="guests", label="列席人员", limit=200, required=False
            ),
            "minutes": minutes,
        }


def _held_on(value: Any) -> date:
    if not isinstance(value, date):
        raise ApplicationError("meeting_date_invalid", "会议日期无效", field="held_on")
    if value > timezone.localdate():
        raise ApplicationError("meeting_date_future", "会议日期不能晚于今天", field="held_on")
    return value


def _open(meeting: Meeting) -> Meeting:
    """The meeting locked for a change; once its results are disclosed it is fixed."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.notice_id is not None:
        raise ApplicationError(
            "meeting_published", "恳谈会结果已公开，不能再修改", field="meeting", status=409
        )
    return meeting


@transaction.atomic
def meeting_create(
    *,
    actor: Any,
    group: VillageGroup,
    held_on: date,
    place: str,
    topic: str,
    minutes: str = "",
    guests: str = "",
) -> Meeting:
    """Record a 屋场恳谈会 of ``group``; needs village.manage in its village."""
    village = group.village
    require(actor, PERM, village)
    text = MeetingText(place=place, topic=topic, guests=guests, minutes=minutes).cleaned()
    meeting = Meeting.objects.create(
        village=village, county_code=village.code[:6], group=group, held_on=_held_on(held_on),
        created_by=actor, **text,
    )  # fmt: skip
    audit(actor, village, "meeting_create", meeting, group=group.pk,
           held_on=meeting.held_on.isoformat())  # fmt: skip
    return meeting


@transaction.atomic
def meeting_update(*, actor: Any, meeting: Meeting, held_on: date, text: MeetingText) -> Meeting:
    """Correct a meeting's date, place, topic, guests or minutes before its results are out."""
    require(actor, PERM, meeting.village_id)
    meeting = _open(meeting)
    meeting.held_on = _held_on(held_on)
    for field, value in text.cleaned().items():
        setattr(meeting, field, value)
    meeting.save()
    audit(actor, meeting.village_id, "meeting_update", meeting)
    return meeting


@transaction.atomic
def meeting_attendance_set(
    *, actor: Any, meeting: Meeting, expected: list[int], present: list[int]
) -> tuple[int, int]:
    """Replace the attendance: ``expected`` are the villagers (person ids) expected, ``present``
    those who came (a subset). Everyone listed must be a registered, living member of an active
    household of the village. Returns (应到, 实到)."""
    require(actor, PERM, meeting.village_id)
    meeting = _open(meeting)
    expected_ids = list(dict.fromkeys(expected))
    present_ids = set(present)
    if not expected_ids:
        raise ApplicationError("attendance_empty", "请选择应到人员", field="expected")
    if len(expected_ids) > MAX_ATTENDEES:
        raise ApplicationError(
            "attendance_too_many", f"应到人员不能超过{MAX_ATTENDEES}人", field="expected"
        )
    if not present_ids <= set(expected_ids):
        raise ApplicationError("attendance_present", "实到人员须在应到人员之中", field="present")
    found = set(
        Person.objects.filter(
            pk__in=expected_ids, household__village_id=meeting.village_id,
            household__status=HouseholdStatus.ACTIVE, status=PersonStatus.ACTIVE,
        ).values_list("pk", flat=True)
    )  # fmt: skip
    missing = [pk for pk in expected_ids if pk not in found]
    if missing:
        raise ApplicationError(
            "attendance_person", f"第{expected_ids.index(missing[0]) + 1}位人员不是本村在册村民",
            field="expected",
        )  # fmt: skip
    MeetingAttendee.objects.filter(meeting=meeting).delete()
    MeetingAttendee.objects.bulk_create(
        MeetingAttendee(meeting=meeting, person_id=pk, present=pk in present_ids)
        for pk in expected_ids
    )
    counts = (len(expected_ids), len(present_ids))
    audit(actor, meeting.village_id, "meeting_attendance", meeting, expected=counts[0],
           present=counts[1])  # fmt: skip
    return counts


@transaction.atomic
def meeting_photos_add(
    *, actor: Any, meeting: Meeting, files: list[tuple[str, bytes]]
) -> list[MeetingPhoto]:
    """恳谈会照片: images or PDFs checked by their first bytes and size (the disclosure rules).
    Photos may still be added after the results are out."""
    require(actor, PERM, meeting.village_id)
    photos = store_attachments(
        files, partial(MeetingPhoto, meeting=meeting, uploaded_by=actor), limit=MAX_PHOTOS,
        default_name="photo", noun="照片", unit="张",
    )  # fmt: skip
    audit(actor, meeting.village_id, "meeting_photos", meeting, count=len(photos))
    return photos


@transaction.atomic
def opinion_add(
    *,
    actor: Any,
    meeting: Meeting,
    text: str,
    owner: Any,
    deadline: date,
    raised_by: str = "",
    kind: str = FeedbackKind.SUGGESTION,
) -> MeetingOpinion:
    """An opinion raised at ``meeting``: a feedback of the village (so it is answered and 办结
    through 意见投诉) with ``owner`` (a cadre of the village) and ``deadline``."""
    require(actor, PERM, meeting.village_id)
    meeting = _open(meeting)
    if kind not in FeedbackKind.values:
        raise ApplicationError("opinion_kind", "请选择类型：咨询、建议或投诉", field="kind")
    if owner is None or not village_cadres(meeting.village).filter(pk=owner.pk).exists():
        raise ApplicationError("opinion_owner", "责任人须是本村村干部", field="owner")
    if not isinstance(deadline, date):
        raise ApplicationError("opinion_deadline_invalid", "办理期限无效", field="deadline")
    if deadline < meeting.held_on:
        raise ApplicationError(
            "opinion_deadline_early", "办理期限不能早于会议日期", field="deadline"
        )
    if deadline > meeting.held_on + timedelta(days=MAX_DEADLINE_DAYS):
        raise ApplicationError(
            "opinion_deadline_late", "办理期限不能超过会议日期后一年", field="deadline"
        )
    raised_by = clean_text(raised_by, field="raised_by", label="提出人", limit=50, required=False)
    text = clean_text(text, field="text", label="意见内容", limit=2000)
    feedback = feedback_submit(
        village=meeting.village, kind=kind, text=f"【屋场恳谈会：{meeting.topic}】{text}",
        name=raised_by,
    )  # fmt: skip
    opinion = MeetingOpinion.objects.create(
        meeting=meeting, village_id=meeting.village_id, raised_by=raised_by, text=text,
        owner=owner, deadline=deadline, feedback=feedback, created_by=actor,
    )  # fmt: skip
    audit(actor, meeting.village_id, "meeting_opinion", opinion, meeting=meeting.pk,
           feedback=feedback.code, owner=owner.pk, deadline=deadline.isoformat())  # fmt: skip
    return opinion


def _notice_body(meeting: Meeting, expected: int, present: int) -> str:
    from django.utils.html import escape, linebreaks

    lines = [
        f"<p>{escape(meeting.group.name)}于{meeting.held_on:%Y年%m月%d日}在{escape(meeting.place)}"
        f"召开屋场恳谈会，议题：{escape(meeting.topic)}。应到{expected}人，实到{present}人，"
        f"缺席{expected - present}人。"
        + (f"列席：{escape(meeting.guests)}。" if meeting.guests else "")
        + "</p>",
        linebreaks(meeting.minutes) if meeting.minutes else "",
        "<p>会上提出的意见及办理责任人、期限见下表，办理结果可凭查询码在“意见投诉”中查看。</p>",
    ]
    return "".join(lines)


@transaction.atomic
def meeting_publish(*, actor: Any, meeting: Meeting) -> Meeting:
    """公开结果: a 村务 notice with the attendance, minutes and the opinions with their owners
    and deadlines. Needs the attendance and the minutes; once only. Publishing is a village
    cadre's (disclosure.publish): the work team keeps the record but does not publish."""
    require(actor, PERM, meeting.village_id)
    if not has_perm_in(actor, PUBLISH, meeting.village_id):
        raise PermissionDenied("公开恳谈会结果须由村干部办理")
    meeting = _open(meeting)
    attendees = list(meeting.attendees.values_list("present", flat=True))
    if not attendees:
        raise ApplicationError("meeting_no_attendance", "请先登记参会人员", field="meeting")
    if not meeting.minutes.strip():
        raise ApplicationError("meeting_no_minutes", "请先填写会议纪要", field="minutes")
    opinions = meeting.opinions.select_related("owner", "feedback").order_by("pk")
    rows = {
        "columns": ["序号", "意见", "提出人", "责任人", "办理期限", "查询码"],
        "rows": [[i, o.text, o.raised_by or "—", o.owner.display_name or o.owner.username,
                  o.deadline.isoformat(), o.feedback.code]
                 for i, o in enumerate(opinions, 1)],
    }  # fmt: skip
    notice = notice_publish(
        actor=actor, region=meeting.village, category=Category.VILLAGE,
        title=f"{meeting.group.name}屋场恳谈会结果公开：{meeting.topic}"[:120],
        body=_notice_body(meeting, len(attendees), sum(attendees)), rows=rows,
        subject=Subject(SUBJECT, str(meeting.pk)),
    )  # fmt: skip
    meeting.notice = notice
    meeting.save(update_fields=["notice"])
    audit(actor, meeting.village_id, "meeting_publish", meeting, notice=notice.pk)
    return meeting
