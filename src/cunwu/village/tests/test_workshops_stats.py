# ruff: noqa: F811
"""The workshop statistics on a hand-made fixture: exact counts by state, people employed now
(distinct persons, 脱贫户, 监测对象), idle assets used, and the current monthly reports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.monitoring.tests.conftest import enter
from cunwu.registry.models import Household
from cunwu.testing import make_household, make_id_number
from cunwu.village.models import Workshop
from cunwu.village.selectors.workshops import workshop_stats
from cunwu.village.services import workshops as services

from .fixtures_jobs import member, poor_household  # noqa: F401
from .fixtures_workshops import admin, cadre, data, make_asset, township  # noqa: F401

pytestmark = pytest.mark.django_db
NOV = date(2026, 11, 1)
START = date(2026, 11, 2)


@pytest.fixture
def city(
    persona: Callable[[str], User],
    cadre: User,
    regions: dict[str, Region],
    household: Household,
    poor_household: Household,
) -> None:
    """九龙村: A (已认定, 村小学), B (具备条件或在建, 旧仓库); 八里村: C (未认定, 闲置农房);
    沿江村 (衡南县): D. Employment: A 张三 (监测对象), 王五 (脱贫户), 李四 (ended); B 王五;
    C 钱七; D 孙八. November reports: A 40 → corrected 42, B 8 (and 7 in October), C 5, D 9."""
    jiulong, bali, yanjiang = (regions[c] for c in ("430423100224", "430423100227", "430422200215"))
    bali_cadre, other = persona("八里村村干部"), persona("另一村的村干部")
    a = services.workshop_create(
        actor=cadre, village=jiulong, data=data("A", asset=make_asset(cadre, jiulong, "ZC-0001"))
    )
    b = services.workshop_create(
        actor=cadre, village=jiulong, data=data("B", asset=make_asset(cadre, jiulong, "ZC-0002"))
    )
    c = services.workshop_create(
        actor=bali_cadre,
        village=bali,
        data=data("C", asset=make_asset(bali_cadre, bali, "ZC-0001")),
    )
    d = services.workshop_create(
        actor=other, village=yanjiang, data=data("D", asset=make_asset(other, yanjiang, "ZC-0001"))
    )
    Workshop.objects.filter(pk__in=[a.pk, d.pk]).update(state="recognised")
    Workshop.objects.filter(pk=b.pk).update(state="conditions")
    enter(household)
    household.refresh_from_db()
    for w, person in (
        (a, member(household, "张三")),
        (a, member(poor_household, "王五")),
        (b, member(poor_household, "王五")),
    ):
        services.employment_start(actor=cadre, workshop=w, person=person, start_on=START)
    gone = services.employment_start(
        actor=cadre, workshop=a, person=member(household, "李四"), start_on=START
    )
    services.employment_end(
        actor=cadre, employment=gone, end_on=START + timedelta(days=3), reason="辞职"
    )
    qian = make_household(bali_cadre, bali, "0001", "钱七", head_id=make_id_number(21))
    services.employment_start(
        actor=bali_cadre, workshop=c, person=member(qian, "钱七"), start_on=START
    )
    sun = make_household(other, yanjiang, "0001", "孙八", head_id=make_id_number(31, area="430422"))
    services.employment_start(actor=other, workshop=d, person=member(sun, "孙八"), start_on=START)
    first = services.report_add(
        actor=cadre, workshop=a, month=NOV, headcount=40, poverty_headcount=10, wages_fen=1_200_000
    )
    services.report_add(
        actor=cadre,
        workshop=a,
        month=NOV,
        headcount=42,
        poverty_headcount=11,
        wages_fen=1_260_000,
        note="补报",
        supersedes=first,
    )
    services.report_add(
        actor=cadre, workshop=b, month=NOV, headcount=8, poverty_headcount=2, wages_fen=240_000
    )
    services.report_add(
        actor=cadre,
        workshop=b,
        month=date(2026, 10, 1),
        headcount=7,
        poverty_headcount=2,
        wages_fen=210_000,
    )
    services.report_add(
        actor=bali_cadre, workshop=c, month=NOV, headcount=5, poverty_headcount=1, wages_fen=150_000
    )
    services.report_add(
        actor=other, workshop=d, month=NOV, headcount=9, poverty_headcount=0, wages_fen=270_000
    )


def _figures(row: object) -> tuple[int, ...]:
    names = (
        "recognised",
        "conditions",
        "none",
        "employed",
        "employed_poverty",
        "employed_monitored",
        "idle_assets",
        "headcount",
        "wages_fen",
    )
    return tuple(getattr(row, n) for n in names)


def test_township_sees_its_villages_row_by_row(city: None, township: User) -> None:
    stats = workshop_stats(user=township, month=NOV)
    assert stats.region is not None and stats.region.code == "430423100000"
    assert [(r.name, _figures(r)) for r in stats.rows] == [
        ("九龙村委会", (1, 1, 0, 2, 1, 1, 2, 50, 1_500_000)),
        ("八里村委会", (0, 0, 1, 1, 0, 0, 1, 5, 150_000)),
    ]
    assert _figures(stats.total) == (1, 1, 1, 3, 1, 1, 3, 55, 1_650_000)
    assert stats.charts["by_state"]["values"] == [1, 1, 1]
    assert stats.charts["employed_by_region"]["rows"] == [
        ["九龙村委会", 2, 1, 1],
        ["八里村委会", 1, 0, 0],
    ]


def test_county_rows_by_township_and_other_county_left_out(city: None, admin: User) -> None:
    stats = workshop_stats(user=admin, month=NOV)
    assert [(r.name, _figures(r)) for r in stats.rows] == [
        ("开云镇", (1, 1, 1, 3, 1, 1, 3, 55, 1_650_000)),
    ]
    october = workshop_stats(user=admin, month=date(2026, 10, 1))
    assert (october.total.headcount, october.total.wages_fen) == (7, 210_000)


def test_a_village_sees_only_itself_and_narrowing_works(
    city: None, cadre: User, township: User
) -> None:
    stats = workshop_stats(user=cadre, month=NOV)
    assert [r.name for r in stats.rows] == ["九龙村委会"]
    assert _figures(stats.total) == (1, 1, 0, 2, 1, 1, 2, 50, 1_500_000)
    narrowed = workshop_stats(user=township, region_code="430423100227", month=NOV)
    assert _figures(narrowed.total) == (0, 0, 1, 1, 0, 0, 1, 5, 150_000)


def test_outside_region_is_404_and_default_month_is_last_month(city: None, cadre: User) -> None:
    from django.http import Http404

    with pytest.raises(Http404):
        workshop_stats(user=cadre, region_code="430423100227")
    with pytest.raises(Http404):
        workshop_stats(user=cadre, region_code="430423000000")
    today = timezone.localdate()
    expected = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    assert workshop_stats(user=cadre).month == expected


def test_superuser_sees_every_county_by_city(city: None) -> None:
    root = User.objects.create_superuser(username="root", password="x-Long-Pass-2026")
    stats = workshop_stats(user=root, month=NOV)
    assert stats.region is None
    assert [(r.name, r.total, r.employed) for r in stats.rows] == [("衡阳市", 4, 4)]
    assert stats.total.headcount == 64


def test_a_city_administrator_sees_its_counties(city: None) -> None:
    """The city's report (DOMAIN: 已认定, 具备条件或在建, employed, idle assets used)."""
    from cunwu.accounts.models import Role
    from cunwu.testing import make_user

    city_admin = make_user("衡阳市管理员", Role.COUNTY_ADMIN, "430400000000")
    stats = workshop_stats(user=city_admin, month=NOV)
    assert stats.region is not None and stats.region.code == "430400000000"
    rows = [(r.name, r.total, r.employed) for r in stats.rows]
    assert rows == [("衡南县", 1, 1), ("衡山县", 3, 3)]
    assert (stats.total.total, stats.total.employed, stats.total.headcount) == (4, 4, 64)
