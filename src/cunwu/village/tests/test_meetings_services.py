"""屋场恳谈会: recording a meeting, its attendance, photos and opinions (each a feedback with an
owner and deadline), and the results disclosure that fixes the record."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region, VillageGroup
from cunwu.disclosure.models import Category, Notice, NoticeStatus
from cunwu.disclosure.models_feedback import Feedback, FeedbackKind, FeedbackStatus
from cunwu.disclosure.services_feedback import feedback_resolve
from cunwu.registry.models import Household
from cunwu.village.models_meetings import Meeting, MeetingAttendee, MeetingOpinion, MeetingPhoto
from cunwu.village.selectors.meetings import meeting_get, meeting_search, opinion_search, tally
from cunwu.village.services.meetings import (
    MeetingText,
    meeting_attendance_set,
    meeting_create,
    meeting_photos_add,
    meeting_publish,
    meeting_update,
    opinion_add,
)

from .fixtures_meetings import *  # noqa: F403
from .fixtures_meetings import HELD_ON, PNG

pytestmark = pytest.mark.django_db


def ids(household: Household, *names: str) -> list[int]:
    return [household.members.get(name=n).pk for n in names]


def test_cadre_records_a_meeting(persona, group, jiulong):  # type: ignore[no-untyped-def]
    cadre = persona("九龙村村干部")
    meeting = meeting_create(
        actor=cadre, group=group, held_on=date(2026, 3, 1), place=" 张家院子 ", topic="修路",
        guests=" 镇包村干部  王镇长 ",
    )  # fmt: skip
    assert meeting.village == jiulong
    assert meeting.county_code == jiulong.code[:6]
    assert meeting.place == "张家院子"
    assert meeting.guests == "镇包村干部 王镇长"
    assert Meeting.objects.count() == 1


def test_bad_input_changes_nothing(persona, group):  # type: ignore[no-untyped-def]
    cadre = persona("九龙村村干部")
    with pytest.raises(ApplicationError) as err:
        meeting_create(actor=cadre, group=group, held_on=date(2026, 3, 1), place="院子", topic=" ")
    assert err.value.code == "topic_empty" and err.value.message == "请填写议题"
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ApplicationError) as err:
        meeting_create(actor=cadre, group=group, held_on=tomorrow, place="院子", topic="修路")
    assert err.value.code == "meeting_date_future"
    with pytest.raises(ApplicationError, match="纪要不能超过10000字"):
        meeting_create(actor=cadre, group=group, held_on=HELD_ON, place="院子", topic="修路",
                       minutes="字" * 10_001)  # fmt: skip
    assert Meeting.objects.count() == 0


def test_villager_cannot_record(persona, group):  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        meeting_create(
            actor=persona("九龙村村民"), group=group, held_on=date(2026, 3, 1), place="院子",
            topic="修路",
        )  # fmt: skip
    assert Meeting.objects.count() == 0


def test_attendance_counts_expected_present_absent(
    persona: Callable[[str], User], meeting: Meeting, household: Household,
    other_household: Household,
) -> None:  # fmt: skip
    cadre = persona("九龙村村干部")
    expected = ids(household, "张三", "李四", "张小明") + ids(other_household, "陈七")
    present = ids(household, "张三", "李四") + ids(other_household, "陈七")
    assert meeting_attendance_set(
        actor=cadre, meeting=meeting, expected=expected, present=present
    ) == (4, 3)
    assert tally(meeting_get(actor=cadre, pk=meeting.pk)) == (4, 3, 0)
    absent = MeetingAttendee.objects.filter(meeting=meeting, present=False)
    assert [a.person.name for a in absent] == ["张小明"]
    # a second call replaces the list
    assert meeting_attendance_set(
        actor=cadre, meeting=meeting, expected=expected[:2], present=expected[:1]
    ) == (2, 1)
    assert MeetingAttendee.objects.filter(meeting=meeting).count() == 2


def test_attendance_rejects_bad_lists_and_keeps_the_old_one(
    persona: Callable[[str], User], meeting: Meeting, household: Household, jiulong: Region,
    regions: dict[str, Region],
) -> None:  # fmt: skip
    from cunwu.testing import make_household, make_id_number

    cadre = persona("九龙村村干部")
    mine = ids(household, "张三", "李四")
    meeting_attendance_set(actor=cadre, meeting=meeting, expected=mine, present=mine)
    with pytest.raises(ApplicationError, match="请选择应到人员"):
        meeting_attendance_set(actor=cadre, meeting=meeting, expected=[], present=[])
    with pytest.raises(ApplicationError, match="实到人员须在应到人员之中"):
        meeting_attendance_set(actor=cadre, meeting=meeting, expected=mine[:1], present=mine)
    bali = regions["430423100227"]
    stranger = make_household(persona("八里村村干部"), bali, "0001", "外村人",
                              head_id=make_id_number(77, birth="19800101"))  # fmt: skip
    outsider = stranger.members.get().pk
    with pytest.raises(ApplicationError, match="第3位人员不是本村在册村民"):
        meeting_attendance_set(actor=cadre, meeting=meeting, expected=[*mine, outsider],
                               present=mine)  # fmt: skip
    assert sorted(MeetingAttendee.objects.values_list("person_id", flat=True)) == sorted(mine)
    with pytest.raises(PermissionDenied):
        meeting_attendance_set(actor=persona("另一村的村干部"), meeting=meeting, expected=mine,
                               present=mine)  # fmt: skip


def test_opinion_becomes_a_feedback_with_owner_and_deadline(
    persona: Callable[[str], User], meeting: Meeting, jiulong: Region
) -> None:
    cadre = persona("九龙村村干部")
    opinion = opinion_add(
        actor=cadre, meeting=meeting, text="  三组路口要装路灯 ", raised_by="张三", owner=cadre,
        deadline=HELD_ON + timedelta(days=30),
    )  # fmt: skip
    feedback = Feedback.objects.get()
    assert opinion.feedback == feedback
    assert feedback.village == jiulong and feedback.kind == FeedbackKind.SUGGESTION
    assert feedback.text == "【屋场恳谈会：村道硬化】三组路口要装路灯"
    assert feedback.name == "张三" and feedback.submitted_by is None
    assert opinion.deadline == date(2026, 3, 31) and opinion.owner == cadre
    # it is handled like any feedback
    feedback_resolve(actor=cadre, feedback=feedback, resolution="已安装两盏")
    assert list(opinion_search(actor=cadre, state="done")) == [opinion]
    assert list(opinion_search(actor=cadre, state="open")) == []


def test_opinion_rules(persona: Callable[[str], User], meeting: Meeting) -> None:
    cadre, team = persona("九龙村村干部"), persona("九龙村工作队员")
    cases = [
        ({"owner": persona("另一村的村干部")}, "责任人须是本村村干部"),
        ({"owner": team}, "责任人须是本村村干部"),
        ({"deadline": HELD_ON - timedelta(days=1)}, "办理期限不能早于会议日期"),
        ({"deadline": HELD_ON + timedelta(days=367)}, "办理期限不能超过会议日期后一年"),
        ({"text": "  "}, "请填写意见内容"),
        ({"kind": "praise"}, "请选择类型：咨询、建议或投诉"),
    ]
    for change, message in cases:
        args = {"text": "修水渠", "owner": cadre, "deadline": HELD_ON, **change}
        with pytest.raises(ApplicationError) as err:
            opinion_add(actor=cadre, meeting=meeting, **args)
        assert err.value.message == message
    assert MeetingOpinion.objects.count() == 0 and Feedback.objects.count() == 0
    # the work team keeps the record, but an owner must be a village cadre
    opinion_add(actor=team, meeting=meeting, text="修水渠", owner=cadre, deadline=HELD_ON)
    assert MeetingOpinion.objects.count() == 1


def test_overdue_opinions(persona: Callable[[str], User], meeting: Meeting) -> None:
    cadre = persona("九龙村村干部")
    late = opinion_add(actor=cadre, meeting=meeting, text="修水渠", owner=cadre,
                       deadline=date(2026, 3, 10))  # fmt: skip
    opinion_add(actor=cadre, meeting=meeting, text="建文化墙", owner=cadre,
                deadline=date(2026, 6, 30))  # fmt: skip
    overdue = opinion_search(actor=cadre, state="overdue", today=date(2026, 4, 1))
    assert list(overdue) == [late]
    assert opinion_search(actor=cadre, state="open", today=date(2026, 4, 1)).count() == 2
    assert opinion_search(actor=persona("另一村的村干部")).count() == 0


def test_photos(persona: Callable[[str], User], meeting: Meeting) -> None:
    cadre = persona("九龙村村干部")
    [photo] = meeting_photos_add(actor=cadre, meeting=meeting, files=[("会场.png", PNG)])
    assert photo.content_type == "image/png" and photo.size == len(PNG)
    with pytest.raises(ApplicationError, match="不是 PDF、PNG 或 JPEG"):
        meeting_photos_add(actor=cadre, meeting=meeting, files=[("a.png", b"GIF89a....")])
    with pytest.raises(ApplicationError, match="每次至多上传10张照片"):
        meeting_photos_add(actor=cadre, meeting=meeting, files=[("a.png", PNG)] * 11)
    with pytest.raises(ApplicationError, match="请选择照片"):
        meeting_photos_add(actor=cadre, meeting=meeting, files=[])
    assert MeetingPhoto.objects.count() == 1


def test_publish_discloses_the_results_and_fixes_the_record(
    persona: Callable[[str], User], meeting: Meeting, household: Household
) -> None:
    cadre = persona("九龙村村干部")
    with pytest.raises(ApplicationError, match="请先登记参会人员"):
        meeting_publish(actor=cadre, meeting=meeting)
    people = ids(household, "张三", "李四", "张小明")
    meeting_attendance_set(actor=cadre, meeting=meeting, expected=people, present=people[:2])
    opinion = opinion_add(actor=cadre, meeting=meeting, text="装路灯", raised_by="李四",
                          owner=cadre, deadline=date(2026, 3, 31))  # fmt: skip
    assert Notice.objects.count() == 0
    with pytest.raises(PermissionDenied, match="公开恳谈会结果须由村干部办理"):
        meeting_publish(actor=persona("九龙村工作队员"), meeting=meeting)
    meeting_publish(actor=cadre, meeting=meeting)
    notice = Notice.objects.get()
    meeting.refresh_from_db()
    assert meeting.notice == notice
    assert notice.category == Category.VILLAGE and notice.status == NoticeStatus.PUBLISHED
    assert notice.title == "第一组屋场恳谈会结果公开：村道硬化"
    assert "应到3人，实到2人，缺席1人" in notice.body
    assert notice.table["rows"] == [
        ["1", "装路灯", "李四", "九龙村村干部", "2026-03-31", opinion.feedback.code]
    ]
    for change in (
        lambda: meeting_publish(actor=cadre, meeting=meeting),
        lambda: opinion_add(actor=cadre, meeting=meeting, text="x", owner=cadre,
                            deadline=HELD_ON),
        lambda: meeting_attendance_set(actor=cadre, meeting=meeting, expected=people,
                                       present=people),
        lambda: meeting_update(actor=cadre, meeting=meeting, held_on=HELD_ON,
                               text=MeetingText(place="x", topic="y")),
    ):  # fmt: skip
        with pytest.raises(ApplicationError, match="恳谈会结果已公开，不能再修改") as err:
            change()
        assert err.value.status == 409
    assert Notice.objects.count() == 1 and MeetingOpinion.objects.count() == 1
    assert opinion.feedback.status == FeedbackStatus.PENDING
    # photos may still be added
    meeting_photos_add(actor=cadre, meeting=meeting, files=[("会场.png", PNG)])


def test_publish_needs_minutes(
    persona: Callable[[str], User], group: VillageGroup, household: Household
) -> None:
    cadre = persona("九龙村村干部")
    meeting = meeting_create(actor=cadre, group=group, held_on=HELD_ON, place="院子",
                             topic="修路")  # fmt: skip
    people = ids(household, "张三")
    meeting_attendance_set(actor=cadre, meeting=meeting, expected=people, present=people)
    with pytest.raises(ApplicationError, match="请先填写会议纪要"):
        meeting_publish(actor=cadre, meeting=meeting)
    meeting_update(actor=cadre, meeting=meeting, held_on=HELD_ON,
                   text=MeetingText(place="院子", topic="修路", minutes="同意"))  # fmt: skip
    meeting_publish(actor=cadre, meeting=meeting)
    assert Notice.objects.count() == 1


def test_search(persona: Callable[[str], User], meeting: Meeting, group: VillageGroup) -> None:
    cadre = persona("九龙村村干部")
    meeting_create(actor=cadre, group=group, held_on=date(2026, 5, 1), place="李家",
                   topic="饮水", guests="县水利局")  # fmt: skip
    assert [m.topic for m in meeting_search(actor=cadre, q="水利")] == ["饮水"]
    assert [m.topic for m in meeting_search(actor=cadre, q="三组")] == ["村道硬化"]
    assert meeting_search(actor=cadre, start=date(2026, 4, 1)).count() == 1
    assert meeting_search(actor=cadre, end=date(2026, 4, 1)).count() == 1
    assert meeting_search(actor=cadre, published="1").count() == 0
    assert meeting_search(actor=cadre, village="430423").count() == 2
    assert meeting_search(actor=persona("开云镇干部")).count() == 2
    assert meeting_search(actor=persona("另一村的村干部")).count() == 0
