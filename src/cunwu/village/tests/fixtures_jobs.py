"""Fixtures of the jobs and training parts."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.registry.models import Household, Person
from cunwu.testing import make_household, make_id_number
from cunwu.village.models import JobPost
from cunwu.village.services.jobs import job_post_create


@pytest.fixture
def cadre(persona: Callable[[str], User]) -> User:
    return persona("九龙村村干部")


@pytest.fixture
def cleaner(cadre: User, jiulong: Region) -> JobPost:
    """九龙村 保洁员: 1000元 a month, 2 positions."""
    return job_post_create(
        actor=cadre, village=jiulong, name="保洁员", duties="村道保洁", pay_fen=100000,
        funding="衔接资金", positions=2,
    )  # fmt: skip


@pytest.fixture
def poor_household(cadre: User, jiulong: Region) -> Household:
    """九龙村 0002 (脱贫户): 王五, 赵六."""
    return make_household(
        cadre, jiulong, "0002", "王五", head_id=make_id_number(11, birth="19660101"),
        members=[("赵六", "配偶", make_id_number(12, birth="19680101"))], tags="脱贫户",
    )  # fmt: skip


def member(household: Household, name: str) -> Person:
    return household.members.get(name=name)
