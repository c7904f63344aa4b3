from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.core.services.audit import audit_verify
from cunwu.disclosure.models import Notice
from cunwu.points.models import LedgerEntry
from cunwu.registry.models import Household, HouseholdStatus
from cunwu.store import services
from cunwu.store.models import (
    Goods,
    MovementKind,
    Redemption,
    RedemptionLine,
    RedemptionStatus,
    StockMovement,
)
from cunwu.store.selectors import monthly_report, report_table, stock_mismatches
from cunwu.testing import BALI, YANJIANG, business_events, make_household

from .conftest import available, fund, stock_of

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def snapshot(*goods: Goods, household: Household | None = None) -> tuple[Any, ...]:
    return (
        tuple(stock_of(g) for g in goods),
        available(household) if household else None,
        Redemption.objects.count(),
        RedemptionLine.objects.count(),
        StockMovement.objects.count(),
        LedgerEntry.objects.count(),
        business_events().count(),
    )


def redeem(staff: User, household: Household, lines: list[tuple[Any, int]], key: str = "k1"):
    return services.redemption_create(
        actor=staff, household=household, lines=lines, idempotency_key=key
    )


# ---------------------------------------------------------------- goods and stock


def test_goods_are_created_priced_in_points_with_an_audit_event(
    staff: User, jiulong: Region
) -> None:
    goods = services.goods_create(
        actor=staff, village=jiulong, name="  洗衣粉 ", points_price=20, unit="袋",
        photo=SimpleUploadedFile("a.png", PNG, content_type="image/png"),
    )  # fmt: skip
    assert (goods.name, goods.points_price, goods.stock, goods.county_code) == (
        "洗衣粉", 20, 0, "430423",
    )  # fmt: skip
    assert goods.photo.name.startswith("store/goods/")
    assert business_events().filter(action="store.goods_create").count() == 1


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"name": " "}, "name_empty"),
        ({"points_price": 0}, "points_price_positive"),
        ({"points_price": -5}, "points_price_positive"),
        ({"points_price": "十"}, "points_price_invalid"),
        ({"unit": ""}, "unit_empty"),
        ({"name": "大米"}, "goods_name_taken"),
        ({"photo": SimpleUploadedFile("a.png", b"<svg/>", content_type="image/png")}, "photo_type"),
    ],
)
def test_bad_goods_are_refused(
    staff: User, jiulong: Region, rice: Goods, fields: dict[str, Any], code: str
) -> None:
    before = Goods.objects.count()
    data = {"name": "洗衣粉", "points_price": 20, "unit": "袋", **fields}
    with pytest.raises(ApplicationError) as exc:
        services.goods_create(actor=staff, village=jiulong, **data)
    assert exc.value.code == code
    assert Goods.objects.count() == before


def test_another_villages_cadre_may_not_touch_the_goods(
    persona: Callable[[str], User], jiulong: Region, rice: Goods
) -> None:
    other = persona("另一村的村干部")
    with pytest.raises(PermissionDenied):
        services.goods_create(actor=other, village=jiulong, name="盐", points_price=5)
    with pytest.raises(PermissionDenied):
        services.goods_update(actor=other, goods=rice, points_price=1)
    with pytest.raises(PermissionDenied):
        services.stock_receive(actor=other, goods=rice, kind="purchase", quantity=1)


def test_goods_update_changes_only_what_is_given(staff: User, rice: Goods) -> None:
    services.goods_update(actor=staff, goods=rice, points_price=60, active=False)
    rice.refresh_from_db()
    assert (rice.name, rice.points_price, rice.active, rice.stock) == ("大米", 60, False, 10)
    event = business_events().filter(action="store.goods_update").get()
    assert event.payload["changed"] == {"points_price": [50, 60], "active": [True, False]}


def test_a_donation_keeps_its_declared_value_in_fen_and_names_its_donor(
    staff: User, rice: Goods
) -> None:
    movement = services.stock_receive(
        actor=staff, goods=rice, kind="donation", quantity=3, donor="九龙超市",
        declared_value="12.5",
    )  # fmt: skip
    assert (movement.quantity, movement.declared_value_fen, movement.donor) == (3, 1250, "九龙超市")
    assert stock_of(rice) == 13


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"kind": "donation", "donor": ""}, "donor_empty"),
        ({"quantity": 0}, "quantity_positive"),
        ({"quantity": -3}, "quantity_positive"),
        ({"kind": "redemption"}, "receive_kind"),
        ({"declared_value": "12.345"}, "amount_precision"),
        ({"declared_value": "-1"}, "declared_value_negative"),
    ],
)
def test_bad_receipts_change_nothing(
    staff: User, rice: Goods, fields: dict[str, Any], code: str
) -> None:
    before = snapshot(rice)
    data = {"kind": "donation", "quantity": 2, "donor": "张三", **fields}
    with pytest.raises(ApplicationError) as exc:
        services.stock_receive(actor=staff, goods=rice, **data)
    assert exc.value.code == code
    assert snapshot(rice) == before


def test_a_write_off_needs_a_reason_and_the_stock(staff: User, rice: Goods) -> None:
    before = snapshot(rice)
    with pytest.raises(ApplicationError) as exc:
        services.stock_write_off(actor=staff, goods=rice, quantity=1, reason=" ")
    assert exc.value.code == "reason_empty"
    with pytest.raises(ApplicationError) as exc:
        services.stock_write_off(actor=staff, goods=rice, quantity=11, reason="受潮")
    assert exc.value.code == "insufficient_stock"
    assert exc.value.message == "库存不足：大米仅剩10袋"
    assert snapshot(rice) == before
    services.stock_write_off(actor=staff, goods=rice, quantity=4, reason="受潮")
    assert stock_of(rice) == 6


def test_a_stocktake_books_only_the_differences(
    staff: User, jiulong: Region, rice: Goods, oil: Goods
) -> None:
    movements = services.stocktake(actor=staff, village=jiulong, counts=[(rice, 8), (oil, 5)])
    assert [(m.goods_id, m.kind, m.quantity) for m in movements] == [
        (rice.pk, MovementKind.STOCKTAKE, -2)
    ]
    assert (stock_of(rice), stock_of(oil)) == (8, 5)
    assert services.stocktake(actor=staff, village=jiulong, counts=[(rice, 8)]) == []
    services.stocktake(actor=staff, village=jiulong, counts=[(oil, 7)])
    assert stock_of(oil) == 7
    with pytest.raises(ApplicationError) as exc:
        services.stocktake(actor=staff, village=jiulong, counts=[(rice, -1)])
    assert exc.value.code == "count_invalid"
    assert stock_mismatches() == []


# ---------------------------------------------------------------- redemptions


def test_a_redemption_takes_goods_and_points_once_with_a_receipt_number(
    staff: User, funded: Household, rice: Goods, oil: Goods
) -> None:
    r = redeem(staff, funded, [(rice, 2), (oil, 1)])
    today = timezone.localdate()
    assert r.number == f"DH{today:%Y%m%d}-0001"
    assert r.total_points == 2 * 50 + 80
    assert (stock_of(rice), stock_of(oil), available(funded)) == (8, 4, 320)
    assert list(r.lines.values_list("goods_id", "quantity", "unit_points", "points")) == [
        (rice.pk, 2, 50, 100), (oil.pk, 1, 80, 80),
    ]  # fmt: skip
    assert sorted(r.movements.values_list("goods_id", "kind", "quantity")) == [
        (rice.pk, "redemption", -2), (oil.pk, "redemption", -1),
    ]  # fmt: skip
    entry = LedgerEntry.objects.get(ref_type="store.redemption", ref_id=str(r.pk))
    assert (entry.available, entry.cumulative) == (-180, 0)
    event = business_events().filter(action="store.redeem").get()
    assert event.payload["points"] == 180
    assert redeem(staff, funded, [(rice, 1)], key="k2").number == f"DH{today:%Y%m%d}-0002"
    assert audit_verify()[1] is None
    assert stock_mismatches() == []


def test_receipt_numbers_count_per_village(
    staff: User, persona: Callable[[str], User], regions: dict[str, Region], funded: Household,
    rice: Goods, make_goods: Callable[..., Goods],
) -> None:  # fmt: skip
    bali_staff = persona("八里村村干部")
    bali_home = make_household(bali_staff, regions[BALI], "0101", "王五")
    fund(bali_home, 100)
    soap = make_goods("肥皂", 10, 5, village=regions[BALI], actor=bali_staff)
    a = redeem(staff, funded, [(rice, 1)], key="a")
    b = redeem(bali_staff, bali_home, [(soap, 1)], key="b")
    assert a.number == b.number


def test_the_same_goods_twice_in_a_basket_are_one_line(
    staff: User, funded: Household, rice: Goods
) -> None:
    r = redeem(staff, funded, [(rice, 1), (rice.pk, 2)])
    assert list(r.lines.values_list("quantity", "points")) == [(3, 150)]
    assert stock_of(rice) == 7


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("empty", "basket_empty"),
        ("zero", "quantity_positive"),
        ("negative", "quantity_positive"),
        ("unknown", "goods_unknown"),
        ("other_village", "goods_unknown"),
        ("inactive", "goods_inactive"),
        ("stock", "insufficient_stock"),
        ("points", "insufficient_points"),
        ("dissolved", "household_inactive"),
        ("key", "idempotency_key"),
    ],
)
def test_a_bad_basket_changes_nothing(
    staff: User, persona: Callable[[str], User], regions: dict[str, Region], funded: Household,
    rice: Goods, oil: Goods, make_goods: Callable[..., Goods], case: str, code: str,
) -> None:  # fmt: skip
    lines: list[tuple[Any, int]] = [(oil, 1)]
    key = "k1"
    if case == "empty":
        lines = []
    elif case == "zero":
        lines = [(oil, 1), (rice, 0)]
    elif case == "negative":
        lines = [(rice, -1)]
    elif case == "unknown":
        lines = [(oil, 1), (999_999, 1)]
    elif case == "other_village":
        other = persona("另一村的村干部")
        lines = [(oil, 1), (make_goods("盐", 5, 3, village=regions[YANJIANG], actor=other), 1)]
    elif case == "inactive":
        services.goods_update(actor=staff, goods=rice, active=False)
        lines = [(oil, 1), (rice, 1)]
    elif case == "stock":
        lines = [(oil, 1), (rice, 11)]
    elif case == "points":
        lines = [(oil, 1), (rice, 9)]  # 530 of 500
    elif case == "dissolved":
        Household.objects.filter(pk=funded.pk).update(status=HouseholdStatus.DISSOLVED)
        funded.refresh_from_db()
    elif case == "key":
        key = " "
    before = snapshot(rice, oil, household=funded)
    with pytest.raises(ApplicationError) as exc:
        redeem(staff, funded, lines, key=key)
    assert exc.value.code == code
    assert snapshot(rice, oil, household=funded) == before
    if case == "stock":
        assert exc.value.message == "库存不足：大米仅剩10袋"
        assert exc.value.status == 409
    if case == "points":
        assert exc.value.message == "可用积分不足：本次需530分，该户可用500分"


def test_only_the_villages_counter_redeems(
    persona: Callable[[str], User], funded: Household, rice: Goods
) -> None:
    for name in ("另一村的村干部", "九龙村监委会委员", "开云镇干部"):
        with pytest.raises(PermissionDenied):
            redeem(persona(name), funded, [(rice, 1)])
    assert Redemption.objects.count() == 0


def test_redeem_twice_with_same_key_charges_once(
    staff: User, funded: Household, rice: Goods
) -> None:
    first = redeem(staff, funded, [(rice, 2)], key="double-tap")
    before = snapshot(rice, household=funded)
    again = redeem(staff, funded, [(rice, 2)], key="double-tap")
    assert again.pk == first.pk
    assert snapshot(rice, household=funded) == before
    assert available(funded) == 400


def test_the_same_key_with_another_basket_or_household_is_refused(
    staff: User, jiulong: Region, funded: Household, rice: Goods, oil: Goods
) -> None:
    redeem(staff, funded, [(rice, 2)], key="k")
    neighbour = make_household(staff, jiulong, "0002", "赵六")
    fund(neighbour, 500)
    before = snapshot(rice, oil, household=funded)
    for household, lines in ((funded, [(rice, 3)]), (funded, [(oil, 2)]), (neighbour, [(rice, 2)])):
        with pytest.raises(ApplicationError) as exc:
            redeem(staff, household, lines, key="k")
        assert (exc.value.code, exc.value.status) == ("idempotency_conflict", 409)
    assert snapshot(rice, oil, household=funded) == before
    assert available(neighbour) == 500


def test_a_cancellation_on_the_same_day_returns_goods_and_points_once(
    staff: User, funded: Household, rice: Goods, oil: Goods
) -> None:
    r = redeem(staff, funded, [(rice, 2), (oil, 1)])
    with pytest.raises(ApplicationError) as exc:
        services.redemption_cancel(actor=staff, redemption=r, reason="")
    assert exc.value.code == "reason_empty"
    services.redemption_cancel(actor=staff, redemption=r, reason="拿错了")
    r.refresh_from_db()
    assert (r.status, r.cancelled_by, r.cancel_reason) == (
        RedemptionStatus.CANCELLED,
        staff,
        "拿错了",
    )
    assert (stock_of(rice), stock_of(oil), available(funded)) == (10, 5, 500)
    assert sorted(r.movements.filter(kind="cancel").values_list("goods_id", "quantity")) == [
        (rice.pk, 2), (oil.pk, 1),
    ]  # fmt: skip
    before = snapshot(rice, oil, household=funded)
    with pytest.raises(ApplicationError) as exc:
        services.redemption_cancel(actor=staff, redemption=r, reason="再撤一次")
    assert (exc.value.code, exc.value.status) == ("cancel_twice", 409)
    assert snapshot(rice, oil, household=funded) == before
    assert stock_mismatches() == []
    assert audit_verify()[1] is None


def test_yesterdays_redemption_cannot_be_cancelled(
    staff: User, funded: Household, rice: Goods
) -> None:
    r = redeem(staff, funded, [(rice, 1)])
    Redemption.objects.filter(pk=r.pk).update(created_at=r.created_at - timedelta(days=1))
    r.refresh_from_db()
    before = snapshot(rice, household=funded)
    with pytest.raises(ApplicationError) as exc:
        services.redemption_cancel(actor=staff, redemption=r, reason="拿错了")
    assert exc.value.code == "cancel_day"
    assert snapshot(rice, household=funded) == before


def test_a_cancelled_redemption_replayed_by_its_key_stays_cancelled(
    staff: User, funded: Household, rice: Goods
) -> None:
    r = redeem(staff, funded, [(rice, 1)], key="x")
    services.redemption_cancel(actor=staff, redemption=r, reason="退回")
    again = redeem(staff, funded, [(rice, 1)], key="x")
    assert (again.pk, again.status) == (r.pk, RedemptionStatus.CANCELLED)
    assert available(funded) == 500


# ---------------------------------------------------------------- report and check


def test_the_monthly_report_adds_up_exactly(
    staff: User, jiulong: Region, funded: Household, rice: Goods, oil: Goods
) -> None:
    today = timezone.localdate()
    last_month = today.replace(day=1) - timedelta(days=1)
    # rice: 10 donated last month, oil 5 donated last month
    StockMovement.objects.filter(goods__in=[rice, oil]).update(date=last_month)
    neighbour = make_household(staff, jiulong, "0002", "赵六")
    fund(neighbour, 300)
    services.stock_receive(actor=staff, goods=rice, kind="purchase", quantity=4, donor="供销社",
                           declared_value="99")  # fmt: skip
    services.stock_receive(actor=staff, goods=oil, kind="donation", quantity=2, donor="李老板",
                           declared_value="30.50")  # fmt: skip
    r1 = redeem(staff, funded, [(rice, 3), (oil, 1)], key="1")  # 230
    redeem(staff, neighbour, [(rice, 2)], key="2")  # 100
    redeem(staff, funded, [(oil, 1)], key="3")  # 80
    cancelled = redeem(staff, neighbour, [(oil, 2)], key="4")
    services.redemption_cancel(actor=staff, redemption=cancelled, reason="拿错了")
    services.stock_write_off(actor=staff, goods=rice, quantity=1, reason="鼠咬")
    services.stocktake(actor=staff, village=jiulong, counts=[(rice, 9), (oil, 4)])
    report = monthly_report(village=jiulong, year=today.year, month=today.month)
    rows = {r.goods.name: r for r in report.goods}
    r = rows["大米"]
    assert (r.opening, r.donation, r.purchase, r.cancel, r.redemption, r.write_off) == (
        10, 0, 4, 0, 5, 1,
    )  # fmt: skip
    assert (r.stocktake_gain, r.stocktake_loss, r.closing) == (1, 0, 9)
    o = rows["食用油"]
    assert (o.opening, o.donation, o.cancel, o.redemption, o.stocktake_loss, o.closing) == (
        5, 2, 2, 4, 1, 4,
    )  # fmt: skip
    assert report.totals is not None
    assert (report.totals.opening, report.totals.closing) == (15, 13)
    assert report.donated_value_fen == 3050
    assert [(h.number, h.head, h.redemptions, h.points) for h in report.households] == [
        ("0001", "张三", 2, 310), ("0002", "赵六", 1, 100),
    ]  # fmt: skip
    assert (report.redemption_count, report.points_total) == (3, 410)
    assert r1.total_points == 230
    previous = monthly_report(village=jiulong, year=last_month.year, month=last_month.month)
    assert [(g.goods.name, g.opening, g.donation, g.closing) for g in previous.goods] == [
        ("大米", 0, 10, 10), ("食用油", 0, 5, 5),
    ]  # fmt: skip
    table = report_table(report)
    assert "3050" not in str(table) and "30.50" not in str(table)


def test_the_report_is_published_once_as_a_points_notice(
    staff: User, jiulong: Region, funded: Household, rice: Goods
) -> None:
    redeem(staff, funded, [(rice, 1)])
    today = timezone.localdate()
    notice = services.report_publish(actor=staff, village=jiulong, year=today.year,
                                     month=today.month)  # fmt: skip
    assert notice.title == f"九龙村爱心超市{today.year}年{today.month}月收支公示"
    assert notice.category == "points"
    assert (notice.subject_type, notice.subject_id) == (
        "store.report", f"{jiulong.code}-{today:%Y-%m}",
    )  # fmt: skip
    with pytest.raises(ApplicationError) as exc:
        services.report_publish(actor=staff, village=jiulong, year=today.year, month=today.month)
    assert exc.value.code == "report_published"
    assert Notice.objects.count() == 1


def test_store_check_names_each_goods_whose_stock_drifted(rice: Goods, oil: Goods) -> None:
    call_command("store", "check")
    Goods.objects.filter(pk=rice.pk).update(stock=7)
    with pytest.raises(CommandError, match="1种商品"):
        call_command("store", "check")
    assert [(g.pk, s, t) for g, s, t in stock_mismatches()] == [(rice.pk, 7, 10)]
