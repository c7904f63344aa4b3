from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cunwu.accounts.models import User
from cunwu.core.models import AuditEvent, Region, VillageGroup
from cunwu.core.services.audit import audit_verify
from cunwu.registry.models import Household, IncomeRecord, Person, PersonStatus
from cunwu.registry.services import person_id_number
from cunwu.testing import BALI, JIULONG, YANJIANG, make_household, make_id_number

from .conftest import ApiClient

HEAD = {"name": "王𠮷", "relation": "户主", "id_number": make_id_number(11, birth="19660606")}


def _create_body(village: str = JIULONG, number: str = "0100") -> dict[str, Any]:
    return {"village": village, "number": number, "tags": ["脱贫户"], "head": HEAD}


# ---------------------------------------------------------------- reads


def test_household_list_is_scoped_and_paginated(
    api_as: Callable[[str], ApiClient], persona: Callable[[str], User], regions: dict[str, Region]
) -> None:
    staff = persona("九龙村村干部")
    for n in range(1, 6):
        make_household(staff, regions[JIULONG], f"{n:04d}", f"张{n}")
    make_household(
        persona("八里村村干部"), regions[BALI], "0001", "李一", head_id=make_id_number(21)
    )
    other = persona("另一村的村干部")
    make_household(other, regions[YANJIANG], "0001", "赵一", head_id=make_id_number(22))
    expected = {"九龙村村干部": 5, "开云镇干部": 6, "衡山县管理员": 6, "另一村的村干部": 1,
                "九龙村监委会委员": 5, "九龙村村民": 0}  # fmt: skip
    for name, count in expected.items():
        body = api_as(name).get("/households", page_size=2).json()
        assert body["count"] == count, name
        assert len(body["items"]) == min(2, count)
    page3 = api_as("九龙村村干部").get("/households", page_size=2, page=3).json()
    assert [h["number"] for h in page3["items"]] == ["0005"]
    assert page3["items"][0]["head_name"] == "张5"
    assert page3["items"][0]["member_count"] == 1


def test_household_list_filters(api_as: Callable[[str], ApiClient], household: Household) -> None:
    api = api_as("九龙村村干部")
    assert api.get("/households", q="李四").json()["count"] == 1
    assert api.get("/households", q="010015").json()["count"] == 1
    assert api.get("/households", q="王五").json()["count"] == 0
    assert api.get("/households", tag="低保户").json()["count"] == 0
    assert api.get("/households", region=BALI).json()["count"] == 0
    assert api.get("/households", page_size=500).status_code == 422


@pytest.mark.parametrize("rows", [5, 40])
def test_household_list_query_count_does_not_grow_with_rows(
    api_as: Callable[[str], ApiClient],
    persona: Callable[[str], User],
    jiulong: Region,
    rows: int,
    django_assert_max_num_queries: Any,
) -> None:
    staff = persona("九龙村村干部")
    for n in range(rows):
        make_household(staff, jiulong, f"{n:04d}", head_id=make_id_number(n, birth="19700202"))
    api = api_as("九龙村村干部")
    with django_assert_max_num_queries(8):
        assert len(api.get("/households", page_size=100).json()["items"]) == rows


def test_household_detail_masks_ids_and_lists_members(
    api_as: Callable[[str], ApiClient], household: Household
) -> None:
    body = api_as("九龙村监委会委员").get(f"/households/{household.pk}").json()
    assert [m["name"] for m in body["members"]] == ["张三", "李四", "张小明"]
    assert body["members"][0]["id_masked"] == "430423********0015"
    assert body["members"][0]["id_number"] is None
    assert body["member_count"] == 3
    assert body["life_events"][0]["kind_label"] == "登记"


def test_full_ids_only_for_roles_allowed_and_every_reveal_is_audited(
    api_as: Callable[[str], ApiClient], household: Household
) -> None:
    before = AuditEvent.objects.filter(action="registry.reveal_id").count()
    denied = api_as("九龙村监委会委员").get(f"/households/{household.pk}", full="true")
    assert denied.status_code == 403
    body = api_as("九龙村村干部").get(f"/households/{household.pk}", full="true").json()
    assert body["members"][0]["id_number"] == make_id_number(1, birth="19700101")
    assert AuditEvent.objects.filter(action="registry.reveal_id").count() == before + 3


@pytest.mark.parametrize(
    ("name", "status"),
    [("九龙村村干部", 200), ("开云镇干部", 200), ("衡山县部门用户", 200),
     ("另一村的村干部", 404), ("八里村村干部", 404), ("九龙村村民", 404)],
)  # fmt: skip
def test_household_detail_outside_scope_is_404(
    api_as: Callable[[str], ApiClient], household: Household, name: str, status: int
) -> None:
    response = api_as(name).get(f"/households/{household.pk}")
    assert response.status_code == status
    if status == 404:
        assert response.json()["code"] == "not_found"


# ---------------------------------------------------------------- writes


def test_create_household_with_its_head(
    api_as: Callable[[str], ApiClient], jiulong: Region
) -> None:
    group = VillageGroup.objects.create(village=jiulong, name="第一组", number=1)
    response = api_as("九龙村村干部").post("/households", {**_create_body(), "group": group.pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["number"], body["tags"], body["group"]) == ("0100", ["脱贫户"], group.pk)
    head = Person.objects.get(household_id=body["id"])
    assert head.name == "王𠮷"
    assert (head.gender, str(head.birth_date)) == ("男", "1966-06-06")
    assert person_id_number(head) == HEAD["id_number"]
    # the token's creation and the household's
    assert audit_verify() == (2, None)


@pytest.mark.parametrize(
    ("name", "status"),
    [("九龙村村干部", 201), ("开云镇干部", 201), ("衡山县管理员", 201),
     ("九龙村监委会委员", 403), ("九龙村工作队员", 403), ("衡山县部门用户", 403),
     ("另一村的村干部", 400), ("九龙村村民", 400)],
)  # fmt: skip
def test_create_permission_matrix(
    api_as: Callable[[str], ApiClient], regions: dict[str, Region], name: str, status: int
) -> None:
    response = api_as(name).post("/households", _create_body())
    assert response.status_code == status, response.content
    assert Household.objects.count() == (1 if status == 201 else 0)
    if status == 400:  # a village outside scope is not revealed
        assert response.json()["code"] == "village_not_found"


def test_bad_check_digit_is_400_with_field_and_writes_nothing(
    api_as: Callable[[str], ApiClient], jiulong: Region
) -> None:
    number = HEAD["id_number"]
    bad = {**HEAD, "id_number": number[:-1] + ("0" if number[-1] != "0" else "1")}
    api = api_as("九龙村村干部")
    events = AuditEvent.objects.count()
    response = api.post("/households", {**_create_body(), "head": bad})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "id_number_check_digit"
    assert body["field"] == "id_number"
    assert "校验位错误" in body["message"]
    assert not Household.objects.exists()
    assert AuditEvent.objects.count() == events


def test_group_of_another_village_is_refused(
    api_as: Callable[[str], ApiClient], regions: dict[str, Region]
) -> None:
    other = VillageGroup.objects.create(village=regions[BALI], name="第一组", number=1)
    response = api_as("九龙村村干部").post("/households", {**_create_body(), "group": other.pk})
    assert (response.status_code, response.json()["code"]) == (400, "group_not_found")


def test_patch_keeps_what_is_not_given(
    api_as: Callable[[str], ApiClient], household: Household
) -> None:
    api = api_as("九龙村村干部")
    response = api.patch(f"/households/{household.pk}", {"address": "九龙村3组"})
    assert response.status_code == 200
    assert api.patch(f"/households/{household.pk}", {"tags": ["低保户"]}).status_code == 200
    household.refresh_from_db()
    assert (household.address, household.tags) == ("九龙村3组", "|低保户|")


@pytest.mark.parametrize(
    ("name", "status"),
    [("九龙村村干部", 201), ("九龙村监委会委员", 403), ("另一村的村干部", 404)],
)
def test_add_a_newborn_with_a_pending_id(
    api_as: Callable[[str], ApiClient], household: Household, name: str, status: int
) -> None:
    body = {
        "name": "张小宝", "relation": "孙子", "id_pending_reason": "新生儿尚未落户",
        "gender": "男", "birth_date": "2026-10-01", "kind": "birth", "date": "2026-10-01",
    }  # fmt: skip
    response = api_as(name).post(f"/households/{household.pk}/persons", body)
    assert response.status_code == status, response.content
    count = household.members.filter(status=PersonStatus.ACTIVE).count()
    assert count == (4 if status == 201 else 3)


def test_leave_transfer_split_merge_through_the_api(
    api_as: Callable[[str], ApiClient], household: Household, staff: User, jiulong: Region
) -> None:
    api = api_as("九龙村村干部")
    other = make_household(staff, jiulong, "0002", "王五", head_id=make_id_number(9))
    son = household.members.get(name="张小明")
    wife = household.members.get(name="李四")
    r = api.post(f"/persons/{son.pk}/transfer",
                 {"to_household": other.pk, "relation": "其他", "date": "2026-01-02"})  # fmt: skip
    assert r.status_code == 200, r.content
    son.refresh_from_db()
    assert son.household_id == other.pk
    split = {"members": [son.pk], "new_head": son.pk, "number": "0003", "date": "2026-01-03"}
    r = api.post(f"/households/{other.pk}/split", split)
    assert r.status_code == 201, r.content
    new_id = r.json()["id"]
    assert r.json()["head_name"] == "张小明"
    merge = {"target": household.pk, "relations": {str(son.pk): "子"}, "date": "2026-01-04"}
    r = api.post(f"/households/{new_id}/merge", merge)
    assert r.status_code == 200, r.content
    assert r.json()["member_count"] == 3
    r = api.post(f"/persons/{wife.pk}/leave", {"kind": "death", "date": "2026-02-01"})
    assert (r.status_code, r.json()["status"]) == (200, "deceased")
    head = household.members.get(name="张三")
    r = api.post(f"/persons/{head.pk}/leave", {"kind": "move_out", "date": "2026-02-01"})
    assert (r.status_code, r.json()["code"]) == (400, "head_leaving")
    assert audit_verify()[1] is None


def test_income_in_fen_or_yuan_and_per_capita(
    api_as: Callable[[str], ApiClient], household: Household
) -> None:
    api = api_as("九龙村村干部")
    base = f"/households/{household.pk}/incomes/2025"
    assert api.put(f"{base}/wages", {"amount_fen": 3_000_000}).status_code == 200
    assert api.put(f"{base}/business", {"amount_yuan": "10,000.00"}).status_code == 200
    assert api.put(f"{base}/business_expense", {"amount_yuan": "4000"}).status_code == 200
    bad = api.put(f"{base}/lottery", {"amount_fen": 1})
    assert (bad.status_code, bad.json()["code"]) == (400, "category_invalid")
    both = api.put(f"{base}/wages", {"amount_fen": 1, "amount_yuan": "1"})
    assert (both.status_code, both.json()["code"]) == (400, "amount_missing")
    negative = api.put(f"{base}/wages", {"amount_fen": -5})
    assert (negative.status_code, negative.json()["code"]) == (400, "amount_negative")
    detail = api.get(f"/households/{household.pk}").json()
    assert detail["incomes"] == [
        {"year": 2025, "per_capita_net_income": 1_200_000,
         "amounts": {"business": 1_000_000, "business_expense": 400_000, "wages": 3_000_000}}
    ]  # fmt: skip
    assert IncomeRecord.objects.count() == 3
    denied = api_as("九龙村监委会委员").put(f"{base}/wages", {"amount_fen": 1})
    assert denied.status_code == 403


def test_groups_and_audit_are_scoped(
    api_as: Callable[[str], ApiClient], household: Household, regions: dict[str, Region]
) -> None:
    VillageGroup.objects.create(village=regions[JIULONG], name="第一组", number=1)
    assert [g["name"] for g in api_as("九龙村村干部").get("/groups", village=JIULONG).json()] == [
        "第一组"
    ]
    assert api_as("另一村的村干部").get("/groups", village=JIULONG).json() == []
    events = api_as("九龙村监委会委员").get("/audit/events").json()
    assert events["count"] == 3
    assert api_as("另一村的村干部").get("/audit/events").json()["count"] == 0
    assert api_as("九龙村工作队员").get("/audit/events").json()["count"] == 0
    history = api_as("开云镇干部").get(f"/audit/history/registry.household/{household.pk}")
    assert [e["action"] for e in history.json()] == ["registry.household_create"]
