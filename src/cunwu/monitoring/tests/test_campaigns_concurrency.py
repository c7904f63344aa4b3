"""Two cadres recording the same household's visit at once (PostgreSQL only): exactly one
visit is written, the other gets the clear duplicate message."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.monitoring.models import Visit
from cunwu.monitoring.tests.test_campaigns_services import campaign, visit
from cunwu.monitoring.tests.test_measures_services import households
from cunwu.testing import business_events, race

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL"
)


@pytest.mark.django_db(transaction=True)
def test_two_cadres_visit_the_same_household_at_once(
    persona: Callable[[str], User], jiulong: Region
) -> None:
    cadre = persona("九龙村村干部")
    team = persona("九龙村工作队员")
    h = households(cadre, jiulong, 1, 1)[0]
    c = campaign(cadre, jiulong)
    actors = [cadre, team]
    errors = race(2, lambda i: visit(actors[i], c, h, note=f"第{i}人"))
    assert len(errors) == 1 and isinstance(errors[0], ApplicationError)
    assert errors[0].code == "visit_duplicate"
    assert Visit.objects.filter(campaign=c, household=h).count() == 1
    assert business_events().filter(action="monitoring.visit_record").count() == 1
