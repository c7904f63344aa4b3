"""The fund journal's pages: each role sees and does what it may, forms reject bad input with
nothing changed, exports, printing, scope (404 outside, 403 for a viewer on writes) and a
bounded number of queries on the list page."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from cunwu.accounts.models import User
from cunwu.assets.models import EntryStatus, JournalEntry, MonthClose
from cunwu.assets.services import journal as svc
from cunwu.core.models import Region
from cunwu.testing import business_events

from .test_journal_services import PNG, Books, counts, month_start, worked_example

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(persona: Callable[[str], User], jiulong: Region) -> Books:
    return Books(persona, jiulong)


@pytest.fixture
def client_as(persona: Callable[[str], User]) -> Callable[[str], Client]:
    def make(name: str) -> Client:
        client = Client(raise_request_exception=False)
        client.force_login(persona(name))
        return client

    return make


def test_nav_and_pages_for_each_role(books: Books, client_as: Callable[[str], Client]) -> None:
    entry = books.propose("12.50", summary="卖鱼收入")
    for name in ["九龙村村干部", "九龙村监委会委员", "开云镇干部", "衡山县管理员"]:
        c = client_as(name)
        page = c.get(reverse("assets:journal_list")).content.decode()
        assert "资金收支" in page and "卖鱼收入" in page and "12.50" in page, name
        assert c.get(reverse("assets:journal_detail", args=[entry.pk])).status_code == 200
        assert c.get(reverse("assets:journal_accounts")).status_code == 200
        assert c.get(reverse("assets:journal_months", args=[books.village.code])).status_code == 200
    staff = client_as("九龙村村干部").get(reverse("assets:journal_list")).content.decode()
    assert "登记收支" in staff
    committee = client_as("九龙村监委会委员")
    assert "登记收支" not in committee.get(reverse("assets:journal_list")).content.decode()
    detail = committee.get(reverse("assets:journal_detail", args=[entry.pk])).content.decode()
    assert "审核通过" in detail and "确认记账" not in detail
    township = client_as("开云镇干部")
    detail = township.get(reverse("assets:journal_detail", args=[entry.pk])).content.decode()
    assert "审核通过" not in detail and "确认记账" not in detail


def test_scope(books: Books, client_as: Callable[[str], Client], persona: Callable[[str], User],
               regions: dict[str, Region]) -> None:  # fmt: skip
    entry = books.propose("5", summary="九龙收入")
    bali = regions["430423100227"]
    bstaff = persona("八里村村干部")
    account = svc.account_create(actor=bstaff, village=bali, name="八里基本户", kind="cash")
    svc.entry_propose(actor=bstaff, account=account, date=month_start(1), direction="receipt",
                      category="other_income", summary="八里收入", amount="6")  # fmt: skip
    other = client_as("另一村的村干部")
    assert other.get(reverse("assets:journal_detail", args=[entry.pk])).status_code == 404
    assert other.get(reverse("assets:journal_months", args=[books.village.code])).status_code == 404
    assert (
        other.get(reverse("assets:journal_statement", args=[books.village.code])).status_code == 404
    )
    assert "九龙收入" not in other.get(reverse("assets:journal_list")).content.decode()
    before = counts()
    r = other.post(reverse("assets:journal_review", args=[entry.pk]), {"decision": "approve"})
    assert r.status_code == 404
    assert counts() == before
    # the committee member may not propose
    committee = client_as("九龙村监委会委员")
    r = committee.post(reverse("assets:journal_create"), {
        "account": books.bank.pk, "date": month_start(1).isoformat(), "direction": "receipt",
        "category": "other_income", "summary": "x", "amount": "1"})  # fmt: skip
    assert r.status_code == 403
    assert committee.get(reverse("assets:journal_reverse", args=[entry.pk])).status_code == 403
    assert counts() == before
    # the township sees both of its villages
    page = client_as("开云镇干部").get(reverse("assets:journal_list")).content.decode()
    assert "九龙收入" in page and "八里收入" in page
    queue = client_as("开云镇干部").get(reverse("assets:journal_confirm_queue"))
    assert queue.status_code == 200
    assert client_as("九龙村村民").get(reverse("assets:journal_list")).status_code == 403


def test_propose_form(books: Books, client_as: Callable[[str], Client]) -> None:
    c = client_as("九龙村村干部")
    assert c.get(reverse("assets:journal_create")).status_code == 200
    data = {"account": books.bank.pk, "date": month_start(1).isoformat(),
            "direction": "payment", "category": "admin_expense", "counterparty": "",
            "summary": "买办公用品", "amount": "12.345"}  # fmt: skip
    before = counts()
    r = c.post(reverse("assets:journal_create"), data)
    assert r.status_code == 200
    assert "最多保留两位小数" in r.content.decode()
    data["amount"] = "12.34"
    data["category"] = "operating_income"
    r = c.post(reverse("assets:journal_create"), data)
    assert "不能用于支出" in r.content.decode()
    data["category"] = "admin_expense"
    data["date"] = (month_start(0) + timedelta(days=40)).isoformat()
    assert "不能晚于今天" in c.post(reverse("assets:journal_create"), data).content.decode()
    data["date"] = month_start(1).isoformat()
    bad = SimpleUploadedFile("a.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    r = c.post(reverse("assets:journal_create"), {**data, "attachments": [bad]})
    assert "不是 PDF、PNG 或 JPEG" in r.content.decode()
    assert counts() == before
    good = SimpleUploadedFile("发票.png", PNG, content_type="image/png")
    r = c.post(reverse("assets:journal_create"), {**data, "attachments": [good]})
    assert r.status_code == 302
    entry = JournalEntry.objects.get(summary="买办公用品")
    assert (entry.amount_fen, entry.status, entry.files.count()) == (1234, "proposed", 1)
    f = entry.files.get()
    r = c.get(reverse("assets:journal_file", args=[entry.pk, f.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert (
        client_as("另一村的村干部")
        .get(reverse("assets:journal_file", args=[entry.pk, f.pk]))
        .status_code
        == 404
    )


def test_closed_month_message_on_the_form(books: Books, client_as: Callable[[str], Client]) -> None:
    old = month_start(2)
    books.post("1", on=old)
    svc.month_close(actor=books.township, village=books.village, year=old.year, month=old.month)
    c = client_as("九龙村村干部")
    r = c.post(reverse("assets:journal_create"), {
        "account": books.bank.pk, "date": old.isoformat(), "direction": "receipt",
        "category": "other_income", "summary": "补记", "amount": "1"})  # fmt: skip
    assert (
        f"{old.year}年{old.month}月已结账，不能再登记该月的收支，请以冲销方式更正"
        in r.content.decode()
    )


def test_review_confirm_through_pages(books: Books, client_as: Callable[[str], Client]) -> None:
    entry = books.propose("88")
    township = client_as("开云镇干部")
    before = counts()
    r = township.post(reverse("assets:journal_confirm", args=[entry.pk]), {"decision": "approve"},
                      follow=True)  # fmt: skip
    assert "监委会尚未审核" in r.content.decode()
    assert counts() == before
    committee = client_as("九龙村监委会委员")
    queue = committee.get(reverse("assets:journal_review_queue")).content.decode()
    assert "收入" in queue and "88.00" in queue
    r = committee.post(reverse("assets:journal_review", args=[entry.pk]),
                       {"decision": "reject", "note": ""}, follow=True)  # fmt: skip
    assert "退回请写明理由" in r.content.decode()
    r = committee.post(reverse("assets:journal_review", args=[entry.pk]),
                       {"decision": "approve", "next": "review"})  # fmt: skip
    assert r.status_code == 302 and r["Location"] == reverse("assets:journal_review_queue")
    r = township.post(reverse("assets:journal_confirm", args=[entry.pk]), {"decision": "approve"})
    entry.refresh_from_db()
    assert entry.status == EntryStatus.POSTED and entry.voucher_number.endswith("-001")
    page = township.get(reverse("assets:journal_detail", args=[entry.pk])).content.decode()
    assert "监委会审核" in page and "乡镇代理记账确认" in page
    staff = client_as("九龙村村干部")
    assert (
        "红字冲销" in staff.get(reverse("assets:journal_detail", args=[entry.pk])).content.decode()
    )
    r = staff.post(reverse("assets:journal_reverse", args=[entry.pk]),
                   {"date": month_start(1).isoformat(), "reason": "录错"})  # fmt: skip
    assert r.status_code == 302
    assert JournalEntry.objects.get(reverses=entry).amount_fen == -8800


def test_accounts_page_and_export(books: Books, client_as: Callable[[str], Client]) -> None:
    books.post("100.50")
    c = client_as("九龙村村干部")
    page = c.get(reverse("assets:journal_accounts")).content.decode()
    assert "基本户" in page and "100.50" in page
    r = c.get(reverse("assets:journal_accounts"), {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[-1][0] == "合计" and values[-1][-1] == "100.50"
    r = c.post(reverse("assets:journal_account_create"), {"village": books.village.code,
               "name": "基本户", "kind": "bank", "bank_name": "x"})  # fmt: skip
    assert "本村已有账户" in r.content.decode()
    r = c.post(reverse("assets:journal_account_create"), {"village": books.village.code,
               "name": "备用金", "kind": "cash"})  # fmt: skip
    assert r.status_code == 302


def test_months_close_statement_and_publish(
    books: Books, client_as: Callable[[str], Client]
) -> None:
    before, month = worked_example(books)
    township = client_as("开云镇干部")
    page = township.get(reverse("assets:journal_months", args=[books.village.code]))
    assert "结账" in page.content.decode()
    ym = f"{month.year:04d}-{month.month:02d}"
    r = township.post(reverse("assets:journal_month_close", args=[books.village.code]),
                      {"month": ym}, follow=True)  # fmt: skip
    assert "还有1笔收支未审核确认" in r.content.decode()
    assert not MonthClose.objects.filter(year=month.year, month=month.month).exists()
    url = reverse("assets:journal_statement", args=[books.village.code])
    page = township.get(url, {"month": ym}).content.decode()
    assert "@media print" in page and "鱼塘承包费" in page and "15,000.00" in page
    assert "5,500.00" in page and "120.50" in page
    r = township.get(url, {"month": ym, "format": "xlsx"})
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["收支明细", "科目汇总", "账户余额", "资产负债简表"]
    assert [c.value for c in wb["资产负债简表"]["A"]][1:] == [
        "货币资金", "应收款", "对外投资及借出款", "资产（账面价值）", "资源（账面价值）",
        "资产合计", "押金及往来款（负债）", "净资产",
    ]  # fmt: skip
    assert "资产负债简表（月末）" in page
    staff = client_as("九龙村村干部")
    bym = f"{before.year:04d}-{before.month:02d}"
    assert "公开收支明细" in staff.get(url, {"month": bym}).content.decode()
    events = business_events().count()
    r = staff.post(reverse("assets:journal_statement_publish", args=[books.village.code]),
                   {"month": bym}, follow=True)  # fmt: skip
    assert "待监委会审核后公开" in r.content.decode()
    assert MonthClose.objects.get(year=before.year, month=before.month).notice_id is not None
    assert business_events().count() > events


@pytest.mark.parametrize("rows", [5, 40])
def test_list_page_queries_are_bounded(books: Books, client_as: Callable[[str], Client],
                                       django_assert_max_num_queries: object,
                                       rows: int) -> None:  # fmt: skip
    for i in range(rows):
        books.propose(f"{i + 1}", summary=f"收入{i}")
    c = client_as("开云镇干部")
    c.get(reverse("assets:journal_list"))  # warm the session and permissions
    with django_assert_max_num_queries(14):  # type: ignore[operator]
        assert c.get(reverse("assets:journal_list")).status_code == 200
    with django_assert_max_num_queries(14):  # type: ignore[operator]
        assert c.get(reverse("assets:journal_accounts")).status_code == 200


def test_list_filters(books: Books, client_as: Callable[[str], Client]) -> None:
    books.post("10", summary="承包费", category="contract_income")
    books.propose("20", summary="补助款", category="subsidy_income")
    c = client_as("九龙村村干部")
    url = reverse("assets:journal_list")
    page = c.get(url, {"status": "posted"}).content.decode()
    assert "承包费" in page and "补助款" not in page
    page = c.get(url, {"q": "补助"}).content.decode()
    assert "补助款" in page and "承包费" not in page
    page = c.get(url, {"category": "contract_income", "month": month_start(1).isoformat()[:7]})
    assert "承包费" in page.content.decode()
    page = c.get(url, {"q": "-001"}).content.decode()
    assert "承包费" in page
    r = c.get(url, {"format": "xlsx", "status": "posted"})
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None and sheet.max_row == 2
    assert c.get(url, {"month": "junk", "account": "x", "page": "abc"}).status_code == 200


JUNK = {"page": "abc", "region": "'\"<script>", "status": "nonsense", "q": "𠮷" * 200,
        "account": "99999999999999", "month": "2026-13", "direction": "x", "category": "%",
        "format": "pdf"}  # fmt: skip


@pytest.mark.parametrize(
    "name", ["九龙村村干部", "九龙村监委会委员", "开云镇干部", "另一村的村干部"]
)
def test_junk_never_gives_a_server_error(books: Books, client_as: Callable[[str], Client],
                                         name: str) -> None:  # fmt: skip
    entry = books.post("10")
    c = client_as(name)
    code = books.village.code
    for url in [reverse("assets:journal_list"), reverse("assets:journal_accounts"),
                reverse("assets:journal_create"), reverse("assets:journal_review_queue"),
                reverse("assets:journal_confirm_queue"), reverse("assets:journal_month_index"),
                reverse("assets:journal_months", args=[code]),
                reverse("assets:journal_statement", args=[code]),
                reverse("assets:journal_statement", args=["x" * 30]),
                reverse("assets:journal_detail", args=[entry.pk]),
                reverse("assets:journal_reverse", args=[entry.pk]),
                reverse("assets:journal_account_create")]:  # fmt: skip
        assert c.get(url, JUNK).status_code < 500, url
        assert c.post(url, JUNK).status_code < 500, url
    for url in [reverse("assets:journal_review", args=[entry.pk]),
                reverse("assets:journal_confirm", args=[entry.pk]),
                reverse("assets:journal_file_add", args=[entry.pk]),
                reverse("assets:journal_month_close", args=[code]),
                reverse("assets:journal_statement_publish", args=[code]),
                reverse("assets:journal_account_deactivate", args=[books.bank.pk])]:  # fmt: skip
        assert (
            c.post(url, {"decision": "approve", "note": "x" * 300, "month": "junk"}).status_code
            < 500
        ), url
