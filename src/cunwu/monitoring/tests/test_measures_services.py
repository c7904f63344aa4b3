"""Assistance measures: add, end, follow up; 帮扶措施未落实 with exact counts per village and
township; overdue follow-ups; bad input refused in Chinese with nothing changed; permissions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils.timezone import localdate
from hypothesis import given
from hypothesis import strategies as st

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.monitoring.models import FollowUp, Measure, MeasureType, MonitoredHousehold
from cunwu.monitoring.selectors import measures as sel
from cunwu.monitoring.services import measures as svc
from cunwu.monitoring.services.households import monitoring_eliminate
from cunwu.monitoring.tests.conftest import enter
from cunwu.registry.models import Household
from cunwu.testing import FromToday, business_events, dated, make_household, make_id_number


def households(actor: User, village: Region, first: int, n: int) -> list[Household]:
    """``n`` households numbered from ``first`` (distinct heads' ID numbers across villages)."""
    return [
        make_household(actor, village, f"{i:04d}", f"户主{i}",
                       head_id=make_id_number(i, birth="19660101"))
        for i in range(first, first + n)
    ]  # fmt: skip


def add(actor: User, monitored: MonitoredHousehold, **kw: object) -> Measure:
    args: dict[str, object] = {
        "actor": actor, "monitored": monitored, "measure_type": MeasureType.EMPLOYMENT,
        "description": "推荐到县城工业园务工", "start_on": localdate() - timedelta(days=10),
        "department": "县人社局",
    }  # fmt: skip
    args.update(kw)
    return svc.measure_add(**args)  # type: ignore[arg-type]


def test_measure_added_with_amount_in_fen_and_audited(
    cadre: User, monitored: MonitoredHousehold
) -> None:
    today = localdate()
    m = add(cadre, monitored, measure_type=MeasureType.INDUSTRY,
            amount_fen=svc.yuan_to_fen("1200.50"), end_on=today + timedelta(days=365))  # fmt: skip
    assert m.amount_fen == 120_050 and m.village_id == monitored.village_id
    assert m.county_code == "430423"
    event = business_events().filter(action="monitoring.measure_add").get()
    assert event.payload["amount_fen"] == 120_050 and event.region_id == "430423100224"


@pytest.mark.parametrize(
    ("kw", "code", "message"),
    [
        ({"end_on": FromToday(-11)}, "end_before_start", "结束日期不能早于开始日期"),
        ({"amount_fen": -1}, "amount_negative", "金额不能为负数"),
        ({"measure_type": "bogus"}, "measure_type", "请选择措施类型"),
        ({"description": "  "}, "description_empty", "请填写措施内容"),
        ({"start_on": date(1990, 1, 1)}, "start_on_range", "开始日期应在"),
        ({"start_on": FromToday(800)}, "start_on_range", "开始日期应在"),
        ({"amount_fen": 10**12}, "amount_large", "金额过大"),
    ],
)
def test_bad_measure_is_refused_and_nothing_changes(
    cadre: User, monitored: MonitoredHousehold, kw: dict[str, object], code: str, message: str
) -> None:
    before = business_events().count()
    with pytest.raises(ApplicationError) as exc:
        add(cadre, monitored, **dated(kw))
    assert exc.value.code == code and message in exc.value.message
    assert Measure.objects.count() == 0 and business_events().count() == before


def test_yuan_with_three_decimals_is_refused() -> None:
    with pytest.raises(ApplicationError):
        svc.yuan_to_fen("1.234")
    assert svc.yuan_to_fen("") is None and svc.yuan_to_fen("0") == 0


def test_wrong_role_and_outsider_cannot_add(
    persona: Callable[[str], User], monitored: MonitoredHousehold, outsider: User
) -> None:
    for user in (persona("九龙村监委会委员"), persona("衡山县管理员"), outsider):
        with pytest.raises(PermissionDenied):
            add(user, monitored)
    assert Measure.objects.count() == 0
    # the work team and the township may
    add(persona("九龙村工作队员"), monitored)
    add(persona("开云镇干部"), monitored)
    assert Measure.objects.count() == 2


def test_measure_ended_once_and_kept(cadre: User, monitored: MonitoredHousehold) -> None:
    m = add(cadre, monitored)
    svc.measure_end(actor=cadre, measure=m, end_on=localdate(), note="已稳定就业")
    m.refresh_from_db()
    assert m.end_on == localdate() and m.ended_note == "已稳定就业"
    with pytest.raises(ApplicationError) as exc:
        svc.measure_end(actor=cadre, measure=m, end_on=localdate(), note="再次结束")
    assert exc.value.code == "measure_ended" and "已于" in exc.value.message
    m.refresh_from_db()
    assert m.ended_note == "已稳定就业" and Measure.objects.count() == 1
    assert business_events().filter(action="monitoring.measure_end").count() == 1


def test_planned_end_can_be_brought_forward_not_pushed_back(
    cadre: User, monitored: MonitoredHousehold
) -> None:
    m = add(cadre, monitored, end_on=localdate() + timedelta(days=30))
    svc.measure_end(actor=cadre, measure=m, end_on=localdate(), note="提前结束")
    with pytest.raises(ApplicationError):
        svc.measure_end(actor=cadre, measure=m, end_on=localdate() + timedelta(days=5), note="延后")
    m.refresh_from_db()
    assert m.end_on == localdate()


def test_end_before_start_refused(cadre: User, monitored: MonitoredHousehold) -> None:
    m = add(cadre, monitored)
    with pytest.raises(ApplicationError) as exc:
        svc.measure_end(actor=cadre, measure=m, end_on=m.start_on - timedelta(days=1), note="x")
    assert exc.value.code == "end_before_start"
    m.refresh_from_db()
    assert m.end_on is None


def test_follow_up_rules(cadre: User, monitored: MonitoredHousehold) -> None:
    m = add(cadre, monitored)
    f = svc.follow_up_add(actor=cadre, measure=m, visited_on=localdate(), in_place=True, note="")
    assert f.visitor == cadre and f.in_place
    with pytest.raises(ApplicationError) as exc:
        svc.follow_up_add(actor=cadre, measure=m, visited_on=localdate(), in_place=False, note="")
    assert exc.value.message == "请填写回访情况"
    with pytest.raises(ApplicationError) as exc:
        svc.follow_up_add(actor=cadre, measure=m, visited_on=localdate() + timedelta(days=1),
                          in_place=True, note="")  # fmt: skip
    assert exc.value.code == "visited_on_future"
    with pytest.raises(ApplicationError) as exc:
        svc.follow_up_add(actor=cadre, measure=m, visited_on=m.start_on - timedelta(days=1),
                          in_place=True, note="")  # fmt: skip
    assert exc.value.code == "visited_on_early"
    assert FollowUp.objects.count() == 1


# ---------------------------------------------------------------- 帮扶措施未落实


@pytest.fixture
def two_villages(
    cadre: User, persona: Callable[[str], User], jiulong: Region
) -> dict[str, list[MonitoredHousehold]]:
    """九龙村: 4 at risk (2 with active measures, 1 whose measure ended yesterday, 1 with none)
    and 1 eliminated without measures; 八里村: 2 at risk, 1 with a measure starting tomorrow."""
    bali = Region.objects.get(code="430423100227")
    bali_cadre = persona("八里村村干部")
    j = [enter(h) for h in households(cadre, jiulong, 1, 5)]
    b = [enter(h) for h in households(bali_cadre, bali, 101, 2)]
    add(cadre, j[0])
    add(cadre, j[1], end_on=localdate())  # active through today
    add(
        cadre,
        j[2],
        start_on=localdate() - timedelta(days=30),
        end_on=localdate() - timedelta(days=1),
    )
    monitoring_eliminate(actor=None, monitored=j[4], on=localdate())
    add(bali_cadre, b[0], start_on=localdate() + timedelta(days=1))
    return {"jiulong": j, "bali": b}


def test_gaps_list_is_exact(
    two_villages: dict[str, list[MonitoredHousehold]], kaiyun_staff: User, cadre: User
) -> None:
    j, b = two_villages["jiulong"], two_villages["bali"]
    gaps = sel.households_without_measures(actor=kaiyun_staff, on=localdate())
    assert [m.pk for m in gaps] == [j[2].pk, j[3].pk, b[0].pk, b[1].pk]
    assert gaps[0].last_measure_end == localdate() - timedelta(days=1)  # type: ignore[attr-defined]
    assert gaps[0].head_name == "户主3"  # type: ignore[attr-defined]
    # the village cadre sees only 九龙村
    assert [m.pk for m in sel.households_without_measures(actor=cadre, on=localdate())] == [
        j[2].pk, j[3].pk,
    ]  # fmt: skip
    # tomorrow the 八里村 measure has started and 九龙村 0002's has ended
    tomorrow = {
        m.pk
        for m in sel.households_without_measures(
            actor=kaiyun_staff, on=localdate() + timedelta(days=1)
        )
    }
    assert tomorrow == {j[1].pk, j[2].pk, j[3].pk, b[1].pk}


def test_gap_counts_per_village_and_township(
    two_villages: dict[str, list[MonitoredHousehold]], kaiyun_staff: User, county_admin: User,
    cadre: User,
) -> None:  # fmt: skip
    counts = sel.gap_counts(actor=kaiyun_staff, on=localdate())
    assert [(r.name, r.at_risk, r.without) for r in counts.villages] == [
        ("九龙村委会", 4, 2), ("八里村委会", 2, 2),
    ]  # fmt: skip
    assert [(r.code, r.at_risk, r.without, r.percent) for r in counts.townships] == [
        ("430423100000", 6, 4, 33),
    ]
    assert (counts.total.at_risk, counts.total.without) == (6, 4)
    assert counts.villages[0].percent == 50 and counts.villages[1].percent == 0
    county = sel.gap_counts(actor=county_admin, on=localdate())
    assert [(r.name, r.at_risk, r.without) for r in county.townships] == [("开云镇", 6, 4)]
    mine = sel.gap_counts(actor=cadre, on=localdate())
    assert [(r.name, r.at_risk, r.without) for r in mine.villages] == [("九龙村委会", 4, 2)]
    only = sel.gap_counts(actor=kaiyun_staff, on=localdate(), region="430423100227")
    assert [(r.name, r.without) for r in only.villages] == [("八里村委会", 2)]


def test_outsider_sees_no_gaps(two_villages: object, outsider: User) -> None:
    assert list(sel.households_without_measures(actor=outsider, on=localdate())) == []
    assert sel.gap_counts(actor=outsider, on=localdate()).total.at_risk == 0


def test_overdue_follow_ups(cadre: User, jiulong: Region) -> None:
    hs = [enter(h) for h in households(cadre, jiulong, 1, 4)]
    old = add(cadre, hs[0], start_on=localdate() - timedelta(days=200))
    followed = add(cadre, hs[1], start_on=localdate() - timedelta(days=200))
    svc.follow_up_add(actor=cadre, measure=followed, visited_on=localdate() - timedelta(days=30),
                      in_place=True, note="")  # fmt: skip
    late = add(cadre, hs[2], start_on=localdate() - timedelta(days=200))
    svc.follow_up_add(actor=cadre, measure=late, visited_on=localdate() - timedelta(days=91),
                      in_place=True, note="")  # fmt: skip
    # exactly 90 days: not yet overdue
    add(cadre, hs[3], start_on=localdate() - timedelta(days=sel.FOLLOW_UP_DAYS))
    overdue = list(sel.overdue_follow_ups(actor=cadre, on=localdate()))
    assert [m.pk for m in overdue] == [old.pk, late.pk]
    assert overdue[1].last_follow_up == localdate() - timedelta(days=91)  # type: ignore[attr-defined]


def test_active_on_a_day_matches_the_definition(cadre: User, jiulong: Region) -> None:
    """A measure counts on day d exactly when start_on <= d and (end_on empty or >= d)."""
    ranges = [(-5, None), (-5, -1), (0, 0), (2, 4), (-3, 3)]
    hs = [enter(h) for h in households(cadre, jiulong, 1, len(ranges))]
    for h, (start, end) in zip(hs, ranges, strict=True):
        add(cadre, h, start_on=localdate() + timedelta(days=start),
            end_on=None if end is None else localdate() + timedelta(days=end))  # fmt: skip
    for day in range(-6, 7):
        d = localdate() + timedelta(days=day)
        expected = {
            h.pk for h, (start, end) in zip(hs, ranges, strict=True)
            if not (start <= day and (end is None or end >= day))
        }  # fmt: skip
        got = {m.pk for m in sel.households_without_measures(actor=cadre, on=d)}
        assert got == expected, day


@given(n=st.integers(min_value=0, max_value=10_000), data=st.data())
def test_percent_is_rounded_half_up_and_bounded(n: int, data: st.DataObject) -> None:
    without = data.draw(st.integers(min_value=0, max_value=n))
    row = sel.GapRow("", "", n, without)
    if n == 0:
        assert row.percent == 100
        return
    exact = 100 * (n - without) / n
    assert 0 <= row.percent <= 100 and abs(row.percent - exact) <= 0.5
    assert row.percent == int(exact + 0.5)
