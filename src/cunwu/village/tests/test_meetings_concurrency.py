"""Two cadres disclosing the same meeting's results at once (PostgreSQL only): one notice, the
other a clear 409."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection

from cunwu.accounts.models import Role, User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region, VillageGroup
from cunwu.disclosure.models import Notice
from cunwu.registry.models import Household
from cunwu.testing import JIULONG, make_user, race
from cunwu.village.models_meetings import Meeting
from cunwu.village.services import meetings as services
from cunwu.village.tests.fixtures_meetings import HELD_ON

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL"
)


@pytest.mark.django_db(transaction=True)
def test_two_publishes_make_one_notice(
    persona: Callable[[str], User], jiulong: Region, household: Household
) -> None:
    cadre = persona("九龙村村干部")
    second = make_user("九龙村村干部二", Role.VILLAGE_STAFF, JIULONG)
    group = VillageGroup.objects.create(village=jiulong, name="第一组", number=1)
    meeting = services.meeting_create(actor=cadre, group=group, held_on=HELD_ON, place="院子",
                                      topic="修路", minutes="同意")  # fmt: skip
    people = list(household.members.values_list("pk", flat=True))
    services.meeting_attendance_set(actor=cadre, meeting=meeting, expected=people, present=people)
    actors = [cadre, second]

    def work(i: int) -> None:
        services.meeting_publish(actor=actors[i], meeting=Meeting.objects.get(pk=meeting.pk))

    errors = race(2, work)
    assert len(errors) == 1 and isinstance(errors[0], ApplicationError)
    assert errors[0].status == 409
    assert Notice.objects.count() == 1
