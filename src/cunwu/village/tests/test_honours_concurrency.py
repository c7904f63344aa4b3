"""Two writers at once (PostgreSQL only): the same household nominated twice, the appraisal
started twice, the same person put under care twice — each lands once."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.registry.models import Household, Person
from cunwu.testing import race
from cunwu.village.models import CareRecord, Nomination, Selection
from cunwu.village.services import care as care_svc
from cunwu.village.services import honours as svc

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL"
)


@pytest.mark.django_db(transaction=True)
def test_same_household_nominated_at_once(
    persona: Callable[[str], User], household: Household, jiulong: Region
) -> None:
    cadre, team = persona("九龙村村干部"), persona("九龙村工作队员")
    s = svc.selection_create(actor=cadre, village=jiulong, year=2026, kind="star", quota=3)
    actors = [cadre, team]

    def work(i: int) -> None:
        svc.nomination_add(actor=actors[i], selection=Selection.objects.get(pk=s.pk),
                           household=Household.objects.get(pk=household.pk), source="group",
                           reason=f"推荐{i}")  # fmt: skip

    errors = race(2, work)
    assert len(errors) == 1 and isinstance(errors[0], ApplicationError)
    assert errors[0].code == "nomination_exists"
    assert Nomination.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_appraisal_started_twice(
    persona: Callable[[str], User], household: Household, jiulong: Region
) -> None:
    cadre, team = persona("九龙村村干部"), persona("九龙村工作队员")
    s = svc.selection_create(actor=cadre, village=jiulong, year=2026, kind="star", quota=3)
    svc.nomination_add(actor=cadre, selection=s, household=household, source="group", reason="好")
    actors = [cadre, team]

    def work(i: int) -> None:
        svc.appraisal_start(actor=actors[i], selection=Selection.objects.get(pk=s.pk))

    errors = race(2, work)
    assert len(errors) == 1 and isinstance(errors[0], ApplicationError)
    assert errors[0].status == 409


@pytest.mark.django_db(transaction=True)
def test_same_person_put_under_care_at_once(
    persona: Callable[[str], User], household: Household
) -> None:
    cadre, team = persona("九龙村村干部"), persona("九龙村工作队员")
    actors = [cadre, team]
    person = Person.objects.get(household=household, name="张小明")

    def work(i: int) -> None:
        care_svc.care_add(actor=actors[i], person=Person.objects.get(pk=person.pk),
                          group="child", since=person.created_at.date(),
                          carer_name=f"责任人{i}")  # fmt: skip

    errors = race(2, work)
    assert len(errors) == 1 and isinstance(errors[0], ApplicationError)
    assert CareRecord.objects.count() == 1
