"""Survey campaigns: creation, assignments, visits (once per household and campaign, inside the
region and the dates, the full checklist), close; exact coverage per village and township;
"my households"; findings; bad input refused in Chinese with nothing changed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils.timezone import localdate

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region, VillageGroup
from cunwu.monitoring.models import SECURITY_KEYS, Assignment, Campaign, RiskType, Visit
from cunwu.monitoring.selectors import campaigns as sel
from cunwu.monitoring.services import campaigns as svc
from cunwu.monitoring.tests.test_measures_services import households
from cunwu.registry.models import Household, HouseholdStatus
from cunwu.testing import business_events

ALL_SECURE = dict.fromkeys(SECURITY_KEYS, True)


def campaign(actor: User, region: Region, **kw: Any) -> Campaign:
    args: dict[str, Any] = {
        "actor": actor, "region": region, "kind": "review", "title": "2026年防返贫回头看",
        "start_on": localdate() - timedelta(days=7), "end_on": localdate() + timedelta(days=30),
    }  # fmt: skip
    args.update(kw)
    return svc.campaign_create(**args)


def visit(actor: User, c: Campaign, h: Household, **kw: Any) -> Visit:
    args: dict[str, Any] = {
        "actor": actor, "campaign": c, "household": h, "visited_on": localdate(),
        "checks": dict(ALL_SECURE), "income_estimate_fen": 1_200_000, "risk_types": [],
        "note": "",
    }  # fmt: skip
    args.update(kw)
    return svc.visit_record(**args)


@pytest.fixture
def kaiyun(regions: dict[str, Region]) -> Region:
    return regions["430423100000"]


@pytest.fixture
def bali(regions: dict[str, Region]) -> Region:
    return regions["430423100227"]


@pytest.fixture
def fixture_8(
    cadre: User, persona: Callable[[str], User], jiulong: Region, bali: Region
) -> dict[str, list[Household]]:
    """九龙村 5 households, 八里村 3 (and a dissolved one in 九龙村 that counts nowhere)."""
    j = households(cadre, jiulong, 1, 6)
    Household.objects.filter(pk=j[5].pk).update(status=HouseholdStatus.DISSOLVED)
    j[5].refresh_from_db()
    b = households(persona("八里村村干部"), bali, 101, 3)
    return {"jiulong": j[:5], "bali": b, "dissolved": [j[5]]}


def test_coverage_is_exact(
    fixture_8: dict[str, list[Household]], kaiyun_staff: User, kaiyun: Region, cadre: User,
    county_admin: User, persona: Callable[[str], User],
) -> None:  # fmt: skip
    c = campaign(kaiyun_staff, kaiyun)
    for h in fixture_8["jiulong"][:3]:
        visit(cadre, c, h)
    visit(persona("八里村村干部"), c, fixture_8["bali"][0])
    cov = sel.coverage(c, actor=kaiyun_staff)
    assert [(r.name, r.visited, r.total, r.percent) for r in cov.villages] == [
        ("九龙村委会", 3, 5, 60), ("八里村委会", 1, 3, 33),
    ]  # fmt: skip
    assert [(r.name, r.visited, r.total, r.percent) for r in cov.townships] == [
        ("开云镇", 4, 8, 50),
    ]  # fmt: skip
    assert (cov.total.visited, cov.total.total, cov.total.percent) == (4, 8, 50)
    # the county sees the same; the 九龙村 cadre sees his village only
    assert sel.coverage(c, actor=county_admin).total.visited == 4
    mine = sel.coverage(c, actor=cadre)
    assert [(r.name, r.visited, r.total) for r in mine.villages] == [("九龙村委会", 3, 5)]
    assert (mine.total.visited, mine.total.total, mine.total.percent) == (3, 5, 60)


def test_campaign_seen_from_below_and_not_from_outside(
    kaiyun_staff: User, kaiyun: Region, cadre: User, outsider: User, jiulong: Region
) -> None:
    c = campaign(kaiyun_staff, kaiyun)
    v = campaign(cadre, jiulong, title="九龙村全覆盖", kind="full")
    assert {x.pk for x in sel.campaign_list(actor=cadre)} == {c.pk, v.pk}
    assert {x.pk for x in sel.campaign_list(actor=kaiyun_staff)} == {c.pk, v.pk}
    assert list(sel.campaign_list(actor=outsider)) == []
    with pytest.raises(Exception, match="排查活动不存在"):
        sel.campaign_get(actor=outsider, pk=c.pk)


def test_campaign_create_rules(
    kaiyun_staff: User, kaiyun: Region, regions: dict[str, Region], persona: Callable[[str], User]
) -> None:
    with pytest.raises(ApplicationError) as exc:
        campaign(kaiyun_staff, kaiyun, end_on=localdate() - timedelta(days=8))
    assert exc.value.code == "end_before_start"
    with pytest.raises(ApplicationError) as exc:
        campaign(kaiyun_staff, kaiyun, title=" ")
    assert exc.value.message == "请填写活动名称"
    with pytest.raises(ApplicationError) as exc:
        campaign(kaiyun_staff, kaiyun, end_on=localdate() + timedelta(days=400))
    assert exc.value.message == "排查活动期限至多一年"
    with pytest.raises(PermissionDenied):  # a village cadre cannot campaign over the township
        campaign(persona("九龙村村干部"), kaiyun)
    with pytest.raises(PermissionDenied):  # the work team has no monitoring.campaign
        campaign(persona("九龙村工作队员"), regions["430423100224"])
    assert Campaign.objects.count() == 0
    assert not business_events().filter(action="monitoring.campaign_create").exists()


def test_visit_bad_input_changes_nothing(
    fixture_8: dict[str, list[Household]], kaiyun_staff: User, cadre: User, jiulong: Region,
    persona: Callable[[str], User],
) -> None:  # fmt: skip
    c = campaign(cadre, jiulong)
    h = fixture_8["jiulong"][0]
    missing = {k: True for k in SECURITY_KEYS if k != "water"}
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"checks": missing}, "checks_missing", "请填写核查项目：饮水安全有保障"),
        ({"checks": {**ALL_SECURE, "car": True}}, "checks_unknown", "核查项目car无效"),
        ({"checks": {**ALL_SECURE, "food": "yes"}}, "checks_invalid", "应为是或否"),
        (
            {"visited_on": localdate() - timedelta(days=8)},
            "visited_on_range",
            "走访日期应在排查期间",
        ),
        (
            {"visited_on": localdate() + timedelta(days=1)},
            "visited_on_future",
            "不能晚于今天",
        ),
        ({"income_estimate_fen": -1}, "income_estimate", "不小于0"),
        ({"risk_types": ["unknown"]}, "risk_types", "风险类型unknown无效"),
        ({"household": fixture_8["dissolved"][0]}, "visit_household", "已注销"),
    ]
    for kw, code, message in cases:
        with pytest.raises(ApplicationError) as exc:
            visit(cadre, c, h, **kw)
        assert exc.value.code == code and message in exc.value.message, kw
    # a household of 八里村 is outside a 九龙村 campaign
    with pytest.raises(ApplicationError) as exc:
        visit(persona("八里村村干部"), c, fixture_8["bali"][0])
    assert exc.value.code == "visit_region" and exc.value.message == "该户不在本次排查范围内"
    # the supervisor may not visit
    with pytest.raises(PermissionDenied):
        visit(persona("九龙村监委会委员"), c, h)
    assert Visit.objects.count() == 0
    assert not business_events().filter(action="monitoring.visit_record").exists()


def test_second_visit_refused_with_clear_message(
    fixture_8: dict[str, list[Household]], cadre: User, jiulong: Region,
    persona: Callable[[str], User],
) -> None:  # fmt: skip
    c = campaign(cadre, jiulong)
    h = fixture_8["jiulong"][0]
    first = visit(cadre, c, h, risk_types=[RiskType.ILLNESS, RiskType.ILLNESS])
    assert first.risk_types == ["illness"] and first.income_estimate_fen == 1_200_000
    with pytest.raises(ApplicationError) as exc:
        visit(persona("九龙村工作队员"), c, h, note="再来一次")
    assert exc.value.code == "visit_duplicate"
    assert "该户在本次排查中已走访" in exc.value.message and "不能重复登记" in exc.value.message
    assert Visit.objects.count() == 1
    # another campaign may visit it again
    other = campaign(cadre, jiulong, title="第二轮")
    visit(cadre, other, h)
    assert Visit.objects.count() == 2


def test_closed_campaign_takes_no_visits(
    fixture_8: dict[str, list[Household]], cadre: User, jiulong: Region
) -> None:
    c = campaign(cadre, jiulong)
    svc.campaign_close(actor=cadre, campaign=c)
    with pytest.raises(ApplicationError) as exc:
        svc.campaign_close(actor=cadre, campaign=c)
    assert exc.value.message == "该排查活动已结束"
    with pytest.raises(ApplicationError):
        visit(cadre, c, fixture_8["jiulong"][0])
    assert Visit.objects.count() == 0
    assert business_events().filter(action="monitoring.campaign_close").count() == 1


def test_assignments_and_my_households(
    fixture_8: dict[str, list[Household]], kaiyun_staff: User, kaiyun: Region, cadre: User,
    jiulong: Region, persona: Callable[[str], User], bali: Region,
) -> None:  # fmt: skip
    team = persona("九龙村工作队员")
    group = VillageGroup.objects.create(village=jiulong, name="一组", number=1)
    j = fixture_8["jiulong"]
    Household.objects.filter(pk__in=[j[0].pk, j[1].pk]).update(group=group)
    c = campaign(kaiyun_staff, kaiyun)
    svc.assignment_set(actor=kaiyun_staff, campaign=c, village=jiulong, group=group, cadre=team)
    svc.assignment_set(actor=cadre, campaign=c, village=jiulong, cadre=cadre)
    assert [h.number for h in sel.my_households(actor=team, campaign=c)] == ["0001", "0002"]
    assert len(sel.my_households(actor=cadre, campaign=c)) == 5
    visit(team, c, j[0])
    assert [h.number for h in sel.my_households(actor=team, campaign=c)] == ["0002"]
    assert len(sel.my_households(actor=team, campaign=c, include_visited=True)) == 2
    assert [h.number for h in sel.my_households(actor=cadre, campaign=c, q="户主3")] == ["0003"]
    # reassigning the group changes hands (one row)
    svc.assignment_set(actor=cadre, campaign=c, village=jiulong, group=group, cadre=cadre)
    assert Assignment.objects.filter(campaign=c, group=group).get().cadre == cadre
    assert list(sel.my_households(actor=team, campaign=c)) == []
    # refusals
    with pytest.raises(ApplicationError) as exc:  # the supervisor cannot visit
        svc.assignment_set(actor=cadre, campaign=c, village=jiulong,
                           cadre=persona("九龙村监委会委员"))  # fmt: skip
    assert exc.value.code == "assignment_cadre" and "入户走访的权限" in exc.value.message
    with pytest.raises(ApplicationError):  # a 九龙村 cadre cannot visit in 八里村
        svc.assignment_set(actor=kaiyun_staff, campaign=c, village=bali, cadre=cadre)
    other_group = VillageGroup.objects.create(village=bali, name="一组", number=1)
    with pytest.raises(ApplicationError) as exc:
        svc.assignment_set(actor=kaiyun_staff, campaign=c, village=jiulong, group=other_group,
                           cadre=cadre)  # fmt: skip
    assert exc.value.message == "村民小组不属于该村"
    village_campaign = campaign(cadre, jiulong, title="九龙村")
    with pytest.raises(ApplicationError) as exc:
        svc.assignment_set(actor=kaiyun_staff, campaign=village_campaign, village=bali,
                           cadre=persona("八里村村干部"))  # fmt: skip
    assert exc.value.message == "该村不在本次排查范围内"
    assert Assignment.objects.count() == 2


def test_findings_listed(
    fixture_8: dict[str, list[Household]], cadre: User, jiulong: Region
) -> None:
    c = campaign(cadre, jiulong)
    j = fixture_8["jiulong"]
    visit(cadre, c, j[0])
    risk = visit(cadre, c, j[1], risk_types=[RiskType.DISASTER])
    unmet = visit(cadre, c, j[2], checks={**ALL_SECURE, "water": False})
    found = list(sel.visit_list(actor=cadre, campaign=c, findings=True))
    assert [v.pk for v in found] == [risk.pk, unmet.pk]
    assert [sel.is_finding(v) for v in sel.visit_list(actor=cadre, campaign=c)] == [
        False, True, True,
    ]  # fmt: skip
    assert not unmet.secured
