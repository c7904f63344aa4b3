"""Sanitation over the API: roster, checklist, rounds and scores, point postings through the
points module, waste runs and the handover report; 4xx with the Chinese message; scope."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.points.models import EventStatus, PointEvent, RuleItem
from cunwu.points.services import event_review
from cunwu.points.tests.conftest import ON_THE_DAY, draft_version, effective_version, item  # noqa: F401
from cunwu.registry.models import Household
from cunwu.village.models_sanitation import InspectionScore, WasteRun
from cunwu.village.tests.fixtures_sanitation import START, roster

pytestmark = ON_THE_DAY

BASE = "/village/sanitation"


def test_roster_over_api(
    api_as: Callable[[str], Any], staff: User, jiulong: Region, household: Household
) -> None:
    api = api_as("九龙村村干部")
    r = api.post(f"{BASE}/sections", {"village": jiulong.code, "name": "主干道", "length_m": 1200})
    assert r.status_code == 201, r.content
    section = r.json()["id"]
    r = api.post(f"{BASE}/sections", {"village": jiulong.code, "name": "主干道"})
    assert r.status_code == 409 and r.json()["message"] == "本村已有路段“主干道”"
    post = api.post(f"{BASE}/posts", {"village": jiulong.code, "name": "保洁员"}).json()["id"]
    person = household.members.order_by("pk").first()
    assert person is not None
    body = {"village": jiulong.code, "person": person.pk, "post": post, "section": section,
            "weekdays": "135", "start_time": "07:00", "end_time": "09:00", "tasks": "清扫",
            "start_on": START.isoformat()}  # fmt: skip
    r = api.post(f"{BASE}/duties", body)
    assert r.status_code == 201, r.content
    assert r.json()["person_name"] == "张三" and r.json()["weekdays"] == "135"
    r = api.post(f"{BASE}/duties", {**body, "end_time": "06:00"})
    assert r.status_code == 400 and r.json()["message"] == "结束时间应晚于开始时间"
    assert api.get(f"{BASE}/duties").json()["count"] == 1
    outsider = api_as("另一村的村干部")
    assert outsider.get(f"{BASE}/duties").json()["count"] == 0
    assert outsider.post(f"{BASE}/posts", {"village": jiulong.code, "name": "x"}).status_code == 404
    villager = api_as("九龙村村民")
    assert villager.post(f"{BASE}/posts", {"village": jiulong.code, "name": "x"}).status_code in (
        403, 404,
    )  # fmt: skip


def test_inspection_scores_and_points(
    api_as: Callable[[str], Any], persona: Callable[[str], User], staff: User,
    jiulong: Region, household: Household, item: Callable[[str], RuleItem],  # noqa: F811
) -> None:  # fmt: skip
    roster(staff, jiulong, household)
    api = api_as("九龙村村干部")
    items = api.post(f"{BASE}/checklist/{jiulong.code}/default").json()
    assert sum(i["max_score"] for i in items) == 100
    rnd = api.post(f"{BASE}/rounds", {"village": jiulong.code, "on": START.isoformat(),
                                      "inspectors": "王五"}).json()["id"]  # fmt: skip
    scores = {str(i["id"]): i["max_score"] - 5 for i in items}
    r = api.post(f"{BASE}/rounds/{rnd}/scores", {"household": household.pk, "scores": scores})
    assert r.status_code == 201, r.content
    score = r.json()
    assert (score["total"], score["max_total"], score["point_event"]) == (80, 100, None)
    bad = {**scores, str(items[0]["id"]): 99}
    r = api.post(f"{BASE}/rounds/{rnd}/scores", {"household": household.pk, "scores": bad})
    assert r.status_code == 400 and "得分应在0到30之间" in r.json()["message"]
    penalty = item("E02")
    r = api.post(f"{BASE}/scores/{score['id']}/points", {"item": penalty.pk})
    assert r.status_code == 201, r.content
    event = PointEvent.objects.get(pk=r.json()["point_event"])
    assert (event.points, event.status, event.household_id) == (-5, EventStatus.PROPOSED,
                                                                household.pk)  # fmt: skip
    r = api.post(f"{BASE}/scores/{score['id']}/points", {"item": penalty.pk})
    assert r.status_code == 409 and r.json()["message"] == "该得分已计过积分"
    # the points module's own review follows: nobody reviews their own proposal
    try:
        event_review(actor=staff, event=event, approve=True)
    except ApplicationError as exc:
        assert exc.code in {"review_own"}
    event.refresh_from_db()
    assert event.status == EventStatus.PROPOSED
    assert InspectionScore.objects.get(pk=score["id"]).point_event_id == event.pk
    assert api_as("另一村的村干部").get(f"{BASE}/rounds/{rnd}/scores").status_code == 404


def test_waste_and_handover_over_api(api_as: Callable[[str], Any], jiulong: Region) -> None:
    today = date.today()
    staff, township = api_as("九龙村村干部"), api_as("开云镇干部")
    body = {"village": jiulong.code, "stage": "village", "on": today.isoformat(),
            "quantity_kg": 800}  # fmt: skip
    assert staff.post(f"{BASE}/waste", body).status_code == 201
    assert staff.post(f"{BASE}/waste", {**body, "stage": "township"}).status_code == 403
    r = township.post(f"{BASE}/waste", {**body, "stage": "township", "quantity_kg": -3})
    assert r.status_code == 400 and r.json()["message"] == "数量应为正整数千克"
    assert township.post(f"{BASE}/waste", {**body, "stage": "township"}).status_code == 201
    assert WasteRun.objects.count() == 2
    start = (today - timedelta(days=30)).isoformat()
    rows = township.get(f"{BASE}/handover", start=start, end=today.isoformat()).json()
    mine = next(r for r in rows if r["code"] == jiulong.code)
    assert (mine["collected_kg"], mine["transferred_kg"], mine["handed_over"]) == (800, 800, True)
    assert api_as("另一村的村干部").get(f"{BASE}/waste").json()["count"] == 0


def test_members_over_api(api_as: Callable[[str], Any], jiulong: Region,
                          household: Household) -> None:  # fmt: skip
    head = household.members.order_by("pk").first()
    assert head is not None
    api = api_as("九龙村村干部")
    body = {"village": jiulong.code, "person": head.pk, "role": "chair", "start_on": "2026-11-01"}
    r = api.post(f"{BASE}/members", body)
    assert r.status_code == 201 and r.json()["person_name"] == "张三"
    r = api.post(f"{BASE}/members", {**body, "role": "boss"})
    assert r.status_code == 400 and r.json()["message"] == "职务无效"
    assert api.get(f"{BASE}/members").json()["count"] == 1
    assert api_as("另一村的村干部").get(f"{BASE}/members").json()["count"] == 0


def test_list_endpoints_query_counts(
    api_as: Callable[[str], Any], staff: User, jiulong: Region, household: Household,
    django_assert_max_num_queries: Any,
) -> None:  # fmt: skip
    roster(staff, jiulong, household)
    api = api_as("开云镇干部")
    api.get(f"{BASE}/duties")  # the token's first use is not counted
    for path in ("sections", "posts", "duties", "rounds", "waste", "members"):
        with django_assert_max_num_queries(8):
            r = api.get(f"{BASE}/{path}")
        assert r.status_code == 200, path
    assert api.get(f"{BASE}/duties").json()["items"][0]["section"] == "村部至学校"
    body = {"village": jiulong.code, "on": "2026-11-01", "inspectors": "x"}
    r = api_as("另一村的村干部").post(f"{BASE}/rounds", body)
    assert r.status_code == 404
    r = api_as("九龙村村民").get(f"{BASE}/handover", start="2026-11-01", end="2026-11-30")
    assert r.status_code == 200 and r.json() == []
