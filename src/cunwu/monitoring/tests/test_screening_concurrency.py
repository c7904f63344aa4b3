"""Two cadres verifying the same alert at once, two screenings of the same year at once
(PostgreSQL only): one verification wins, the other is told; no alert is written twice."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.monitoring.models import Alert, AlertStatus
from cunwu.monitoring.services import screening as svc
from cunwu.monitoring.tests.test_screening_services import home
from cunwu.testing import race

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL"
)


@pytest.mark.django_db(transaction=True)
def test_two_verifications_at_once(
    persona: Callable[[str], User], staff: User, jiulong: Region, regions: dict[str, Region]
) -> None:
    home(staff, jiulong, 11, 1, y2024=100)
    svc.screening_run(actor=persona("开云镇干部"), region=regions["430423100000"], year=2024)
    alert = Alert.objects.get()
    team = persona("九龙村工作队员")

    def work(i: int) -> None:
        handle = svc.alert_confirm if i % 2 == 0 else svc.alert_dismiss
        handle(actor=staff if i % 2 == 0 else team, alert=Alert.objects.get(pk=alert.pk),
               note=f"核实{i}")  # fmt: skip

    errors = race(4, work)
    assert len(errors) == 3
    assert all(isinstance(e, ApplicationError) and e.code == "alert_not_open" for e in errors)
    assert Alert.objects.get().status in (AlertStatus.CONFIRMED, AlertStatus.DISMISSED)


@pytest.mark.django_db(transaction=True)
def test_two_screenings_at_once_write_each_alert_once(
    persona: Callable[[str], User], staff: User, jiulong: Region, regions: dict[str, Region]
) -> None:
    for n in range(11, 16):
        home(staff, jiulong, n, 1, y2023=10_000_000, y2024=100)
    township = persona("开云镇干部")

    def work(i: int) -> None:
        svc.screening_run(actor=township, region=regions["430423100000"], year=2024)

    assert race(2, work) == []
    assert Alert.objects.count() == 10
