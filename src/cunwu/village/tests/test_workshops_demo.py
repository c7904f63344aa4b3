"""The demo of 乡村车间: three workshops through the workflow, idempotent."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.registry.models import Household
from cunwu.village.models import Assessment, Employment, MonthlyReport, Workshop
from cunwu.web.demo_village_workshops import demo_village_workshops

pytestmark = pytest.mark.django_db


def test_demo_makes_three_workshops_once(
    persona: Callable[[str], User], jiulong: Region, household: Household
) -> None:
    actors = {
        "cadre": persona("九龙村村干部"),
        "work_team": persona("九龙村工作队员"),
        "township": persona("开云镇干部"),
        "admin": persona("衡山县管理员"),
    }
    assert demo_village_workshops(**actors, village=jiulong) == 3
    assert demo_village_workshops(**actors, village=jiulong) == 0
    states = list(Workshop.objects.order_by("pk").values_list("state", flat=True))
    assert states == ["recognised", "conditions", "none"]
    assert Employment.objects.count() == 3  # the household's three people
    assert MonthlyReport.objects.filter(current=True).count() == 3
    assert Assessment.objects.get().total == 91
