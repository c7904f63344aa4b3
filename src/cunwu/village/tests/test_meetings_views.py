"""屋场恳谈会 pages: the list (scoped, searchable, exported), recording a meeting with its
attendance, opinions and photos, disclosing its results; bad input shows the error and saves
nothing; another village's user gets 404."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from cunwu.accounts.models import User
from cunwu.core.models import Region, VillageGroup
from cunwu.disclosure.models import Notice
from cunwu.registry.models import Household
from cunwu.village.models_meetings import Meeting, MeetingAttendee, MeetingOpinion, MeetingPhoto
from cunwu.village.services.meetings import meeting_create

from .fixtures_meetings import *  # noqa: F403
from .fixtures_meetings import PNG

pytestmark = pytest.mark.django_db


def test_list_is_scoped_and_searchable(client, persona, jiulong):  # type: ignore[no-untyped-def]
    group = VillageGroup.objects.create(village=jiulong, name="第一组", number=1)
    cadre = persona("九龙村村干部")
    meeting_create(
        actor=cadre, group=group, held_on=date(2026, 3, 1), place="张家院子", topic="修路"
    )
    meeting_create(actor=cadre, group=group, held_on=date(2026, 3, 2), place="李家", topic="饮水")
    client.force_login(cadre)
    response = client.get(reverse("village:meeting_list"), {"q": "张家"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 1
    assert "修路" in response.content.decode()
    response = client.get(reverse("village:meeting_list"), {"format": "xlsx"})
    sheet = load_workbook(BytesIO(response.content)).active
    assert [c.value for c in sheet[1]][:5] == ["日期", "村", "村民小组", "地点", "议题"]
    assert sheet.max_row == 3
    client.force_login(persona("另一村的村干部"))
    response = client.get(reverse("village:meeting_list"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0


def test_department_user_gets_403(client, persona):  # type: ignore[no-untyped-def]
    client.force_login(persona("衡山县部门用户"))
    assert client.get(reverse("village:meeting_list")).status_code == 403


def test_create_then_attendance(
    client: Client, persona: Callable[[str], User], jiulong: Region, group: VillageGroup,
    household: Household, other_household: Household,
) -> None:  # fmt: skip
    client.force_login(persona("九龙村村干部"))
    url = reverse("village:meeting_create") + f"?village={jiulong.code}"
    bad = {"group": group.pk, "held_on": "2099-01-01", "place": "院子", "topic": "修路"}
    r = client.post(url, bad)
    assert r.status_code == 200 and "会议日期不能晚于今天" in r.content.decode()
    assert Meeting.objects.count() == 0
    r = client.post(url, {**bad, "held_on": "2026-03-01"})
    meeting = Meeting.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse(
        "village:meeting_attendance", args=[meeting.pk]
    )
    page = client.get(r["Location"])
    rows = page.context["rows"]
    # the group's villagers come first and are proposed as expected and present
    assert [(row["person"].name, row["expected"]) for row in rows] == [
        ("张三", True), ("李四", True), ("张小明", True), ("陈七", False)
    ]  # fmt: skip
    people = {p.name: p.pk for p in household.members.all()}
    chen = other_household.members.get().pk
    r = client.post(r["Location"], {"expected": [*people.values(), chen, "x"],
                                    "present": [people["张三"], chen]})  # fmt: skip
    assert r.status_code == 302
    assert MeetingAttendee.objects.filter(meeting=meeting).count() == 4
    assert MeetingAttendee.objects.filter(meeting=meeting, present=True).count() == 2
    detail = client.get(reverse("village:meeting_detail", args=[meeting.pk])).content.decode()
    assert "应到 4 人，实到 2 人，缺席 2 人" in detail
    # a bad list keeps the page with the message and the old list
    r = client.post(reverse("village:meeting_attendance", args=[meeting.pk]),
                    {"expected": [people["张三"]], "present": [chen]})  # fmt: skip
    assert r.status_code == 200 and "实到人员须在应到人员之中" in r.content.decode()
    assert MeetingAttendee.objects.filter(meeting=meeting).count() == 4


def test_opinion_photo_publish(
    client: Client, persona: Callable[[str], User], meeting: Meeting, household: Household
) -> None:
    cadre = persona("九龙村村干部")
    client.force_login(cadre)
    url = reverse("village:meeting_opinion_add", args=[meeting.pk])
    form = client.get(url)
    assert [str(u) for u in form.context["form"].fields["owner"].queryset] == ["九龙村村干部"]
    data = {"text": "装路灯", "raised_by": "李四", "kind": "suggestion", "owner": cadre.pk,
            "deadline": "2026-02-01"}  # fmt: skip
    r = client.post(url, data)
    assert r.status_code == 200 and "办理期限不能早于会议日期" in r.content.decode()
    assert MeetingOpinion.objects.count() == 0
    r = client.post(url, {**data, "deadline": "2026-03-31"})
    assert r.status_code == 302 and MeetingOpinion.objects.count() == 1
    photo_url = reverse("village:meeting_photo_add", args=[meeting.pk])
    r = client.post(photo_url, {"photo": SimpleUploadedFile("a.png", b"not an image")})
    assert r.status_code == 200 and "不是 PDF、PNG 或 JPEG" in r.content.decode()
    r = client.post(photo_url, {"photo": SimpleUploadedFile("会场.png", PNG)})
    assert r.status_code == 302
    photo = MeetingPhoto.objects.get()
    r = client.get(reverse("village:meeting_photo", args=[meeting.pk, photo.pk]))
    assert r.status_code == 200 and b"".join(r.streaming_content) == PNG
    publish = reverse("village:meeting_publish", args=[meeting.pk])
    r = client.post(publish, follow=True)
    assert "请先登记参会人员" in r.content.decode() and Notice.objects.count() == 0
    person = household.members.get(name="张三").pk
    client.post(reverse("village:meeting_attendance", args=[meeting.pk]),
                {"expected": [person], "present": [person]})  # fmt: skip
    r = client.post(publish, follow=True)
    assert "已公开恳谈会结果" in r.content.decode() and Notice.objects.count() == 1
    opinions = client.get(reverse("village:meeting_opinion_list"), {"state": "open"})
    assert opinions.context["page"].paginator.count == 1
    sheet = load_workbook(BytesIO(client.get(reverse("village:meeting_opinion_list"),
                                             {"format": "xlsx"}).content)).active  # fmt: skip
    assert [c.value for c in sheet[2]][5:8] == ["装路灯", "李四", "九龙村村干部"]


def test_other_village_gets_404_and_villager_403(
    client: Client, persona: Callable[[str], User], meeting: Meeting
) -> None:
    client.force_login(persona("另一村的村干部"))
    for name in ("meeting_detail", "meeting_edit", "meeting_attendance", "meeting_opinion_add",
                 "meeting_photo_add"):  # fmt: skip
        assert client.get(reverse(f"village:{name}", args=[meeting.pk])).status_code == 404
    assert client.post(reverse("village:meeting_publish", args=[meeting.pk])).status_code == 404
    client.force_login(persona("九龙村监委会委员"))
    assert client.get(reverse("village:meeting_detail", args=[meeting.pk])).status_code == 200
    assert client.get(reverse("village:meeting_edit", args=[meeting.pk])).status_code == 403
    assert client.post(reverse("village:meeting_publish", args=[meeting.pk])).status_code == 403
    assert Notice.objects.count() == 0


def test_edit_shows_the_date_as_the_date_input_reads_it(
    client: Client, persona: Callable[[str], User], meeting: Meeting
) -> None:
    client.force_login(persona("九龙村村干部"))
    page = client.get(reverse("village:meeting_edit", args=[meeting.pk])).content.decode()
    assert 'type="date" name="held_on" value="2026-03-01"' in page
    r = client.post(reverse("village:meeting_edit", args=[meeting.pk]),
                    {"held_on": "2026-03-02", "place": "李家院子", "topic": "村道硬化",
                     "minutes": "同意"})  # fmt: skip
    assert r.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.held_on, meeting.place, meeting.group.name) == (
        date(2026, 3, 2), "李家院子", "第一组",
    )  # fmt: skip


def test_attendance_ignores_ids_int_refuses(
    client: Client, persona: Callable[[str], User], meeting: Meeting, household: Household
) -> None:
    """``str.isdigit`` says yes to ² and ⑴, which ``int`` refuses: junk, not a 500."""
    client.force_login(persona("九龙村村干部"))
    person = household.members.get(name="张三").pk
    r = client.post(reverse("village:meeting_attendance", args=[meeting.pk]),
                    {"expected": [person, "²", "⑴"], "present": ["²"]})  # fmt: skip
    assert r.status_code == 302
    assert list(MeetingAttendee.objects.values_list("person_id", "present")) == [(person, False)]
