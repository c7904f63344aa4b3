"""Campaigns over the API: list, create, detail with coverage, close, assignments, visits
(list, record), my households; bad input is a 4xx with a Chinese message and nothing changed;
scope (outsider 404, wrong role 403); query counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils.timezone import localdate

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.monitoring.models import SECURITY_KEYS, Assignment, Campaign, Visit
from cunwu.monitoring.tests.test_campaigns_services import campaign, visit
from cunwu.monitoring.tests.test_measures_services import households

BASE = "/monitoring/campaigns"
SECURE = dict.fromkeys(SECURITY_KEYS, True)


def test_full_cycle(
    api_as: Callable[[str], Any], cadre: User, jiulong: Region, persona: Callable[[str], User],
    django_assert_max_num_queries: Any,
) -> None:  # fmt: skip
    today = localdate()
    hs = households(cadre, jiulong, 1, 5)
    town = api_as("开云镇干部")
    r = town.post(BASE, {"region": "430423100000", "kind": "full", "title": "全覆盖排查",
                         "start_on": today.isoformat(),
                         "end_on": (today + timedelta(days=10)).isoformat()})  # fmt: skip
    assert r.status_code == 201, r.content
    c = r.json()
    assert c["kind_label"] == "入户调查全覆盖" and c["coverage"]["total"]["total"] == 5
    pk = c["id"]
    team = persona("九龙村工作队员")
    r = town.post(f"{BASE}/{pk}/assignments", {"village": jiulong.code, "cadre": team.pk})
    assert r.status_code == 200 and r.json()["group_name"] == "全村"
    assert len(town.get(f"{BASE}/{pk}/assignments").json()) == 1
    api = api_as("九龙村工作队员")
    assert api.get(f"{BASE}/{pk}/my-households").json()["count"] == 5
    r = api.post(f"{BASE}/{pk}/visits", {
        "household": hs[0].pk, "visited_on": today.isoformat(),
        "checks": {**SECURE, "housing": False}, "income_estimate": "6500",
        "risk_types": ["housing"], "note": "房屋漏雨",
    })  # fmt: skip
    assert r.status_code == 201, r.content
    v = r.json()
    assert v["finding"] and not v["secured"] and v["income_estimate_fen"] == 650_000
    assert v["case"] is None and v["head_name"] == "户主1"
    r = api.post(f"{BASE}/{pk}/visits", {"household": hs[0].pk, "visited_on": today.isoformat(),
                                         "checks": SECURE})  # fmt: skip
    assert r.status_code == 400 and r.json()["code"] == "visit_duplicate"
    assert api.get(f"{BASE}/{pk}/my-households").json()["count"] == 4
    with django_assert_max_num_queries(10):
        detail = town.get(f"{BASE}/{pk}").json()
    assert detail["coverage"]["villages"] == [
        {"code": "430423100224", "name": "九龙村委会", "visited": 1, "total": 5, "percent": 20}
    ]
    assert detail["coverage"]["townships"][0]["percent"] == 20
    with django_assert_max_num_queries(10):
        visits = town.get(f"{BASE}/{pk}/visits", findings=True).json()
    assert visits["count"] == 1 and visits["items"][0]["risk_types"] == ["housing"]
    with django_assert_max_num_queries(10):
        assert town.get(BASE).json()["count"] == 1
    r = town.post(f"{BASE}/{pk}/close")
    assert r.status_code == 200 and r.json()["closed_at"] is not None
    r = api.post(f"{BASE}/{pk}/visits", {"household": hs[1].pk, "visited_on": today.isoformat(),
                                         "checks": SECURE})  # fmt: skip
    assert r.status_code == 400 and r.json()["message"] == "该排查活动已结束"


def test_bad_input_is_4xx_and_changes_nothing(
    api_as: Callable[[str], Any], cadre: User, jiulong: Region, persona: Callable[[str], User]
) -> None:
    today = localdate()
    h = households(cadre, jiulong, 1, 1)[0]
    bali_h = households(persona("八里村村干部"), Region.objects.get(code="430423100227"), 101, 1)[0]
    c = campaign(persona("开云镇干部"), Region.objects.get(code="430423100000"))
    api = api_as("九龙村村干部")
    url = f"{BASE}/{c.pk}/visits"
    ok = {"household": h.pk, "visited_on": today.isoformat(), "checks": SECURE}
    missing = {k: True for k in SECURITY_KEYS if k != "food"}
    cases = [
        ({**ok, "checks": missing}, 400, "请填写核查项目：不愁吃"),
        ({**ok, "checks": {**SECURE, "x": True}}, 400, "核查项目x无效"),
        ({**ok, "checks": {**SECURE, "food": "maybe"}}, 422, None),
        ({**ok, "risk_types": ["bogus"]}, 422, None),
        ({**ok, "income_estimate": "-1"}, 400, "不小于0"),
        ({**ok, "income_estimate": "abc"}, 400, None),
        (
            {**ok, "visited_on": (today - timedelta(days=30)).isoformat()},
            400,
            "排查期间",
        ),
        ({**ok, "household": bali_h.pk}, 404, None),  # 八里村 is outside the 九龙村 cadre's scope
        ({**ok, "household": 10**15}, 404, None),
        ({**ok, "checks": []}, 422, None),
    ]
    for data, status, message in cases:
        r = api.post(url, data)
        assert r.status_code == status, (data, r.content)
        if message:
            assert message in r.json()["message"]
    assert Visit.objects.count() == 0
    town = api_as("开云镇干部")
    bad = [
        ({"region": "430423100000", "kind": "review", "title": "x", "start_on": "2026-13-01",
          "end_on": "2026-12-01"}, 422),
        ({"region": "4304", "kind": "review", "title": "x", "start_on": today.isoformat(),
          "end_on": today.isoformat()}, 422),
        ({"region": "430422200215", "kind": "review", "title": "x", "start_on": today.isoformat(),
          "end_on": today.isoformat()}, 404),
        ({"region": "430423100000", "kind": "review", "title": "x",
          "start_on": today.isoformat(), "end_on": (today - timedelta(days=1)).isoformat()}, 400),
    ]  # fmt: skip
    for data, status in bad:
        assert town.post(BASE, data).status_code == status, data
    assert Campaign.objects.count() == 1
    r = town.post(f"{BASE}/{c.pk}/assignments", {"village": jiulong.code, "cadre": 10**12})
    assert r.status_code == 400 and r.json()["message"] == "排查人不存在"
    r = town.post(f"{BASE}/{c.pk}/assignments",
                  {"village": jiulong.code, "cadre": persona("九龙村监委会委员").pk})  # fmt: skip
    assert r.status_code == 400 and "入户走访的权限" in r.json()["message"]
    assert not Assignment.objects.exists()


def test_scope(
    api_as: Callable[[str], Any], cadre: User, jiulong: Region, persona: Callable[[str], User]
) -> None:
    h = households(cadre, jiulong, 1, 1)[0]
    c = campaign(cadre, jiulong)
    visit(cadre, c, h)
    outsider = api_as("另一村的村干部")
    for path in (f"{BASE}/{c.pk}", f"{BASE}/{c.pk}/visits", f"{BASE}/{c.pk}/assignments",
                 f"{BASE}/{c.pk}/my-households"):  # fmt: skip
        assert outsider.get(path).status_code == 404, path
    assert outsider.post(f"{BASE}/{c.pk}/close").status_code == 404
    assert outsider.get(BASE).json()["count"] == 0
    supervisor = api_as("九龙村监委会委员")
    assert supervisor.get(f"{BASE}/{c.pk}").status_code == 200
    assert supervisor.post(f"{BASE}/{c.pk}/close").status_code == 403
    day = localdate().isoformat()
    data = {"region": jiulong.code, "kind": "review", "title": "x", "start_on": day, "end_on": day}
    r = supervisor.post(BASE, data)
    assert r.status_code == 403
    team = api_as("九龙村工作队员")  # may visit, may not create or close
    assert team.post(f"{BASE}/{c.pk}/close").status_code == 403
    assert Campaign.objects.filter(closed_at=None).count() == 1
