"""Two cadres submitting the same step at once (PostgreSQL only): the step is recorded once
and the other gets a clear 409."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.monitoring.models import Case, CaseSource, CaseStep, Category, RiskType, Stage
from cunwu.monitoring.services import cases as svc
from cunwu.registry.models import Household
from cunwu.testing import race

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL"
)


@pytest.mark.django_db(transaction=True)
def test_two_verifications_at_once_apply_once(
    persona: Callable[[str], User], household: Household
) -> None:
    cadre, team = persona("九龙村村干部"), persona("九龙村工作队员")
    case = svc.case_open(
        actor=cadre,
        household=household,
        source=CaseSource.CADRE,
        category=Category.SUDDEN,
        risk_types=[RiskType.ILLNESS],
    )
    actors = [cadre, team]

    def work(i: int) -> None:
        svc.case_verify(actor=actors[i], case=Case.objects.get(pk=case.pk), passed=True,
                        findings=f"核实{i}", checks={})  # fmt: skip

    errors = race(2, work)
    assert len(errors) == 1 and isinstance(errors[0], ApplicationError)
    assert errors[0].status == 409
    assert CaseStep.objects.filter(case=case, stage=Stage.VERIFY).count() == 1
    assert Case.objects.get(pk=case.pk).stage == Stage.COMPARE


@pytest.mark.django_db(transaction=True)
def test_two_openings_of_the_same_household_make_one_case(
    persona: Callable[[str], User], household: Household
) -> None:
    cadre, team = persona("九龙村村干部"), persona("九龙村工作队员")
    actors = [cadre, team]

    def work(i: int) -> None:
        svc.case_open(actor=actors[i], household=Household.objects.get(pk=household.pk),
                      source=CaseSource.CADRE)  # fmt: skip

    errors = race(2, work)
    assert len(errors) == 1 and isinstance(errors[0], ApplicationError)
    assert Case.objects.count() == 1
