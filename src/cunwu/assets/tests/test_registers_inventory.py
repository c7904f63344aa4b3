"""The yearly inventory (清产核资): start, count, surplus, reconcile, close with its exact
summary, publish; its refusals change nothing."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils.timezone import localdate
from hypothesis import given, settings
from hypothesis import strategies as st

from cunwu.accounts.models import User
from cunwu.assets.models import (
    Asset,
    AssetStatus,
    CampaignStatus,
    InventoryCampaign,
    InventoryLine,
    LineResult,
)
from cunwu.assets.services import registers as services
from cunwu.assets.services.registers import AssetData
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.disclosure.models import Category
from cunwu.disclosure.models_lists import Decision
from cunwu.testing import business_events


@pytest.fixture
def cadre(persona: Callable[[str], User]) -> User:
    return persona("九龙村村干部")


@pytest.fixture
def register(cadre: User, jiulong: Region) -> list[Asset]:
    """Three buildings (book 1000.00, 2000.00, 3000.00 元) and one plot of farmland (0)."""
    made = [
        services.asset_create(actor=cadre, village=jiulong, data=AssetData(
            category="building", name=f"厂房{i}", quantity="100", unit="平方米",
            original_value=str(i * 1000)))
        for i in (1, 2, 3)
    ]  # fmt: skip
    made.append(services.asset_create(actor=cadre, village=jiulong, data=AssetData(
        category="farmland", name="村集体机动地", quantity="12.5", unit="亩")))  # fmt: skip
    return made


def lines_of(campaign: InventoryCampaign) -> list[InventoryLine]:
    return list(campaign.lines.select_related("asset").order_by("pk"))


def test_start_copies_every_live_entry_once_a_year(
    cadre: User, jiulong: Region, register: list[Asset], passed_decision: Decision
) -> None:
    services.asset_dispose(actor=cadre, asset=register[2], kind="write_off",
                           date=localdate(), decision=passed_decision)  # fmt: skip
    campaign = services.inventory_start(actor=cadre, village=jiulong, year=localdate().year)
    lines = lines_of(campaign)
    assert [li.name for li in lines] == ["厂房1", "厂房2", "村集体机动地"]
    assert (lines[2].expected_quantity, lines[2].expected_status) == (
        Decimal("12.50"), AssetStatus.SELF_OPERATED,
    )  # fmt: skip
    assert campaign.title == f"{jiulong.name}{localdate().year}年度清产核资"
    before = (InventoryCampaign.objects.count(), InventoryLine.objects.count(),
              business_events().count())  # fmt: skip
    for year in (localdate().year, localdate().year + 1, 1999):
        with pytest.raises(ApplicationError):
            services.inventory_start(actor=cadre, village=jiulong, year=year)
    with pytest.raises(PermissionDenied):
        services.inventory_start(
            actor=cadre,
            village=Region.objects.get(code="430423100227"),
            year=localdate().year,
        )
    assert (InventoryCampaign.objects.count(), InventoryLine.objects.count(),
            business_events().count()) == before  # fmt: skip


def test_a_whole_campaign_with_its_exact_summary_and_disclosure(
    cadre: User, jiulong: Region, register: list[Asset], persona: Callable[[str], User]
) -> None:
    campaign = services.inventory_start(actor=cadre, village=jiulong, year=localdate().year)
    a, b, c, land = lines_of(campaign)
    counter = persona("九龙村工作队员")
    services.inventory_count(actor=counter, line=a, counted_quantity="100",
                             counted_status="self_operated")  # fmt: skip
    services.inventory_count(actor=counter, line=b, counted_quantity="100",
                             counted_status="idle", note="已空置")  # fmt: skip
    services.inventory_count(actor=counter, line=c, counted_quantity="0", counted_status="",
                             note="已拆除")  # fmt: skip
    services.inventory_count(actor=counter, line=land, counted_quantity="12",
                             counted_status="self_operated")  # fmt: skip
    surplus = services.inventory_add_surplus(
        actor=counter, campaign=campaign, category="machinery", name="旧抽水机", unit="台",
        counted_quantity="1", counted_status="idle",
    )  # fmt: skip
    results = [li.result for li in lines_of(campaign)]
    assert results == ["match", "different", "missing", "different", "surplus"]
    e = _refused(lambda: services.inventory_close(actor=cadre, campaign=campaign))
    assert e.code == "inventory_unreconciled" and "4项差异未处理" in e.message
    _refused(lambda: services.inventory_reconcile(actor=cadre, line=a, resolution="x",
                                                  adjust=True))  # fmt: skip
    m = _refused(lambda: services.inventory_reconcile(actor=cadre, line=c, resolution="拆除",
                                                      adjust=True))  # fmt: skip
    assert m.code == "missing_adjust"
    with pytest.raises(PermissionDenied):
        services.inventory_reconcile(actor=counter, line=b, resolution="x", adjust=True)
    services.inventory_reconcile(actor=cadre, line=b, resolution="改为闲置", adjust=True)
    services.inventory_reconcile(actor=cadre, line=c, resolution="另行按处置程序办理",
                                 adjust=False)  # fmt: skip
    services.inventory_reconcile(actor=cadre, line=land, resolution="按实测面积", adjust=True)
    services.inventory_reconcile(actor=cadre, line=surplus, resolution="入账", adjust=True)
    register[1].refresh_from_db()
    register[3].refresh_from_db()
    assert register[1].status == AssetStatus.IDLE
    assert register[3].quantity == Decimal("12.00")
    new = Asset.objects.get(name="旧抽水机")
    assert (new.number, new.status, new.book_value_fen) == ("ZC-0005", "idle", 0)
    update = business_events().filter(action="assets.asset_update",
                                      object_id=str(register[3].pk)).get()  # fmt: skip
    assert update.payload["changed"] == {"quantity": ["12.50", "12.00"]}
    assert "清产核资" in update.payload["reason"]
    # counting is closed on a reconciled line
    _refused(lambda: services.inventory_count(actor=counter, line=b, counted_quantity="1",
                                              counted_status="idle"))  # fmt: skip
    closed = services.inventory_close(actor=cadre, campaign=campaign)
    assert closed.status == CampaignStatus.CLOSED
    assert closed.summary == {
        "categories": [
            {"category": "building", "label": "房屋建筑物", "entries": 3, "matched": 1,
             "different": 1, "missing": 1, "surplus": 0, "book_value_fen": 600_000},
            {"category": "machinery", "label": "机器设备", "entries": 1, "matched": 0,
             "different": 0, "missing": 0, "surplus": 1, "book_value_fen": 0},
            {"category": "farmland", "label": "耕地", "entries": 1, "matched": 0,
             "different": 1, "missing": 0, "surplus": 0, "book_value_fen": 0},
        ],
        "total": {"entries": 5, "matched": 1, "different": 2, "missing": 1, "surplus": 1,
                  "book_value_fen": 600_000},
    }  # fmt: skip
    _refused(lambda: services.inventory_count(actor=counter, line=a, counted_quantity="1",
                                              counted_status="idle"))  # fmt: skip
    notice = services.inventory_publish(actor=cadre, campaign=closed)
    assert notice.category == Category.FINANCE
    assert notice.table["rows"][-1] == ["合计", "5", "1", "2", "1", "1", "6,000.00"]
    closed.refresh_from_db()
    assert closed.notice_id == notice.pk
    _refused(lambda: services.inventory_publish(actor=cadre, campaign=closed))


def _refused(work: Callable[[], object]) -> ApplicationError:
    before = (InventoryLine.objects.count(), Asset.objects.count(), business_events().count(),
              list(InventoryLine.objects.values_list("result", "reconciled_at")))  # fmt: skip
    with pytest.raises(ApplicationError) as exc:
        work()
    after = (InventoryLine.objects.count(), Asset.objects.count(), business_events().count(),
             list(InventoryLine.objects.values_list("result", "reconciled_at")))  # fmt: skip
    assert after == before
    return exc.value


def test_close_is_refused_while_lines_are_pending_and_counts_are_checked(
    cadre: User, jiulong: Region, register: list[Asset], persona: Callable[[str], User]
) -> None:
    campaign = services.inventory_start(actor=cadre, village=jiulong, year=localdate().year)
    line = lines_of(campaign)[0]
    e = _refused(lambda: services.inventory_close(actor=cadre, campaign=campaign))
    assert (e.code, "4项未盘点" in e.message) == ("inventory_pending", True)
    for qty, status, code in (("0", "idle", "counted_status"), ("5", "", "counted_status"),
                              ("-1", "idle", "counted_quantity_positive"),
                              ("1.234", "idle", "counted_quantity_precision")):  # fmt: skip

        def count(q: str = qty, s: str = status) -> object:
            return services.inventory_count(
                actor=cadre, line=line, counted_quantity=q, counted_status=s
            )

        err = _refused(count)
        assert err.code == code
    _refused(lambda: services.inventory_publish(actor=cadre, campaign=campaign))
    with pytest.raises(PermissionDenied):
        services.inventory_count(actor=persona("开云镇干部"), line=line, counted_quantity="1",
                                 counted_status="idle")  # fmt: skip
    # the supervision committee counts too
    services.inventory_count(actor=persona("九龙村监委会委员"), line=line,
                             counted_quantity="100", counted_status="self_operated")  # fmt: skip
    line.refresh_from_db()
    assert line.result == LineResult.MATCH


RESULTS = st.sampled_from(["match", "different", "missing", "surplus"])
CATEGORIES = st.sampled_from(["building", "farmland", "trees", "water_surface"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(CATEGORIES, RESULTS, st.integers(0, 10**9)), max_size=40))
def test_the_summary_counts_always_add_up_to_the_lines(rows: list[Any]) -> None:
    lines = []
    for category, result, value in rows:
        asset = None if result == "surplus" else Asset(book_value_fen=value, category=category)
        lines.append(InventoryLine(category=category, result=result, asset=asset))
    summary = services.inventory_summary(lines)
    total = summary["total"]
    assert total["entries"] == len(lines)
    assert total["matched"] + total["different"] + total["missing"] + total["surplus"] == len(lines)
    assert sum(c["entries"] for c in summary["categories"]) == len(lines)
    for c in summary["categories"]:
        assert c["matched"] + c["different"] + c["missing"] + c["surplus"] == c["entries"]
    assert total["book_value_fen"] == sum(v for _c, r, v in rows if r != "surplus")
