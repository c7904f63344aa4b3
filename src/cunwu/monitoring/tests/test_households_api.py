"""The API of monitored households and 脱贫户: scope (404 outside, 403 for a reader), masked
members, errors as 4xx JSON with nothing changed, query counts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils.timezone import localdate

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.monitoring.models import MonitoredHousehold, PovertyExit, RiskFactor
from cunwu.monitoring.tests.test_households_views import _many
from cunwu.registry.models import Household
from cunwu.testing import make_id_number

pytestmark = pytest.mark.django_db


def test_list_and_detail(api_as: Any, monitored: MonitoredHousehold) -> None:
    api = api_as("九龙村村干部")
    body = api.get("/monitoring/households").json()
    assert body["count"] == 1
    item = body["items"][0]
    assert (item["number"], item["head_name"], item["category"]) == ("0001", "张三", "sudden")
    assert item["open_risks"] == ["illness"] and item["has_measure"] is False
    assert api.get("/monitoring/households", q="张小明").json()["count"] == 1
    assert api.get("/monitoring/households", state="eliminated").json()["count"] == 0
    assert api.get("/monitoring/households", no_measure="true").json()["count"] == 1
    detail = api.get(f"/monitoring/households/{monitored.pk}").json()
    full = make_id_number(1, birth="19700101")
    assert [m["name"] for m in detail["members"]] == ["张三", "李四", "张小明"]
    assert detail["members"][0]["id_masked"] == f"{full[:6]}********{full[-4:]}"
    assert full not in str(detail)
    assert [h["state"] for h in detail["history"]] == ["at_risk"]
    assert detail["risks"][0]["risk_label"] == "因病"


def test_scope_and_roles(api_as: Any, monitored: MonitoredHousehold) -> None:
    outsider = api_as("另一村的村干部")
    assert outsider.get("/monitoring/households").json()["count"] == 0
    assert outsider.get(f"/monitoring/households/{monitored.pk}").status_code == 404
    r = outsider.post(f"/monitoring/households/{monitored.pk}/risks",
                      {"risk_type": "water", "on": localdate().isoformat()})  # fmt: skip
    assert r.status_code == 404
    risk = monitored.risks.get()
    r = outsider.post(
        f"/monitoring/risks/{risk.pk}/resolve",
        {"on": localdate().isoformat(), "note": "x"},
    )
    assert r.status_code == 404
    supervisor = api_as("九龙村监委会委员")
    assert supervisor.get(f"/monitoring/households/{monitored.pk}").status_code == 200
    r = supervisor.post(f"/monitoring/households/{monitored.pk}/plan", {"plan": "x"})
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert MonitoredHousehold.objects.get(pk=monitored.pk).plan == ""
    assert api_as("九龙村村民").get("/monitoring/households").json()["count"] == 0


def test_risks_cadre_plan(
    api_as: Any, monitored: MonitoredHousehold, cadre: User, persona: Callable[[str], User]
) -> None:
    api = api_as("九龙村工作队员")
    url = f"/monitoring/households/{monitored.pk}"
    r = api.post(f"{url}/risks", {"risk_type": "illness", "on": localdate().isoformat()})
    assert r.status_code == 400 and r.json()["code"] == "risk_open"
    assert r.json()["field"] == "risk_type"
    r = api.post(f"{url}/risks", {"risk_type": "ghost", "on": localdate().isoformat()})
    assert r.status_code == 422
    r = api.post(f"{url}/risks", {"risk_type": "water", "on": "2026/01/01"})
    assert r.status_code == 422
    r = api.post(
        f"{url}/risks",
        {"risk_type": "water", "note": "井水不达标", "on": localdate().isoformat()},
    )
    assert r.status_code == 201 and r.json()["risk_label"] == "饮水安全"
    risk_id = r.json()["id"]
    r = api.post(
        f"/monitoring/risks/{risk_id}/resolve",
        {"on": localdate().isoformat(), "note": "接通自来水"},
    )
    assert r.status_code == 200 and r.json()["resolved_on"] == localdate().isoformat()
    r = api.post(
        f"/monitoring/risks/{risk_id}/resolve",
        {"on": localdate().isoformat(), "note": "again"},
    )
    assert r.status_code == 400 and r.json()["code"] == "risk_resolved"
    other = persona("另一村的村干部")  # a cadre, but not of this village
    r = api.post(f"{url}/cadre", {"cadre": other.pk})
    assert r.status_code == 400 and r.json()["code"] == "cadre_outside"
    r = api.post(f"{url}/cadre", {"cadre": 999_999})
    assert r.status_code == 400 and r.json()["code"] == "cadre_unknown"
    r = api.post(f"{url}/cadre", {"name": "刘帮扶", "phone": "13812345678"})
    assert r.status_code == 200
    assert (r.json()["cadre_name"], r.json()["cadre_phone"]) == ("刘帮扶", "138****5678")
    r = api.post(f"{url}/cadre", {"cadre": cadre.pk})
    assert r.json()["cadre"] == cadre.pk and r.json()["cadre_phone"] == ""
    r = api.post(f"{url}/plan", {"plan": "发展养殖", "no_labour": False})
    assert r.status_code == 200 and r.json()["plan"] == "发展养殖"
    assert RiskFactor.objects.filter(monitored=monitored).count() == 2


def test_exits(api_as: Any, household: Household) -> None:
    api = api_as("九龙村村干部")
    body = {"village": household.village_id, "number": "0001", "exit_year": 2016,
            "policies": ["兜底保障"]}  # fmt: skip
    r = api.post("/monitoring/exits", body)
    assert r.status_code == 200, r.content
    assert (r.json()["exit_year"], r.json()["policies"]) == (2016, ["兜底保障"])
    assert r.json()["monitored"] is False
    r = api.post("/monitoring/exits", {**body, "exit_year": 2012})
    assert r.status_code == 400 and r.json()["field"] == "exit_year"
    r = api.post("/monitoring/exits", {**body, "policies": ["发钱"]})
    assert r.status_code == 400 and r.json()["code"] == "policy_invalid"
    assert api.post("/monitoring/exits", {**body, "number": "404"}).status_code == 404
    assert PovertyExit.objects.get().exit_year == 2016
    assert api.get("/monitoring/exits", year=2016).json()["count"] == 1
    assert api.get("/monitoring/exits", policy="兜底保障").json()["count"] == 1
    assert api.get("/monitoring/exits", monitored="true").json()["count"] == 0
    outsider = api_as("另一村的村干部")
    assert outsider.get("/monitoring/exits").json()["count"] == 0
    assert outsider.post("/monitoring/exits", body).status_code == 404
    supervisor = api_as("九龙村监委会委员")
    assert supervisor.post("/monitoring/exits", body).status_code == 403


@pytest.mark.parametrize("rows", [3, 25])
def test_api_list_query_count(
    api_as: Any, cadre: User, jiulong: Region, rows: int, django_assert_max_num_queries: Any
) -> None:
    _many(cadre, jiulong, rows)
    api = api_as("九龙村村干部")
    api.get("/monitoring/households")
    with django_assert_max_num_queries(8):
        body = api.get("/monitoring/households", page_size=50).json()
    assert body["count"] == rows
