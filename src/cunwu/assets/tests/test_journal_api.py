"""The fund journal over the API: the whole flow, errors as {code, message, field}, scope and
a bounded number of queries on the list endpoint."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cunwu.accounts.models import User
from cunwu.assets.models import JournalEntry
from cunwu.core.models import Region

from .test_journal_services import Books, counts, month_start, worked_example

pytestmark = pytest.mark.django_db

BASE = "/assets/journal"


@pytest.fixture
def books(persona: Callable[[str], User], jiulong: Region) -> Books:
    return Books(persona, jiulong)


def test_the_flow(books: Books, api_as: Callable[[str], Any]) -> None:
    staff, committee, township = (
        api_as("九龙村村干部"), api_as("九龙村监委会委员"), api_as("开云镇干部"),
    )  # fmt: skip
    r = staff.post(f"{BASE}/accounts", {"village": books.village.code, "name": "备用金",
                                        "kind": "cash"})  # fmt: skip
    assert r.status_code == 201, r.content
    assert r.json()["balance_fen"] == 0
    body = {"account": books.bank.pk, "date": month_start(1).isoformat(), "direction": "receipt",
            "category": "contract_income", "summary": "鱼塘承包费", "counterparty": "王五",
            "amount": "3500.00"}  # fmt: skip
    r = staff.post(f"{BASE}/entries", body)
    assert r.status_code == 201, r.content
    entry = r.json()
    assert (entry["amount_fen"], entry["status"], entry["voucher_number"]) == (
        350000,
        "proposed",
        "",
    )
    pk = entry["id"]
    r = township.post(f"{BASE}/entries/{pk}/confirm", {"approve": True})
    assert r.status_code == 409
    assert r.json()["code"] == "entry_state"
    r = committee.post(f"{BASE}/entries/{pk}/review", {"approve": False})
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (400, "reason_empty", "note")
    r = committee.post(f"{BASE}/entries/{pk}/review", {"approve": True, "note": "同意"})
    assert r.status_code == 200 and r.json()["status"] == "reviewed"
    r = township.post(f"{BASE}/entries/{pk}/confirm", {"approve": True})
    start = month_start(1)
    assert r.json()["voucher_number"] == f"记-{start.year}-{start.month:02d}-001"
    assert [a["step"] for a in r.json()["approvals"]] == ["review", "confirm"]
    r = staff.get(f"{BASE}/balances")
    assert r.json()["total_fen"] == 350000
    r = staff.post(f"{BASE}/entries/{pk}/reverse", {"date": start.isoformat(), "reason": "录错"})
    assert r.status_code == 201 and r.json()["amount_fen"] == -350000
    assert staff.get(f"{BASE}/entries/{pk}").json()["reversed_by"] == r.json()["id"]
    assert staff.get(f"{BASE}/entries/{pk}/files").json() == []
    r = staff.get(f"{BASE}/entries", status="posted", q="鱼塘")
    assert r.json()["count"] == 1


def test_refusals(books: Books, api_as: Callable[[str], Any]) -> None:
    staff = api_as("九龙村村干部")
    for name in ("九龙村监委会委员", "另一村的村干部", "开云镇干部"):
        api_as(name)  # their tokens are made (and audited) before counting
    before = counts()
    base = {"account": books.bank.pk, "date": month_start(1).isoformat(), "direction": "payment",
            "category": "admin_expense", "summary": "x"}  # fmt: skip
    for amount, code in [("0", "amount_positive"), ("1.001", "amount_precision"),
                         ("200000000", "amount_large"), ("x", "amount_invalid")]:  # fmt: skip
        r = staff.post(f"{BASE}/entries", {**base, "amount": amount})
        assert (r.status_code, r.json()["code"], r.json()["field"]) == (400, code, "amount")
    r = staff.post(f"{BASE}/entries", {**base, "amount": "1", "category": "opening"})
    assert r.json()["code"] == "category_direction"
    r = staff.post(f"{BASE}/entries", {**base, "amount": "1", "date": "2026/01/01"})
    assert r.status_code == 422
    r = staff.post(f"{BASE}/entries", {**base, "amount": "1", "account": 2**62 + 1})
    assert r.status_code == 422
    r = api_as("九龙村监委会委员").post(f"{BASE}/entries", {**base, "amount": "1"})
    assert r.status_code == 403
    r = api_as("另一村的村干部").post(f"{BASE}/entries", {**base, "amount": "1"})
    assert r.status_code == 404
    r = api_as("开云镇干部").post(f"{BASE}/months/close", {"village": books.village.code,
                                                          "year": 2100, "month": 1})  # fmt: skip
    assert r.json()["code"] == "month_not_ended"
    assert counts() == before


def test_scope(books: Books, api_as: Callable[[str], Any]) -> None:
    entry = books.propose("1")
    other = api_as("另一村的村干部")
    assert other.get(f"{BASE}/entries/{entry.pk}").status_code == 404
    assert other.get(f"{BASE}/entries").json()["count"] == 0
    assert other.get(f"{BASE}/accounts").json()["count"] == 0
    r = other.get(f"{BASE}/statement", village=books.village.code, year=2026, month=1)
    assert r.status_code == 404
    assert api_as("开云镇干部").get(f"{BASE}/entries").json()["count"] == 1


def test_close_statement_publish(books: Books, api_as: Callable[[str], Any]) -> None:
    _before, month = worked_example(books)
    township = api_as("开云镇干部")
    JournalEntry.objects.filter(status="proposed").update(status="rejected", rejected_reason="x")
    r = township.post(f"{BASE}/months/close", {"village": books.village.code, "year": month.year,
                                               "month": month.month})  # fmt: skip
    assert r.status_code == 201, r.content
    assert r.json()["figures"]["totals"]["closing"] == 1537950
    r = township.get(f"{BASE}/statement", village=books.village.code, year=month.year,
                     month=month.month)  # fmt: skip
    data = r.json()
    assert data["closed"] is True
    assert (data["income_fen"], data["expense_fen"], data["opening_fen"], data["closing_fen"]) == (
        550000, 12050, 1000000, 1537950,
    )  # fmt: skip
    assert len(data["entries"]) == 7
    r = township.post(f"{BASE}/statement", {"village": books.village.code, "year": month.year,
                                            "month": month.month})  # fmt: skip
    assert r.status_code == 201 and r.json()["status"] == "pending_signoff"
    r = township.post(f"{BASE}/statement", {"village": books.village.code, "year": month.year,
                                            "month": month.month})  # fmt: skip
    assert r.status_code == 409 and r.json()["code"] == "statement_published"


@pytest.mark.parametrize("rows", [5, 40])
def test_list_endpoint_queries_are_bounded(books: Books, api_as: Callable[[str], Any],
                                           django_assert_max_num_queries: Any,
                                           rows: int) -> None:  # fmt: skip
    for i in range(rows):
        books.propose(f"{i + 1}")
    client = api_as("开云镇干部")
    client.get(f"{BASE}/entries")
    with django_assert_max_num_queries(8):
        r = client.get(f"{BASE}/entries", page_size=50)
    assert r.json()["count"] == rows
    with django_assert_max_num_queries(8):
        assert client.get(f"{BASE}/accounts").status_code == 200
