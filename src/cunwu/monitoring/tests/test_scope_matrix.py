"""Who sees what of 防返贫监测, where: every persona against every page and endpoint that shows
九龙村's monitored household, its case, measure and alert.

A persona holding monitoring.view over 九龙村 gets 200 for the object and finds it in the
lists; one holding it only elsewhere (另一村, 八里村) gets 404 for the object (it is not revealed)
and lists without it; one holding no monitoring permission at all (villager, discipline,
department) is refused the pages (403), is not shown an object (403 or 404) and gets empty
API lists, as the registry's lists answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.accounts.permissions import has_perm_in, scope_prefixes
from cunwu.monitoring.models import (
    Alert,
    AlertKind,
    Case,
    CaseSource,
    Category,
    Department,
    Measure,
    MeasureType,
    MonitoredHousehold,
    RiskType,
)
from cunwu.monitoring.services import cases, measures
from cunwu.registry.models import Household
from cunwu.testing import JIULONG, PERSONAS, make_household, make_id_number

from .conftest import enter

pytestmark = pytest.mark.django_db


@dataclass
class World:
    monitored: MonitoredHousehold
    case: Case
    measure: Measure
    alert: Alert


@pytest.fixture
def world(household: Household, cadre: User, jiulong: Any) -> World:
    monitored = enter(household)
    other = make_household(cadre, jiulong, "0002", "王五", head_id=make_id_number(9))
    case = cases.case_open(
        actor=cadre, household=other, source=CaseSource.CADRE, category=Category.MARGINAL,
        risk_types=[RiskType.EMPLOYMENT], description="务工不稳",
    )  # fmt: skip
    measure = measures.measure_add(
        actor=cadre, monitored=monitored, measure_type=MeasureType.MEDICAL,
        description="医疗救助", start_on=timezone.localdate(),
    )  # fmt: skip
    alert = Alert.objects.create(
        village=jiulong, county_code="430423", household=other, department=Department.CIVIL,
        kind=AlertKind.SOCIAL_ASSISTANCE, year=2025, dedupe_key="matrix-alert",
    )  # fmt: skip
    return World(monitored=monitored, case=case, measure=measure, alert=alert)


# (name, page path, API path) of each object
OBJECTS: list[tuple[str, Callable[[World], str], Callable[[World], str]]] = [
    ("monitored", lambda w: f"/monitoring/households/{w.monitored.pk}/",
     lambda w: f"/api/v1/monitoring/households/{w.monitored.pk}"),
    ("case", lambda w: f"/monitoring/cases/{w.case.pk}/",
     lambda w: f"/api/v1/monitoring/cases/{w.case.pk}"),
    ("measures", lambda w: f"/monitoring/monitored/{w.monitored.pk}/measures/",
     lambda w: f"/api/v1/monitoring/measures/{w.measure.pk}"),
    ("alert", lambda w: f"/monitoring/alerts/{w.alert.pk}/",
     lambda w: f"/api/v1/monitoring/alerts/{w.alert.pk}"),
]  # fmt: skip

# (page, API list, the id of 九龙村's object among the list's items)
LISTS: list[tuple[str, str, Callable[[World], int]]] = [
    ("/monitoring/", "/api/v1/monitoring/households", lambda w: w.monitored.pk),
    ("/monitoring/cases/", "/api/v1/monitoring/cases", lambda w: w.case.pk),
    ("/monitoring/measures/", "/api/v1/monitoring/measures", lambda w: w.measure.pk),
    ("/monitoring/alerts/", "/api/v1/monitoring/alerts", lambda w: w.alert.pk),
]


def _client(user: User) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", sorted(PERSONAS))
def test_each_persona_sees_jiulong_only_where_its_scope_reaches(
    name: str, persona: Callable[[str], User], api_as: Callable[[str], Any], world: World
) -> None:
    user = persona(name)
    inside = has_perm_in(user, "monitoring.view", JIULONG)
    anywhere = scope_prefixes(user, "monitoring.view") != []
    page, api = _client(user), api_as(name)
    for what, page_path, api_path in OBJECTS:
        expected = 200 if inside else (404 if anywhere else (403, 404))
        for path, response in ((page_path(world), page.get(page_path(world))),
                               (api_path(world), api.client.get(api_path(world),
                                                                headers=api.headers))):  # fmt: skip
            status = response.status_code
            assert status == expected or (isinstance(expected, tuple) and status in expected), (
                name, what, path, status,
            )  # fmt: skip
    for page_path, api_path, pk in LISTS:
        # a page needs the permission somewhere; an API list answers with the rows in scope
        assert page.get(page_path).status_code == (200 if anywhere else 403), (name, page_path)
        rows = api.client.get(api_path, headers=api.headers)
        assert rows.status_code == 200, (name, api_path)
        ids = [item["id"] for item in rows.json()["items"]]
        assert (pk(world) in ids) == inside, (name, api_path, ids)
        if not anywhere:
            assert ids == [], (name, api_path)
