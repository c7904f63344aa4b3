"""Fixtures shared by the tests of the assets app (each part may add its own, kept small)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.disclosure import services_lists as lists
from cunwu.disclosure.models_lists import Decision, MeetingBody
from cunwu.disclosure.services_lists import Meeting


def decide(cadre: User, village: Region, title: str = "村部闲置厂房出售", *,
           meetings: int = 3) -> Decision:  # fmt: skip
    """A 四议两公开 decision of ``village`` with its first ``meetings`` meetings passed (3: the
    resolution passed, the decision stands at 决议公开)."""
    decision = lists.decision_create(
        actor=cadre, village=village, title=title, description=f"{title}，经村民代表会议表决。",
        proposed_on=timezone.localdate() - timedelta(days=10),
    )  # fmt: skip
    day = timezone.localdate() - timedelta(days=5)
    bodies = (
        (MeetingBody.TWO_COMMITTEES, (9, 8, 7)),
        (MeetingBody.PARTY_MEMBERS, (45, 31, 25)),
        (MeetingBody.REPRESENTATIVES, (30, 21, 18)),
    )
    for body, numbers in bodies[:meetings]:
        record = lists.decision_record_meeting(
            actor=cadre, decision=decision, body=body, meeting=Meeting(day, *numbers)
        )
        assert record.passed, record.failure
    decision.refresh_from_db()
    return decision


@pytest.fixture
def passed_decision(persona: Callable[[str], User], jiulong: Region) -> Decision:
    """九龙村's decision whose resolution passed (stage 决议公开)."""
    return decide(persona("九龙村村干部"), jiulong)
