from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.disclosure.models import Notice
from cunwu.registry.models import Household
from cunwu.store.models import Goods, Redemption, RedemptionStatus, StockMovement
from cunwu.store.services import redemption_create, stock_receive
from cunwu.testing import JIULONG, TEST_PASSWORD

from .conftest import available, stock_of

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def client_as(persona: Callable[[str], User]) -> Callable[[str], Client]:
    def make(name: str) -> Client:
        client = Client()
        assert client.login(username=persona(name).username, password=TEST_PASSWORD)
        return client

    return make


@pytest.fixture
def redemption(staff: User, funded: Household, rice: Goods) -> Redemption:
    return redemption_create(actor=staff, household=funded, lines=[(rice, 2)], idempotency_key="v1")


def test_object_pages_are_404_outside_the_village(
    client_as: Callable[[str], Client], rice: Goods, redemption: Redemption, funded: Household
) -> None:
    other = client_as("另一村的村干部")
    for url in (
        reverse("store:goods_detail", args=[rice.pk]),
        reverse("store:goods_edit", args=[rice.pk]),
        reverse("store:goods_receive", args=[rice.pk]),
        reverse("store:goods_write_off", args=[rice.pk]),
        reverse("store:receipt", args=[redemption.pk]),
        reverse("store:stocktake", args=[JIULONG]),
        reverse("store:report", args=[JIULONG]),
        reverse("store:labels", args=[JIULONG]),
        reverse("store:counter") + f"?household={funded.pk}",
    ):
        assert other.get(url).status_code == 404, url
    assert other.post(reverse("store:redemption_cancel", args=[redemption.pk]),
                      {"reason": "x"}).status_code == 404  # fmt: skip
    assert other.post(reverse("store:counter_redeem", args=[funded.pk]),
                      {"key": "z", f"q_{rice.pk}": "1"}).status_code == 404  # fmt: skip
    page = other.get(reverse("store:index")).content.decode()
    assert "大米" not in page
    assert "大米" not in other.get(reverse("store:redemption_list")).content.decode()


def test_the_village_cadre_sees_goods_stock_and_movements(
    client_as: Callable[[str], Client], rice: Goods, redemption: Redemption,
    django_assert_max_num_queries: Any,
) -> None:  # fmt: skip
    client = client_as("九龙村村干部")
    with django_assert_max_num_queries(15):
        page = client.get(reverse("store:index")).content.decode()
    assert "大米" in page and "8袋" in page
    detail = client.get(reverse("store:goods_detail", args=[rice.pk])).content.decode()
    assert "捐赠入库" in detail and "兑换出库" in detail and redemption.number in detail
    with django_assert_max_num_queries(15):
        assert client.get(reverse("store:movement_list")).status_code == 200
    # ² passes isdigit() but not int(): all goods, not a 500
    assert client.get(reverse("store:movement_list"), {"goods": "²"}).status_code == 200
    with django_assert_max_num_queries(15):
        listing = client.get(reverse("store:redemption_list"), {"q": "张三"}).content.decode()
    assert redemption.number in listing
    export = client.get(reverse("store:index"), {"format": "xlsx"})
    assert export["Content-Type"] == XLSX
    assert client.get(reverse("store:redemption_list"), {"format": "xlsx"})["Content-Type"] == XLSX


def test_the_supervisor_sees_but_cannot_manage(
    client_as: Callable[[str], Client], rice: Goods
) -> None:
    client = client_as("九龙村监委会委员")
    assert client.get(reverse("store:goods_detail", args=[rice.pk])).status_code == 200
    assert client.get(reverse("store:goods_receive", args=[rice.pk])).status_code == 403
    assert client.get(reverse("store:counter")).status_code == 403


def test_goods_are_created_and_received_through_the_forms(
    client_as: Callable[[str], Client], jiulong: Region
) -> None:
    client = client_as("九龙村村干部")
    response = client.post(
        reverse("store:goods_create"),
        {"village": JIULONG, "name": "洗衣粉", "points_price": "20", "unit": "袋", "active": "on"},
    )
    goods = Goods.objects.get(name="洗衣粉")
    assert response.status_code == 302
    bad = client.post(
        reverse("store:goods_receive", args=[goods.pk]), {"kind": "donation", "quantity": "3"}
    )
    assert "请填写捐赠方" in bad.content.decode()
    client.post(
        reverse("store:goods_receive", args=[goods.pk]),
        {"kind": "donation", "quantity": "3", "donor": "爱心人士", "declared_value": "15"},
    )
    assert stock_of(goods) == 3
    client.post(reverse("store:goods_write_off", args=[goods.pk]),
                {"quantity": "1", "reason": "破损"})  # fmt: skip
    client.post(reverse("store:stocktake", args=[JIULONG]), {f"count_{goods.pk}": "1"})
    assert stock_of(goods) == 1
    assert list(StockMovement.objects.filter(goods=goods).values_list("kind", flat=True)) == [
        "stocktake", "write_off", "donation",
    ]  # fmt: skip


def test_the_counter_charges_a_double_submitted_basket_once(
    client_as: Callable[[str], Client], funded: Household, rice: Goods, oil: Goods
) -> None:
    client = client_as("九龙村村干部")
    found = client.get(reverse("store:counter"), {"q": "张三"}).content.decode()
    assert f"?household={funded.pk}" in found
    basket = client.get(reverse("store:counter"), {"household": funded.pk}).content.decode()
    assert "500" in basket and "大米" in basket
    key = basket.split('name="key" value="')[1].split('"')[0]
    assert len(key) == 32
    data = {"key": key, f"q_{rice.pk}": "2", f"q_{oil.pk}": "1"}
    confirm = client.post(reverse("store:counter_confirm", args=[funded.pk]), data).content.decode()
    assert "180" in confirm and "320" in confirm
    first = client.post(reverse("store:counter_redeem", args=[funded.pk]), data)
    second = client.post(reverse("store:counter_redeem", args=[funded.pk]), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Redemption.objects.count() == 1
    assert available(funded) == 320
    receipt = client.get(first["Location"]).content.decode()
    today = timezone.localdate()
    assert f"{today.year}年{today.month}月{today.day}日" in receipt
    assert "DH" in receipt and "剩余可用积分" in receipt and "320" in receipt
    assert "撤销" in receipt


def test_the_counter_shows_why_a_basket_is_refused(
    client_as: Callable[[str], Client], funded: Household, rice: Goods
) -> None:
    client = client_as("九龙村村干部")
    data = {"key": "abc", f"q_{rice.pk}": "11"}
    page = client.post(reverse("store:counter_redeem", args=[funded.pk]), data).content.decode()
    assert "库存不足：大米仅剩10袋" in page
    empty = client.post(reverse("store:counter_confirm", args=[funded.pk]), {"key": "abc"})
    assert "请先选择要兑换的商品" in empty.content.decode()
    assert Redemption.objects.count() == 0


def test_a_receipt_is_cancelled_on_its_day_only(
    client_as: Callable[[str], Client], redemption: Redemption, rice: Goods, funded: Household
) -> None:
    client = client_as("九龙村村干部")
    url = reverse("store:redemption_cancel", args=[redemption.pk])
    client.post(url, {"reason": "拿错了"})
    redemption.refresh_from_db()
    assert redemption.status == RedemptionStatus.CANCELLED
    assert (stock_of(rice), available(funded)) == (10, 500)
    other = redemption_create(actor=redemption.created_by, household=funded, lines=[(rice, 1)],
                              idempotency_key="old")  # fmt: skip
    Redemption.objects.filter(pk=other.pk).update(created_at=other.created_at - timedelta(days=1))
    page = client.get(reverse("store:receipt", args=[other.pk])).content.decode()
    assert "撤销兑换" not in page
    client.post(reverse("store:redemption_cancel", args=[other.pk]), {"reason": "x"})
    other.refresh_from_db()
    assert other.status == RedemptionStatus.DONE


def test_the_monthly_report_prints_exports_and_is_published(
    client_as: Callable[[str], Client], redemption: Redemption
) -> None:
    client = client_as("九龙村村干部")
    url = reverse("store:report", args=[JIULONG])
    page = client.get(url).content.decode()
    assert "期初" in page and "张三" in page and "公示" in page
    assert client.get(url, {"format": "xlsx"})["Content-Type"] == XLSX
    client.post(reverse("store:report_publish", args=[JIULONG]),
                {"month": timezone.localdate().strftime("%Y-%m")})  # fmt: skip
    notice = Notice.objects.get()
    assert notice.title.startswith("九龙村爱心超市")
    assert "本月收支已公示" in client.get(url).content.decode()


def test_the_public_price_list_shows_points_and_never_money(
    staff: User, rice: Goods, jiulong: Region
) -> None:
    stock_receive(actor=staff, goods=rice, kind="donation", quantity=1, donor="李老板",
                  declared_value="123.45")  # fmt: skip
    page = Client().get(reverse("store:prices", args=[JIULONG])).content.decode()
    assert "大米" in page and "50分/袋" in page
    for money in ("123.45", "12345", "元", "李老板", "¥"):
        assert money not in page
    assert Client().get(reverse("store:prices", args=["430423100999"])).status_code == 404


def test_shelf_labels_carry_name_and_points(
    client_as: Callable[[str], Client], rice: Goods
) -> None:
    page = client_as("九龙村村干部").get(reverse("store:labels", args=[JIULONG])).content.decode()
    assert "大米" in page and "50积分" in page and "元" not in page.split("<main>")[1]
