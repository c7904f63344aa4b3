"""Contract pages and API: scope (another village 404, a viewer 403 on writes), forms that
refuse bad input with nothing changed, exports, query-count bounds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils.timezone import localdate

from cunwu.accounts.models import User
from cunwu.assets.models import AwardMethod, Contract, JournalEntry, Receivable
from cunwu.assets.services import contracts as svc
from cunwu.assets.services import journal
from cunwu.assets.tests.test_contracts_services import make_asset
from cunwu.core.models import Region


def contract(cadre: User, village: Region, n: int = 1, **kw: Any) -> Contract:
    today = localdate()
    args: dict[str, Any] = {
        "actor": cadre, "village": village, "number": f"HT-{n:03d}", "title": f"厂房{n}租赁",
        "kind": "lease", "party_name": "湘江公司", "party_phone": "13812345678",
        "assets": [make_asset(village, cadre, f"ZC-{n:03d}")], "signed_on": today,
        "start_date": today, "end_date": svc.add_years(today, 2), "total_price": "24000",
        "annual_price": "12000", "award_method": AwardMethod.TENDER,
    }  # fmt: skip
    args.update(kw)
    return svc.contract_create(**args)


@pytest.fixture
def cadre(persona: Callable[[str], User]) -> User:
    return persona("九龙村村干部")


def test_list_detail_export(client: Any, cadre: User, jiulong: Region) -> None:
    c = contract(cadre, jiulong)
    client.force_login(cadre)
    page = client.get("/assets/contracts/?q=HT-001").content.decode()
    assert "HT-001" in page and "登记合同" in page
    assert "HT-001" not in client.get("/assets/contracts/?q=没有").content.decode()
    detail = client.get(f"/assets/contracts/{c.pk}/").content.decode()
    assert "138****5678" in detail and "13812345678" not in detail
    xlsx = client.get("/assets/contracts/?format=xlsx")
    assert xlsx.status_code == 200 and "spreadsheet" in xlsx["Content-Type"]
    assert client.get("/assets/receivables/aging/?format=xlsx").status_code == 200
    assert client.get("/assets/receivables/aging/").status_code == 200
    assert client.get("/assets/reminders/").status_code == 200
    assert client.get("/assets/contracts/new/").status_code == 200


def test_scope(client: Any, cadre: User, jiulong: Region, persona: Callable[[str], User]) -> None:
    c = contract(cadre, jiulong)
    r = c.receivables.first()
    assert r is not None
    client.force_login(persona("另一村的村干部"))
    assert client.get(f"/assets/contracts/{c.pk}/").status_code == 404
    assert client.post(f"/assets/receivables/{r.pk}/pay/", {"date": localdate(), "amount": "1"}
                       ).status_code == 404  # fmt: skip
    client.force_login(persona("九龙村监委会委员"))
    assert client.get(f"/assets/contracts/{c.pk}/").status_code == 200
    assert client.post(f"/assets/receivables/{r.pk}/pay/", {"date": localdate(), "amount": "1"}
                       ).status_code == 403  # fmt: skip
    assert client.post(f"/assets/contracts/{c.pk}/publish/").status_code == 403
    assert client.get("/assets/contracts/new/").status_code == 403
    r.refresh_from_db()
    assert r.paid_fen == 0


def test_payment_form_overpayment(client: Any, cadre: User, jiulong: Region) -> None:
    c = contract(cadre, jiulong)
    r = c.receivables.order_by("due_date").first()
    assert r is not None
    client.force_login(cadre)
    page = client.post(
        f"/assets/receivables/{r.pk}/pay/", {"date": localdate(), "amount": "12000.01"}
    )
    assert page.status_code == 200 and "本期应收还剩 12,000.00 元" in page.content.decode()
    r.refresh_from_db()
    assert r.paid_fen == 0
    ok = client.post(f"/assets/receivables/{r.pk}/pay/", {"date": localdate(), "amount": "100"})
    assert ok.status_code == 302
    r.refresh_from_db()
    assert r.paid_fen == 10_000


def test_payment_form_books_the_receipt_into_the_chosen_account(
    client: Any, cadre: User, jiulong: Region
) -> None:
    bank = journal.account_create(actor=cadre, village=jiulong, name="基本户", kind="bank",
                                  bank_name="农商银行")  # fmt: skip
    c = contract(cadre, jiulong)
    r = c.receivables.order_by("due_date").first()
    assert r is not None
    client.force_login(cadre)
    form = client.get(f"/assets/receivables/{r.pk}/pay/").content.decode()
    assert "不记入资金收支" in form and "基本户" in form
    ok = client.post(f"/assets/receivables/{r.pk}/pay/",
                     {"date": localdate(), "amount": "250", "account": bank.pk})  # fmt: skip
    assert ok.status_code == 302
    entry = JournalEntry.objects.get()
    assert entry.amount_fen == 25_000 and entry.account == bank
    detail = client.get(f"/assets/contracts/{c.pk}/").content.decode()
    assert f"/assets/journal/{entry.pk}/" in detail


def test_create_form(client: Any, cadre: User, jiulong: Region) -> None:
    today = localdate()
    asset = make_asset(jiulong, cadre, "ZC-100")
    client.force_login(cadre)
    data = {"number": "HT-9", "title": "鱼塘发包", "kind": "contracting", "party_name": "张三",
            "assets": [asset.pk], "signed_on": today, "start_date": today,
            "end_date": svc.add_years(today, 2), "total_price": "2000", "annual_price": "1000",
            "award_method": "tender",
            "schedule": f"首期,{today},500\n二期,{today + timedelta(days=100)},600"}  # fmt: skip
    page = client.post("/assets/contracts/new/", data)
    assert page.status_code == 200 and "不一致" in page.content.decode()
    assert not Contract.objects.exists()
    data["schedule"] = ""
    assert client.post("/assets/contracts/new/", data).status_code == 302
    assert list(Receivable.objects.values_list("amount_fen", flat=True)) == [100_000, 100_000]


def test_check_button(
    client: Any, cadre: User, jiulong: Region, persona: Callable[[str], User]
) -> None:
    contract(cadre, jiulong, award_method=AwardMethod.NEGOTIATION, total_price="240000",
             annual_price="120000")  # fmt: skip
    client.force_login(persona("开云镇干部"))
    page = client.post("/assets/contracts/check/", follow=True).content.decode()
    assert "新发现 2 个问题" in page
    page = client.post("/assets/contracts/check/", follow=True).content.decode()
    assert "没有新发现的问题" in page
    client.force_login(cadre)
    assert client.post("/assets/contracts/check/").status_code == 403


@pytest.mark.parametrize("rows", [5, 40])
def test_list_query_count(
    client: Any, cadre: User, jiulong: Region, rows: int, django_assert_max_num_queries: Any
) -> None:
    for n in range(rows):
        contract(cadre, jiulong, n)
    client.force_login(cadre)
    client.get("/assets/contracts/")
    with django_assert_max_num_queries(14):
        assert client.get("/assets/contracts/").status_code == 200


@pytest.mark.parametrize("rows", [5, 40])
def test_api_list_query_count(
    api_as: Any, cadre: User, jiulong: Region, rows: int, django_assert_max_num_queries: Any
) -> None:
    for n in range(rows):
        contract(cadre, jiulong, n)
    api = api_as("九龙村村干部")
    api.get("/assets/contracts")
    with django_assert_max_num_queries(8):
        body = api.get("/assets/contracts", page_size=50).json()
    assert body["count"] == rows and body["items"][0]["party_phone"] == "138****5678"
    with django_assert_max_num_queries(8):
        assert api.get("/assets/receivables", overdue=True).json()["count"] == 0


def test_api_flow(api_as: Any, cadre: User, jiulong: Region) -> None:
    asset = make_asset(jiulong, cadre, "ZC-7")
    api = api_as("九龙村村干部")
    body = {"village": jiulong.code, "number": "HT-7", "title": "厂房租赁", "kind": "lease",
            "party_name": "李四", "party_phone": "13900001111", "assets": [asset.pk],
            "signed_on": localdate().isoformat(), "start_date": localdate().isoformat(),
            "end_date": svc.add_years(localdate(), 1).isoformat(), "total_price": "1000",
            "annual_price": "1000", "award_method": "tender"}  # fmt: skip
    created = api.post("/assets/contracts", body)
    assert created.status_code == 201, created.content
    c = created.json()
    assert c["party_phone"] == "139****1111" and c["receivables"][0]["amount_fen"] == 100_000
    rid = c["receivables"][0]["id"]
    over = api.post("/assets/payments", {"receivable": rid, "date": localdate().isoformat(),
                                         "amount": "1000.01"})  # fmt: skip
    assert over.status_code == 409 and over.json()["message"] == "本期应收还剩 1,000.00 元"
    paid = api.post("/assets/payments", {"receivable": rid, "date": localdate().isoformat(),
                                         "amount": "400"})  # fmt: skip
    assert paid.status_code == 201 and paid.json()["receivable_paid_fen"] == 40_000
    assert paid.json()["entry"] is None
    nowhere = api.post("/assets/payments", {"receivable": rid, "date": localdate().isoformat(),
                                            "amount": "1", "account": 999_999})  # fmt: skip
    assert nowhere.status_code == 404
    rev = api.post(f"/assets/payments/{paid.json()['id']}/reverse", {"reason": "录错"})
    assert rev.status_code == 201 and rev.json()["receivable_paid_fen"] == 0
    assert api.post(f"/assets/payments/{paid.json()['id']}/reverse", {"reason": "x"}
                    ).status_code == 409  # fmt: skip
    assert api.post(f"/assets/contracts/{c['id']}/publish").status_code == 200
    aging = api.get("/assets/receivables/aging").json()
    assert aging["total"]["buckets"]["current"] == 100_000
    assert api_as("另一村的村干部").get(f"/assets/contracts/{c['id']}").status_code == 404
    viewer = api_as("九龙村监委会委员")
    assert (
        viewer.post(
            f"/assets/contracts/{c['id']}/end",
            {"date": localdate().isoformat(), "reason": "x"},
        ).status_code
        == 403
    )
    assert viewer.post(f"/assets/contracts/{c['id']}/check").status_code == 200
    ended = api.post(
        f"/assets/contracts/{c['id']}/end",
        {"date": localdate().isoformat(), "reason": "退租", "terminated": True},
    )
    assert ended.json()["status"] == "terminated"
    assert api.get("/assets/reminders").json()["count"] == 0


def test_contract_files_over_the_api(api_as: Any, cadre: User, jiulong: Region) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = contract(cadre, jiulong)
    pdf = b"%PDF-1.4\n" + b"0" * 64

    def send(who: str, name: str, data: bytes) -> Any:
        api = api_as(who)
        upload = {"file": SimpleUploadedFile(name, data)}
        return api.client.post(
            f"/api/v1/assets/contracts/{c.pk}/files", upload, headers=api.headers
        )

    sent = send("九龙村村干部", "合同文本.pdf", pdf)
    assert sent.status_code == 201, sent.content
    assert (sent.json()["original_name"], sent.json()["content_type"]) == (
        "合同文本.pdf", "application/pdf",
    )  # fmt: skip
    assert send("九龙村村干部", "x.pdf", b"plain text").status_code == 400
    assert send("另一村的村干部", "x.pdf", pdf).status_code == 404
    assert send("九龙村监委会委员", "x.pdf", pdf).status_code == 403
    listed = api_as("九龙村监委会委员").get(f"/assets/contracts/{c.pk}/files").json()
    assert [f["original_name"] for f in listed] == ["合同文本.pdf"]
