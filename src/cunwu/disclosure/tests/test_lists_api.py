"""The four lists, cases and 四议两公开 over the API: scoped like the pages, errors as JSON with
nothing changed, the public case tracking without a token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from cunwu.api.tests.conftest import ApiClient
from cunwu.core.models import Region
from cunwu.disclosure.models import Case, Decision, ListItem
from cunwu.testing import BALI, HENGSHAN, JIULONG, business_events

Api = Callable[[str], ApiClient]


@pytest.fixture
def seeded(regions: dict[str, Region]) -> Region:
    call_command("lists", "seed", "--county", HENGSHAN)
    return regions[HENGSHAN]


def _template(name: str = "证明开具") -> ListItem:
    return ListItem.objects.get(region_id=HENGSHAN, name=name, active=True)


def _adopt(api: ApiClient, region: str = JIULONG, name: str = "证明开具") -> dict[str, Any]:
    response = api.post(f"/list-items/{_template(name).pk}/adoptions", {"region": region})
    assert response.status_code == 201, response.content
    body: dict[str, Any] = response.json()
    return body


def test_list_items_are_scoped_and_searchable(
    seeded: Region, api_as: Api, django_assert_max_num_queries: Any
) -> None:
    api = api_as("九龙村村干部")
    with django_assert_max_num_queries(8):
        body = api.get("/list-items", kind="power", page_size=200).json()
    names = {i["name"] for i in body["items"]}
    assert "村级工程项目建设" in names and "证明开具" not in names
    assert body["count"] == len(body["items"]) >= 4
    assert api.get("/list-items", q="宅基地").json()["count"] == 1
    detail = api.get(f"/list-items/{_template().pk}").json()
    assert detail["steps"][0] == {
        "name": "受理、核实", "actor": "村民委员会", "limit_days": 1, "disclose": "",
    }  # fmt: skip
    assert api_as("另一村的村干部").get(f"/list-items/{_template().pk}").status_code == 404
    assert api_as("另一村的村干部").get("/list-items").json()["count"] == 0
    assert api_as("九龙村村民").get("/list-items").status_code == 403


def test_adopt_and_revise_keep_the_old_version(seeded: Region, api_as: Api) -> None:
    api = api_as("九龙村村干部")
    copy = _adopt(api)
    assert (copy["region"], copy["version"], copy["based_on"]) == (JIULONG, 1, _template().pk)
    again = api.post(f"/list-items/{_template().pk}/adoptions", {"region": JIULONG})
    assert (again.status_code, again.json()["code"]) == (409, "list_adopted")
    steps = [{"name": "受理", "actor": "村委会", "limit_days": 1},
             {"name": "开具", "actor": "村委会", "limit_days": 1, "disclose": ""}]  # fmt: skip
    revised = api.post(f"/list-items/{copy['id']}/revisions", {
        "name": "证明开具", "responsible": "村委会", "steps": steps, "note": "简化",
    })  # fmt: skip
    assert revised.status_code == 201, revised.content
    new = revised.json()
    assert (new["version"], new["key"], len(new["steps"])) == (2, copy["key"], 2)
    old = api.get(f"/list-items/{copy['id']}").json()
    assert (old["active"], len(old["steps"])) == (False, 2)
    history = api.get("/list-items", region=JIULONG, history=True).json()
    assert [i["version"] for i in history["items"]] == [2, 1]
    bali = api_as("八里村村干部")  # its token is an audit event of its own
    before = (ListItem.objects.count(), business_events().count())
    bad = api.post(f"/list-items/{new['id']}/revisions", {
        "name": "证明开具", "responsible": "村委会", "steps": [], "note": "清空",
    })  # fmt: skip
    assert (bad.status_code, bad.json()["code"]) == (400, "steps_required")
    too_long = api.post(f"/list-items/{new['id']}/revisions", {
        "name": "证明开具", "responsible": "村委会", "note": "x",
        "steps": [{"name": "a", "actor": "b", "limit_days": 61}],
    })  # fmt: skip
    assert too_long.status_code == 422
    other = bali.post(f"/list-items/{new['id']}/revisions", {
        "name": "x", "responsible": "y", "steps": steps, "note": "z",
    })  # fmt: skip
    assert other.status_code == 404
    assert (ListItem.objects.count(), business_events().count()) == before


def test_cases_over_the_api_and_the_public_tracking(
    seeded: Region, api_as: Api, django_assert_max_num_queries: Any
) -> None:
    api = api_as("九龙村村干部")
    item = _adopt(api)
    created = api.post("/cases", {"item": item["id"], "applicant_name": "周德福",
                                  "summary": "开具居住证明", "household_id": 3})  # fmt: skip
    assert created.status_code == 201, created.content
    case = created.json()
    assert (case["status"], case["step_order"], case["item_version"]) == ("open", 1, 1)
    assert [e["kind"] for e in case["events"]] == ["open"]
    advanced = api.post(f"/cases/{case['id']}/advance", {"step": 1, "note": "已核实"}).json()
    assert advanced["step_order"] == 2
    twice = api.post(f"/cases/{case['id']}/advance", {"step": 1})
    assert (twice.status_code, twice.json()["code"]) == (409, "case_step_moved")
    returned = api.post(f"/cases/{case['id']}/return", {"step": 2, "note": "缺户口簿"}).json()
    assert returned["step_order"] == 1
    with django_assert_max_num_queries(8):
        listed = api.get("/cases", q="周德福").json()
    assert [c["code"] for c in listed["items"]] == [case["code"]]
    assert api_as("八里村村干部").get(f"/cases/{case['id']}").status_code == 404
    assert api_as("八里村村干部").get("/cases").json()["count"] == 0
    assert api_as("九龙村村民").get("/cases").status_code == 403
    refused = api_as("九龙村监委会委员").post(f"/cases/{case['id']}/advance", {"step": 1})
    assert refused.status_code == 403
    assert api_as("开云镇干部").get(f"/cases/{case['id']}").status_code == 200

    public = Client()
    tracked = public.get(f"/api/v1/public/cases/{case['code'].lower()}")
    assert tracked.status_code == 200
    body = tracked.json()
    assert body["item_name"] == "证明开具" and body["step_order"] == 1
    assert [e["kind"] for e in body["events"]] == ["open", "done", "return"]
    assert body["events"][2]["note"] == "缺户口簿" and body["events"][1]["note"] == ""
    assert "周德福" not in tracked.content.decode()
    assert public.get("/api/v1/public/cases/NOSUCHCODE").status_code == 404


def test_a_case_cannot_be_opened_on_a_template_or_elsewhere(seeded: Region, api_as: Api) -> None:
    api = api_as("九龙村村干部")
    on_template = api.post("/cases", {"item": _template().pk, "applicant_name": "甲"})
    assert on_template.status_code == 403  # the county's item: not the cadre's to handle
    bali = _adopt(api_as("八里村村干部"), BALI)
    assert api.post("/cases", {"item": bali["id"], "applicant_name": "甲"}).status_code == 404
    assert Case.objects.count() == 0


def test_decisions_over_the_api(jiulong: Region, api_as: Api) -> None:
    api = api_as("九龙村村干部")
    today = timezone.localdate().isoformat()
    created = api.post("/decisions", {
        "village": JIULONG, "title": "修建村道", "description": "硬化村道2公里",
        "proposed_on": today,
    })  # fmt: skip
    assert created.status_code == 201, created.content
    decision = created.json()
    assert (decision["stage"], decision["records"][0]["stage"]) == (2, 1)
    url = f"/decisions/{decision['id']}/meetings"
    first = api.post(url, {"body": "two_committees", "held_on": today, "eligible": 9,
                           "present": 8, "votes_for": 7})  # fmt: skip
    assert first.json()["passed"] is True
    failed = api.post(url, {"body": "party_members", "held_on": today, "eligible": 30,
                            "present": 20, "votes_for": 10})  # fmt: skip
    assert failed.status_code == 201
    assert (failed.json()["passed"], failed.json()["failure"]) == (
        False, "赞成10票，未达到到会20人的过半数（至少11票），未通过",
    )  # fmt: skip
    assert api.get(f"/decisions/{decision['id']}").json()["stage"] == 3
    bad = api.post(url, {"body": "party_members", "held_on": today, "eligible": 30,
                         "present": 31, "votes_for": 20})  # fmt: skip
    assert (bad.status_code, bad.json()["code"]) == (400, "meeting_present")
    early = api.post(f"/decisions/{decision['id']}/notices", {"text": "决议"})
    assert (early.status_code, early.json()["code"]) == (409, "decision_stage")
    api.post(url, {"body": "party_members", "held_on": today, "eligible": 30, "present": 20,
                   "votes_for": 11})  # fmt: skip
    api.post(url, {"body": "villagers", "held_on": today, "eligible": 1000, "present": 300,
                   "households": 300, "households_present": 200, "votes_for": 151})  # fmt: skip
    published = api.post(f"/decisions/{decision['id']}/notices", {"text": "同意修建"})
    assert published.status_code == 201, published.content
    assert published.json()["status"] == "notice"
    assert published.json()["records"][-1]["notice"] is not None
    assert api.get("/decisions", q="村道").json()["count"] == 1
    assert api_as("八里村村干部").get(f"/decisions/{decision['id']}").status_code == 404
    assert api_as("开云镇干部").post("/decisions", {
        "village": JIULONG, "title": "x", "description": "y", "proposed_on": today,
    }).status_code == 403  # fmt: skip
    assert Decision.objects.count() == 1


def test_comment_stop_and_retire_over_the_api(seeded: Region, api_as: Api) -> None:
    api = api_as("九龙村村干部")
    item = _adopt(api)
    case = api.post("/cases", {"item": item["id"], "applicant_name": "周德福"}).json()
    commented = api.post(f"/cases/{case['id']}/comment", {"note": "已电话通知补交材料"})
    assert commented.status_code == 200
    assert [e["kind"] for e in commented.json()["events"]] == ["open", "comment"]
    empty = api.post(f"/cases/{case['id']}/stop", {"reason": " "})
    assert empty.status_code == 400
    stopped = api.post(f"/cases/{case['id']}/stop", {"reason": "申请人撤回申请"})
    assert stopped.json()["status"] == "stopped"
    assert (
        api_as("九龙村村民").post(f"/list-items/{item['id']}/retire", {"reason": "x"}).status_code
        == 403
    )
    retired = api.post(f"/list-items/{item['id']}/retire", {"reason": "已并入其他事项"})
    assert retired.status_code == 200
    assert retired.json()["active"] is False
    again = api.post(f"/list-items/{item['id']}/retire", {"reason": "再次"})
    assert again.status_code == 409
    refused = api.post("/cases", {"item": item["id"], "applicant_name": "李四"})
    assert refused.status_code in {400, 409}
    assert Case.objects.count() == 1
