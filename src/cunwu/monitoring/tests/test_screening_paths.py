"""The screening's two paths give the same alerts, field for field: Python's (SQLite, and
PostgreSQL when asked) and PostgreSQL's own SQL (``alerts_sql``), on households whose figures are
worked out by hand below — the half-up roundings, a negative income, a 医保 total just over and
one exactly at the line, a department record and the rows that must not count."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.monitoring.models import Alert, DepartmentImport, DepartmentRecord, ScreeningRun
from cunwu.monitoring.policy import policy_for
from cunwu.monitoring.services import screening as svc
from cunwu.monitoring.tests.test_screening_services import KAIYUN, YEAR, home
from cunwu.registry.models import Household, Person

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the SQL path is PostgreSQL's"
)


def key(kind: str, household: Household, source: str) -> str:
    return hashlib.sha256(f"{kind}|{household.pk}|{YEAR}|{source}".encode()).hexdigest()


def snapshot() -> list[tuple[Any, ...]]:
    """Every alert's fields that a screening writes, in a fixed order."""
    return sorted(
        Alert.objects.values_list(
            "dedupe_key", "kind", "department", "village_id", "county_code", "household_id",
            "person_id", "year", "amount_fen", "details", "status", "source_run_id",
            "source_import_id",
        )
    )  # fmt: skip


def record(
    source: DepartmentImport, n: int, person: Person | None, kind: str, *,
    amount: int | None = None, year: int = YEAR, on: date = date(2024, 3, 5),
    details: dict[str, Any] | None = None,
) -> DepartmentRecord:  # fmt: skip
    household = person.household if person is not None else None
    return DepartmentRecord.objects.create(
        source_import=source, row_number=n, department=source.department, kind=kind,
        county_code="430423", id_index=f"index-{n}", person=person, household=household,
        village_id=household.village_id if household is not None else None, year=year,
        event_date=on, amount_fen=amount, details=details or {"key": f"row-{n}"},
    )  # fmt: skip


@pytest.fixture
def county(staff: User, jiulong: Region, persona: Callable[[str], User]) -> dict[str, Any]:
    """九龙村 under the defaults of 2024 (line 850 000 分, drop 30 %, 医保 1 000 000 分)."""
    low = home(staff, jiulong, 41, 2, y2024=1_699_998)  # 849 999 per person
    # 3 065 000 of 10 000 000 = 30.65 %: 30.7 half up (a float rounds it to 30.6)
    drop = home(staff, jiulong, 42, 1, y2023=10_000_000, y2024=6_935_000)
    negative = home(staff, jiulong, 43, 3, y2024=-5)  # −5 / 3 = −1.67 → −2 per person
    cannot_work = Person.objects.filter(household=negative).exclude(relation="户主").first()
    assert cannot_work is not None
    Person.objects.filter(pk=cannot_work.pk).update(labour_ability="无劳动能力")
    dept = persona("衡山县部门用户")
    medical = DepartmentImport.objects.create(
        department="medical", region_id="430423000000", file="m.csv", original_name="m.csv",
        sha256="", created_by=dept,
    )  # fmt: skip
    civil = DepartmentImport.objects.create(
        department="civil", region_id="430423000000", file="c.csv", original_name="c.csv",
        sha256="", created_by=dept,
    )  # fmt: skip
    head_low = Person.objects.get(household=low, relation="户主")
    head_drop = Person.objects.get(household=drop, relation="户主")
    head_negative = Person.objects.get(household=negative, relation="户主")
    record(medical, 1, head_low, "medical_expense", amount=600_000)
    record(medical, 2, head_low, "medical_expense", amount=500_001)  # 1 100 001 > line
    record(medical, 3, head_drop, "medical_expense", amount=1_000_000)  # at the line: no
    record(medical, 4, head_drop, "medical_expense", amount=900_000, year=2023)  # not this year
    record(civil, 1, head_negative, "social_assistance", on=date(2024, 3, 5),
           details={"key": "c1", "type": "低保"})  # fmt: skip
    record(civil, 2, None, "social_assistance")  # matches nobody
    return {
        "low": low, "drop": drop, "negative": negative, "cannot_work": cannot_work,
        "head_negative": head_negative, "medical": medical, "civil": civil,
    }  # fmt: skip


def expected(c: dict[str, Any], run: ScreeningRun) -> list[tuple[Any, ...]]:
    low, drop, negative = c["low"], c["drop"], c["negative"]
    village, county_code = low.village_id, "430423"
    rows = [
        (key("low_income", low, "income"), "low_income", "registry", village, county_code,
         low.pk, None, YEAR, 849_999,
         {"per_capita_fen": 849_999, "threshold_fen": 850_000, "members": 2}),
        (key("low_income", negative, "income"), "low_income", "registry", village, county_code,
         negative.pk, None, YEAR, -2,
         {"per_capita_fen": -2, "threshold_fen": 850_000, "members": 3}),
        (key("income_drop", drop, "drop"), "income_drop", "registry", village, county_code,
         drop.pk, None, YEAR, 3_065_000,
         {"net_fen": 6_935_000, "last_year_net_fen": 10_000_000, "drop_percent": 30.7,
          "threshold_percent": 30}),
        (key("labour_loss", negative, f"person:{c['cannot_work'].pk}"), "labour_loss",
         "registry", village, county_code, negative.pk, c["cannot_work"].pk, YEAR, None,
         {"labour_ability": "无劳动能力"}),
        (key("medical_expense", low, "medical"), "medical_expense", "medical", village,
         county_code, low.pk, None, YEAR, 1_100_001,
         {"total_fen": 1_100_001, "records": 2, "threshold_fen": 1_000_000}),
        (key("social_assistance", negative, "civil:c1"), "social_assistance", "civil",
         village, county_code, negative.pk, c["head_negative"].pk, YEAR, None,
         {"type": "低保", "event_date": "2024-03-05"}),
    ]  # fmt: skip
    return sorted((*row, "open", run.pk, None) for row in rows)


def screen(path: Callable[..., dict[str, int]], run: ScreeningRun) -> dict[str, int]:
    region = Region.objects.get(code=KAIYUN)
    return path(region.prefix, policy_for(region, YEAR), YEAR, run=run)


def test_the_python_path_gives_the_hand_computed_alerts(county: dict[str, Any]) -> None:
    run = ScreeningRun.objects.create(region_id=KAIYUN, year=YEAR)
    counts = screen(svc.alerts_python, run)
    assert snapshot() == expected(county, run)
    assert counts == {"low_income": 2, "income_drop": 1, "labour_loss": 1,
                      "medical_expense": 1, "social_assistance": 1}  # fmt: skip


@postgresql_only
def test_the_sql_path_gives_the_same_alerts_as_the_python_path(county: dict[str, Any]) -> None:
    run = ScreeningRun.objects.create(region_id=KAIYUN, year=YEAR)
    python_counts = screen(svc.alerts_python, run)
    by_python = snapshot()
    Alert.objects.all().delete()
    sql_counts = screen(svc.alerts_sql, run)
    assert snapshot() == by_python == expected(county, run)
    assert sql_counts == python_counts
    # a second run of either path creates nothing
    assert screen(svc.alerts_sql, run) == {}
    assert screen(svc.alerts_python, run) == {}


@postgresql_only
def test_an_imports_alerts_are_the_same_on_both_paths(county: dict[str, Any]) -> None:
    region = Region.objects.get(code="430423000000")
    policy = policy_for(region, YEAR)
    snapshots = []
    for path in (svc.alerts_python, svc.alerts_sql):
        Alert.objects.all().delete()
        counts = {
            **path(region.prefix, policy, YEAR, source=county["medical"]),
            **path(region.prefix, policy, YEAR, source=county["civil"]),
        }
        assert counts == {"medical_expense": 1, "social_assistance": 1}
        snapshots.append(snapshot())
    assert snapshots[0] == snapshots[1]
    assert sorted((row[1], row[-2], row[-1]) for row in snapshots[1]) == [
        ("medical_expense", None, county["medical"].pk),
        ("social_assistance", None, county["civil"].pk),
    ]


@pytest.mark.parametrize(
    ("path", "steps_reported"),
    [(svc.alerts_python, 1), pytest.param(svc.alerts_sql, 4, marks=postgresql_only)],
    ids=["python", "sql"],
)
def test_a_range_of_households_gives_only_their_alerts(
    county: dict[str, Any], path: Callable[..., dict[str, int]], steps_reported: int
) -> None:
    run = ScreeningRun.objects.create(region_id=KAIYUN, year=YEAR)
    region = Region.objects.get(code=KAIYUN)
    low, negative = county["low"], county["negative"]
    assert low.pk < county["drop"].pk < negative.pk
    steps: list[int] = []
    counts = path(region.prefix, policy_for(region, YEAR), YEAR, run=run,
                  households=(negative.pk, negative.pk),
                  on_step=lambda: steps.append(1))  # fmt: skip
    assert counts == {"low_income": 1, "labour_loss": 1, "social_assistance": 1}
    assert len(steps) == steps_reported
    # the rest: the households before it, then nothing left to write
    assert path(region.prefix, policy_for(region, YEAR), YEAR, run=run,
                households=(0, negative.pk - 1)) == {
        "low_income": 1, "income_drop": 1, "medical_expense": 1}  # fmt: skip
    assert snapshot() == expected(county, run)


@pytest.fixture
def two_parts(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    """Runs cut in two parts on two connections however few the households."""
    monkeypatch.setattr(svc, "PART_MIN_HOUSEHOLDS", 1)
    settings.SCREENING_WORKERS = 2


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_run_in_parts_side_by_side_writes_the_same_alerts(
    county: dict[str, Any], two_parts: None
) -> None:
    """Three households cut in two parts on two connections (outside any transaction, as the
    task worker runs it): the same alerts as one part, the steps counted as they commit."""
    region = Region.objects.get(code=KAIYUN)
    run = svc.screening_start(actor=None, region=region, year=YEAR)
    parts, households = svc._parts(run, 2)
    assert households == 3
    assert [p.households for p in parts] == [(0, county["drop"].pk - 1),
                                             (county["drop"].pk, 2**63 - 1)]  # fmt: skip
    done = svc.screening_execute(run.pk)
    assert done is not None and done.status == "done"
    assert (done.steps, done.steps_done, done.percent) == (8, 8, 100)
    assert done.counts == {"low_income": 2, "income_drop": 1, "labour_loss": 1,
                           "medical_expense": 1, "social_assistance": 1}  # fmt: skip
    assert snapshot() == expected(county, done)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_failed_part_fails_the_run_and_a_new_run_writes_the_rest(
    county: dict[str, Any], two_parts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    region = Region.objects.get(code=KAIYUN)
    real = svc.alerts_for
    second = county["drop"].pk

    def failing(*args: Any, households: tuple[int, int], **kwargs: Any) -> dict[str, int]:
        if households[0] == second:
            raise RuntimeError("磁盘已满")
        return real(*args, households=households, **kwargs)

    monkeypatch.setattr(svc, "alerts_for", failing)
    run = svc.screening_start(actor=None, region=region, year=YEAR)
    with pytest.raises(RuntimeError):
        svc.screening_execute(run.pk)
    run.refresh_from_db()
    assert (run.status, run.error, run.steps, run.steps_done) == ("failed", "磁盘已满", 8, 4)
    assert (run.alerts_created, run.counts) == (2, {"low_income": 1, "medical_expense": 1})
    assert sorted(Alert.objects.values_list("kind", flat=True)) == ["low_income", "medical_expense"]
    monkeypatch.setattr(svc, "alerts_for", real)
    again = svc.screening_run(actor=None, region=region, year=YEAR)
    assert again.counts == {"low_income": 1, "income_drop": 1, "labour_loss": 1,
                            "social_assistance": 1}  # fmt: skip
    assert Alert.objects.count() == 6
