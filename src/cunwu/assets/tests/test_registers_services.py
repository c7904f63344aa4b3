"""Register entries, their files and their disposal: every rule and every refusal (nothing
changes on a refusal: neither rows nor audit events)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.assets.models import (
    Asset,
    AssetDisposal,
    AssetFile,
    AssetStatus,
    AwardMethod,
    Contract,
    ContractKind,
)
from cunwu.assets.services import registers as services
from cunwu.assets.services.registers import AssetData
from cunwu.core.errors import ApplicationError
from cunwu.core.models import AuditEvent, Region
from cunwu.disclosure.models_lists import Decision
from cunwu.testing import BALI, FromToday, business_events, dated

from .conftest import decide

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"x" * 64


def data(**kw: Any) -> AssetData:
    base: dict[str, Any] = {
        "category": "building", "name": "村部闲置厂房", "quantity": "320.5", "unit": "平方米",
        "location": "九龙村二组", "original_value": "120000", "book_value": "86000.50",
        "reference_price": "9600", "acquired_on": date(2012, 5, 1), "source": "自建",
    }  # fmt: skip
    return AssetData(**(base | kw))


@pytest.fixture
def cadre(persona: Callable[[str], User]) -> User:
    return persona("九龙村村干部")


@pytest.fixture
def factory(cadre: User, jiulong: Region) -> Asset:
    return services.asset_create(actor=cadre, village=jiulong, data=data())


def snapshot() -> tuple[int, int, int, int]:
    return (Asset.objects.count(), AssetFile.objects.count(), AssetDisposal.objects.count(),
            business_events().count())  # fmt: skip


def refused(code: str, work: Callable[[], object]) -> ApplicationError:
    before = snapshot()
    with pytest.raises(ApplicationError) as exc:
        work()
    assert exc.value.code == code, exc.value.message
    assert snapshot() == before
    return exc.value


# ---------------------------------------------------------------- create


def test_an_entry_keeps_its_values_in_fen_and_gets_the_next_village_number(
    cadre: User, jiulong: Region, regions: dict[str, Region], persona: Callable[[str], User]
) -> None:
    first = services.asset_create(actor=cadre, village=jiulong, data=data())
    assert (first.number, first.quantity, first.unit) == ("ZC-0001", Decimal("320.50"), "平方米")
    assert (first.original_value_fen, first.book_value_fen, first.reference_price_fen) == (
        12_000_000, 8_600_050, 960_000,
    )  # fmt: skip
    assert first.county_code == "430423"
    second = services.asset_create(
        actor=cadre, village=jiulong, data=data(name="抽水机", book_value="", reference_price="")
    )
    assert second.number == "ZC-0002"
    assert (second.book_value_fen, second.reference_price_fen) == (12_000_000, None)
    # numbers are per village
    bali = services.asset_create(actor=persona("八里村村干部"), village=regions[BALI], data=data())
    assert bali.number == "ZC-0001"
    event = AuditEvent.objects.get(action="assets.asset_create", object_id=str(first.pk))
    assert event.payload["book_value_fen"] == 8_600_050
    given = services.asset_create(actor=cadre, village=jiulong, data=data(number="zc-0009"))
    assert given.number == "ZC-0009"
    assert services.asset_create(actor=cadre, village=jiulong, data=data()).number == "ZC-0010"


def test_a_taken_number_is_refused(factory: Asset, cadre: User, jiulong: Region) -> None:
    error = refused("number_taken", lambda: services.asset_create(
        actor=cadre, village=jiulong, data=data(number="ZC-0001")))  # fmt: skip
    assert "ZC-0001" in error.message


@pytest.mark.parametrize(
    ("field", "value", "code", "words"),
    [
        ("original_value", "-5", "amount_negative", "原值不能为负数"),
        ("book_value", "12.345", "amount_precision", "最多保留两位小数"),
        ("original_value", "1e15", "amount_large", "请核对"),
        ("reference_price", "一万", "amount_invalid", "不是有效数字"),
        ("quantity", "0", "quantity_positive", "应大于0"),
        ("quantity", "-3", "quantity_positive", "应大于0"),
        ("quantity", "1.234", "quantity_precision", "两位小数"),
        ("quantity", "abc", "quantity_invalid", "不是有效数字"),
        ("acquired_on", FromToday(400), "acquired_on_future", "不能晚于今天"),
        ("acquired_on", date(1800, 1, 1), "acquired_on_early", "1949"),
        ("status", "disposed", "status_disposed", "资产处置"),
        ("category", "castle", "category_invalid", "类别"),
        ("name", "  ", "name_empty", "请填写名称"),
        ("number", "编号 1", "number_invalid", "台账编号"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_is_written(
    cadre: User, jiulong: Region, field: str, value: Any, code: str, words: str
) -> None:
    error = refused(code, lambda: services.asset_create(
        actor=cadre, village=jiulong, data=data(**dated({field: value}))))  # fmt: skip
    assert words in error.message


def test_only_the_village_cadre_registers(persona: Callable[[str], User], jiulong: Region) -> None:
    for name in ("九龙村监委会委员", "开云镇干部", "另一村的村干部"):
        before = snapshot()
        with pytest.raises(PermissionDenied):
            services.asset_create(actor=persona(name), village=jiulong, data=data())
        assert snapshot() == before


# ---------------------------------------------------------------- update


def test_an_update_is_audited_field_by_field(factory: Asset, cadre: User) -> None:
    services.asset_update(
        actor=cadre, asset=factory,
        changes={"book_value": "80000", "status": "leased", "name": "村部闲置厂房"},
    )  # fmt: skip
    factory.refresh_from_db()
    assert (factory.book_value_fen, factory.status, factory.original_value_fen) == (
        8_000_000, AssetStatus.LEASED, 12_000_000,
    )  # fmt: skip
    event = business_events().filter(action="assets.asset_update").get()
    assert event.payload["changed"] == {
        "book_value_fen": [8_600_050, 8_000_000], "status": ["self_operated", "leased"],
    }  # fmt: skip
    # nothing changed, nothing recorded
    services.asset_update(actor=cadre, asset=factory, changes={"status": "leased"})
    assert business_events().filter(action="assets.asset_update").count() == 1


def test_update_refusals_change_nothing(
    factory: Asset, cadre: User, jiulong: Region, persona: Callable[[str], User]
) -> None:
    other = services.asset_create(actor=cadre, village=jiulong, data=data(name="抽水机"))
    refused("status_disposed", lambda: services.asset_update(
        actor=cadre, asset=factory, changes={"status": "disposed"}))  # fmt: skip
    refused("number_taken", lambda: services.asset_update(
        actor=cadre, asset=other, changes={"number": "ZC-0001"}))  # fmt: skip
    refused("amount_negative", lambda: services.asset_update(
        actor=cadre, asset=factory, changes={"book_value": "-1"}))  # fmt: skip
    refused("field_unknown", lambda: services.asset_update(
        actor=cadre, asset=factory, changes={"village": "x"}))  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.asset_update(
            actor=persona("九龙村监委会委员"), asset=factory, changes={"name": "x"}
        )
    factory.refresh_from_db()
    assert (factory.name, factory.book_value_fen) == ("村部闲置厂房", 8_600_050)


# ---------------------------------------------------------------- files


def test_files_photo_or_document_at_most_ten(factory: Asset, cadre: User) -> None:
    f = services.asset_file_add(actor=cadre, asset=factory, kind="photo", upload=("a.png", PNG))
    assert (f.content_type, f.size, f.original_name) == ("image/png", len(PNG), "a.png")
    refused("photo_type", lambda: services.asset_file_add(
        actor=cadre, asset=factory, kind="photo", upload=("权证.pdf", PDF)))  # fmt: skip
    refused("attachment_type", lambda: services.asset_file_add(
        actor=cadre, asset=factory, kind="document",
        upload=("x.exe", b"MZ" + b"0" * 40)))  # fmt: skip
    for i in range(9):
        services.asset_file_add(
            actor=cadre, asset=factory, kind="document", upload=(f"{i}.pdf", PDF)
        )
    assert factory.files.count() == 10
    refused("files_full", lambda: services.asset_file_add(
        actor=cadre, asset=factory, kind="document", upload=("11.pdf", PDF)))  # fmt: skip


# ---------------------------------------------------------------- disposal


def dispose(actor: User, asset: Asset, decision: Decision | None, **kw: Any) -> AssetDisposal:
    args: dict[str, Any] = {"kind": "sale", "date": timezone.localdate(), "proceeds": "50000",
                            "counterparty": "衡山县某公司"}  # fmt: skip
    return services.asset_dispose(actor=actor, asset=asset, decision=decision, **(args | kw))


def test_a_disposal_needs_a_passed_decision_of_the_same_village(
    factory: Asset, cadre: User, regions: dict[str, Region], persona: Callable[[str], User],
    jiulong: Region,
) -> None:  # fmt: skip
    e = refused("decision_required", lambda: dispose(cadre, factory, None))
    assert "四议两公开" in e.message
    other = decide(persona("八里村村干部"), regions[BALI])
    e = refused("decision_village", lambda: dispose(cadre, factory, other))
    assert "不是本村" in e.message
    pending = decide(cadre, jiulong, "抽水机报废", meetings=2)
    e = refused("decision_not_passed", lambda: dispose(cadre, factory, pending))
    assert "尚未通过" in e.message and "村民代表会议或村民会议决议" in e.message
    factory.refresh_from_db()
    assert factory.status == AssetStatus.SELF_OPERATED


def test_a_disposal_records_the_book_value_and_closes_the_entry(
    factory: Asset, cadre: User, passed_decision: Decision
) -> None:
    disposal = dispose(cadre, factory, passed_decision)
    factory.refresh_from_db()
    assert factory.status == AssetStatus.DISPOSED
    assert (disposal.book_value_fen, disposal.proceeds_fen) == (8_600_050, 5_000_000)
    event = business_events().get(action="assets.asset_dispose")
    assert event.payload["decision"] == passed_decision.pk
    refused("asset_disposed", lambda: services.asset_update(
        actor=cadre, asset=factory, changes={"name": "新名"}))  # fmt: skip
    refused("asset_disposed", lambda: dispose(cadre, factory, passed_decision))


def test_disposal_refusals(
    factory: Asset, cadre: User, passed_decision: Decision, jiulong: Region
) -> None:
    refused("date_future", lambda: dispose(
        cadre, factory, passed_decision,
        date=timezone.localdate() + timedelta(days=1)))  # fmt: skip
    refused("date_early", lambda: dispose(
        cadre, factory, passed_decision, date=date(2011, 1, 1)))  # fmt: skip
    refused("amount_negative", lambda: dispose(cadre, factory, passed_decision, proceeds="-1"))
    refused("kind_invalid", lambda: dispose(cadre, factory, passed_decision, kind="gift"))
    today = timezone.localdate()
    contract = Contract.objects.create(
        village=jiulong, county_code="430423", number="HT-2025-01", title="厂房租赁",
        kind=ContractKind.LEASE, party_name="种植合作社", signed_on=today,
        start_date=today, end_date=today + timedelta(days=365), total_price_fen=960_000,
        annual_price_fen=960_000, award_method=AwardMethod.TENDER, created_by=cadre,
    )  # fmt: skip
    contract.assets.add(factory)
    e = refused("asset_under_contract", lambda: dispose(cadre, factory, passed_decision))
    assert "HT-2025-01" in e.message
    contract.status = "ended"
    contract.save()
    assert dispose(cadre, factory, passed_decision).asset_id == factory.pk
