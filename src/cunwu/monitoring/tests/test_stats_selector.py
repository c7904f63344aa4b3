"""The statistics selector against a hand-computed fixture: 开云镇 with 九龙村 and 八里村, and a
household of another county that must never count."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from fractions import Fraction

import pytest
from django.http import Http404
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.monitoring.models import Category, Measure, MonitoredHousehold, MonitoringState
from cunwu.monitoring.selectors.stats import monitoring_stats, percent
from cunwu.monitoring.services.households import exit_record_set, monitoring_eliminate
from cunwu.monitoring.tests.conftest import enter
from cunwu.registry.models import Household, Person
from cunwu.testing import BALI, KAIYUN, YANJIANG, make_household, make_id_number

pytestmark = pytest.mark.django_db


def _measure(monitored: MonitoredHousehold, start: date, end: date | None = None) -> Measure:
    return Measure.objects.create(
        monitored=monitored, village=monitored.village, county_code=monitored.county_code,
        measure_type="employment", description="公益性岗位", start_on=start, end_on=end,
    )  # fmt: skip


def build_town(
    household: Household,
    regions: dict[str, Region],
    persona: Callable[[str], User],
    cadre: User,
) -> dict[str, MonitoredHousehold]:
    """九龙村: 0001 (3 persons) 突发 entered 2026-02-01, eliminated 2026-10-01; 0002 (2 persons)
    边缘 entered 2025-05-01, 脱贫 2020, a measure in force; 0003 (1 person) 脱贫 2026, not
    monitored. 八里村: 0001 (1 person) 不稳定 entered 2026-06-01. 沿江村 (another county): one
    at-risk household that never counts for 开云镇."""
    jiulong = household.village
    h2 = make_household(
        cadre, jiulong, "0002", "王五", head_id=make_id_number(11, birth="19600101"),
        members=[("赵六", "配偶", make_id_number(12, birth="19620101"))],
    )  # fmt: skip
    h3 = make_household(cadre, jiulong, "0003", "孙七", head_id=make_id_number(13))
    bali = make_household(
        persona("八里村村干部"), regions[BALI], "0001", "周八", head_id=make_id_number(14)
    )
    far = make_household(
        persona("另一村的村干部"), regions[YANJIANG], "0001", "吴九",
        head_id=make_id_number(15, area="430422"),
    )  # fmt: skip
    m1 = enter(household, category=Category.SUDDEN, on=date(2026, 2, 1))
    monitoring_eliminate(actor=None, monitored=m1, on=date(2026, 10, 1))
    m2 = enter(h2, category=Category.MARGINAL, on=date(2025, 5, 1))
    _measure(m2, date(2025, 6, 1))
    exit_record_set(actor=cadre, household=h2, exit_year=2020, policies=["医疗保障"])
    exit_record_set(actor=cadre, household=h3, exit_year=2026, policies=[])
    m4 = enter(bali, category=Category.UNSTABLE, on=date(2026, 6, 1))
    m5 = enter(far, category=Category.SUDDEN, on=date(2026, 1, 5))
    return {"m1": m1, "m2": m2, "m4": m4, "m5": m5}


@pytest.fixture
def town(
    household: Household,
    regions: dict[str, Region],
    persona: Callable[[str], User],
    cadre: User,
) -> dict[str, MonitoredHousehold]:
    return build_town(household, regions, persona, cadre)


def test_township_figures_as_of_september(
    town: dict[str, MonitoredHousehold], regions: dict[str, Region], kaiyun_staff: User
) -> None:
    stats = monitoring_stats(actor=kaiyun_staff, region=regions[KAIYUN], on=date(2026, 9, 1))
    t = stats.total
    assert (t.households, t.population) == (4, 7)
    assert (t.exit_households, t.exit_persons) == (2, 3)
    # 0001 is eliminated only on 2026-10-01: on 2026-09-01 it is still at risk
    assert (t.monitored, t.at_risk, t.eliminated) == (3, 3, 0)
    assert (t.monitored_persons, t.at_risk_persons) == (6, 6)
    assert t.households_of(Category.SUDDEN) == 1
    assert t.persons_of(Category.MARGINAL) == 2
    assert t.households_of(Category.UNSTABLE, MonitoringState.AT_RISK) == 1
    assert (t.new, t.eliminated_in_period) == (2, 0)
    assert t.covered == 1
    assert t.coverage == Fraction(1, 3)
    assert t.incidence == Fraction(6, 7)
    assert t.exited_share == Fraction(3, 7)
    assert [r.region.code for r in stats.townships] == [KAIYUN]
    by_village = {r.region.code: r for r in stats.villages}
    assert by_village[BALI].at_risk == 1
    assert by_village[BALI].population == 1
    assert by_village["430423100224"].at_risk_persons == 5


def test_eliminated_household_counts_as_eliminated_after_its_date(
    town: dict[str, MonitoredHousehold], regions: dict[str, Region], kaiyun_staff: User
) -> None:
    t = monitoring_stats(actor=kaiyun_staff, region=regions[KAIYUN], on=date(2026, 10, 15)).total
    assert (t.at_risk, t.eliminated, t.eliminated_in_period) == (2, 1, 1)
    assert t.incidence == Fraction(3, 7)
    assert percent(t.incidence) == "42.86%"


def test_a_year_earlier_only_what_existed_then_counts(
    town: dict[str, MonitoredHousehold], regions: dict[str, Region], kaiyun_staff: User
) -> None:
    t = monitoring_stats(actor=kaiyun_staff, region=regions[KAIYUN], on=date(2025, 12, 31)).total
    # 0003 left poverty in 2026; 0001 and 八里村 entered in 2026
    assert (t.exit_households, t.exit_persons) == (1, 2)
    assert (t.monitored, t.at_risk, t.new) == (1, 1, 1)
    assert t.incidence == Fraction(2, 7)


def test_re_entered_household_is_at_risk_again_and_new_once(
    town: dict[str, MonitoredHousehold], regions: dict[str, Region], kaiyun_staff: User,
    household: Household,
) -> None:  # fmt: skip
    enter(household, category=Category.MARGINAL, on=date(2026, 11, 1))
    t = monitoring_stats(actor=kaiyun_staff, region=regions[KAIYUN], on=date(2026, 11, 15)).total
    assert (t.monitored, t.at_risk, t.eliminated) == (3, 3, 0)
    # entered twice in 2026 (February and November): one household, counted once
    assert (t.new, t.eliminated_in_period) == (2, 1)
    # the category follows the latest change
    assert t.households_of(Category.SUDDEN) == 0
    assert t.households_of(Category.MARGINAL) == 2


def test_measure_ended_before_the_date_does_not_cover(
    town: dict[str, MonitoredHousehold], regions: dict[str, Region], kaiyun_staff: User
) -> None:
    _measure(town["m4"], date(2026, 6, 1), date(2026, 8, 31))
    t = monitoring_stats(actor=kaiyun_staff, region=regions[KAIYUN], on=date(2026, 8, 31)).total
    assert (t.covered, t.uncovered) == (2, 1)
    t = monitoring_stats(actor=kaiyun_staff, region=regions[KAIYUN], on=date(2026, 9, 1)).total
    assert (t.covered, t.uncovered) == (1, 2)


def test_leiyang_style_rate_to_the_exact_fraction(
    jiulong: Region, cadre: User, county_admin: User, regions: dict[str, Region]
) -> None:
    """DOMAIN.md: 耒阳 2 198 persons at risk → 0.18%; here 2 at risk of 1 100 → 0.18%."""
    big = make_household(cadre, jiulong, "0100", "钱一", head_id=make_id_number(100))
    persons = [
        Person(
            household=big,
            county_code=big.county_code,
            name=f"成员{i}",
            relation="其他",
            status="active",
            id_pending_reason="测试数据",
        )
        for i in range(1_097)
    ]
    Person.objects.bulk_create(persons)
    small = make_household(
        cadre, jiulong, "0101", "钱二", head_id=make_id_number(101),
        members=[("钱三", "子", make_id_number(102, birth="20000101"))],
    )  # fmt: skip
    enter(small, on=date(2026, 3, 1))
    t = monitoring_stats(
        actor=county_admin, region=regions["430423000000"], on=date(2026, 6, 30)
    ).total
    assert t.population == 1_100
    assert t.incidence == Fraction(2, 1_100)
    assert percent(t.incidence) == "0.18%"


def test_region_outside_scope_is_404(
    town: dict[str, MonitoredHousehold], regions: dict[str, Region], persona: Callable[[str], User]
) -> None:
    with pytest.raises(Http404):
        monitoring_stats(actor=persona("八里村村干部"), region=regions[KAIYUN], on=date(2026, 9, 1))
    with pytest.raises(Http404):
        monitoring_stats(
            actor=persona("另一村的村干部"), region=regions["430423100224"], on=date(2026, 9, 1)
        )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(on=st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31)))
def test_category_counts_sum_to_the_total_and_states_partition_it(
    town: dict[str, MonitoredHousehold], regions: dict[str, Region], kaiyun_staff: User, on: date
) -> None:
    stats = monitoring_stats(actor=kaiyun_staff, region=regions[KAIYUN], on=on)
    t = stats.total
    assert sum(c["households"] for c in t.by_category()) == t.monitored
    assert t.at_risk + t.eliminated == t.monitored
    assert t.at_risk_persons + t.eliminated_persons == t.monitored_persons
    assert sum(v.monitored for v in stats.villages) == t.monitored
    assert 0 <= t.covered <= t.at_risk
