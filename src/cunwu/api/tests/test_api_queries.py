"""List endpoints cost the same number of queries for 5 rows as for 40."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cunwu.accounts.models import User
from cunwu.core.models import Region, RegionLevel, VillageGroup
from cunwu.registry.models import Household
from cunwu.registry.services import PersonData, household_update, income_set, person_add
from cunwu.testing import JIULONG, KAIYUN, make_household, make_id_number

from .conftest import ApiClient


def _queries(api: ApiClient, path: str, rows: int, **params: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path, **params)
    assert response.status_code == 200, response.content
    body = response.json()
    items = body if isinstance(body, list) else body.get("items", body.get("members"))
    assert len(items) == rows
    return len(captured)


def _grow(make: Callable[[int], object], start: int, stop: int) -> None:
    for n in range(start, stop):
        make(n)


@pytest.fixture
def api(api_as: Callable[[str], ApiClient]) -> ApiClient:
    api = api_as("开云镇干部")
    api.get("/me")  # the token's last_used_at is written now, not in a measured call
    return api


def test_household_list(
    api: ApiClient, staff: User, jiulong: Region, django_assert_max_num_queries: Any
) -> None:
    def make(n: int) -> None:
        make_household(staff, jiulong, f"{n:04d}", f"张{n}", head_id=make_id_number(n),
                       members=[(f"李{n}", "配偶", make_id_number(n, birth="19810101"))],
                       tags="脱贫户")  # fmt: skip

    _grow(make, 0, 5)
    few = _queries(api, "/households", 5, page_size=200)
    _grow(make, 5, 40)
    with django_assert_max_num_queries(5):
        many = _queries(api, "/households", 40, page_size=200)
    assert few == many


def test_household_detail(
    api: ApiClient, staff: User, household: Household, django_assert_max_num_queries: Any
) -> None:
    def make(n: int) -> None:
        person_add(actor=staff, household=household,
                   data=PersonData(name=f"孙{n}", relation="孙子", id_number=make_id_number(
                       100 + n, birth="20100101")))  # fmt: skip
        income_set(actor=staff, household=household, year=2000 + n % 25,
                   category=["wages", "business"][n % 2], amount_fen=n)  # fmt: skip

    path = f"/households/{household.pk}"
    _grow(make, 0, 2)
    few = _queries(api, path, 5)
    _grow(make, 2, 37)
    with django_assert_max_num_queries(8):
        many = _queries(api, path, 40)
    assert few == many


def test_audit_events_and_history(
    api: ApiClient, staff: User, household: Household, django_assert_max_num_queries: Any
) -> None:
    def make(n: int) -> None:
        household_update(actor=staff, household=household, group=None, address=f"{n}号",
                         tags="")  # fmt: skip

    path = f"/audit/history/registry.household/{household.pk}"
    _grow(make, 0, 4)  # and the creation
    few = (_queries(api, path, 5), _queries(api, "/audit/events", 5, action="registry.household"))
    _grow(make, 4, 39)
    with django_assert_max_num_queries(7):  # two calls
        many = (
            _queries(api, path, 40),
            _queries(api, "/audit/events", 40, action="registry.household", page_size=200),
        )
    assert few == many


def test_groups_and_regions(
    api: ApiClient, jiulong: Region, regions: dict[str, Region], django_assert_max_num_queries: Any
) -> None:
    def make(n: int) -> None:
        VillageGroup.objects.create(village=jiulong, name=f"第{n}组", number=n)
        Region.objects.create(code=f"430423100{300 + n}", name=f"新{n}村",
                              level=RegionLevel.VILLAGE, parent_id=KAIYUN)  # fmt: skip

    _grow(make, 0, 5)
    few = (_queries(api, "/groups", 5, village=JIULONG),
           _queries(api, "/regions", 7, parent=KAIYUN))  # fmt: skip
    _grow(make, 5, 40)
    with django_assert_max_num_queries(6):  # two calls
        many = (_queries(api, "/groups", 40, village=JIULONG),
                _queries(api, "/regions", 42, parent=KAIYUN))  # fmt: skip
    assert few == many
