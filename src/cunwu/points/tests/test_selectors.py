"""Reads of the points system: exact rankings with shared ranks, periods, stars; statements
with running balances; scope; query counts independent of the number of rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.points import selectors, services
from cunwu.points.models import EventStatus, RulebookVersion, RuleItem
from cunwu.registry.models import Household

from .conftest import ON_THE_DAY
from .support import another_household, close_all, earn, reviewer

pytestmark = ON_THE_DAY

__all__ = ["reviewer"]

Items = Callable[[str], RuleItem]
MARCH, APRIL = date(2026, 3, 10), date(2026, 4, 2)


@pytest.fixture
def village(
    staff: User, reviewer: User, household: Household, jiulong: Region, item: Items,
    effective_version: RulebookVersion,
) -> list[Household]:  # fmt: skip
    """Five households: 10, 8, 8, 5 (earned in April) and 0 points; stars at 5, 8, 10."""
    RulebookVersion.objects.filter(pk=effective_version.pk).update(star_thresholds=[5, 8, 10])
    h = [household] + [
        another_household(staff, jiulong, f"000{n}", name)
        for n, name in [(2, "王五"), (3, "赵六"), (4, "钱七"), (5, "孙八")]
    ]
    b01 = item("B01")
    earn(
        staff, reviewer,
        [(h[0], b01, MARCH, 5), (h[0], b01, MARCH, 5), (h[1], b01, MARCH, 5),
         (h[1], b01, MARCH, 3), (h[2], b01, MARCH, 3), (h[2], b01, MARCH, 5),
         (h[3], b01, APRIL, 5)],
    )  # fmt: skip
    return h


def _table(rows: list[selectors.RankRow]) -> list[tuple[int, str, int, int]]:
    return [(r.rank, r.household.number, r.points, r.stars) for r in rows]


def test_star_of_counts_the_thresholds_reached() -> None:
    assert [selectors.star_of(p, [50, 100, 200]) for p in (-5, 0, 49, 50, 199, 200, 999)] == [
        0, 0, 0, 1, 2, 3, 3,
    ]  # fmt: skip


def test_ranking_by_cumulative_points_shares_ranks_and_gives_stars(
    staff: User, village: list[Household], jiulong: Region
) -> None:
    rows = selectors.rankings(actor=staff, village=jiulong)
    assert _table(rows) == [
        (1, "0001", 10, 3), (2, "0002", 8, 2), (2, "0003", 8, 2), (4, "0004", 5, 1),
        (5, "0005", 0, 0),
    ]  # fmt: skip
    assert [r.head for r in rows] == ["张三", "王五", "赵六", "钱七", "孙八"]


def test_ranking_by_period_counts_points_earned_in_it(
    staff: User, village: list[Household], jiulong: Region
) -> None:
    april = selectors.rankings(
        actor=staff, village=jiulong, start=date(2026, 4, 1), end=date(2026, 4, 30)
    )
    assert _table(april) == [
        (1, "0004", 5, 1), (2, "0001", 0, 0), (2, "0002", 0, 0), (2, "0003", 0, 0),
        (2, "0005", 0, 0),
    ]  # fmt: skip
    march = selectors.rankings(actor=staff, village=jiulong, start=MARCH, end=MARCH)
    assert [r.points for r in march] == [10, 8, 8, 0, 0]
    open_end = selectors.rankings(actor=staff, village=jiulong, start=date(2026, 3, 11))
    assert (open_end[0].household.number, open_end[0].points) == ("0004", 5)


def test_a_reversal_and_spending_in_the_ranking_and_the_statement(
    staff: User, reviewer: User, village: list[Household], jiulong: Region
) -> None:
    first = village[0].point_events.order_by("pk").first()
    assert first is not None
    services.event_reverse(actor=reviewer, event=first, reason="重复登记")
    services.batch_publish(actor=reviewer, village=jiulong)
    close_all()
    services.points_debit(
        actor=staff, household=village[0], points=3, ref=("store.redemption", "1"), memo="兑换肥皂"
    )
    rows = selectors.rankings(actor=staff, village=jiulong)
    assert _table(rows)[:4] == [
        (1, "0002", 8, 2), (1, "0003", 8, 2), (3, "0001", 5, 1), (3, "0004", 5, 1),
    ]  # fmt: skip
    march = selectors.rankings(actor=staff, village=jiulong, start=MARCH, end=MARCH)
    assert [(r.household.number, r.points) for r in march][:3] == [
        ("0002", 8), ("0003", 8), ("0001", 5),
    ]  # fmt: skip
    statement = selectors.household_statement(village[0])
    assert [(r.entry.kind, r.entry.cumulative, r.entry.available) for r in statement] == [
        ("earn", 5, 5), ("earn", 5, 5), ("reversal", -5, -5), ("redeem", 0, -3),
    ]  # fmt: skip
    assert [(r.cumulative, r.available) for r in statement] == [(5, 5), (10, 10), (5, 5), (5, 2)]
    assert selectors.household_rank(village[0]) == (3, 5, 1)


def test_group_filter_and_scope(
    staff: User, village: list[Household], jiulong: Region, persona: Callable[[str], User]
) -> None:
    from cunwu.core.models import VillageGroup

    group = VillageGroup.objects.create(village=jiulong, name="第三组", number=3)
    Household.objects.filter(pk__in=[village[2].pk, village[3].pk]).update(group=group)
    rows = selectors.rankings(actor=staff, village=jiulong, group=group.pk)
    assert _table(rows) == [(1, "0003", 8, 2), (2, "0004", 5, 1)]
    assert [h.number for h in selectors.balances(actor=staff, group=group.pk)] == ["0003", "0004"]
    outsider = persona("另一村的村干部")
    with pytest.raises(Http404):
        selectors.rankings(actor=outsider, village=jiulong)
    assert not selectors.balances(actor=outsider).exists()
    assert not selectors.events(actor=outsider).exists()
    township = persona("开云镇干部")
    assert selectors.balances(actor=township).count() == 5


def test_event_filters(staff: User, village: list[Household], item: Items) -> None:
    qs = selectors.events(actor=staff, status=EventStatus.EFFECTIVE)
    assert qs.count() == 7
    assert selectors.events(actor=staff, q="王五").count() == 2
    assert selectors.events(actor=staff, q="0004").count() == 1
    assert selectors.events(actor=staff, start=date(2026, 4, 1)).count() == 1
    assert selectors.events(actor=staff, end=MARCH, item="b01").count() == 6
    assert selectors.events(actor=staff, item="A01").count() == 0


def test_templates_above_are_seen_below_and_not_beside(
    persona: Callable[[str], User], staff: User, regions: dict[str, Region]
) -> None:
    from cunwu.testing import KAIYUN, YANJIANG

    township = persona("开云镇干部")
    services.template_publish_default(actor=township, region=regions[KAIYUN])
    assert selectors.rulebooks(actor=staff, templates=True).count() == 1
    assert selectors.rulebooks(actor=persona("另一村的村干部")).count() == 0
    version = selectors.versions(actor=staff).get()
    assert selectors.can_see_region(staff, KAIYUN)
    assert not selectors.can_see_region(staff, YANJIANG)
    assert selectors.templates_for(regions["430423100224"]).get() == version


def _count(fn: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_queries_do_not_grow_with_rows(
    staff: User, reviewer: User, household: Household, jiulong: Region, item: Items
) -> None:
    def read() -> None:
        selectors.rankings(actor=staff, village=jiulong)
        selectors.rankings(actor=staff, village=jiulong, start=MARCH, end=APRIL)
        list(selectors.balances(actor=staff))
        selectors.household_statement(household)
        [e.item.name + e.household.number for e in selectors.events(actor=staff)]

    def grow(start: int, stop: int) -> None:
        homes = [
            another_household(staff, jiulong, f"{n:04d}", f"户{n}") for n in range(start, stop)
        ]
        rows = [(h, item("B01"), MARCH, 2) for h in homes]
        rows += [(household, item("B01"), MARCH, 1) for _ in homes]
        earn(staff, reviewer, rows)

    grow(100, 105)
    few = _count(read)
    grow(105, 140)
    assert _count(read) == few
