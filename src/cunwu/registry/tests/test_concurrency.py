"""Races on PostgreSQL: the database's constraints decide, never a Python-side check."""

from __future__ import annotations

import pytest
from django.db import connection

from cunwu.core.errors import ApplicationError
from cunwu.core.services.audit import audit_verify
from cunwu.registry.models import Household, Person
from cunwu.registry.services import PersonData, household_create
from cunwu.testing import JIULONG, PERSONAS, make_id_number, make_user, race, seed_regions

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]


def test_one_id_number_registered_by_eight_writers_at_once_lands_once() -> None:
    village = seed_regions()[JIULONG]
    staff = make_user("九龙村村干部", *PERSONAS["九龙村村干部"])
    same_id = make_id_number(7)

    def register(i: int) -> None:
        household_create(
            actor=staff, village=village, number=f"R{i:02d}",
            head=PersonData(name=f"户主{i}", relation="户主", id_number=same_id),
        )  # fmt: skip

    errors = race(8, register)
    assert Person.objects.count() == 1
    assert Household.objects.count() == 1
    assert len(errors) == 7
    assert all(isinstance(e, ApplicationError) for e in errors), errors
    assert {e.code for e in errors if isinstance(e, ApplicationError)} == {"id_number_duplicate"}
    assert audit_verify() == (1, None)


def test_one_household_number_taken_by_eight_writers_at_once_lands_once() -> None:
    village = seed_regions()[JIULONG]
    staff = make_user("九龙村村干部", *PERSONAS["九龙村村干部"])

    def register(i: int) -> None:
        household_create(
            actor=staff, village=village, number="0001",
            head=PersonData(name=f"户主{i}", relation="户主", id_number=make_id_number(i)),
        )  # fmt: skip

    errors = race(8, register)
    assert Household.objects.count() == 1
    assert Person.objects.count() == 1
    assert {e.code for e in errors if isinstance(e, ApplicationError)} == {"number_taken"}
    assert len(errors) == 7
    assert audit_verify() == (1, None)
