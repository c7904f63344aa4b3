"""The registry screening: each flag on hand-computed households just below / equal / above
the line, re-runs create nothing twice, households at risk are still screened, permissions."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.monitoring.models import Alert, AlertKind, AlertStatus, Department
from cunwu.monitoring.services import screening as svc
from cunwu.monitoring.tests.conftest import enter
from cunwu.registry.models import Household, IncomeCategory, IncomeRecord, Person
from cunwu.registry.services import per_capita_net_income
from cunwu.testing import BALI, make_household, make_id_number

KAIYUN = "430423100000"
YEAR = 2024  # default line 8 500 元 = 850 000 分 per person


def home(staff: User, village: Region, n: int, size: int, **nets: int) -> Household:
    """Household ``n`` with ``size`` members and the net income of each year (``y2024=...``)."""
    members = [(f"成员{n}-{i}", "子", make_id_number(n * 10 + i, birth="20000101"))
               for i in range(1, size)]  # fmt: skip
    h = make_household(staff, village, f"{n:04d}", f"户主{n}",
                       head_id=make_id_number(n, birth="19700101"), members=members)  # fmt: skip
    for key, net in nets.items():
        year = int(key[1:])
        IncomeRecord.objects.create(household=h, year=year, category=IncomeCategory.WAGES,
                                    amount_fen=net + 10_000)  # fmt: skip
        IncomeRecord.objects.create(
            household=h, year=year, category=IncomeCategory.BUSINESS_EXPENSE, amount_fen=10_000
        )
    return h


@pytest.fixture
def township(persona: Callable[[str], User]) -> User:
    return persona("开云镇干部")


def kinds(household: Household) -> list[str]:
    return sorted(Alert.objects.filter(household=household).values_list("kind", flat=True))


def test_low_income_on_the_boundary(
    staff: User, jiulong: Region, regions: dict[str, Region], township: User
) -> None:
    below = home(staff, jiulong, 11, 2, y2024=1_699_998)  # 849 999 per person
    half = home(staff, jiulong, 12, 2, y2024=1_699_999)  # 849 999.5 → 850 000 (half up)
    equal = home(staff, jiulong, 13, 2, y2024=1_700_000)
    above = home(staff, jiulong, 14, 2, y2024=1_700_002)
    run = svc.screening_run(actor=township, region=regions[KAIYUN], year=YEAR)
    assert kinds(below) == [AlertKind.LOW_INCOME]
    assert kinds(half) == kinds(equal) == kinds(above) == []
    alert = Alert.objects.get(household=below)
    assert alert.amount_fen == 849_999
    assert alert.department == Department.REGISTRY
    assert alert.status == AlertStatus.OPEN
    assert alert.details["threshold_fen"] == 850_000
    assert run.status == "done"
    assert run.households == 4
    assert run.counts == {AlertKind.LOW_INCOME: 1}
    assert run.alerts_created == 1


def test_a_household_without_income_of_the_year_is_not_flagged(
    staff: User, jiulong: Region, regions: dict[str, Region], township: User
) -> None:
    h = home(staff, jiulong, 11, 2, y2023=100)
    svc.screening_run(actor=township, region=regions[KAIYUN], year=YEAR)
    assert kinds(h) == []


def test_income_drop_on_the_boundary(
    staff: User, jiulong: Region, regions: dict[str, Region], township: User
) -> None:
    rich = 10_000_000  # far above the line, so only the drop flags
    exactly = home(staff, jiulong, 21, 1, y2023=rich, y2024=7_000_000)  # −30 %
    less = home(staff, jiulong, 22, 1, y2023=rich, y2024=7_000_001)  # −29.99999 %
    more = home(staff, jiulong, 23, 1, y2023=rich, y2024=6_999_999)
    no_last_year = home(staff, jiulong, 24, 1, y2024=1_000_000)
    svc.screening_run(actor=township, region=regions[KAIYUN], year=YEAR)
    assert kinds(exactly) == kinds(more) == [AlertKind.INCOME_DROP]
    assert kinds(less) == kinds(no_last_year) == []
    alert = Alert.objects.get(household=exactly)
    assert alert.amount_fen == 3_000_000
    assert alert.details["drop_percent"] == 30.0


def test_the_years_threshold_and_drop_come_from_the_policy(
    staff: User, jiulong: Region, regions: dict[str, Region], township: User,
    persona: Callable[[str], User],
) -> None:  # fmt: skip
    svc.policy_set(actor=persona("衡山县管理员"), region=regions["430423000000"], year=YEAR,
                   income_threshold_fen=900_000, income_drop_percent=50)  # fmt: skip
    low = home(staff, jiulong, 31, 1, y2024=899_999)
    drop30 = home(staff, jiulong, 32, 1, y2023=10_000_000, y2024=7_000_000)
    svc.screening_run(actor=township, region=regions[KAIYUN], year=YEAR)
    assert kinds(low) == [AlertKind.LOW_INCOME]
    assert kinds(drop30) == []
    # the year before keeps its own default line (805 000)
    old = home(staff, jiulong, 33, 1, y2023=850_000)
    svc.screening_run(actor=township, region=regions[KAIYUN], year=2023)
    assert kinds(old) == []


def test_labour_loss_flags_each_member_who_cannot_work(
    staff: User, household: Household, regions: dict[str, Region], township: User
) -> None:
    Person.objects.filter(name="李四").update(labour_ability="丧失劳动力")
    Person.objects.filter(name="张小明").update(labour_ability="普通劳动力")
    svc.screening_run(actor=township, region=regions[KAIYUN], year=YEAR)
    alert = Alert.objects.get(household=household)
    assert alert.kind == AlertKind.LABOUR_LOSS
    assert alert.person is not None
    assert alert.person.name == "李四"


def test_rerun_creates_no_duplicate_alerts(
    staff: User, jiulong: Region, regions: dict[str, Region], township: User
) -> None:
    h = home(staff, jiulong, 11, 2, y2023=10_000_000, y2024=100_000)
    first = svc.screening_run(actor=township, region=regions[KAIYUN], year=YEAR)
    second = svc.screening_run(actor=township, region=regions[KAIYUN], year=YEAR)
    assert first.alerts_created == 2
    assert second.alerts_created == 0
    assert kinds(h) == [AlertKind.INCOME_DROP, AlertKind.LOW_INCOME]


def test_households_at_risk_are_still_screened(
    staff: User, jiulong: Region, regions: dict[str, Region], township: User
) -> None:
    h = home(staff, jiulong, 11, 1, y2024=100)
    enter(h)
    svc.screening_run(actor=township, region=regions[KAIYUN], year=YEAR)
    assert kinds(h) == [AlertKind.LOW_INCOME]


def test_screening_stays_within_the_region(
    staff: User, jiulong: Region, regions: dict[str, Region], persona: Callable[[str], User]
) -> None:
    bali_staff = persona("八里村村干部")
    bali = regions[BALI]
    inside = home(staff, jiulong, 11, 1, y2024=100)
    outside = home(bali_staff, bali, 12, 1, y2024=100)
    svc.screening_run(actor=persona("衡山县管理员"), region=jiulong, year=YEAR)
    assert kinds(inside) == [AlertKind.LOW_INCOME]
    assert kinds(outside) == []


def test_only_township_and_county_screen(
    staff: User, regions: dict[str, Region], jiulong: Region
) -> None:
    with pytest.raises(PermissionDenied):
        svc.screening_run(actor=staff, region=jiulong, year=YEAR)


def test_a_future_year_is_refused(township: User, regions: dict[str, Region]) -> None:
    with pytest.raises(ApplicationError) as exc:
        svc.screening_run(actor=township, region=regions[KAIYUN], year=2999)
    assert exc.value.field == "year"


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(size=st.integers(1, 6), net=st.integers(0, 12_000_000))
def test_low_income_flag_matches_the_registry_per_capita(
    staff: User, jiulong: Region, regions: dict[str, Region], township: User,
    size: int, net: int,
) -> None:  # fmt: skip
    Alert.objects.all().delete()
    IncomeRecord.objects.all().delete()
    h = Household.objects.filter(village=jiulong, number="0099").first() or home(
        staff, jiulong, 99, 1
    )
    Person.objects.filter(household=h).exclude(relation="户主").delete()
    for i in range(1, size):
        Person.objects.create(household=h, county_code=h.county_code, name=f"p{i}",
                              relation="子", id_pending_reason="新生儿")  # fmt: skip
    IncomeRecord.objects.create(household=h, year=YEAR, category=IncomeCategory.WAGES,
                                amount_fen=net)  # fmt: skip
    svc.screening_run(actor=township, region=regions[KAIYUN], year=YEAR)
    per_capita = per_capita_net_income({IncomeCategory.WAGES: net}, size)
    expected = int((Decimal(net) / size).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert per_capita == expected
    flagged = Alert.objects.filter(household=h, kind=AlertKind.LOW_INCOME).exists()
    assert flagged == (per_capita < 850_000)
