"""Two inspectors score the same section in the same round at once: one score is kept."""

from __future__ import annotations

import pytest
from django.db import connection

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.registry.models import Household
from cunwu.testing import race
from cunwu.village.models_sanitation import InspectionScore
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
