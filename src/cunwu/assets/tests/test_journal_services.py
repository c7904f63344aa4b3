"""The fund journal's services: each rule, each refusal (which changes nothing), the approval
order, month-end close, reversal, and the statement of a worked example, exact in 分."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.assets.models import (
    ApprovalStep,
    EntryApproval,
    EntryFile,
    EntryStatus,
    FundAccount,
    JournalEntry,
    MonthClose,
    VoucherCounter,
)
from cunwu.assets.selectors import journal as sel
from cunwu.assets.services import journal as svc
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.disclosure.models import Category, Notice, NoticeStatus
from cunwu.testing import business_events

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def month_start(months_ago: int) -> date:
    """The first day of the month ``months_ago`` months before this one."""
    today = timezone.localdate()
    index = today.year * 12 + today.month - 1 - months_ago
    return date(index // 12, index % 12 + 1, 1)


def counts() -> tuple[int, ...]:
    return (
        FundAccount.objects.count(),
        JournalEntry.objects.count(),
        EntryApproval.objects.count(),
        EntryFile.objects.count(),
        MonthClose.objects.count(),
        Notice.objects.count(),
        sum(VoucherCounter.objects.values_list("last", flat=True)),
        business_events().count(),
    )


@contextmanager
def refused(code: str, text: str = "") -> Iterator[None]:
    """The block raises ApplicationError ``code`` (its message containing ``text``) and
    changes nothing: no row, no voucher number, no audit event."""
    before = counts()
    statuses = list(JournalEntry.objects.order_by("pk").values_list("status", "voucher_number"))
    with pytest.raises((ApplicationError, PermissionDenied)) as info:
        yield
    if code == "permission_denied":
        assert isinstance(info.value, PermissionDenied)
    else:
        assert isinstance(info.value, ApplicationError), info.value
        assert info.value.code == code, (info.value.code, info.value.message)
        assert text in info.value.message
    assert counts() == before
    assert (
        list(JournalEntry.objects.order_by("pk").values_list("status", "voucher_number"))
        == statuses
    )


class Books:
    """The personas of the journal and shortcuts to move an entry through its steps."""

    def __init__(self, persona: Callable[[str], User], village: Region) -> None:
        self.village = village
        self.staff = persona("九龙村村干部")
        self.committee = persona("九龙村监委会委员")
        self.township = persona("开云镇干部")
        self.bank = svc.account_create(
            actor=self.staff, village=village, name="基本户", kind="bank", bank_name="农商银行"
        )
        self.cash = svc.account_create(actor=self.staff, village=village, name="现金", kind="cash")

    def propose(
        self,
        amount: Any = "100.00",
        *,
        account: FundAccount | None = None,
        on: date | None = None,
        direction: str = "receipt",
        category: str = "operating_income",
        summary: str = "收入",
    ) -> JournalEntry:
        return svc.entry_propose(
            actor=self.staff, account=account or self.bank, date=on or month_start(1),
            direction=direction, category=category, counterparty="某公司", summary=summary,
            amount=amount,
        )  # fmt: skip

    def review(self, entry: JournalEntry, approve: bool = True, note: str = "") -> JournalEntry:
        return svc.entry_review(actor=self.committee, entry=entry, approve=approve, note=note)

    def confirm(self, entry: JournalEntry, approve: bool = True, note: str = "") -> JournalEntry:
        return svc.entry_confirm(actor=self.township, entry=entry, approve=approve, note=note)

    def post(self, *args: Any, **kwargs: Any) -> JournalEntry:
        return self.confirm(self.review(self.propose(*args, **kwargs)))

    def balance(self, account: FundAccount | None = None) -> int:
        account = account or self.bank
        return sel.balances([account.pk]).get(account.pk, 0)


@pytest.fixture
def books(persona: Callable[[str], User], jiulong: Region) -> Books:
    return Books(persona, jiulong)


# ---------------------------------------------------------------- accounts


def test_account_create_and_refusals(books: Books, persona: Callable[[str], User]) -> None:
    assert books.bank.county_code == "430423"
    with refused("account_name_taken", "本村已有账户“基本户”"):
        svc.account_create(actor=books.staff, village=books.village, name=" 基本户 ", kind="bank",
                           bank_name="x")  # fmt: skip
    with refused("kind_invalid"):
        svc.account_create(actor=books.staff, village=books.village, name="新户", kind="gold")
    with refused("bank_name_empty"):
        svc.account_create(actor=books.staff, village=books.village, name="新户", kind="bank")
    with refused("permission_denied"):
        svc.account_create(actor=books.committee, village=books.village, name="新户", kind="cash")
    with refused("permission_denied"):
        svc.account_create(actor=persona("另一村的村干部"), village=books.village, name="新户",
                           kind="cash")  # fmt: skip


def test_deactivated_account_takes_no_entries(books: Books) -> None:
    svc.account_deactivate(actor=books.staff, account=books.cash)
    with refused("account_inactive"):
        svc.account_deactivate(actor=books.staff, account=books.cash)
    with refused("account_inactive", "已停用"):
        books.propose(account=books.cash)


# ---------------------------------------------------------------- propose


def test_propose_keeps_the_entry_waiting_and_audits(books: Books) -> None:
    before = business_events().count()
    entry = books.propose("1,234.50", summary=" 出租 鱼塘 ")
    assert entry.amount_fen == 123450
    assert entry.summary == "出租 鱼塘"
    assert entry.status == EntryStatus.PROPOSED
    assert entry.voucher_number == ""
    assert entry.village_id == books.village.code
    assert books.balance() == 0
    assert business_events().count() == before + 1
    assert business_events().latest("pk").action == "assets.entry_propose"


@pytest.mark.parametrize(
    ("amount", "code"),
    [("0", "amount_positive"), ("-5", "amount_negative"), ("1.234", "amount_precision"),
     ("100000000.01", "amount_large"), ("abc", "amount_invalid"), ("", "amount_empty")],
)  # fmt: skip
def test_propose_refuses_bad_amounts(books: Books, amount: str, code: str) -> None:
    with refused(code):
        books.propose(amount)


def test_propose_accepts_the_maximum(books: Books) -> None:
    assert books.propose("100000000").amount_fen == svc.MAX_AMOUNT_FEN


def test_propose_refuses_bad_fields(books: Books, persona: Callable[[str], User]) -> None:
    with refused("category_direction", "不能用于支出"):
        books.propose(direction="payment", category="operating_income")
    with refused("category_direction"):
        books.propose(direction="receipt", category="admin_expense")
    with refused("category_invalid"):
        books.propose(category="bribe")
    with refused("direction_invalid"):
        books.propose(direction="sideways")
    with refused("date_future"):
        books.propose(on=timezone.localdate() + timedelta(days=1))
    with refused("date_early"):
        books.propose(on=date(1999, 12, 31))
    with refused("summary_empty"):
        books.propose(summary="  ")
    with refused("summary_long"):
        books.propose(summary="字" * 201)
    with refused("permission_denied"):
        svc.entry_propose(
            actor=books.committee,
            account=books.bank,
            date=month_start(1),
            direction="receipt",
            category="other_income",
            summary="x",
            amount="1",
        )
    with refused("permission_denied"):
        svc.entry_propose(
            actor=persona("八里村村干部"),
            account=books.bank,
            date=month_start(1),
            direction="receipt",
            category="other_income",
            summary="x",
            amount="1",
        )
    # both directions for transfers and deposits
    assert books.propose(direction="payment", category="transfer").direction == "payment"
    assert books.propose(direction="receipt", category="deposit").direction == "receipt"


def test_attachments(books: Books) -> None:
    entry = svc.entry_propose(
        actor=books.staff, account=books.bank, date=month_start(1), direction="payment",
        category="admin_expense", summary="办公用品", amount="50", files=[("发票.png", PNG)],
    )  # fmt: skip
    assert [f.original_name for f in entry.files.all()] == ["发票.png"]
    with refused("attachment_type"):
        svc.entry_attach(actor=books.staff, entry=entry, name="x.exe", data=b"MZ\x90\x00")
    for i in range(9):
        svc.entry_attach(actor=books.staff, entry=entry, name=f"{i}.png", data=PNG)
    with refused("attachments_too_many", "至多10个"):
        svc.entry_attach(actor=books.staff, entry=entry, name="11.png", data=PNG)
    with refused("attachments_too_many"):
        svc.entry_propose(
            actor=books.staff, account=books.bank, date=month_start(1), direction="payment",
            category="admin_expense", summary="x", amount="1",
            files=[(f"{i}.png", PNG) for i in range(11)],
        )  # fmt: skip
    books.confirm(books.review(entry))
    with refused("entry_state"):
        svc.entry_attach(actor=books.staff, entry=entry, name="late.png", data=PNG)


# ---------------------------------------------------------------- approval order


def test_the_approval_order(books: Books, persona: Callable[[str], User]) -> None:
    entry = books.propose("200")
    with refused("entry_state", "监委会尚未审核"):
        books.confirm(entry)
    with refused("permission_denied"):
        svc.entry_confirm(actor=books.committee, entry=entry, approve=True)
    with refused("permission_denied"):
        svc.entry_review(actor=books.staff, entry=entry, approve=True)
    with refused("permission_denied"):
        svc.entry_review(actor=books.township, entry=entry, approve=True)
    with refused("reason_empty", "退回请写明理由"):
        books.review(entry, approve=False)
    entry = books.review(entry, note="同意")
    assert entry.status == EntryStatus.REVIEWED
    with refused("entry_state", "不能再审核"):
        books.review(entry)
    with refused("permission_denied"):
        svc.entry_confirm(actor=persona("九龙村村干部"), entry=entry, approve=True)
    assert books.balance() == 0
    entry = books.confirm(entry)
    assert entry.status == EntryStatus.POSTED
    start = month_start(1)
    assert entry.voucher_number == f"记-{start.year}-{start.month:02d}-001"
    assert entry.posted_at is not None
    assert books.balance() == 20000
    steps = list(entry.approvals.values_list("step", "approved", "note", "actor__username"))
    assert steps == [
        (ApprovalStep.REVIEW, True, "同意", "九龙村监委会委员"),
        (ApprovalStep.CONFIRM, True, "", "开云镇干部"),
    ]
    with refused("entry_state", "已记账"):
        books.confirm(entry)


def test_rejections_keep_the_reason_and_take_no_number(books: Books) -> None:
    a = books.review(books.propose("10"), approve=False, note="缺少发票")
    assert (a.status, a.rejected_reason) == (EntryStatus.REJECTED, "缺少发票")
    b = books.review(books.propose("20"))
    with refused("reason_empty"):
        books.confirm(b, approve=False)
    b = books.confirm(b, approve=False, note="金额不符")
    assert (b.status, b.rejected_reason, b.voucher_number) == (EntryStatus.REJECTED, "金额不符", "")
    with refused("entry_state"):
        books.confirm(b)
    c = books.post("30")
    start = month_start(1)
    assert c.voucher_number == f"记-{start.year}-{start.month:02d}-001"  # no gap
    assert books.balance() == 3000


def test_vouchers_count_per_village_and_month(books: Books, persona: Callable[[str], User],
                                              regions: dict[str, Region]) -> None:  # fmt: skip
    one, two = month_start(2), month_start(1)
    numbers = [books.post("1", on=one).voucher_number, books.post("1", on=two).voucher_number,
               books.post("1", on=one).voucher_number]  # fmt: skip
    assert numbers == [f"记-{one.year}-{one.month:02d}-001", f"记-{two.year}-{two.month:02d}-001",
                       f"记-{one.year}-{one.month:02d}-002"]  # fmt: skip
    bali = regions["430423100227"]
    bstaff = persona("八里村村干部")
    account = svc.account_create(actor=bstaff, village=bali, name="基本户", kind="cash")
    entry = svc.entry_propose(actor=bstaff, account=account, date=one, direction="receipt",
                              category="other_income", summary="x", amount="5")  # fmt: skip
    bali_committee = User.objects.create_user("八里村监委", password="x")
    from cunwu.accounts.models import Role, RoleAssignment

    RoleAssignment.objects.create(user=bali_committee, role=Role.SUPERVISOR, region=bali)
    svc.entry_review(actor=bali_committee, entry=entry, approve=True)
    posted = svc.entry_confirm(actor=books.township, entry=entry, approve=True)
    assert posted.voucher_number == f"记-{one.year}-{one.month:02d}-001"


# ---------------------------------------------------------------- reversal


def test_reversal(books: Books) -> None:
    entry = books.post("300", direction="payment", category="public_welfare")
    assert books.balance() == -30000
    waiting = books.propose("1")
    with refused("reverse_not_posted"):
        svc.entry_reverse(actor=books.staff, entry=waiting, date=month_start(1),
                          reason="x")  # fmt: skip
    with refused("reason_empty"):
        svc.entry_reverse(actor=books.staff, entry=entry, date=month_start(1), reason=" ")
    with refused("permission_denied"):
        svc.entry_reverse(actor=books.township, entry=entry, date=month_start(1), reason="错")
    with refused("reverse_date"):
        svc.entry_reverse(actor=books.staff, entry=entry, date=month_start(2), reason="错")
    reversal = svc.entry_reverse(actor=books.staff, entry=entry, date=month_start(1), reason="重复")
    assert (reversal.amount_fen, reversal.direction, reversal.category, reversal.account_id) == (
        -30000, "payment", "public_welfare", books.bank.pk,
    )  # fmt: skip
    assert reversal.reverses_id == entry.pk
    assert reversal.status == EntryStatus.PROPOSED
    assert reversal.summary.startswith(f"冲销{entry.voucher_number}：重复")
    assert books.balance() == -30000  # only once posted
    with refused("reverse_twice"):
        svc.entry_reverse(actor=books.staff, entry=entry, date=month_start(1), reason="再冲")
    books.confirm(books.review(reversal))
    assert books.balance() == 0
    reversal.refresh_from_db()
    with refused("reverse_reversal"):
        svc.entry_reverse(actor=books.staff, entry=reversal, date=month_start(1), reason="x")


def test_a_rejected_reversal_leaves_room_for_another(books: Books) -> None:
    entry = books.post("300", direction="payment", category="public_welfare")
    first = svc.entry_reverse(actor=books.staff, entry=entry, date=month_start(1), reason="重复")
    books.review(first, approve=False, note="附件不全，请补充后重新提出")
    assert sel.entry_reversal(entry) is None
    second = svc.entry_reverse(actor=books.staff, entry=entry, date=month_start(1), reason="重复")
    assert sel.entry_reversal(entry) == second
    with refused("reverse_twice"):
        svc.entry_reverse(actor=books.staff, entry=entry, date=month_start(1), reason="再冲")
    books.confirm(books.review(second))
    assert books.balance() == 0


# ---------------------------------------------------------------- month close


def test_month_close_rules(books: Books) -> None:
    old, last = month_start(2), month_start(1)
    books.post("10000", on=old, category="opening")
    pending = books.review(books.propose("5", on=last))
    with refused("month_not_ended", "尚未结束"):
        today = timezone.localdate()
        svc.month_close(actor=books.township, village=books.village, year=today.year,
                        month=today.month)  # fmt: skip
    with refused("permission_denied"):
        svc.month_close(actor=books.staff, village=books.village, year=old.year, month=old.month)
    with refused("permission_denied"):
        svc.month_close(actor=books.committee, village=books.village, year=old.year,
                        month=old.month)  # fmt: skip
    with refused("month_earlier_open", f"{old.year}年{old.month}月尚未结账"):
        svc.month_close(actor=books.township, village=books.village, year=last.year,
                        month=last.month)  # fmt: skip
    close = svc.month_close(actor=books.township, village=books.village, year=old.year,
                            month=old.month)  # fmt: skip
    assert close.figures["totals"]["closing"] == 1000000
    with refused("month_closed_twice"):
        svc.month_close(actor=books.township, village=books.village, year=old.year,
                        month=old.month)  # fmt: skip
    with refused("month_pending", "还有1笔收支未审核确认"):
        svc.month_close(actor=books.township, village=books.village, year=last.year,
                        month=last.month)  # fmt: skip
    books.confirm(pending)
    svc.month_close(actor=books.township, village=books.village, year=last.year, month=last.month)


def test_closed_month_rejects_propose_confirm_and_reverse(books: Books) -> None:
    old = month_start(2)
    posted = books.post("100", on=old)
    svc.month_close(actor=books.township, village=books.village, year=old.year, month=old.month)
    message = f"{old.year}年{old.month}月已结账，不能再登记该月的收支，请以冲销方式更正"
    with refused("month_closed", message):
        books.propose(on=old + timedelta(days=3))
    with refused("month_closed", message):
        svc.entry_reverse(actor=books.staff, entry=posted, date=old + timedelta(days=5),
                          reason="错")  # fmt: skip
    # a reversal dated in an open month is fine
    reversal = svc.entry_reverse(actor=books.staff, entry=posted, date=month_start(1), reason="错")
    assert reversal.date == month_start(1)


def test_confirm_is_refused_when_the_month_closed_meanwhile(books: Books) -> None:
    """A reviewed entry cannot exist in a closed month through the services (close refuses
    while one waits); even so confirm checks the month."""
    old = month_start(2)
    entry = books.review(books.propose("7", on=old))
    MonthClose.objects.create(village=books.village, county_code="430423", year=old.year,
                              month=old.month, figures={}, closed_by=books.township)  # fmt: skip
    with refused("month_closed"):
        books.confirm(entry)


# ---------------------------------------------------------------- the worked example


def worked_example(books: Books) -> tuple[date, date]:
    """Opening 10 000.00 in the bank the month before; in the month: rent 3 500.00, a subsidy
    2 000.00, office costs 120.50 (cash) and a 800.00 payment reversed, a transfer of 500.00
    from bank to cash."""
    before, month = month_start(2), month_start(1)
    books.post("10000.00", on=before, category="opening", summary="期初余额")
    svc.month_close(actor=books.township, village=books.village, year=before.year,
                    month=before.month)  # fmt: skip
    books.post("3500", on=month, category="contract_income", summary="鱼塘承包费")
    books.post("2000", on=month + timedelta(days=1), category="subsidy_income", summary="补助")
    books.post("500", on=month + timedelta(days=2), direction="payment", category="transfer",
               summary="提现")  # fmt: skip
    books.post("500", account=books.cash, on=month + timedelta(days=2), category="transfer",
               summary="提现")  # fmt: skip
    books.post("120.50", account=books.cash, on=month + timedelta(days=3), direction="payment",
               category="admin_expense", summary="办公用品")  # fmt: skip
    wrong = books.post("800", on=month + timedelta(days=4), direction="payment",
                       category="public_welfare", summary="修路")  # fmt: skip
    reversal = svc.entry_reverse(actor=books.staff, entry=wrong, date=month + timedelta(days=5),
                                 reason="重复支付")  # fmt: skip
    books.confirm(books.review(reversal))
    books.propose("999", on=month)  # not posted: not counted
    return before, month


def test_worked_example_statement(books: Books) -> None:
    _before, month = worked_example(books)
    data = sel.statement(village=books.village, year=month.year, month=month.month)
    prefix = f"记-{month.year}-{month.month:02d}-"
    assert [e.voucher_number for e in data.entries] == [f"{prefix}{i:03d}" for i in range(1, 8)]
    f = data.figures
    accounts = {a["name"]: a for a in f.accounts}
    assert accounts["基本户"] == {
        "account": books.bank.pk,
        "name": "基本户",
        "opening": 1000000,
        "receipts": 550000,
        "payments": 50000,
        "closing": 1500000,
    }
    assert accounts["现金"] == {
        "account": books.cash.pk,
        "name": "现金",
        "opening": 0,
        "receipts": 50000,
        "payments": 12050,
        "closing": 37950,
    }
    cats = {c["category"]: (c["receipts"], c["payments"]) for c in f.categories}
    assert cats == {"contract_income": (350000, 0), "subsidy_income": (200000, 0),
                    "admin_expense": (0, 12050), "public_welfare": (0, 0),
                    "transfer": (50000, 50000)}  # fmt: skip
    assert (f.income, f.expense) == (550000, 12050)
    assert (f.opening, f.receipts, f.payments, f.closing) == (1000000, 600000, 62050, 1537950)
    assert books.balance() == 1500000
    assert books.balance(books.cash) == 37950
    summary = sel.balance_summary(actor=books.township)
    assert (summary.bank, summary.cash, summary.total) == (1500000, 37950, 1537950)
    table = sel.statement_table(data)
    assert table["columns"] == ["日期", "凭证号", "摘要", "科目", "收入（元）", "支出（元）"]
    assert table["rows"][0][1:] == [f"{prefix}001", "鱼塘承包费", "发包及上交收入", "3,500.00", ""]
    assert table["rows"][6][4:] == ["", "-800.00"]
    assert ["", "", "收入合计（不含期初、互转、往来）", "", "5,500.00", ""] in table["rows"]


def test_close_keeps_the_figures(books: Books) -> None:
    _before, month = worked_example(books)
    books.confirm(books.review(
        JournalEntry.objects.get(status=EntryStatus.PROPOSED)
    ))  # fmt: skip
    close = svc.month_close(actor=books.township, village=books.village, year=month.year,
                            month=month.month)  # fmt: skip
    assert close.figures["totals"] == {
        "opening": 1000000,
        "receipts": 699900,
        "payments": 62050,
        "closing": 1637850,
        "income": 649900,
        "expense": 12050,
    }
    assert sel.figures_mismatches() == []
    JournalEntry.objects.filter(summary="补助").update(amount_fen=1)  # tampering
    assert [bad for _c, bad in sel.figures_mismatches()] == [["基本户"]]


def test_statement_publish(books: Books, persona: Callable[[str], User]) -> None:
    before, month = worked_example(books)
    with refused("month_not_closed", "尚未结账"):
        svc.statement_publish(actor=books.staff, village=books.village, year=month.year,
                              month=month.month)  # fmt: skip
    with refused("permission_denied"):
        svc.statement_publish(actor=books.committee, village=books.village, year=before.year,
                              month=before.month)  # fmt: skip
    notice = svc.statement_publish(actor=books.staff, village=books.village, year=before.year,
                                   month=before.month)  # fmt: skip
    assert notice.category == Category.FINANCE
    assert notice.status == NoticeStatus.PENDING_SIGNOFF  # waits for the committee
    assert "期初余额" in str(notice.table)
    assert "10,000.00" in notice.body
    assert MonthClose.objects.get(year=before.year, month=before.month).notice_id == notice.pk
    with refused("statement_published"):
        svc.statement_publish(actor=books.township, village=books.village, year=before.year,
                              month=before.month)  # fmt: skip


# ---------------------------------------------------------------- the check command


def test_books_check_command(books: Books) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    _before, month = worked_example(books)
    out = StringIO()
    call_command("assets_books", "check", stdout=out)
    assert "资金账目相符" in out.getvalue()
    JournalEntry.objects.filter(summary="期初余额").update(amount_fen=999)
    err = StringIO()
    with pytest.raises(CommandError, match="资金账目不符：1处"):
        call_command("assets_books", "check", "--region", "430423100000", stderr=err)
    assert "月结数据与收支记录不符（账户：基本户）" in err.getvalue()
    call_command("assets_books", "check", "--region", "430422200215", stdout=StringIO())
    VoucherCounter.objects.filter(month=month.month).update(last=99)
    with pytest.raises(CommandError, match="资金账目不符：2处"):
        call_command("assets_books", "check", stderr=StringIO())


def test_balance_sheet_summary_at_the_end_of_the_month(books: Books) -> None:
    from cunwu.assets.models import Asset, AssetCategory
    from cunwu.assets.services import contracts
    from cunwu.assets.tests.test_contracts_views import contract

    today = timezone.localdate()
    books.post("10000", category="opening", on=today)
    books.post("500", category="deposit", summary="承租押金", on=today)
    books.post("120.50", direction="payment", category="admin_expense", on=today)
    lease = contract(books.staff, books.village)  # 12 000 元 a year, first instalment due today
    first = lease.receivables.order_by("due_date").first()
    assert first is not None and first.due_date <= today
    contracts.payment_record(actor=books.staff, receivable=first, date=today, amount="2000")
    values = {"ZC-001": (AssetCategory.BUILDING, 1_200_000, None),
              "ZC-002": (AssetCategory.INVESTMENT, 300_000, None),
              "ZC-003": (AssetCategory.FOREST_LAND, 45_000, None),
              "ZC-004": (AssetCategory.MACHINERY, 99_900, today + timedelta(days=40))}  # fmt: skip
    for number, (category, fen, acquired) in values.items():
        asset = Asset.objects.filter(village=books.village, number=number).first()
        if asset is None:
            from cunwu.assets.tests.test_contracts_services import make_asset

            asset = make_asset(books.village, books.staff, number, category=category)
        Asset.objects.filter(pk=asset.pk).update(
            category=category, book_value_fen=fen, acquired_on=acquired
        )
    data = sel.statement(village=books.village, year=today.year, month=today.month)
    b = data.balance
    assert b.money == data.figures.closing == 1_037_950
    assert (b.receivables, b.investments, b.fixed_assets, b.resources) == (
        1_000_000, 300_000, 1_200_000, 45_000,
    )  # fmt: skip
    # the machine bought next month is not held yet
    assert b.total_assets == 1_037_950 + 1_000_000 + 300_000 + 1_200_000 + 45_000
    assert (b.deposits, b.liabilities) == (50_000, 50_000)
    assert b.net_assets == b.total_assets - 50_000
    table = sel.statement_table(data)
    assert ["", "", "资产负债简表（月末）：净资产", "", "35,329.50", ""] in table["rows"]
