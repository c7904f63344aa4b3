"""Pages of the registers and the yearly inventory: scope, forms that refuse and change nothing,
exports, query counts."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cunwu.accounts.models import User
from cunwu.assets.models import Asset, AssetStatus, InventoryLine, LineResult
from cunwu.assets.services import registers as services
from cunwu.assets.services.registers import AssetData
from cunwu.core.models import Region
from cunwu.disclosure.models_lists import Decision
from cunwu.testing import BALI, TEST_PASSWORD, business_events

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _rows(content: bytes) -> list[tuple[Any, ...]]:
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


@pytest.fixture
def client_as(persona: Callable[[str], User]) -> Callable[[str], Client]:
    def make(name: str) -> Client:
        client = Client()
        assert client.login(username=persona(name).username, password=TEST_PASSWORD)
        return client

    return make


@pytest.fixture
def make_asset(persona: Callable[[str], User], jiulong: Region) -> Callable[..., Asset]:
    def make(name: str = "村部闲置厂房", village: Region | None = None, **kw: Any) -> Asset:
        who = persona("八里村村干部" if village is not None and village.code == BALI
                      else "九龙村村干部")  # fmt: skip
        fields: dict[str, Any] = {"category": "building", "name": name, "quantity": "320",
                                  "unit": "平方米", "original_value": "12000.5",
                                  "location": "九龙村二组"} | kw  # fmt: skip
        return services.asset_create(actor=who, village=village or jiulong,
                                     data=AssetData(**fields))  # fmt: skip

    return make


def test_the_list_searches_filters_and_exports_in_yuan(
    client_as: Callable[[str], Client], make_asset: Callable[..., Asset],
    regions: dict[str, Region], django_assert_max_num_queries: Any,
) -> None:  # fmt: skip
    make_asset()
    make_asset("机动地", category="farmland", unit="亩", quantity="12.5", location="三组")
    make_asset("八里村会堂", village=regions[BALI])
    cadre = client_as("九龙村村干部")
    url = reverse("assets:asset_list")
    with django_assert_max_num_queries(15):
        page = cadre.get(url).content.decode()
    assert "村部闲置厂房" in page and "机动地" in page and "八里村会堂" not in page
    assert "12,000.50" in page
    only = cadre.get(url, {"asset_class": "resource"}).content.decode()
    assert "机动地" in only and "村部闲置厂房" not in only
    assert "机动地" not in cadre.get(url, {"q": "二组"}).content.decode()
    export = cadre.get(url, {"format": "xlsx", "category": "building"})
    assert export["Content-Type"] == XLSX
    rows = _rows(export.content)
    assert rows[0][:4] == ("村", "台账编号", "资产类别", "类别") and rows[0][8] == "原值（元）"
    assert len(rows) == 2 and rows[1][1] == "ZC-0001" and rows[1][8] == "12,000.50"
    township = client_as("开云镇干部").get(url).content.decode()
    assert "村部闲置厂房" in township and "八里村会堂" in township


def test_the_list_page_query_count_does_not_grow_with_rows(
    client_as: Callable[[str], Client], make_asset: Callable[..., Asset],
    django_assert_max_num_queries: Any,
) -> None:  # fmt: skip
    client = client_as("开云镇干部")
    for i in range(5):
        make_asset(f"厂房{i}")
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("assets:asset_list"))
    for i in range(5, 40):
        make_asset(f"厂房{i}")
    with django_assert_max_num_queries(12) as many:
        client.get(reverse("assets:asset_list"))
    assert len(many.captured_queries) == len(few.captured_queries)


def test_scope_on_the_entry_page(
    client_as: Callable[[str], Client], make_asset: Callable[..., Asset]
) -> None:
    asset = make_asset()
    detail = reverse("assets:asset_detail", args=[asset.pk])
    assert client_as("另一村的村干部").get(detail).status_code == 404
    supervisor = client_as("九龙村监委会委员")
    assert supervisor.get(detail).status_code == 200
    edit = reverse("assets:asset_edit", args=[asset.pk])
    assert supervisor.get(edit).status_code == 403
    assert supervisor.post(edit, {"name": "x"}).status_code == 403
    assert supervisor.get(reverse("assets:asset_create")).status_code == 403
    assert client_as("九龙村村民").get(reverse("assets:asset_list")).status_code == 403


def test_create_edit_upload_through_the_forms(
    client_as: Callable[[str], Client], jiulong: Region
) -> None:
    client = client_as("九龙村村干部")
    form = {"village": jiulong.code, "category": "building", "name": "村部闲置厂房",
            "quantity": "320", "unit": "平方米", "original_value": "-100",
            "status": "idle"}  # fmt: skip
    before = (Asset.objects.count(), business_events().count())
    page = client.post(reverse("assets:asset_create"), form).content.decode()
    assert "原值不能为负数" in page
    assert (Asset.objects.count(), business_events().count()) == before
    response = client.post(reverse("assets:asset_create"), form | {"original_value": "1000"})
    asset = Asset.objects.get()
    assert response.status_code == 302 and asset.original_value_fen == 100_000
    edit = reverse("assets:asset_edit", args=[asset.pk])
    again = client.post(edit, form | {"original_value": "1000", "quantity": "1.234"})
    assert "两位小数" in again.content.decode()
    client.post(edit, form | {"original_value": "1000", "book_value": "800", "status": "leased"})
    asset.refresh_from_db()
    assert (asset.book_value_fen, asset.status) == (80_000, AssetStatus.LEASED)
    upload = io.BytesIO(PNG)
    upload.name = "现场.png"
    client.post(reverse("assets:asset_file_add", args=[asset.pk]),
                {"kind": "photo", "file": upload})  # fmt: skip
    f = asset.files.get()
    got = client.get(reverse("assets:asset_file", args=[f.pk]))
    assert got.status_code == 200
    assert b"".join(got.streaming_content) == PNG  # type: ignore[attr-defined]
    detail = client.get(reverse("assets:asset_detail", args=[asset.pk])).content.decode()
    assert "现场.png" in detail and "800.00" in detail


def test_dispose_through_the_form(
    client_as: Callable[[str], Client], make_asset: Callable[..., Asset],
    passed_decision: Decision,
) -> None:  # fmt: skip
    asset = make_asset()
    client = client_as("九龙村村干部")
    url = reverse("assets:asset_dispose", args=[asset.pk])
    assert passed_decision.title in client.get(url).content.decode()
    body = {"kind": "sale", "date": timezone.localdate().isoformat(), "proceeds": "500"}
    page = client.post(url, body).content.decode()
    assert "四议两公开" in page
    asset.refresh_from_db()
    assert asset.status != AssetStatus.DISPOSED
    client.post(url, body | {"decision": str(passed_decision.pk)})
    asset.refresh_from_db()
    assert asset.status == AssetStatus.DISPOSED
    detail = client.get(reverse("assets:asset_detail", args=[asset.pk])).content.decode()
    assert "出售" in detail and passed_decision.title in detail


def test_inventory_pages_from_start_to_publish(
    client_as: Callable[[str], Client], make_asset: Callable[..., Asset], jiulong: Region,
    django_assert_max_num_queries: Any,
) -> None:  # fmt: skip
    make_asset()
    make_asset("抽水机", category="machinery", unit="台", quantity="2")
    client = client_as("九龙村村干部")
    year = timezone.localdate().year
    client.post(reverse("assets:campaign_start"), {"village": jiulong.code, "year": year})
    with django_assert_max_num_queries(15):
        listing = client.get(reverse("assets:campaign_list")).content.decode()
    assert "已盘点0/2" in listing and "<progress" in listing
    first, second = InventoryLine.objects.order_by("pk")
    count_url = reverse("assets:line_count", args=[first.pk])
    page = client.get(count_url).content.decode()
    assert 'capture="environment"' in page and 'accept="image/*"' in page
    photo = io.BytesIO(PNG)
    photo.name = "现场.png"
    response = client.post(count_url, {"counted_quantity": "320",
                                       "counted_status": "self_operated",
                                       "photo": photo})  # fmt: skip
    assert response["Location"] == reverse("assets:line_count", args=[second.pk])
    client.post(reverse("assets:line_count", args=[second.pk]),
                {"counted_quantity": "1", "counted_status": "self_operated"})  # fmt: skip
    second.refresh_from_db()
    assert second.result == LineResult.DIFFERENT
    campaign = first.campaign
    detail_url = reverse("assets:campaign_detail", args=[campaign.pk])
    client.post(reverse("assets:campaign_close", args=[campaign.pk]))
    assert "1项差异未处理" in client.get(detail_url).content.decode()
    client.post(reverse("assets:line_reconcile", args=[second.pk]),
                {"resolution": "按实盘调整", "adjust": "on"})  # fmt: skip
    client.post(reverse("assets:campaign_close", args=[campaign.pk]))
    page = client.get(detail_url).content.decode()
    assert "已完成" in page and "合计" in page
    export = client.get(detail_url, {"format": "xlsx"})
    rows = _rows(export.content)
    assert rows[0][0] == "序号" and rows[2][9] == "账实不符" and rows[2][13] == "是"
    client.post(reverse("assets:campaign_publish", args=[campaign.pk]))
    campaign.refresh_from_db()
    assert campaign.notice_id is not None
    # another village's cadre sees none of it
    other = client_as("另一村的村干部")
    assert other.get(detail_url).status_code == 404
    assert other.get(count_url).status_code == 404
