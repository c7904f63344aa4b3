"""Concurrent writes on a workshop (PostgreSQL only): two first reports of the same month land
once (the other gets a clear 409), and two township reviews of one application pass it once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.db import connection

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.testing import race
from cunwu.village.models import MonthlyReport, Workshop, WorkshopStep
from cunwu.village.services import workshops as services

from .fixtures_workshops import PDF, data

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL"
)


@pytest.mark.django_db(transaction=True)
def test_two_reports_of_the_same_month_land_once(
    persona: Callable[[str], User], jiulong: Region
) -> None:
    cadre, township = persona("九龙村村干部"), persona("开云镇干部")
    workshop = services.workshop_create(actor=cadre, village=jiulong, data=data())
    actors = [cadre, township]

    def work(i: int) -> None:
        services.report_add(
            actor=actors[i],
            workshop=Workshop.objects.get(pk=workshop.pk),
            month=date(2026, 11, 1),
            headcount=40 + i,
            poverty_headcount=10,
            wages_fen=1_200_000,
        )

    errors = race(2, work)
    assert len(errors) == 1 and isinstance(errors[0], ApplicationError)
    assert (errors[0].code, errors[0].status, errors[0].message) == (
        "report_exists",
        409,
        "2026年11月的月报已填报，如有错误请更正",
    )
    assert MonthlyReport.objects.filter(workshop=workshop).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_corrections_of_one_report_supersede_it_once(
    persona: Callable[[str], User], jiulong: Region
) -> None:
    cadre, township = persona("九龙村村干部"), persona("开云镇干部")
    workshop = services.workshop_create(actor=cadre, village=jiulong, data=data())
    first = services.report_add(
        actor=cadre,
        workshop=workshop,
        month=date(2026, 11, 1),
        headcount=40,
        poverty_headcount=10,
        wages_fen=1_200_000,
    )
    actors = [cadre, township]

    def work(i: int) -> None:
        services.report_add(
            actor=actors[i],
            workshop=Workshop.objects.get(pk=workshop.pk),
            month=date(2026, 11, 1),
            headcount=41 + i,
            poverty_headcount=10,
            wages_fen=1_200_000,
            note=f"更正{i}",
            supersedes=MonthlyReport.objects.get(pk=first.pk),
        )

    errors = race(2, work)
    assert len(errors) == 1 and errors[0].status == 409  # type: ignore[attr-defined]
    assert MonthlyReport.objects.filter(workshop=workshop, current=True).count() == 1
    assert MonthlyReport.objects.filter(workshop=workshop).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_township_reviews_pass_the_application_once(
    persona: Callable[[str], User], jiulong: Region
) -> None:
    cadre = persona("九龙村村干部")
    workshop = services.workshop_create(actor=cadre, village=jiulong, data=data())
    services.workshop_files_add(actor=cadre, workshop=workshop, files=[("申请表.pdf", PDF)])
    services.workshop_step(actor=cadre, workshop=workshop, kind="apply")
    township = persona("开云镇干部")
    kinds = ["township_pass", "township_return"]

    def work(i: int) -> None:
        services.workshop_step(
            actor=township,
            workshop=Workshop.objects.get(pk=workshop.pk),
            kind=kinds[i],
            note="意见",
        )

    errors = race(2, work)
    assert len(errors) == 1 and errors[0].code == "wrong_stage"  # type: ignore[attr-defined]
    assert WorkshopStep.objects.filter(workshop=workshop).count() == 2
