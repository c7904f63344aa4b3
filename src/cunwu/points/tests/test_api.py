"""The points API: scoped reads, writes through the services, errors as {code, message, field},
list endpoints costing the same for 5 rows as for 40."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cunwu.accounts.models import User
from cunwu.accounts.services import token_create
from cunwu.api.tests.conftest import ApiClient
from cunwu.core.models import Region
from cunwu.points import services
from cunwu.points.models import EventStatus, PointEvent, RulebookVersion, RuleItem, VersionStatus
from cunwu.registry.models import Household
from cunwu.testing import JIULONG

from .conftest import ON_THE_DAY
from .support import another_household, earn, reviewer, villager

pytestmark = ON_THE_DAY

__all__ = ["reviewer", "villager"]

Items = Callable[[str], RuleItem]
Api = Callable[[str], ApiClient]
ON = "2026-03-10"


def _client(user: User) -> ApiClient:
    _token, plaintext = token_create(actor=user, user=user, name="测试")
    return ApiClient(plaintext)


def test_versions_are_scoped_and_carry_their_items(
    api_as: Api, effective_version: RulebookVersion
) -> None:
    body = api_as("九龙村村干部").get("/points/versions").json()
    assert body["count"] == 1 and body["items"][0]["status"] == "effective"
    detail = api_as("九龙村村干部").get(f"/points/versions/{effective_version.pk}").json()
    assert [i["code"] for i in detail["items"]] == ["A01", "E01", "E02", "B01"]
    assert detail["items"][0]["category"] == "村民自治"
    assert detail["effective_from"] == "2026-01-01"
    outsider = api_as("另一村的村干部")
    assert outsider.get("/points/versions").json()["count"] == 0
    assert outsider.get("/points/rulebooks").json()["count"] == 0
    response = outsider.get(f"/points/versions/{effective_version.pk}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert api_as("九龙村村民").get("/points/versions").status_code == 403


def test_drafting_editing_and_adopting_a_version(
    api_as: Api, effective_version: RulebookVersion
) -> None:
    api = api_as("九龙村村干部")
    response = api.post(f"/points/rulebooks/{JIULONG}/versions", {"note": "第二版"})
    assert response.status_code == 201
    draft = response.json()
    assert draft["number"] == 2 and len(draft["items"]) == 4
    item = {"category": "平安建设", "code": "c01", "name": "参与巡逻", "points": 3}
    added = api.post(f"/points/versions/{draft['id']}/items", item)
    assert added.status_code == 201 and added.json()["code"] == "C01"
    clash = api.post(f"/points/versions/{draft['id']}/items", item)
    assert clash.status_code == 400
    assert clash.json() == {
        "code": "item_code_taken",
        "message": "编号C01已被使用",
        "field": "code",
    }
    changed = api.put(f"/points/items/{added.json()['id']}", {**item, "points": 4})
    assert changed.json()["points"] == 4
    deleted = api.call("delete", f"/points/items/{added.json()['id']}")
    assert deleted.status_code == 204
    # the effective version stays as it was
    first = effective_version.items.first()
    assert first is not None
    response = api.call("delete", f"/points/items/{first.pk}")
    assert response.status_code == 409 and response.json()["code"] == "version_not_draft"
    settings = api.post(f"/points/versions/{draft['id']}/settings", {"star_thresholds": [9, 3]})
    assert settings.status_code == 400 and settings.json()["field"] == "star_thresholds"
    vote = {"resolution_date": "2026-03-01", "members_total": 18, "members_present": 15,
            "votes_for": 7}  # fmt: skip
    refused = api.post(f"/points/versions/{draft['id']}/adopt", vote)
    assert refused.status_code == 400 and refused.json()["code"] == "resolution_majority"
    adopted = api.post(f"/points/versions/{draft['id']}/adopt", {**vote, "votes_for": 14})
    assert adopted.status_code == 200
    assert adopted.json()["status"] == "disclosing" and adopted.json()["notice"]
    assert (
        api_as("另一村的村干部").post(f"/points/rulebooks/{JIULONG}/versions", {}).status_code
        == 404
    )


def test_proposing_reviewing_publishing_and_reversing(
    api_as: Api, staff: User, reviewer: User, household: Household, item: Items
) -> None:
    cadre = api_as("九龙村村干部")
    body = {"household": household.pk, "item": item("B01").pk, "date": ON, "points": 4}
    response = cadre.post("/points/events", body)
    assert response.status_code == 201
    event = response.json()
    assert (event["points"], event["source"], event["status"]) == (4, "cadre", "proposed")
    bad = cadre.post("/points/events", {**body, "points": 9})
    assert bad.status_code == 400
    assert bad.json() == {"code": "points_bounds", "message": "分值应在1到5之间", "field": "points"}
    photo = cadre.post("/points/events", {**body, "item": item("E01").pk, "points": None})
    assert photo.json()["code"] == "photo_required"
    own = cadre.post(f"/points/events/{event['id']}/review", {"approve": True})
    assert own.status_code == 403 and own.json()["code"] == "review_own"
    group = _client(reviewer)
    reviewed = group.post(
        f"/points/events/{event['id']}/review", {"approve": True, "points": 5, "note": "突出"}
    )
    assert reviewed.json()["status"] == "approved" and reviewed.json()["points"] == 5
    published = group.post("/points/batches", {"village": JIULONG, "title": "三月积分"})
    assert published.status_code == 201
    assert published.json()["events"] == 1 and published.json()["total"] == 5
    assert published.json()["notice"]
    batches = group.get("/points/batches").json()
    assert batches["items"][0]["notice_status"]
    services_close()
    assert PointEvent.objects.get(pk=event["id"]).status == EventStatus.EFFECTIVE
    reversed_ = group.post(f"/points/events/{event['id']}/reverse", {"reason": "重复"})
    assert reversed_.status_code == 201 and reversed_.json()["points"] == -5
    again = group.post(f"/points/events/{event['id']}/reverse", {"reason": "重复"})
    assert again.status_code == 409
    outsider = api_as("另一村的村干部")
    assert outsider.post("/points/events", body).status_code == 404
    assert (
        outsider.post(f"/points/events/{event['id']}/review", {"approve": True}).status_code == 404
    )
    assert outsider.get("/points/events").json()["count"] == 0


def services_close() -> None:
    from .support import close_all

    close_all()


def test_a_villager_declares_for_the_own_household_only(
    api_as: Api, villager: User, staff: User, household: Household, jiulong: Region, item: Items
) -> None:
    other = another_household(staff, jiulong, "0002", "王五")
    api = _client(villager)
    body = {"household": household.pk, "item": item("A01").pk, "date": ON}
    response = api.post("/points/events", body)
    assert response.status_code == 201 and response.json()["source"] == "villager"
    refused = api.post("/points/events", {**body, "household": other.pk})
    assert refused.status_code == 403
    deduction = api.post("/points/events", {**body, "item": item("E02").pk})
    assert deduction.json()["code"] == "proposer_not_allowed"
    assert api.get("/points/events").status_code == 403
    assert PointEvent.objects.count() == 1


def test_balances_statement_and_rankings(
    api_as: Api, staff: User, reviewer: User, household: Household, jiulong: Region, item: Items
) -> None:
    other = another_household(staff, jiulong, "0002", "王五")
    third = another_household(staff, jiulong, "0003", "赵六")
    b01 = item("B01")
    earn(
        staff, reviewer,
        [(household, b01, date(2026, 3, 1), 5), (other, b01, date(2026, 3, 2), 5),
         (third, b01, date(2026, 4, 2), 3)],
    )  # fmt: skip
    api = api_as("九龙村村干部")
    balances = api.get("/points/balances", village=JIULONG).json()
    assert [(b["number"], b["head"], b["cumulative"]) for b in balances["items"]] == [
        ("0001", "张三", 5), ("0002", "王五", 5), ("0003", "赵六", 3),
    ]  # fmt: skip
    statement = api.get(f"/points/households/{household.pk}").json()
    assert (statement["rank"], statement["households"], statement["stars"]) == (1, 3, 0)
    assert [(e["kind"], e["cumulative"], e["available"]) for e in statement["entries"]] == [
        ("earn", 5, 5)
    ]
    ranks = api.get("/points/rankings", village=JIULONG).json()
    assert [(r["rank"], r["number"], r["points"]) for r in ranks] == [
        (1, "0001", 5), (1, "0002", 5), (3, "0003", 3),
    ]  # fmt: skip
    april = api.get("/points/rankings", village=JIULONG, start="2026-04-01", end="2026-04-30")
    assert [(r["rank"], r["number"], r["points"]) for r in april.json()] == [
        (1, "0003", 3), (2, "0001", 0), (2, "0002", 0),
    ]  # fmt: skip
    outsider = api_as("另一村的村干部")
    assert outsider.get(f"/points/households/{household.pk}").status_code == 404
    assert outsider.get("/points/rankings", village=JIULONG).status_code == 404
    assert api.get("/points/rankings", village="12").status_code == 422


def _queries(api: ApiClient, path: str, **params: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert api.get(path, **params).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "path",
    ["/points/events", "/points/balances", "/points/batches", "/points/rankings",
     "/points/versions", "/points/rulebooks"],
)  # fmt: skip
def test_list_endpoints_cost_the_same_for_5_and_40_rows(
    path: str, api_as: Api, staff: User, reviewer: User, jiulong: Region, item: Items
) -> None:
    api = api_as("九龙村村干部")

    def grow(start: int, stop: int) -> None:
        homes = [
            another_household(staff, jiulong, f"{n:04d}", f"户{n}") for n in range(start, stop)
        ]
        for h in homes:
            event = services.event_propose(
                actor=staff, household=h, item=item("B01"), on=date(2026, 3, 10)
            )
            services.event_review(actor=reviewer, event=event, approve=True)
            if path == "/points/batches":
                services.batch_publish(actor=reviewer, village=jiulong)

    grow(100, 105)
    few = _queries(api, path, village=JIULONG)
    grow(105, 140)
    assert _queries(api, path, village=JIULONG) <= few


def test_version_status_filter(api_as: Api, draft_version: RulebookVersion) -> None:
    api = api_as("九龙村村干部")
    assert api.get("/points/versions", status="draft").json()["count"] == 1
    assert api.get("/points/versions", status="effective").json()["count"] == 0
    assert draft_version.status == VersionStatus.DRAFT
