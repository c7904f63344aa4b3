from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache

from cunwu.accounts.models import User
from cunwu.api.tests.conftest import api_as  # noqa: F401 (the JSON client fixture, for every app)
from cunwu.core.models import Region
from cunwu.registry.models import Household
from cunwu.testing import JIULONG, PERSONAS, make_household, make_id_number, make_user, seed_regions


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    settings.MEDIA_ROOT = tmp_path_factory.getbasetemp() / "media"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Rate-limit counters (kept in the cache) never carry over from one test to the next."""
    cache.clear()


@pytest.fixture(autouse=True)
def _the_day(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test marked ``@pytest.mark.today(date(…))`` runs on that day (from 10:00 there, the
    clock ticking), for a story told on fixed dates: points dated 10 March 2026 can only be
    booked within a year of it. Every other test runs on the real day."""
    marker = request.node.get_closest_marker("today")
    if marker is None:
        yield
        return
    day: date = marker.args[0]
    moment = datetime.combine(day, time(10), tzinfo=ZoneInfo(settings.TIME_ZONE))
    with time_machine.travel(moment, tick=True):
        yield


@pytest.fixture
def regions(db: None) -> dict[str, Region]:
    return seed_regions()


@pytest.fixture
def jiulong(regions: dict[str, Region]) -> Region:
    return regions[JIULONG]


@pytest.fixture
def persona(regions: dict[str, Region]) -> Callable[[str], User]:
    """persona("九龙村村干部") → a user holding that role in that place."""
    made: dict[str, User] = {}

    def get(name: str) -> User:
        if name not in made:
            role, region = PERSONAS[name]
            made[name] = make_user(name, role, region)
        return made[name]

    return get


@pytest.fixture
def staff(persona: Callable[[str], User]) -> User:
    return persona("九龙村村干部")


@pytest.fixture
def household(staff: User, jiulong: Region) -> Household:
    """九龙村 household 0001: 张三 (户主), 李四 (配偶), 张小明 (子)."""
    return make_household(
        staff,
        jiulong,
        "0001",
        "张三",
        head_id=make_id_number(1, birth="19700101"),
        members=[
            ("李四", "配偶", make_id_number(2, birth="19720304")),
            ("张小明", "子", make_id_number(3, birth="20050607")),
        ],
    )
