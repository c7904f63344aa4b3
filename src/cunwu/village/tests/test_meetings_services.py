"""屋场恳谈会: recording a meeting."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cunwu.core.errors import ApplicationError
from cunwu.core.models import VillageGroup
from cunwu.village.models_meetings import Meeting
from cunwu.village.services.meetings import meeting_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(jiulong):  # type: ignore[no-untyped-def]
    return VillageGroup.objects.create(village=jiulong, name="第一组", number=1)


def test_cadre_records_a_meeting(persona, group, jiulong):  # type: ignore[no-untyped-def]
    cadre = persona("九龙村村干部")
    meeting = meeting_create(
        actor=cadre, group=group, held_on=date(2026, 3, 1), place=" 张家院子 ", topic="修路"
    )
    assert meeting.village == jiulong
    assert meeting.county_code == jiulong.code[:6]
    assert meeting.place == "张家院子"
    assert Meeting.objects.count() == 1


def test_bad_input_changes_nothing(persona, group):  # type: ignore[no-untyped-def]
    cadre = persona("九龙村村干部")
    with pytest.raises(ApplicationError) as err:
        meeting_create(actor=cadre, group=group, held_on=date(2026, 3, 1), place="院子", topic=" ")
    assert err.value.code == "meeting_topic_empty"
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ApplicationError) as err:
        meeting_create(actor=cadre, group=group, held_on=tomorrow, place="院子", topic="修路")
    assert err.value.code == "meeting_date_future"
    assert Meeting.objects.count() == 0


def test_villager_cannot_record(persona, group):  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        meeting_create(
            actor=persona("九龙村村民"), group=group, held_on=date(2026, 3, 1), place="院子",
            topic="修路",
        )  # fmt: skip
    assert Meeting.objects.count() == 0
