"""Cadres adding the same risk, resolving the same risk, recording the same 脱贫户 at once
(PostgreSQL only): one open risk per type, one resolution, one exit record."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import AuditEvent
from cunwu.monitoring.models import MonitoredHousehold, PovertyExit, RiskFactor
from cunwu.monitoring.services import households as svc
from cunwu.registry.models import Household
from cunwu.testing import race

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL"
)


@pytest.mark.django_db(transaction=True)
def test_six_cadres_add_the_same_risk_once(
    monitored: MonitoredHousehold, persona: Callable[[str], User]
) -> None:
    actors = [persona("九龙村村干部"), persona("九龙村工作队员"), persona("开云镇干部")] * 2
    today = timezone.localdate()
    errors = race(6, lambda i: svc.risk_add(actor=actors[i], monitored=monitored,
                                           risk_type="water", note=f"{i}", on=today))  # fmt: skip
    assert len(errors) == 5
    assert all(isinstance(e, ApplicationError) and e.code == "risk_open" for e in errors)
    assert RiskFactor.objects.filter(monitored=monitored, risk_type="water").count() == 1
    assert AuditEvent.objects.filter(action="monitoring.risk_add").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_risk_is_resolved_once(monitored: MonitoredHousehold, cadre: User) -> None:
    risk = monitored.risks.get()
    today = timezone.localdate()
    errors = race(4, lambda i: svc.risk_resolve(actor=cadre, risk=risk, on=today, note=f"{i}"))
    assert len(errors) == 3
    assert all(isinstance(e, ApplicationError) and e.code == "risk_resolved" for e in errors)
    assert AuditEvent.objects.filter(action="monitoring.risk_resolve").count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_exit_record_per_household(household: Household, cadre: User) -> None:
    errors = race(4, lambda i: svc.exit_record_set(actor=cadre, household=household,
                                                   exit_year=2015 + i, policies=[]))  # fmt: skip
    assert all(isinstance(e, ApplicationError) for e in errors)
    assert PovertyExit.objects.count() == 1
    assert Household.objects.get(pk=household.pk).tag_list.count("脱贫户") == 1
