"""What the registry endpoints do, with exact figures (who may call them: test_api_matrix)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

from cunwu.accounts.models import User
from cunwu.core.models import AuditEvent, Region, VillageGroup
from cunwu.core.services.audit import audit_verify
from cunwu.registry.models import Household, IncomeRecord, LifeEvent, Person
from cunwu.registry.services import person_id_number, person_phone
from cunwu.testing import BALI, JIULONG, make_household, make_id_number

from .conftest import ApiClient

HEAD = {"name": "王𠮷", "relation": "户主", "id_number": make_id_number(11, birth="19660606")}


def _create_body(village: str = JIULONG, number: str = "0100") -> dict[str, Any]:
    return {"village": village, "number": number, "tags": ["脱贫户"], "head": HEAD}


# ---------------------------------------------------------------- schema and reference data


def test_openapi_schema_loads_and_lists_every_path(client: Client, db: None) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"] == {
        "title": "cunwu 村务 API", "version": "1", "description": schema["info"]["description"]
    }  # fmt: skip
    assert sorted(schema["paths"]) == [
        "/api/v1/assets/contracts",
        "/api/v1/assets/contracts/{pk}",
        "/api/v1/assets/contracts/{pk}/check",
        "/api/v1/assets/contracts/{pk}/end",
        "/api/v1/assets/contracts/{pk}/files",
        "/api/v1/assets/contracts/{pk}/publish",
        "/api/v1/assets/inventories",
        "/api/v1/assets/inventories/{pk}",
        "/api/v1/assets/inventories/{pk}/close",
        "/api/v1/assets/inventories/{pk}/lines",
        "/api/v1/assets/inventories/{pk}/publish",
        "/api/v1/assets/inventories/{pk}/surplus",
        "/api/v1/assets/inventory-lines/{pk}/count",
        "/api/v1/assets/inventory-lines/{pk}/reconcile",
        "/api/v1/assets/journal/accounts",
        "/api/v1/assets/journal/balances",
        "/api/v1/assets/journal/entries",
        "/api/v1/assets/journal/entries/{pk}",
        "/api/v1/assets/journal/entries/{pk}/confirm",
        "/api/v1/assets/journal/entries/{pk}/files",
        "/api/v1/assets/journal/entries/{pk}/reverse",
        "/api/v1/assets/journal/entries/{pk}/review",
        "/api/v1/assets/journal/months/close",
        "/api/v1/assets/journal/statement",
        "/api/v1/assets/payments",
        "/api/v1/assets/payments/{pk}/reverse",
        "/api/v1/assets/receivables",
        "/api/v1/assets/receivables/aging",
        "/api/v1/assets/registers",
        "/api/v1/assets/registers/import",
        "/api/v1/assets/registers/{pk}",
        "/api/v1/assets/registers/{pk}/dispose",
        "/api/v1/assets/registers/{pk}/files",
        "/api/v1/assets/reminders",
        "/api/v1/assets/reminders/{pk}/done",
        "/api/v1/assets/reports/monthly",
        "/api/v1/assets/reports/overview",
        "/api/v1/assets/reports/{village}/{year}/publish",
        "/api/v1/audit/events",
        "/api/v1/audit/history/{object_type}/{object_id}",
        "/api/v1/benefits/batches",
        "/api/v1/benefits/batches/{pk}",
        "/api/v1/benefits/batches/{pk}/publish",
        "/api/v1/benefits/payments",
        "/api/v1/benefits/payments/{pk}/reverse",
        "/api/v1/calendar/{year}",
        "/api/v1/cases",
        "/api/v1/cases/{pk}",
        "/api/v1/cases/{pk}/advance",
        "/api/v1/cases/{pk}/comment",
        "/api/v1/cases/{pk}/return",
        "/api/v1/cases/{pk}/stop",
        "/api/v1/decisions",
        "/api/v1/decisions/{pk}",
        "/api/v1/decisions/{pk}/meetings",
        "/api/v1/decisions/{pk}/notices",
        "/api/v1/feedback",
        "/api/v1/feedback/stats",
        "/api/v1/feedback/{pk}",
        "/api/v1/feedback/{pk}/close",
        "/api/v1/feedback/{pk}/replies",
        "/api/v1/feedback/{pk}/resolve",
        "/api/v1/groups",
        "/api/v1/health",
        "/api/v1/households",
        "/api/v1/households/{pk}",
        "/api/v1/households/{pk}/head",
        "/api/v1/households/{pk}/incomes/{year}/{category}",
        "/api/v1/households/{pk}/merge",
        "/api/v1/households/{pk}/persons",
        "/api/v1/households/{pk}/split",
        "/api/v1/list-items",
        "/api/v1/list-items/{pk}",
        "/api/v1/list-items/{pk}/adoptions",
        "/api/v1/list-items/{pk}/retire",
        "/api/v1/list-items/{pk}/revisions",
        "/api/v1/me",
        "/api/v1/monitoring/alerts",
        "/api/v1/monitoring/alerts/open-by-village",
        "/api/v1/monitoring/alerts/{pk}",
        "/api/v1/monitoring/alerts/{pk}/confirm",
        "/api/v1/monitoring/alerts/{pk}/dismiss",
        "/api/v1/monitoring/campaigns",
        "/api/v1/monitoring/campaigns/{pk}",
        "/api/v1/monitoring/campaigns/{pk}/assignments",
        "/api/v1/monitoring/campaigns/{pk}/close",
        "/api/v1/monitoring/campaigns/{pk}/my-households",
        "/api/v1/monitoring/campaigns/{pk}/visits",
        "/api/v1/monitoring/cases",
        "/api/v1/monitoring/cases/{pk}",
        "/api/v1/monitoring/cases/{pk}/appraise",
        "/api/v1/monitoring/cases/{pk}/compare",
        "/api/v1/monitoring/cases/{pk}/county",
        "/api/v1/monitoring/cases/{pk}/disclose",
        "/api/v1/monitoring/cases/{pk}/files",
        "/api/v1/monitoring/cases/{pk}/township",
        "/api/v1/monitoring/cases/{pk}/verify",
        "/api/v1/monitoring/cases/{pk}/withdraw",
        "/api/v1/monitoring/exits",
        "/api/v1/monitoring/exits/import",
        "/api/v1/monitoring/households",
        "/api/v1/monitoring/households/{pk}",
        "/api/v1/monitoring/households/{pk}/cadre",
        "/api/v1/monitoring/households/{pk}/plan",
        "/api/v1/monitoring/households/{pk}/risks",
        "/api/v1/monitoring/imports",
        "/api/v1/monitoring/imports/{pk}",
        "/api/v1/monitoring/imports/{pk}/errors",
        "/api/v1/monitoring/measures",
        "/api/v1/monitoring/measures/gaps",
        "/api/v1/monitoring/measures/overdue",
        "/api/v1/monitoring/measures/{pk}",
        "/api/v1/monitoring/measures/{pk}/end",
        "/api/v1/monitoring/measures/{pk}/follow-ups",
        "/api/v1/monitoring/monitored/{pk}/elimination-check",
        "/api/v1/monitoring/policies",
        "/api/v1/monitoring/policies/{region}/{year}",
        "/api/v1/monitoring/risks/{pk}/resolve",
        "/api/v1/monitoring/screening-runs",
        "/api/v1/monitoring/screening-runs/{pk}",
        "/api/v1/monitoring/stats",
        "/api/v1/notices",
        "/api/v1/notices/{pk}",
        "/api/v1/notices/{pk}/objections",
        "/api/v1/notices/{pk}/signoff",
        "/api/v1/notices/{pk}/submit",
        "/api/v1/notices/{pk}/withdraw",
        "/api/v1/objections/{pk}/handle",
        "/api/v1/persons/{pk}",
        "/api/v1/persons/{pk}/leave",
        "/api/v1/persons/{pk}/transfer",
        "/api/v1/points/balances",
        "/api/v1/points/batches",
        "/api/v1/points/events",
        "/api/v1/points/events/{pk}",
        "/api/v1/points/events/{pk}/reverse",
        "/api/v1/points/events/{pk}/review",
        "/api/v1/points/households/{pk}",
        "/api/v1/points/items/{pk}",
        "/api/v1/points/opening/{village}",
        "/api/v1/points/rankings",
        "/api/v1/points/rulebooks",
        "/api/v1/points/rulebooks/{code}/versions",
        "/api/v1/points/templates/{code}/default",
        "/api/v1/points/versions",
        "/api/v1/points/versions/{pk}",
        "/api/v1/points/versions/{pk}/adopt",
        "/api/v1/points/versions/{pk}/items",
        "/api/v1/points/versions/{pk}/record-adopted",
        "/api/v1/points/versions/{pk}/settings",
        "/api/v1/problems",
        "/api/v1/problems/stats",
        "/api/v1/problems/{pk}",
        "/api/v1/problems/{pk}/close",
        "/api/v1/problems/{pk}/progress",
        "/api/v1/public/benefits/query",
        "/api/v1/public/cases/{code}",
        "/api/v1/public/feedback",
        "/api/v1/public/feedback/{code}",
        "/api/v1/public/feedback/{code}/rating",
        "/api/v1/public/monitoring/cases",
        "/api/v1/public/monitoring/cases/{code}",
        "/api/v1/public/notices/{pk}",
        "/api/v1/public/notices/{pk}/broadcast",
        "/api/v1/public/notices/{pk}/objections",
        "/api/v1/public/notices/{pk}/renderings/{kind}",
        "/api/v1/public/objections/{code}",
        "/api/v1/public/regions/{code}/notices",
        "/api/v1/regions",
        "/api/v1/store/goods",
        "/api/v1/store/goods/{pk}",
        "/api/v1/store/goods/{pk}/receive",
        "/api/v1/store/goods/{pk}/write-off",
        "/api/v1/store/movements",
        "/api/v1/store/redemptions",
        "/api/v1/store/redemptions/{pk}",
        "/api/v1/store/redemptions/{pk}/cancel",
        "/api/v1/store/report",
        "/api/v1/store/report/publish",
        "/api/v1/store/stocktake",
        "/api/v1/village/awards",
        "/api/v1/village/care",
        "/api/v1/village/care/overdue",
        "/api/v1/village/care/{pk}",
        "/api/v1/village/care/{pk}/carer",
        "/api/v1/village/care/{pk}/end",
        "/api/v1/village/care/{pk}/visits",
        "/api/v1/village/households/{pk}/honours",
        "/api/v1/village/jobs",
        "/api/v1/village/jobs/holders/{holder_id}/attendance",
        "/api/v1/village/jobs/holders/{holder_id}/end",
        "/api/v1/village/jobs/payroll/{village}/{month}",
        "/api/v1/village/jobs/{post_id}",
        "/api/v1/village/jobs/{post_id}/holders",
        "/api/v1/village/jobs/{post_id}/retire",
        "/api/v1/village/labour-exports",
        "/api/v1/village/labour-exports/counts/{year}",
        "/api/v1/village/meeting-opinions",
        "/api/v1/village/meetings",
        "/api/v1/village/meetings/{meeting_id}",
        "/api/v1/village/meetings/{meeting_id}/attendance",
        "/api/v1/village/meetings/{meeting_id}/opinions",
        "/api/v1/village/meetings/{meeting_id}/photos",
        "/api/v1/village/meetings/{meeting_id}/publish",
        "/api/v1/village/rule-versions/{version_id}",
        "/api/v1/village/rule-versions/{version_id}/acknowledgements",
        "/api/v1/village/rule-versions/{version_id}/adopt",
        "/api/v1/village/rule-versions/{version_id}/coverage",
        "/api/v1/village/rules",
        "/api/v1/village/rules/{rule_id}",
        "/api/v1/village/rules/{rule_id}/versions",
        "/api/v1/village/sanitation/checklist/{code}",
        "/api/v1/village/sanitation/checklist/{code}/default",
        "/api/v1/village/sanitation/checklist/{code}/items",
        "/api/v1/village/sanitation/duties",
        "/api/v1/village/sanitation/handover",
        "/api/v1/village/sanitation/items/{pk}",
        "/api/v1/village/sanitation/items/{pk}/restore",
        "/api/v1/village/sanitation/items/{pk}/retire",
        "/api/v1/village/sanitation/members",
        "/api/v1/village/sanitation/posts",
        "/api/v1/village/sanitation/posts/{pk}",
        "/api/v1/village/sanitation/posts/{pk}/restore",
        "/api/v1/village/sanitation/posts/{pk}/retire",
        "/api/v1/village/sanitation/rounds",
        "/api/v1/village/sanitation/rounds/{pk}/photos",
        "/api/v1/village/sanitation/rounds/{pk}/scores",
        "/api/v1/village/sanitation/scores/{pk}/points",
        "/api/v1/village/sanitation/sections",
        "/api/v1/village/sanitation/sections/{pk}",
        "/api/v1/village/sanitation/sections/{pk}/restore",
        "/api/v1/village/sanitation/sections/{pk}/retire",
        "/api/v1/village/sanitation/waste",
        "/api/v1/village/selections",
        "/api/v1/village/selections/{pk}",
        "/api/v1/village/selections/{pk}/appraise",
        "/api/v1/village/selections/{pk}/cancel",
        "/api/v1/village/selections/{pk}/nominations",
        "/api/v1/village/selections/{pk}/nominations/ranking",
        "/api/v1/village/selections/{pk}/publish",
        "/api/v1/village/selections/{pk}/votes",
        "/api/v1/village/training",
        "/api/v1/village/training/attendees/{attendee_id}/attendance",
        "/api/v1/village/training/attendees/{attendee_id}/certificates",
        "/api/v1/village/training/attendees/{attendee_id}/outcome",
        "/api/v1/village/training/{session_id}",
        "/api/v1/village/training/{session_id}/attendees",
        "/api/v1/village/workshops",
        "/api/v1/village/workshops/employments/{employment_id}/end",
        "/api/v1/village/workshops/sheets",
        "/api/v1/village/workshops/stats",
        "/api/v1/village/workshops/{workshop_id}",
        "/api/v1/village/workshops/{workshop_id}/assessments",
        "/api/v1/village/workshops/{workshop_id}/employments",
        "/api/v1/village/workshops/{workshop_id}/reports",
        "/api/v1/village/workshops/{workshop_id}/steps",
    ]
    error = schema["components"]["schemas"]["ErrorOut"]
    assert set(error["properties"]) == {"code", "message", "field", "errors"}
    assert client.get("/api/v1/docs").status_code == 200


def test_regions_are_reference_data_for_any_user(api_as: Callable[[str], ApiClient]) -> None:
    api = api_as("另一村的村干部")
    body = api.get("/regions", parent="430423100000").json()
    assert body == {
        "items": [
            {"code": JIULONG, "name": "九龙村委会", "level": 5, "parent": "430423100000",
             "retired": False},
            {"code": BALI, "name": "八里村委会", "level": 5, "parent": "430423100000",
             "retired": False},
        ],
        "count": 2, "page": 1, "page_size": 50,
    }  # fmt: skip
    assert api.get("/regions", level=3, q="衡山").json()["count"] == 1
    assert api.get("/regions", level=6).status_code == 422


# ---------------------------------------------------------------- reads


def test_household_list_pages_and_shows_the_head(
    api_as: Callable[[str], ApiClient], staff: User, jiulong: Region
) -> None:
    for n in range(1, 6):
        make_household(staff, jiulong, f"{n:04d}", f"张{n}")
    api = api_as("九龙村村干部")
    page3 = api.get("/households", page_size=2, page=3).json()
    assert (page3["count"], page3["page"], page3["page_size"]) == (5, 3, 2)
    assert [(h["number"], h["head_name"], h["member_count"]) for h in page3["items"]] == [
        ("0005", "张5", 1)
    ]
    assert page3["items"][0]["village_name"] == "九龙村委会"
    assert api.get("/households", page_size=200).status_code == 200
    assert api.get("/households", page_size=201).status_code == 422
    assert api.get("/households", page=0).status_code == 422


def test_household_list_search(api_as: Callable[[str], ApiClient], household: Household) -> None:
    api = api_as("九龙村村干部")
    assert api.get("/households", q="李四").json()["count"] == 1
    assert api.get("/households", q="010015").json()["count"] == 1  # last digits of an ID
    assert api.get("/households", q="王五").json()["count"] == 0
    assert api.get("/households", tag="低保户").json()["count"] == 0


def test_household_detail_masks_ids_and_lists_members_incomes_and_events(
    api_as: Callable[[str], ApiClient], household: Household
) -> None:
    body = api_as("九龙村监委会委员").get(f"/households/{household.pk}").json()
    assert [(m["name"], m["relation"]) for m in body["members"]] == [
        ("张三", "户主"), ("李四", "配偶"), ("张小明", "子"),
    ]  # fmt: skip
    head = body["members"][0]
    assert (head["id_masked"], head["id_number"], head["phone"]) == (
        "430423********0015", None, None,
    )  # fmt: skip
    assert (head["gender"], head["birth_date"], head["household"]) == (
        "男", "1970-01-01", household.pk,
    )  # fmt: skip
    assert (body["head_name"], body["member_count"], body["incomes"]) == ("张三", 3, [])
    assert [e["kind_label"] for e in body["life_events"]] == ["登记"] * 3
    assert not AuditEvent.objects.filter(action="registry.reveal_id").exists()


# ---------------------------------------------------------------- writes


def test_create_household_with_its_head(
    api_as: Callable[[str], ApiClient], jiulong: Region
) -> None:
    group = VillageGroup.objects.create(village=jiulong, name="第一组", number=1)
    response = api_as("九龙村村干部").post("/households", {**_create_body(), "group": group.pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["number"], body["tags"], body["group"], body["group_name"]) == (
        "0100", ["脱贫户"], group.pk, "第一组",
    )  # fmt: skip
    head = Person.objects.get(household_id=body["id"])
    assert head.name == "王𠮷"
    assert (head.gender, str(head.birth_date)) == ("男", "1966-06-06")
    assert person_id_number(head) == HEAD["id_number"]
    # the token's creation and the household's
    assert audit_verify() == (2, None)


def test_a_village_outside_scope_or_not_a_village_is_refused(
    api_as: Callable[[str], ApiClient], regions: dict[str, Region]
) -> None:
    api = api_as("九龙村村干部")
    for code in [BALI, "999999999999"]:
        response = api.post("/households", _create_body(village=code))
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), code
    township = api_as("开云镇干部").post("/households", _create_body(village="430423100000"))
    assert (township.status_code, township.json()) == (400, {
        "code": "not_a_village", "message": "户只能建在村（社区）下", "field": "village",
    })  # fmt: skip
    assert not Household.objects.exists()


def test_group_of_another_village_is_refused(
    api_as: Callable[[str], ApiClient], regions: dict[str, Region]
) -> None:
    other = VillageGroup.objects.create(village=regions[BALI], name="第一组", number=1)
    response = api_as("九龙村村干部").post("/households", {**_create_body(), "group": other.pk})
    assert (response.status_code, response.json()["code"]) == (400, "group_not_found")
    assert response.json()["field"] == "group"
    assert not Household.objects.exists()


def test_patch_household_keeps_what_is_not_given(
    api_as: Callable[[str], ApiClient], household: Household, jiulong: Region
) -> None:
    group = VillageGroup.objects.create(village=jiulong, name="第一组", number=1)
    api = api_as("九龙村村干部")
    assert api.patch(f"/households/{household.pk}", {"address": "九龙村3组"}).status_code == 200
    assert api.patch(f"/households/{household.pk}", {"tags": ["低保户"]}).status_code == 200
    assert api.patch(f"/households/{household.pk}", {"group": group.pk}).status_code == 200
    household.refresh_from_db()
    assert (household.address, household.tags, household.group_id) == (
        "九龙村3组", "|低保户|", group.pk,
    )  # fmt: skip
    assert api.patch(f"/households/{household.pk}", {"group": None}).status_code == 200
    household.refresh_from_db()
    assert (household.address, household.group_id) == ("九龙村3组", None)
    bad = api.patch(f"/households/{household.pk}", {"tags": ["富户"]})
    assert (bad.status_code, bad.json()["code"], bad.json()["field"]) == (
        400, "tag_invalid", "tags",
    )  # fmt: skip


def test_patch_person_changes_only_the_given_fields(
    api_as: Callable[[str], ApiClient], household: Household
) -> None:
    son = household.members.get(name="张小明")
    api = api_as("九龙村村干部")
    first = api.patch(f"/persons/{son.pk}", {"education": "高中", "phone": "138 0013 8000",
                                             "medical_insurance": True})  # fmt: skip
    assert first.status_code == 200, first.content
    second = api.patch(f"/persons/{son.pk}", {"work_place": "衡阳市", "name": None})
    assert second.status_code == 200, second.content
    son.refresh_from_db()
    assert (son.name, son.relation, son.education, son.work_place, son.medical_insurance) == (
        "张小明", "子", "高中", "衡阳市", True,
    )  # fmt: skip
    assert person_phone(son) == "13800138000"
    assert person_id_number(son) == make_id_number(3, birth="20050607")
    assert second.json()["phone_masked"] == "138****8000"
    real = make_id_number(3, birth="20050607")
    wrong = real[:-1] + ("1" if real[-1] != "1" else "2")
    bad = api.patch(f"/persons/{son.pk}", {"id_number": wrong})
    assert (bad.status_code, bad.json()["code"], bad.json()["field"]) == (
        400, "id_number_check_digit", "id_number",
    )  # fmt: skip
    son.refresh_from_db()
    assert person_id_number(son) == make_id_number(3, birth="20050607")
    cleared = api.patch(f"/persons/{son.pk}", {"phone": ""})
    assert (cleared.status_code, cleared.json()["phone_masked"]) == (200, "")
    son.refresh_from_db()
    assert (person_phone(son), son.phone_enc) == ("", "")


def test_add_a_newborn_with_a_pending_id(
    api_as: Callable[[str], ApiClient], household: Household
) -> None:
    body = {
        "name": "张小宝", "relation": "孙子", "id_pending_reason": "新生儿尚未落户",
        "gender": "男", "birth_date": "2026-10-01", "kind": "birth", "date": "2026-10-01",
    }  # fmt: skip
    response = api_as("九龙村村干部").post(f"/households/{household.pk}/persons", body)
    assert response.status_code == 201, response.content
    assert (response.json()["id_masked"], response.json()["id_pending_reason"]) == (
        "", "新生儿尚未落户",
    )  # fmt: skip
    event = LifeEvent.objects.get(person__name="张小宝")
    assert (event.kind, str(event.date)) == ("birth", "2026-10-01")
    wrong = api_as("九龙村村干部").post(
        f"/households/{household.pk}/persons", {**body, "name": "张二宝", "kind": "death"}
    )
    assert wrong.status_code == 422


def test_head_change_then_the_former_head_may_leave(
    api_as: Callable[[str], ApiClient], household: Household
) -> None:
    api = api_as("九龙村村干部")
    head = household.members.get(name="张三")
    refused = api.post(f"/persons/{head.pk}/leave", {"kind": "death", "date": "2026-02-01"})
    assert (refused.status_code, refused.json()["code"]) == (400, "head_leaving")
    wife = household.members.get(name="李四")
    changed = api.post(
        f"/households/{household.pk}/head", {"person": wife.pk, "old_head_relation": "配偶"}
    )
    assert (changed.status_code, changed.json()["head_name"]) == (200, "李四")
    left = api.post(f"/persons/{head.pk}/leave", {"kind": "death", "date": "2026-02-01"})
    assert (left.status_code, left.json()["status"]) == (200, "deceased")
    assert api.get(f"/households/{household.pk}").json()["member_count"] == 2


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
    assert Household.objects.get(pk=new_id).status == "dissolved"
    r = api.post(f"/persons/{wife.pk}/leave", {"kind": "death", "date": "2026-02-01"})
    assert (r.status_code, r.json()["status"]) == (200, "deceased")
    future = api.post(f"/persons/{son.pk}/leave", {"kind": "move_out", "date": "2999-01-01"})
    assert (future.status_code, future.json()["code"]) == (400, "date_future")
    assert audit_verify()[1] is None


def test_split_refuses_a_member_of_another_household(
    api_as: Callable[[str], ApiClient], household: Household, staff: User, jiulong: Region
) -> None:
    other = make_household(staff, jiulong, "0002", "王五", head_id=make_id_number(9))
    stranger = other.members.get()
    body = {"members": [stranger.pk], "new_head": stranger.pk, "number": "0003",
            "date": "2026-01-03"}  # fmt: skip
    response = api_as("九龙村村干部").post(f"/households/{household.pk}/split", body)
    assert (response.status_code, response.json()["code"]) == (400, "not_member")
    assert Household.objects.count() == 2


def test_income_in_fen_or_yuan_and_per_capita(
    api_as: Callable[[str], ApiClient], household: Household
) -> None:
    api = api_as("九龙村村干部")
    base = f"/households/{household.pk}/incomes/2025"
    assert api.put(f"{base}/wages", {"amount_fen": 3_000_000}).json() == {
        "household": household.pk, "year": 2025, "category": "wages", "amount_fen": 3_000_000,
        "note": "",
    }  # fmt: skip
    assert api.put(f"{base}/business", {"amount_yuan": "10,000.00"}).status_code == 200
    assert api.put(f"{base}/business_expense", {"amount_yuan": "4000"}).status_code == 200
    assert api.put(f"{base}/lottery", {"amount_fen": 1}).status_code == 422
    both = api.put(f"{base}/wages", {"amount_fen": 1, "amount_yuan": "1"})
    assert (both.status_code, both.json()["code"]) == (400, "amount_missing")
    negative = api.put(f"{base}/wages", {"amount_fen": -5})
    assert (negative.status_code, negative.json()["code"]) == (400, "amount_negative")
    cents = api.put(f"{base}/wages", {"amount_yuan": "1.234"})
    assert (cents.status_code, cents.json()["code"], cents.json()["field"]) == (
        400, "amount_precision", "amount_yuan",
    )  # fmt: skip
    future = api.put(f"/households/{household.pk}/incomes/2999/wages", {"amount_fen": 1})
    assert (future.status_code, future.json()["code"]) == (400, "year_invalid")
    detail = api.get(f"/households/{household.pk}").json()
    # (30,000 + 10,000 − 4,000) ÷ 3 = 12,000 元
    assert detail["incomes"] == [
        {"year": 2025, "per_capita_net_income": 1_200_000,
         "amounts": {"business": 1_000_000, "business_expense": 400_000, "wages": 3_000_000}}
    ]  # fmt: skip
    assert IncomeRecord.objects.count() == 3
