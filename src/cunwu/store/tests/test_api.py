from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cunwu.registry.models import Household
from cunwu.store.models import Goods, Redemption
from cunwu.testing import JIULONG

from .conftest import available, stock_of

pytestmark = pytest.mark.django_db

Api = Callable[[str], Any]


def test_goods_are_listed_in_scope_and_created_and_changed(api_as: Api, rice: Goods) -> None:
    cadre = api_as("九龙村村干部")
    listing = cadre.get("/store/goods", q="米").json()
    assert listing["count"] == 1
    assert listing["items"][0] | {"photo": ""} == {
        "id": rice.pk, "village": JIULONG, "village_name": "九龙村委会", "name": "大米",
        "points_price": 50, "unit": "袋", "stock": 10, "active": True, "photo": "",
    }  # fmt: skip
    assert api_as("另一村的村干部").get("/store/goods").json()["count"] == 0
    assert api_as("另一村的村干部").get(f"/store/goods/{rice.pk}").status_code == 404
    created = cadre.post("/store/goods", {"village": JIULONG, "name": "盐", "points_price": 5})
    assert created.status_code == 201
    assert created.json()["unit"] == "件"
    duplicate = cadre.post("/store/goods", {"village": JIULONG, "name": "盐", "points_price": 5})
    assert (duplicate.status_code, duplicate.json()["code"]) == (400, "goods_name_taken")
    assert duplicate.json()["field"] == "name"
    changed = cadre.patch(f"/store/goods/{rice.pk}", {"points_price": 55, "active": False})
    assert (changed.json()["points_price"], changed.json()["active"]) == (55, False)
    refused = api_as("九龙村监委会委员").patch(f"/store/goods/{rice.pk}", {"points_price": 1})
    assert refused.status_code == 403


def test_stock_is_received_written_off_and_counted(api_as: Api, rice: Goods) -> None:
    cadre = api_as("九龙村村干部")
    received = cadre.post(
        f"/store/goods/{rice.pk}/receive",
        {"kind": "donation", "quantity": 5, "donor": "爱心企业", "declared_value": "100.5"},
    )
    assert received.status_code == 201
    assert (received.json()["quantity"], received.json()["declared_value_fen"]) == (5, 10050)
    no_donor = cadre.post(f"/store/goods/{rice.pk}/receive", {"kind": "donation", "quantity": 1})
    assert no_donor.json()["code"] == "donor_empty"
    too_many = cadre.post(f"/store/goods/{rice.pk}/write-off", {"quantity": 99, "reason": "霉变"})
    assert (too_many.status_code, too_many.json()["code"]) == (409, "insufficient_stock")
    cadre.post(f"/store/goods/{rice.pk}/write-off", {"quantity": 2, "reason": "霉变"})
    counted = cadre.post(
        "/store/stocktake", {"village": JIULONG, "counts": [{"goods": rice.pk, "counted": 12}]}
    )
    assert counted.status_code == 200
    assert [m["quantity"] for m in counted.json()] == [-1]
    assert stock_of(rice) == 12
    kinds = [m["kind"] for m in cadre.get("/store/movements", goods=rice.pk).json()["items"]]
    assert kinds == ["stocktake", "write_off", "donation", "donation"]


def test_a_redemption_over_the_api_charges_once_per_key(
    api_as: Api, funded: Household, rice: Goods, oil: Goods
) -> None:
    cadre = api_as("九龙村村干部")
    body = {"household": funded.pk, "lines": [{"goods": rice.pk, "quantity": 2},
                                              {"goods": oil.pk, "quantity": 1}]}  # fmt: skip
    first = cadre.client.post(
        "/api/v1/store/redemptions", body, content_type="application/json",
        headers={**cadre.headers, "Idempotency-Key": "api-1"},
    )  # fmt: skip
    again = cadre.post("/store/redemptions", {**body, "idempotency_key": "api-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    data = first.json()
    assert data["number"] == f"DH{timezone.localdate():%Y%m%d}-0001"
    assert data["total_points"] == 180
    assert [(li["goods_name"], li["quantity"], li["points"]) for li in data["lines"]] == [
        ("大米", 2, 100), ("食用油", 1, 80),
    ]  # fmt: skip
    assert (Redemption.objects.count(), available(funded)) == (1, 320)
    conflict = cadre.post("/store/redemptions", {**body, "lines": [{"goods": rice.pk,
                                                                     "quantity": 1}],
                                                 "idempotency_key": "api-1"})  # fmt: skip
    assert (conflict.status_code, conflict.json()["code"]) == (409, "idempotency_conflict")
    no_key = cadre.post("/store/redemptions", body)
    assert no_key.json()["code"] == "idempotency_key"
    broke = cadre.post("/store/redemptions", {**body, "lines": [{"goods": rice.pk,
                                                                  "quantity": 8}],
                                              "idempotency_key": "api-2"})  # fmt: skip
    assert (broke.status_code, broke.json()["code"]) == (409, "insufficient_points")
    listing = cadre.get("/store/redemptions", q="张三").json()
    assert [r["number"] for r in listing["items"]] == [data["number"]]
    cancelled = cadre.post(f"/store/redemptions/{data['id']}/cancel", {"reason": "退货"})
    assert cancelled.json()["status"] == "cancelled"
    assert available(funded) == 500
    twice = cadre.post(f"/store/redemptions/{data['id']}/cancel", {"reason": "退货"})
    assert (twice.status_code, twice.json()["code"]) == (409, "cancel_twice")
    other = api_as("另一村的村干部")
    assert other.post("/store/redemptions", {**body, "idempotency_key": "x"}).status_code == 404
    assert other.get(f"/store/redemptions/{data['id']}").status_code == 404


def test_the_report_over_the_api(api_as: Api, funded: Household, rice: Goods) -> None:
    cadre = api_as("九龙村村干部")
    cadre.post("/store/redemptions", {"household": funded.pk, "idempotency_key": "r",
                                      "lines": [{"goods": rice.pk, "quantity": 3}]})  # fmt: skip
    today = timezone.localdate()
    data = cadre.get("/store/report", village=JIULONG, year=today.year, month=today.month).json()
    assert [(g["name"], g["opening"], g["donation"], g["redemption"], g["closing"])
            for g in data["goods"]] == [("大米", 0, 10, 3, 7)]  # fmt: skip
    assert (data["redemptions"], data["points"]) == (1, 150)
    assert data["households"][0]["head"] == "张三"
    published = cadre.post(
        "/store/report/publish", {"village": JIULONG, "year": today.year, "month": today.month}
    )
    assert published.status_code == 201
    outside = api_as("另一村的村干部").get("/store/report", village=JIULONG, year=2026, month=11)
    assert outside.status_code == 404


def test_store_operations_need_a_token() -> None:
    client = Client()
    assert client.get("/api/v1/store/goods").status_code == 401
    assert (
        client.post("/api/v1/store/redemptions", {}, content_type="application/json").status_code
        == 401
    )
