from __future__ import annotations

from collections.abc import Callable

import pytest

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.testing import JIULONG, PERSONAS, make_user, seed_regions


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
