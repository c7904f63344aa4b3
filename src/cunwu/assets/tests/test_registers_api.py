"""The registers and the yearly inventory over the API: scope, errors, query counts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from cunwu.assets.models import Asset
from cunwu.disclosure.models_lists import Decision
from cunwu.testing import BALI, JIULONG, business_events

pytestmark = pytest.mark.django_db

BODY = {"village": JIULONG, "category": "building", "name": "村部闲置厂房", "quantity": "320",
        "unit": "平方米", "original_value": "12000.50", "reference_price": "9600"}  # fmt: skip


def test_create_read_patch_and_files(api_as: Callable[[str], Any]) -> None:
    api = api_as("九龙村村干部")
    created = api.post("/assets/registers", BODY)
    assert created.status_code == 201, created.json()
    item = created.json()
    assert (item["number"], item["original_value_fen"], item["book_value_fen"]) == (
        "ZC-0001", 1_200_050, 1_200_050,
    )  # fmt: skip
    assert (item["asset_class"], item["reference_price_fen"]) == ("asset", 960_000)
    pk = item["id"]
    patched = api.patch(f"/assets/registers/{pk}", {"book_value": "9000", "reference_price": ""})
    assert patched.status_code == 200
    assert (patched.json()["book_value_fen"], patched.json()["reference_price_fen"]) == (
        900_000, None,
    )  # fmt: skip
    assert api.get(f"/assets/registers/{pk}/files").json() == []
    before = (Asset.objects.count(), business_events().count())
    bad = api.post("/assets/registers", BODY | {"original_value": "12.345"})
    assert bad.status_code == 400
    assert bad.json()["field"] == "original_value" and "两位小数" in bad.json()["message"]
    assert api.post("/assets/registers", BODY | {"original_value": "-1"}).status_code == 400
    assert api.patch(f"/assets/registers/{pk}", {"quantity": "0"}).status_code == 400
    assert api.post("/assets/registers", BODY | {"status": "disposed"}).status_code == 422
    assert (Asset.objects.count(), business_events().count()) == before


def test_scope_of_the_api(api_as: Callable[[str], Any]) -> None:
    pk = api_as("九龙村村干部").post("/assets/registers", BODY).json()["id"]
    api_as("八里村村干部").post("/assets/registers", BODY | {"village": BALI, "name": "会堂"})
    other = api_as("另一村的村干部")
    assert other.get(f"/assets/registers/{pk}").status_code == 404
    assert other.patch(f"/assets/registers/{pk}", {"name": "x"}).status_code == 404
    assert other.get("/assets/registers").json()["count"] == 0
    supervisor = api_as("九龙村监委会委员")
    assert supervisor.get(f"/assets/registers/{pk}").status_code == 200
    assert supervisor.patch(f"/assets/registers/{pk}", {"name": "x"}).status_code == 403
    assert supervisor.post("/assets/registers", BODY).status_code == 403
    assert supervisor.post("/assets/inventories", {"village": JIULONG, "year": 2025}
                           ).status_code == 403  # fmt: skip
    township = api_as("开云镇干部").get("/assets/registers").json()
    assert sorted(i["village"] for i in township["items"]) == [JIULONG, BALI]
    assert api_as("开云镇干部").get("/assets/registers", region=BALI).json()["count"] == 1


def test_dispose_over_the_api(api_as: Callable[[str], Any], passed_decision: Decision) -> None:
    api = api_as("九龙村村干部")
    pk = api.post("/assets/registers", BODY).json()["id"]
    body = {"kind": "sale", "date": timezone.localdate().isoformat(), "proceeds": "500"}
    refused = api.post(f"/assets/registers/{pk}/dispose", body)
    assert refused.status_code == 400 and refused.json()["code"] == "decision_required"
    done = api.post(f"/assets/registers/{pk}/dispose", body | {"decision": passed_decision.pk})
    assert done.status_code == 201
    assert (done.json()["book_value_fen"], done.json()["proceeds_fen"]) == (1_200_050, 50_000)
    assert api.get(f"/assets/registers/{pk}").json()["status"] == "disposed"
    assert api.patch(f"/assets/registers/{pk}", {"name": "x"}).status_code == 409


def test_inventory_over_the_api(api_as: Callable[[str], Any]) -> None:
    api = api_as("九龙村村干部")
    api.post("/assets/registers", BODY)
    year = timezone.localdate().year
    campaign = api.post("/assets/inventories", {"village": JIULONG, "year": year})
    assert campaign.status_code == 201 and campaign.json()["lines"] == 1
    cid = campaign.json()["id"]
    assert api.post("/assets/inventories", {"village": JIULONG, "year": year}).status_code == 409
    line = api.get(f"/assets/inventories/{cid}/lines").json()["items"][0]
    counter = api_as("九龙村工作队员")
    counted = counter.post(f"/assets/inventory-lines/{line['id']}/count",
                           {"counted_quantity": "0", "counted_status": ""})  # fmt: skip
    assert counted.json()["result"] == "missing"
    surplus = counter.post(f"/assets/inventories/{cid}/surplus", {
        "category": "machinery", "name": "旧抽水机", "unit": "台", "counted_quantity": "1",
        "counted_status": "idle"})  # fmt: skip
    assert surplus.status_code == 201
    assert api.post(f"/assets/inventories/{cid}/close").json()["code"] == "inventory_unreconciled"
    api.post(f"/assets/inventory-lines/{line['id']}/reconcile",
             {"resolution": "按处置程序办理", "adjust": False})  # fmt: skip
    api.post(f"/assets/inventory-lines/{surplus.json()['id']}/reconcile",
             {"resolution": "入账", "adjust": True})  # fmt: skip
    closed = api.post(f"/assets/inventories/{cid}/close")
    assert closed.status_code == 200
    assert closed.json()["summary"]["total"] == {
        "entries": 2, "matched": 0, "different": 0, "missing": 1, "surplus": 1,
        "book_value_fen": 1_200_050,
    }  # fmt: skip
    published = api.post(f"/assets/inventories/{cid}/publish")
    assert published.status_code == 201
    assert api_as("另一村的村干部").get(f"/assets/inventories/{cid}").status_code == 404


def test_list_endpoints_query_count_does_not_grow(
    api_as: Callable[[str], Any], django_assert_max_num_queries: Any
) -> None:
    api = api_as("九龙村村干部")
    reader = api_as("开云镇干部")
    for i in range(5):
        api.post("/assets/registers", BODY | {"name": f"厂房{i}"})
    reader.get("/assets/registers")
    with django_assert_max_num_queries(10) as few:
        assert reader.get("/assets/registers").json()["count"] == 5
    for i in range(5, 40):
        api.post("/assets/registers", BODY | {"name": f"厂房{i}"})
    with django_assert_max_num_queries(10) as many:
        assert reader.get("/assets/registers").json()["count"] == 40
    assert len(many.captured_queries) == len(few.captured_queries)
    api.post("/assets/inventories", {"village": JIULONG, "year": timezone.localdate().year})
    with django_assert_max_num_queries(10):
        assert reader.get("/assets/inventories").json()["items"][0]["lines"] == 40


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def post_file(api: Any, path: str, name: str, data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return api.client.post(
        f"/api/v1{path}", {"file": SimpleUploadedFile(name, data)}, headers=api.headers
    )


def test_register_files_upload_over_the_api(api_as: Callable[[str], Any]) -> None:
    api = api_as("九龙村村干部")
    pk = api.post("/assets/registers", BODY).json()["id"]
    sent = post_file(api, f"/assets/registers/{pk}/files?kind=photo", "厂房.png", PNG)
    assert sent.status_code == 201, sent.content
    assert (sent.json()["original_name"], sent.json()["content_type"], sent.json()["size"]) == (
        "厂房.png", "image/png", len(PNG),
    )  # fmt: skip
    assert [f["id"] for f in api.get(f"/assets/registers/{pk}/files").json()] == [sent.json()["id"]]
    before = business_events().count()
    text = post_file(api, f"/assets/registers/{pk}/files?kind=photo", "a.png", b"not an image")
    assert text.status_code == 400 and text.json()["message"]
    assert post_file(api, f"/assets/registers/{pk}/files?kind=x", "a.png", PNG).status_code == 422
    assert business_events().count() == before
    assert post_file(api_as("另一村的村干部"), f"/assets/registers/{pk}/files", "a.png",
                     PNG).status_code == 404  # fmt: skip
    assert post_file(api_as("九龙村监委会委员"), f"/assets/registers/{pk}/files", "a.png",
                     PNG).status_code == 403  # fmt: skip
    assert len(api.get(f"/assets/registers/{pk}/files").json()) == 1
