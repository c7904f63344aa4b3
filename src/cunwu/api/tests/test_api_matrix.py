"""Who may do what, where: every persona against every endpoint.

In scope a read is 200; a write is 200/201 for the roles that edit and 403 for the roles that
only look; outside scope everything is 404 (the object is not revealed). A refused call changes
nothing. List endpoints return exactly the rows in scope.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from cunwu.accounts.models import User
from cunwu.core.models import AuditEvent, Region, VillageGroup
from cunwu.core.services.audit import audit_verify
from cunwu.registry.models import Household, IncomeRecord, LifeEvent, Person
from cunwu.testing import (
    BALI,
    JIULONG,
    KAIYUN,
    YANJIANG,
    business_events,
    make_household,
    make_id_number,
)

from .conftest import ApiClient

EDITORS = ["九龙村村干部", "开云镇干部", "衡山县管理员"]
VIEWERS = ["九龙村监委会委员", "九龙村工作队员", "衡山县部门用户"]
OUTSIDERS = ["另一村的村干部", "八里村村干部", "九龙村村民"]
DATE = "2026-03-01"


@dataclass
class World:
    """九龙村: household a (张三 户主, 李四 配偶, 张小明 子) and b (王五 户主)."""

    a: Household
    b: Household

    def person(self, name: str) -> Person:
        return Person.objects.get(name=name)


@pytest.fixture
def world(household: Household, staff: User, jiulong: Region) -> World:
    b = make_household(staff, jiulong, "0002", "王五", head_id=make_id_number(9))
    return World(a=household, b=b)


@dataclass
class Call:
    name: str
    method: str
    path: Callable[[World], str]
    body: Callable[[World], Any]
    ok: int  # the editors' status
    viewer: int  # the status of the roles that only look
    done: Callable[[World], bool]  # the editors' call had its effect


def _refreshed(h: Household) -> Household:
    h.refresh_from_db()
    return h


CALLS = [
    Call("read household", "get", lambda w: f"/households/{w.a.pk}", lambda w: None, 200, 200,
         lambda w: True),
    Call("read full ID numbers", "get", lambda w: f"/households/{w.a.pk}?full=1",
         lambda w: None, 200, 403,
         lambda w: AuditEvent.objects.filter(action="registry.reveal_id").count() == 3),
    Call("update household", "patch", lambda w: f"/households/{w.a.pk}",
         lambda w: {"address": "九龙村3组"}, 200, 403,
         lambda w: _refreshed(w.a).address == "九龙村3组"),
    Call("add person", "post", lambda w: f"/households/{w.a.pk}/persons",
         lambda w: {"name": "张小宝", "relation": "孙子", "id_pending_reason": "新生儿",
                    "gender": "男", "birth_date": DATE, "kind": "birth", "date": DATE},
         201, 403, lambda w: w.a.members.filter(name="张小宝").exists()),
    Call("update person", "patch", lambda w: f"/persons/{w.person('张小明').pk}",
         lambda w: {"education": "大学本科"}, 200, 403,
         lambda w: w.person("张小明").education == "大学本科"),
    Call("person leaves", "post", lambda w: f"/persons/{w.person('张小明').pk}/leave",
         lambda w: {"kind": "move_out", "date": DATE}, 200, 403,
         lambda w: w.person("张小明").status == "moved_out"),
    Call("transfer person", "post", lambda w: f"/persons/{w.person('张小明').pk}/transfer",
         lambda w: {"to_household": w.b.pk, "relation": "其他", "date": DATE}, 200, 403,
         lambda w: w.person("张小明").household_id == w.b.pk),
    Call("split household", "post", lambda w: f"/households/{w.a.pk}/split",
         lambda w: {"members": [w.person("张小明").pk], "new_head": w.person("张小明").pk,
                    "number": "0003", "date": DATE}, 201, 403,
         lambda w: w.person("张小明").household.number == "0003"),
    Call("merge households", "post", lambda w: f"/households/{w.b.pk}/merge",
         lambda w: {"target": w.a.pk, "relations": {str(w.person("王五").pk): "其他"},
                    "date": DATE}, 200, 403,
         lambda w: _refreshed(w.b).status == "dissolved" and w.a.members.count() == 4),
    Call("set income", "put", lambda w: f"/households/{w.a.pk}/incomes/2025/wages",
         lambda w: {"amount_fen": 3_000_000}, 200, 403,
         lambda w: IncomeRecord.objects.get(household=w.a).amount_fen == 3_000_000),
    Call("change head", "post", lambda w: f"/households/{w.a.pk}/head",
         lambda w: {"person": w.person("李四").pk, "old_head_relation": "配偶"}, 200, 403,
         lambda w: w.person("李四").relation == "户主" and w.person("张三").relation == "配偶"),
    Call("create household", "post", lambda w: "/households",
         lambda w: {"village": JIULONG, "number": "0100",
                    "head": {"name": "赵六", "relation": "户主", "id_number": make_id_number(31)}},
         201, 403, lambda w: Household.objects.filter(number="0100").exists()),
]  # fmt: skip


def _snapshot() -> tuple[Any, ...]:
    """Everything a refused call must leave as it was."""
    return (
        list(Household.objects.order_by("pk").values_list()),
        list(Person.objects.order_by("pk").values_list()),
        LifeEvent.objects.count(),
        IncomeRecord.objects.count(),
        business_events().count(),
    )


@pytest.mark.parametrize("call", CALLS, ids=[c.name for c in CALLS])
@pytest.mark.parametrize("name", EDITORS + VIEWERS + OUTSIDERS)
def test_permission_matrix(
    api_as: Callable[[str], ApiClient], world: World, name: str, call: Call
) -> None:
    api = api_as(name)
    before = _snapshot()
    response = api.call(call.method, call.path(world), call.body(world))
    expected = call.ok if name in EDITORS else call.viewer if name in VIEWERS else 404
    assert response.status_code == expected, response.content
    if expected == 404:
        assert response.json() == {"code": "not_found", "message": "对象不存在或不在您的权限范围内"}
    elif expected == 403:
        assert response.json()["code"] in {"forbidden", "forbidden_full_id"}
    if expected in {403, 404}:
        assert _snapshot() == before
    else:
        assert call.done(world)
        assert audit_verify()[1] is None


def test_full_ids_are_returned_only_when_asked(
    api_as: Callable[[str], ApiClient], world: World
) -> None:
    api = api_as("九龙村村干部")
    masked = api.get(f"/households/{world.a.pk}").json()["members"][0]
    assert (masked["id_number"], masked["id_masked"]) == (None, "430423********0015")
    full = api.get(f"/households/{world.a.pk}", full=1).json()["members"][0]
    assert full["id_number"] == make_id_number(1, birth="19700101")
    events = AuditEvent.objects.filter(action="registry.reveal_id").order_by("pk")
    assert [e.payload["name"] for e in events] == ["张三", "李四", "张小明"]
    assert {e.actor_name for e in events} == {"九龙村村干部"}


@pytest.fixture
def bali_household(persona: Callable[[str], User], regions: dict[str, Region]) -> Household:
    return make_household(
        persona("八里村村干部"), regions[BALI], "0001", "李一", head_id=make_id_number(21)
    )


@pytest.mark.parametrize(
    ("name", "status"), [("九龙村村干部", 404), ("八里村村干部", 404), ("开云镇干部", 200)]
)
def test_a_transfer_or_merge_reaches_only_into_the_callers_scope(
    api_as: Callable[[str], ApiClient],
    world: World,
    bali_household: Household,
    name: str,
    status: int,
) -> None:
    other = bali_household
    son = world.person("张小明")
    api = api_as(name)
    before = _snapshot()
    body = {"to_household": other.pk, "relation": "其他", "date": DATE}
    response = api.post(f"/persons/{son.pk}/transfer", body)
    assert response.status_code == status, response.content
    if status == 404:
        assert _snapshot() == before
        merge = api.post(f"/households/{world.b.pk}/merge", {"target": other.pk, "date": DATE})
        assert merge.status_code == 404
        assert _snapshot() == before
    else:
        assert world.person("张小明").household_id == other.pk


# ---------------------------------------------------------------- lists: exact rows


@pytest.fixture
def spread(
    world: World, persona: Callable[[str], User], regions: dict[str, Region], staff: User
) -> None:
    """九龙村 3 households and 2 groups, 八里村 1 household and 1 group, 沿江村 1 household."""
    make_household(staff, regions[JIULONG], "0003", "孙七", head_id=make_id_number(10))
    make_household(persona("八里村村干部"), regions[BALI], "0001", "李一",
                   head_id=make_id_number(21))  # fmt: skip
    make_household(persona("另一村的村干部"), regions[YANJIANG], "0001", "赵一",
                   head_id=make_id_number(22, area="430422"))  # fmt: skip
    VillageGroup.objects.create(village=regions[JIULONG], name="第一组", number=1)
    VillageGroup.objects.create(village=regions[JIULONG], name="第二组", number=2)
    VillageGroup.objects.create(village=regions[BALI], name="第一组", number=1)


J = [(JIULONG, "0001"), (JIULONG, "0002"), (JIULONG, "0003")]
B = [(BALI, "0001")]
Y = [(YANJIANG, "0001")]
LIST_CASES = {
    # persona: (households, groups of 九龙村, household_create events, 九龙 0001 history)
    "九龙村村干部": (J, 2, 3, 1),
    "九龙村监委会委员": (J, 2, 3, 1),
    "九龙村工作队员": (J, 2, 0, 0),
    "九龙村村民": ([], 0, 0, 0),
    "开云镇干部": (J + B, 2, 4, 1),
    "衡山县管理员": (J + B, 2, 4, 1),
    "衡山县部门用户": (J + B, 2, 0, 0),
    "另一村的村干部": (Y, 0, 1, 0),
    "八里村村干部": (B, 0, 1, 0),
}


@pytest.mark.parametrize("name", list(LIST_CASES))
def test_list_endpoints_return_exactly_the_rows_in_scope(
    api_as: Callable[[str], ApiClient], world: World, spread: None, name: str
) -> None:
    households, groups, creations, history = LIST_CASES[name]
    api = api_as(name)

    body = api.get("/households", page_size=200).json()
    assert body["count"] == len(households)
    assert [(h["village"], h["number"]) for h in body["items"]] == households

    response = api.get("/groups", village=JIULONG)
    assert response.status_code == 200
    assert len(response.json()) == groups

    events = api.get("/audit/events", action="registry.household_create").json()
    assert (events["count"], len(events["items"])) == (creations, creations)

    trail = api.get(f"/audit/history/registry.household/{world.a.pk}")
    assert [e["action"] for e in trail.json()] == ["registry.household_create"] * history

    regions = api.get("/regions", parent=KAIYUN).json()
    assert [r["code"] for r in regions["items"]] == [JIULONG, BALI]


def test_list_filters_narrow_within_scope(
    api_as: Callable[[str], ApiClient], world: World, spread: None
) -> None:
    api = api_as("开云镇干部")
    numbers = lambda **params: [  # noqa: E731
        (h["village"], h["number"]) for h in api.get("/households", **params).json()["items"]
    ]
    assert numbers(region=BALI) == B
    assert numbers(region=YANJIANG) == []  # a filter never widens the scope
    assert numbers(q="李四") == [(JIULONG, "0001")]
    assert numbers(q="0003") == [(JIULONG, "0003")]
    Household.objects.filter(pk=world.b.pk).update(tags="|低保户|")
    assert numbers(tag="低保户") == [(JIULONG, "0002")]
    group = VillageGroup.objects.get(village_id=JIULONG, number=2)
    Household.objects.filter(pk=world.a.pk).update(group=group)
    assert numbers(group=group.pk) == [(JIULONG, "0001")]
    Household.objects.filter(pk=world.a.pk).update(status="dissolved")
    assert numbers(status="dissolved") == [(JIULONG, "0001")]
    assert len(numbers(status="all")) == 4
    page = api.get("/households", page_size=3, page=2).json()
    assert (page["count"], page["page"], page["page_size"]) == (3, 2, 3)
    assert page["items"] == []
    events = api.get("/audit/events", region=BALI, action="registry.").json()
    assert [(e["region"], e["action"]) for e in events["items"]] == [
        (BALI, "registry.household_create")
    ]
