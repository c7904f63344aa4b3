"""Fixtures of the points tests: a 九龙村 rulebook with four kinds of item, in force."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.disclosure.services import notices_close_due
from cunwu.points import services
from cunwu.points.models import CapPeriod, Evidence, Proposer, RulebookVersion, RuleItem, Unit
from cunwu.points.services import ItemData

# the day the fixture's version took effect: events of the tests fall after it
IN_FORCE_FROM = date(2026, 1, 1)
# the day the tests that book events of 2026 run on (an event is booked within a year of it)
ON_THE_DAY = pytest.mark.today(date(2026, 12, 1))

ITEMS = [
    ItemData(
        category="村民自治",
        code="A01",
        name="参加村民会议",
        points=2,
        unit=Unit.EVENT,
        cap=24,
        cap_period=CapPeriod.YEAR,
    ),
    ItemData(
        category="美丽家园",
        code="E01",
        name="垃圾分类到位",
        points=5,
        unit=Unit.MONTH,
        cap=5,
        cap_period=CapPeriod.MONTH,
        evidence=Evidence.PHOTO,
    ),
    ItemData(
        category="美丽家园",
        code="E02",
        name="乱堆乱放",
        points=-5,
        points_min=-10,
        points_max=-2,
        proposers=[Proposer.CADRE, Proposer.GRID],
    ),
    ItemData(
        category="乡风文明",
        code="B01",
        name="志愿服务",
        points=3,
        points_min=1,
        points_max=5,
        repeat_same_day=True,
    ),
]


def adopt_and_close(actor: User, version: RulebookVersion) -> RulebookVersion:
    """Adopt ``version`` (15 of 18 representatives present, 14 in favour) and let its
    five-day period pass."""
    services.version_adopt(
        actor=actor,
        version=version,
        resolution_date=timezone.localdate(),
        members_total=18,
        members_present=15,
        votes_for=14,
    )
    notices_close_due(today=timezone.localdate() + timedelta(days=30))
    version.refresh_from_db()
    return version


@pytest.fixture
def draft_version(staff: User, jiulong: Region) -> RulebookVersion:
    rulebook = services.rulebook_for(actor=staff, region=jiulong)
    version = services.version_create(actor=staff, rulebook=rulebook)
    for data in ITEMS:
        services.item_save(actor=staff, version=version, data=data)
    return version


@pytest.fixture
def effective_version(staff: User, draft_version: RulebookVersion) -> RulebookVersion:
    """The draft as adopted and disclosed on paper in December 2025 and in force since
    :data:`IN_FORCE_FROM` (补录), so that tests may date events in the past."""
    return services.version_record_adopted(
        actor=staff,
        version=draft_version,
        resolution_date=date(2025, 12, 1),
        members_total=18,
        members_present=15,
        votes_for=14,
        disclosed_from=date(2025, 12, 5),
        disclosed_until=date(2025, 12, 11),
        effective_from=IN_FORCE_FROM,
    )


@pytest.fixture
def item(effective_version: RulebookVersion) -> Callable[[str], RuleItem]:
    def get(code: str) -> RuleItem:
        return effective_version.items.get(code=code)

    return get
