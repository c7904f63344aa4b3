"""Fixtures of the meetings part: 九龙村 第一组 with household 0001 (张三, 李四, 张小明) in it,
household 0003 (陈七) in 第二组, and a recorded meeting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from cunwu.accounts.models import User
from cunwu.core.models import Region, VillageGroup
from cunwu.registry.models import Household
from cunwu.testing import make_household, make_id_number
from cunwu.village.models_meetings import Meeting
from cunwu.village.services.meetings import meeting_create

__all__ = ["group", "meeting", "other_household"]

HELD_ON = date(2026, 3, 1)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def group(jiulong: Region, household: Household) -> VillageGroup:
    group = VillageGroup.objects.create(village=jiulong, name="第一组", number=1)
    household.group = group
    household.save(update_fields=["group"])
    return group


@pytest.fixture
def other_household(staff: User, jiulong: Region) -> Household:
    second = VillageGroup.objects.create(village=jiulong, name="第二组", number=2)
    household = make_household(staff, jiulong, "0003", "陈七",
                               head_id=make_id_number(31, birth="19600101"))  # fmt: skip
    household.group = second
    household.save(update_fields=["group"])
    return household


@pytest.fixture
def meeting(persona: Callable[[str], User], group: VillageGroup) -> Meeting:
    return meeting_create(
        actor=persona("九龙村村干部"), group=group, held_on=HELD_ON, place="张家院子",
        topic="村道硬化", minutes="议定先修三组到村部的路。",
    )  # fmt: skip
