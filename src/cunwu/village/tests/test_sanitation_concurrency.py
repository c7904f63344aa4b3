"""Races of the sanitation part (PostgreSQL only): two inspectors score the same section in the
same round at once (one score is kept); a section retired while a duty is assigned to it (either
the duty or the retirement, never both); two retirements of the last checklist items (one item
stays active); the same item added twice at once (one 409)."""

from __future__ import annotations

from datetime import time

import pytest
from django.db import connection

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.registry.models import Household
from cunwu.testing import race
from cunwu.village.models_sanitation import ChecklistItem, Duty, InspectionScore, RoadSection
from cunwu.village.services import sanitation as services
from cunwu.village.tests.fixtures_sanitation import START, roster

pytestmark = pytest.mark.django_db(transaction=True)


def test_same_section_scored_once(staff: User, jiulong: Region, household: Household) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrency needs PostgreSQL")
    section, _post, _duty = roster(staff, jiulong, household)
    items = services.checklist_default(actor=staff, village=jiulong)
    rnd = services.round_create(actor=staff, village=jiulong, on=START, inspectors="王五")
    scores = {i.pk: i.max_score for i in items}

    def work(_n: int) -> object:
        return services.score_record(actor=staff, round=rnd, scores=scores, section=section)

    errors = race(2, work)
    assert InspectionScore.objects.filter(round=rnd, section=section).count() == 1
    assert len(errors) == 1 and isinstance(errors[0], ApplicationError)


def test_two_retirements_never_empty_the_checklist(staff: User, jiulong: Region) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrency needs PostgreSQL")
    items = services.checklist_default(actor=staff, village=jiulong)
    for item in items[:2]:
        services.checklist_item_set_active(actor=staff, item=item, active=False)
    last_two = items[2:]

    def work(n: int) -> object:
        return services.checklist_item_set_active(actor=staff, item=last_two[n], active=False)

    errors = race(2, work)
    assert len(errors) == 1 and isinstance(errors[0], ApplicationError)
    assert (errors[0].code, errors[0].status) == ("item_last", 409)
    assert ChecklistItem.objects.filter(village=jiulong, active=True).count() == 1


def test_the_same_item_added_twice_at_once_is_one_409(staff: User, jiulong: Region) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrency needs PostgreSQL")

    def work(_n: int) -> object:
        return services.checklist_item_add(actor=staff, village=jiulong, name="厕所卫生",
                                           max_score=10)  # fmt: skip

    errors = race(2, work)
    assert len(errors) == 1 and isinstance(errors[0], ApplicationError)
    assert (errors[0].code, errors[0].status) == ("item_exists", 409)
    assert list(ChecklistItem.objects.values_list("name", "position")) == [("厕所卫生", 0)]


def test_a_section_retired_while_a_duty_is_assigned(
    staff: User, jiulong: Region, household: Household
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrency needs PostgreSQL")
    _section, post, duty = roster(staff, jiulong, household)
    river = services.section_add(actor=staff, village=jiulong, name="河堤")

    def work(n: int) -> object:
        if n == 0:
            return services.section_retire(actor=staff, section=river)
        return services.duty_assign(
            actor=staff, village=jiulong, person=duty.person, post=post, section=river,
            weekdays="246", start_time=time(16), end_time=time(17), tasks="清扫", start_on=START,
        )  # fmt: skip

    errors = race(2, work)
    assert len(errors) == 1 and isinstance(errors[0], ApplicationError)
    assert (errors[0].code, errors[0].status) in {("section_retired", 409),
                                                  ("section_on_duty", 409)}  # fmt: skip
    retired = RoadSection.objects.get(pk=river.pk).retired_on is not None
    assert Duty.objects.filter(section=river).count() == (0 if retired else 1)
    assert errors[0].code == ("section_retired" if retired else "section_on_duty")
