"""Measures over the API: list, add, detail, end, follow-ups, gaps and overdue follow-ups;
bad input is a 4xx with a Chinese message and nothing changed; scope (outsider 404, wrong role
403); query counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils.timezone import localdate

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.monitoring.models import FollowUp, Measure, MonitoredHousehold
from cunwu.monitoring.tests.conftest import enter
from cunwu.monitoring.tests.test_measures_services import add, households

BASE = "/monitoring/measures"


def body(monitored: MonitoredHousehold, **kw: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "monitored": monitored.pk, "measure_type": "medical", "description": "大病医疗救助",
        "start_on": localdate().isoformat(), "amount": "3000", "department": "县医保局",
    }  # fmt: skip
    data.update(kw)
    return data


def test_add_detail_end_follow_up(
    api_as: Callable[[str], Any], monitored: MonitoredHousehold
) -> None:
    api = api_as("九龙村村干部")
    r = api.post(BASE, body(monitored))
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["amount_fen"] == 300_000 and out["active"] and out["head_name"] == "张三"
    assert out["measure_type_label"] == "医疗保险和医疗救助" and out["follow_ups"] == []
    pk = out["id"]
    r = api.post(
        f"{BASE}/{pk}/follow-ups",
        {"visited_on": localdate().isoformat(), "in_place": True},
    )
    assert r.status_code == 201 and r.json()["in_place"] is True
    assert len(api.get(f"{BASE}/{pk}/follow-ups").json()) == 1
    assert api.get(f"{BASE}/{pk}").json()["last_follow_up"] == localdate().isoformat()
    r = api.post(f"{BASE}/{pk}/end", {"end_on": localdate().isoformat(), "note": "已报销"})
    assert r.status_code == 200 and r.json()["end_on"] == localdate().isoformat()
    r = api.post(f"{BASE}/{pk}/end", {"end_on": localdate().isoformat(), "note": "再次"})
    assert r.status_code == 400 and r.json()["code"] == "measure_ended"
    listed = api.get(BASE, monitored=monitored.pk).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == pk


def test_bad_input_is_4xx_and_changes_nothing(
    api_as: Callable[[str], Any], monitored: MonitoredHousehold
) -> None:
    today = localdate()
    api = api_as("九龙村村干部")
    cases = [
        (body(monitored, end_on=str(today - timedelta(days=1))), 400, "结束日期不能早于开始日期"),
        (body(monitored, amount="-1"), 400, "金额不能为负数"),
        (body(monitored, amount="1.234"), 400, None),
        (body(monitored, measure_type="bogus"), 422, None),
        (body(monitored, start_on="2026/01/01"), 422, None),
        (body(monitored, description="\x00"), 422, None),
        ({**body(monitored), "monitored": 10**15}, 404, None),
    ]  # fmt: skip
    for data, status, message in cases:
        r = api.post(BASE, data)
        assert r.status_code == status, (data, r.content)
        if message:
            assert message in r.json()["message"]
    assert Measure.objects.count() == 0
    assert api.get(f"{BASE}/999999").status_code == 404
    assert api.get(BASE, status="bogus").status_code == 422


def test_scope(api_as: Callable[[str], Any], cadre: User, monitored: MonitoredHousehold) -> None:
    m = add(cadre, monitored)
    outsider = api_as("另一村的村干部")
    assert outsider.get(f"{BASE}/{m.pk}").status_code == 404
    assert outsider.post(BASE, body(monitored)).status_code == 404
    assert outsider.post(f"{BASE}/{m.pk}/end", {"end_on": localdate().isoformat(), "note": "x"}
                         ).status_code == 404  # fmt: skip
    assert outsider.get(BASE).json()["count"] == 0
    assert outsider.get(f"{BASE}/gaps").json()["total"]["at_risk"] == 0
    supervisor = api_as("九龙村监委会委员")
    assert supervisor.get(f"{BASE}/{m.pk}").status_code == 200
    r = supervisor.post(BASE, body(monitored))
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    follow = {"visited_on": localdate().isoformat(), "in_place": True}
    assert supervisor.post(f"{BASE}/{m.pk}/follow-ups", follow).status_code == 403
    assert Measure.objects.count() == 1 and not FollowUp.objects.exists()


def test_gaps_and_overdue(
    api_as: Callable[[str], Any], cadre: User, jiulong: Region, persona: Callable[[str], User],
    django_assert_max_num_queries: Any,
) -> None:  # fmt: skip
    bali = Region.objects.get(code="430423100227")
    hs = [enter(h) for h in households(cadre, jiulong, 1, 3)]
    enter(households(persona("八里村村干部"), bali, 101, 1)[0])
    add(cadre, hs[0], start_on=localdate() - timedelta(days=120))
    api = api_as("开云镇干部")
    with django_assert_max_num_queries(12):
        out = api.get(f"{BASE}/gaps").json()
    assert out["count"] == 3 and [i["household_number"] for i in out["items"]] == [
        "0002", "0003", "0101",
    ]  # fmt: skip
    assert [(v["name"], v["at_risk"], v["without"]) for v in out["villages"]] == [
        ("九龙村委会", 3, 2), ("八里村委会", 1, 1),
    ]  # fmt: skip
    assert out["townships"] == [{"code": "430423100000", "name": "开云镇", "at_risk": 4,
                                 "without": 3, "percent": 25}]  # fmt: skip
    assert api.get(f"{BASE}/gaps", region="430423100227").json()["count"] == 1
    overdue = api.get(f"{BASE}/overdue").json()
    assert overdue["count"] == 1 and overdue["items"][0]["household_number"] == "0001"
    assert api.get(f"{BASE}/gaps", on="junk").status_code == 422
    with django_assert_max_num_queries(10):
        assert api.get(BASE).json()["count"] == 1


def _count(api: Any, path: str, **params: Any) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert api.get(path, **params).status_code == 200
    return len(captured)


def test_lists_cost_the_same_for_more_rows(
    api_as: Callable[[str], Any], cadre: User, jiulong: Region
) -> None:
    from cunwu.monitoring.tests.test_campaigns_services import campaign, visit

    api = api_as("九龙村村干部")
    hs = households(cadre, jiulong, 1, 16)
    monitored = [enter(h) for h in hs]
    c = campaign(cadre, jiulong)
    for m in monitored[:3]:
        add(cadre, m, start_on=localdate() - timedelta(days=100))
    for h in hs[:3]:
        visit(cadre, c, h)
    api.get(BASE)  # the token's first use writes once
    few = [_count(api, BASE), _count(api, f"{BASE}/gaps"), _count(api, f"{BASE}/overdue"),
           _count(api, f"/monitoring/campaigns/{c.pk}/visits")]  # fmt: skip
    for m in monitored[3:]:
        add(cadre, m, start_on=localdate() - timedelta(days=100))
    for h in hs[3:]:
        visit(cadre, c, h)
    many = [_count(api, BASE), _count(api, f"{BASE}/gaps"), _count(api, f"{BASE}/overdue"),
            _count(api, f"/monitoring/campaigns/{c.pk}/visits")]  # fmt: skip
    assert few == many
