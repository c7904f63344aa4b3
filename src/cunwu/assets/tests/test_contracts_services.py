"""Contracts: creation and its refusals, schedules, payments and reversals, the checks (each
rule flags once, a compliant contract nothing), reminders, aging, the daily command."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import override_settings
from django.utils.timezone import localdate

from cunwu.accounts.models import User
from cunwu.assets.models import (
    Asset,
    AssetCategory,
    AssetStatus,
    AwardMethod,
    Contract,
    ContractFlag,
    ContractStatus,
    Direction,
    EntryCategory,
    EntryStatus,
    FlagRule,
    JournalEntry,
    MonthClose,
    Receivable,
    ReceivablePayment,
    Reminder,
    ReminderKind,
)
from cunwu.assets.selectors import contracts as sel
from cunwu.assets.services import contracts as svc
from cunwu.assets.services import journal
from cunwu.assets.tests.conftest import decide
from cunwu.core.crypto import decrypt_text
from cunwu.core.errors import ApplicationError
from cunwu.core.models import AuditEvent, Region
from cunwu.disclosure.models_feedback import Problem, ProblemCategory
from cunwu.testing import BALI, FromToday, dated


def make_asset(village: Region, user: User, number: str = "ZC-001", *,
               category: str = AssetCategory.BUILDING, reference: int | None = None,
               status: str = AssetStatus.IDLE) -> Asset:  # fmt: skip
    return Asset.objects.create(
        village=village, county_code=village.code[:6], number=number, category=category,
        name=f"资产{number}", quantity=Decimal("100"), unit="平方米", created_by=user,
        reference_price_fen=reference, status=status,
    )  # fmt: skip


@pytest.fixture
def cadre(persona: Callable[[str], User]) -> User:
    return persona("九龙村村干部")


@pytest.fixture
def building(cadre: User, jiulong: Region) -> Asset:
    return make_asset(jiulong, cadre)


@pytest.fixture
def make(cadre: User, jiulong: Region, building: Asset) -> Callable[..., Contract]:
    def create(**kw: Any) -> Contract:
        today = localdate()
        args: dict[str, Any] = {
            "actor": cadre, "village": jiulong, "number": "HT-001", "title": "村部厂房租赁",
            "kind": "lease", "party_name": "湘江农业公司", "party_phone": "13812345678",
            "assets": [building], "signed_on": today - timedelta(days=5),
            "start_date": today - timedelta(days=5), "end_date": svc.add_years(today, 3),
            "total_price": "36000", "annual_price": "12000", "deposit": "1000",
            "award_method": AwardMethod.TENDER, "decision": None, "note": "",
            "schedule": None,
        }  # fmt: skip
        args.update(kw)
        return svc.contract_create(**args)

    return create


# ---------------------------------------------------------------- create


def test_create_default_schedule_adds_up(make: Callable[..., Contract], building: Asset) -> None:
    start = date(2025, 3, 1)
    c = make(start_date=start, signed_on=start, end_date=date(2027, 9, 1),
             total_price="30000", annual_price="12000")  # fmt: skip
    rows = list(c.receivables.order_by("due_date").values_list("due_date", "amount_fen"))
    assert rows == [(date(2025, 3, 1), 1_200_000), (date(2026, 3, 1), 1_200_000),
                    (date(2027, 3, 1), 600_000)]  # fmt: skip
    assert sum(a for _d, a in rows) == c.total_price_fen == 3_000_000
    building.refresh_from_db()
    assert building.status == AssetStatus.LEASED
    assert c.party_phone_masked == "138****5678"
    assert decrypt_text(c.party_phone_encrypted, context="contract.phone") == "13812345678"
    assert "13812345678" not in str(AuditEvent.objects.filter(action="assets.contract_create")
                                    .values_list("payload", flat=True).get())  # fmt: skip


def test_create_given_schedule_must_sum_to_total(make: Callable[..., Contract]) -> None:
    bad = [
        ("首期", localdate(), "10000"),
        ("二期", localdate() + timedelta(days=200), "20000"),
    ]
    with pytest.raises(
        ApplicationError, match=r"付款计划合计30,000\.00元，与合同总价款36,000\.00元不一致"
    ):
        make(schedule=bad)
    assert not Contract.objects.exists() and not Receivable.objects.exists()
    good = [
        ("首期", localdate(), "16000.50"),
        ("二期", localdate() + timedelta(days=200), "19999.50"),
    ]
    c = make(schedule=good)
    assert list(c.receivables.values_list("amount_fen", flat=True)) == [1_600_050, 1_999_950]


def test_default_schedule_refused_when_figures_do_not_fit(make: Callable[..., Contract]) -> None:
    with pytest.raises(ApplicationError) as exc:
        make(total_price="60000", annual_price="12000")  # 3 years of 12000 cannot make 60000
    assert exc.value.field == "schedule"
    assert not Contract.objects.exists()


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"end_date": FromToday(-5)}, "end_date"),
        ({"signed_on": FromToday(1)}, "signed_on"),
        ({"total_price": "-1"}, "total_price"),
        ({"total_price": "1.234"}, "total_price"),
        ({"annual_price": "abc"}, "annual_price"),
        ({"party_phone": "12345"}, "phone"),
        ({"assets": []}, "assets"),
        ({"number": ""}, "number"),
        ({"kind": "sale"}, "kind"),
        ({"award_method": "x"}, "award_method"),
    ],
)
def test_create_refusals_change_nothing(
    make: Callable[..., Contract], building: Asset, kw: dict[str, Any], field: str
) -> None:
    with pytest.raises(ApplicationError) as exc:
        make(**dated(kw))
    assert exc.value.field == field
    assert not Contract.objects.exists()
    building.refresh_from_db()
    assert building.status == AssetStatus.IDLE


def test_create_refuses_other_village_disposed_and_overlap(
    make: Callable[..., Contract], persona: Callable[[str], User], regions: dict[str, Region],
    cadre: User, jiulong: Region,
) -> None:  # fmt: skip
    bali = Region.objects.get(code="430423100227")
    other = make_asset(bali, persona("八里村村干部"), "BL-1")
    with pytest.raises(ApplicationError, match="本村台账"):
        make(assets=[other])
    gone = make_asset(jiulong, cadre, "ZC-9", status=AssetStatus.DISPOSED)
    with pytest.raises(ApplicationError, match="已处置"):
        make(assets=[gone])
    make()
    with pytest.raises(ApplicationError, match="期限重叠"):
        make(number="HT-002")
    assert Contract.objects.count() == 1
    with pytest.raises(ApplicationError, match="合同编号"):
        make(assets=[make_asset(jiulong, cadre, "ZC-2")])


def test_create_refuses_decision_of_another_village(
    make: Callable[..., Contract], persona: Callable[[str], User], regions: dict[str, Region]
) -> None:
    bali = Region.objects.get(code="430423100227")
    decision = decide(persona("八里村村干部"), bali)
    with pytest.raises(ApplicationError, match="不是本村"):
        make(decision=decision)


def test_create_needs_manage(make: Callable[..., Contract], persona: Callable[[str], User]) -> None:
    for name in ("九龙村监委会委员", "另一村的村干部", "开云镇干部"):
        with pytest.raises(PermissionDenied):
            make(actor=persona(name))
    assert not Contract.objects.exists()


def test_end_frees_assets(make: Callable[..., Contract], cadre: User, building: Asset) -> None:
    c = make()
    svc.contract_end(
        actor=cadre, contract=c, date=localdate(), reason="承租方退租", terminated=True
    )
    c.refresh_from_db()
    building.refresh_from_db()
    assert (c.status, c.ended_on, building.status) == (
        ContractStatus.TERMINATED, localdate(), AssetStatus.IDLE)  # fmt: skip
    with pytest.raises(ApplicationError):
        svc.contract_end(actor=cadre, contract=c, date=localdate(), reason="再次")


def test_publish_keeps_phone_out(make: Callable[..., Contract], cadre: User) -> None:
    c = make()
    notice = svc.contract_publish(actor=cadre, contract=c)
    c.refresh_from_db()
    assert c.notice == notice and notice.category == "contract"
    text = f"{notice.title}{notice.body}{notice.table}"
    assert "13812345678" not in text and "5678" not in text and "湘江农业公司" in text
    with pytest.raises(ApplicationError, match="已公开"):
        svc.contract_publish(actor=cadre, contract=c)


# ---------------------------------------------------------------- payments


def test_overpayment_refused_and_nothing_changes(
    make: Callable[..., Contract], cadre: User
) -> None:
    c = make()
    first = c.receivables.order_by("due_date").first()
    assert first is not None
    svc.payment_record(actor=cadre, receivable=first, date=localdate(), amount="10800")
    with pytest.raises(ApplicationError, match=r"本期应收还剩 1,200\.00 元"):
        svc.payment_record(actor=cadre, receivable=first, date=localdate(), amount="1200.01")
    first.refresh_from_db()
    assert first.paid_fen == 1_080_000
    assert ReceivablePayment.objects.count() == 1
    svc.payment_record(actor=cadre, receivable=first, date=localdate(), amount="1200")
    first.refresh_from_db()
    assert first.paid_fen == first.amount_fen == 1_200_000


@pytest.mark.parametrize("amount", ["0", "-5", "1.001", "abc", ""])
def test_bad_payment_amounts(make: Callable[..., Contract], cadre: User, amount: str) -> None:
    first = make().receivables.first()
    assert first is not None
    with pytest.raises(ApplicationError):
        svc.payment_record(actor=cadre, receivable=first, date=localdate(), amount=amount)
    first.refresh_from_db()
    assert first.paid_fen == 0 and not ReceivablePayment.objects.exists()


def test_reversal_once(make: Callable[..., Contract], cadre: User) -> None:
    first = make().receivables.first()
    assert first is not None
    payment = svc.payment_record(actor=cadre, receivable=first, date=localdate(), amount="500")
    reversal = svc.payment_reverse(actor=cadre, payment=payment, reason="录错金额")
    assert reversal.amount_fen == -50_000 and reversal.reverses == payment
    first.refresh_from_db()
    assert first.paid_fen == 0
    with pytest.raises(ApplicationError, match="已冲销"):
        svc.payment_reverse(actor=cadre, payment=payment, reason="再冲")
    with pytest.raises(ApplicationError, match="不能再冲销"):
        svc.payment_reverse(actor=cadre, payment=reversal, reason="再冲")
    assert ReceivablePayment.objects.count() == 2


def test_payment_into_an_account_proposes_its_receipt(
    make: Callable[..., Contract], cadre: User, jiulong: Region
) -> None:
    bank = journal.account_create(actor=cadre, village=jiulong, name="基本户", kind="bank",
                                  bank_name="农商银行")  # fmt: skip
    first = make().receivables.order_by("due_date").first()
    assert first is not None
    payment = svc.payment_record(
        actor=cadre, receivable=first, date=localdate(), amount="6000.50", account=bank
    )
    entry = payment.entry
    assert entry is not None
    assert (entry.account, entry.direction, entry.category, entry.amount_fen) == (
        bank,
        Direction.RECEIPT,
        EntryCategory.CONTRACT_INCOME,
        600_050,
    )
    assert entry.status == EntryStatus.PROPOSED and entry.counterparty == "湘江农业公司"
    assert entry.summary == f"收村部厂房租赁（HT-001）{first.label}"
    event = AuditEvent.objects.filter(action="assets.payment_record").get()
    assert event.payload["entry"] == entry.pk


def test_payment_into_a_closed_month_records_neither(
    make: Callable[..., Contract], cadre: User, jiulong: Region
) -> None:
    bank = journal.account_create(actor=cadre, village=jiulong, name="基本户", kind="bank",
                                  bank_name="农商银行")  # fmt: skip
    first = make().receivables.order_by("due_date").first()
    assert first is not None
    day = localdate().replace(day=1) - timedelta(days=1)
    MonthClose.objects.create(village=jiulong, county_code="430423", year=day.year,
                              month=day.month, closed_by=cadre, figures={})  # fmt: skip
    with pytest.raises(ApplicationError, match="已结账"):
        svc.payment_record(actor=cadre, receivable=first, date=day, amount="100", account=bank)
    first.refresh_from_db()
    assert first.paid_fen == 0
    assert not ReceivablePayment.objects.exists() and not JournalEntry.objects.exists()


def test_payment_refuses_another_villages_account(
    make: Callable[..., Contract], cadre: User, persona: Callable[[str], User],
    regions: dict[str, Region],
) -> None:  # fmt: skip
    other = persona("八里村村干部")
    account = journal.account_create(actor=other, village=regions[BALI], name="基本户",
                                     kind="bank", bank_name="农商银行")  # fmt: skip
    first = make().receivables.first()
    assert first is not None
    with pytest.raises(ApplicationError, match="收款账户不属于本村"):
        svc.payment_record(
            actor=cadre, receivable=first, date=localdate(), amount="1", account=account
        )
    assert not ReceivablePayment.objects.exists() and not JournalEntry.objects.exists()


def test_payment_needs_manage(
    make: Callable[..., Contract], persona: Callable[[str], User]
) -> None:
    first = make().receivables.first()
    assert first is not None
    with pytest.raises(PermissionDenied):
        svc.payment_record(actor=persona("九龙村监委会委员"), receivable=first, date=localdate(),
                           amount="1")  # fmt: skip


# ---------------------------------------------------------------- checks


def compliant(make: Callable[..., Contract], cadre: User) -> Contract:
    c = make()
    svc.contract_publish(actor=cadre, contract=c)
    return c


def test_compliant_contract_flags_nothing(make: Callable[..., Contract], cadre: User) -> None:
    compliant(make, cadre)
    assert svc.contracts_check_all(today=localdate()) == []
    assert not Problem.objects.exists()


RULE_CASES: list[tuple[str, dict[str, Any]]] = [
    (FlagRule.NO_DECISION, {"total_price": "60000", "annual_price": "20000"}),
    (FlagRule.NOT_TENDERED, {"award_method": AwardMethod.NEGOTIATION}),
    (FlagRule.TERM_TOO_LONG, {"total_price": "42000", "annual_price": "6000"}),  # 7 years
    (FlagRule.BELOW_REFERENCE, {}),
    (FlagRule.NOT_DISCLOSED, {}),
    (FlagRule.EXPIRED_OCCUPIED, {}),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "kw"), RULE_CASES)
@override_settings(CUNWU_CONTRACT_RULES={"tender_threshold_fen": 1_000_000})
def test_each_rule_flags_once(
    make: Callable[..., Contract], cadre: User, building: Asset, jiulong: Region, rule: str,
    kw: dict[str, Any],
) -> None:  # fmt: skip
    if rule == FlagRule.NO_DECISION:
        kw = {**kw, "award_method": AwardMethod.TENDER}
    if rule != FlagRule.NOT_TENDERED:
        # the tender threshold is lowered to 1万元 for NOT_TENDERED; the others are tendered
        kw.setdefault("award_method", AwardMethod.TENDER)
    if rule == FlagRule.BELOW_REFERENCE:
        Asset.objects.filter(pk=building.pk).update(reference_price_fen=1_200_001)
    if rule == FlagRule.EXPIRED_OCCUPIED:
        start = localdate() - timedelta(days=400)
        kw = {"start_date": start, "signed_on": start, "end_date": localdate() - timedelta(days=1),
              "total_price": "12000", "annual_price": "12000"}  # fmt: skip
    if rule == FlagRule.TERM_TOO_LONG:
        Asset.objects.filter(pk=building.pk).update(category=AssetCategory.BUILDING)
        kw = {**kw, "end_date": svc.add_years(localdate(), 7)}
    c = make(**kw)
    if rule != FlagRule.NOT_DISCLOSED:
        svc.contract_publish(actor=cadre, contract=c)
    today = localdate() + timedelta(days=31) if rule == FlagRule.NOT_DISCLOSED else localdate()
    flags = svc.contracts_check_all(today=today)
    assert [f.rule for f in flags] == [rule]
    problem = Problem.objects.get()
    assert (problem.source_type, problem.source_id) == ("assets.contract", str(c.pk))
    assert problem.category == ProblemCategory.CONTRACT and problem.raised_role == "system"
    assert problem.created_by is None and problem.responsible == jiulong.name
    assert problem.due_date == today + timedelta(days=30)
    assert flags[0].problem == problem
    assert svc.contracts_check_all(today=today) == []
    assert svc.contract_check(actor=None, contract=c, today=today) == []
    assert ContractFlag.objects.count() == 1 and Problem.objects.count() == 1


def test_no_decision_satisfied_by_passed_resolution(
    make: Callable[..., Contract], cadre: User, jiulong: Region
) -> None:
    c = make(total_price="60000", annual_price="20000", decision=decide(cadre, jiulong))
    svc.contract_publish(actor=cadre, contract=c)
    assert svc.contracts_check_all(today=localdate()) == []
    unpassed = decide(cadre, jiulong, "另一事项", meetings=1)
    c2 = make(number="HT-2", total_price="60000", annual_price="20000", decision=unpassed,
              assets=[make_asset(jiulong, cadre, "ZC-3")])  # fmt: skip
    svc.contract_publish(actor=cadre, contract=c2)
    assert [f.rule for f in svc.contracts_check_all(today=localdate())] == [FlagRule.NO_DECISION]


def test_resource_may_run_thirty_years(
    make: Callable[..., Contract], cadre: User, jiulong: Region
) -> None:
    land = make_asset(jiulong, cadre, "ZY-1", category=AssetCategory.FARMLAND)
    c = make(assets=[land], end_date=svc.add_years(localdate(), 20), total_price="24000",
             annual_price="1200")  # fmt: skip
    svc.contract_publish(actor=cadre, contract=c)
    assert svc.contracts_check_all(today=localdate()) == []


def test_check_needs_permission(
    make: Callable[..., Contract], persona: Callable[[str], User]
) -> None:
    c = make()
    with pytest.raises(PermissionDenied):
        svc.contract_check(actor=persona("九龙村村干部"), contract=c)
    assert svc.contract_check(actor=persona("开云镇干部"), contract=c, today=localdate()) == []


def test_check_scope_of_township(
    make: Callable[..., Contract], persona: Callable[[str], User]
) -> None:
    make(award_method=AwardMethod.NEGOTIATION, total_price="360000", annual_price="120000",
         decision=None)  # fmt: skip
    flags = svc.contracts_check_scope(actor=persona("开云镇干部"), today=localdate())
    assert sorted(f.rule for f in flags) == [FlagRule.NO_DECISION, FlagRule.NOT_TENDERED]
    assert svc.contracts_check_scope(actor=persona("另一村的村干部"), today=localdate()) == []


def test_daily_command_twice(make: Callable[..., Contract]) -> None:
    make(award_method=AwardMethod.NEGOTIATION, total_price="360000", annual_price="120000")
    out = StringIO()
    day = (localdate() + timedelta(days=40)).isoformat()
    call_command("assets_contracts", "check", "--today", day, stdout=out)
    assert "新记入问题台账 3 个问题" in out.getvalue()
    out = StringIO()
    call_command("assets_contracts", "check", "--today", day, stdout=out)
    assert "新记入问题台账 0 个问题" in out.getvalue()
    out = StringIO()
    call_command("assets_contracts", "remind", "--today", day, stdout=out)
    assert "已生成 1 条到期提醒" in out.getvalue()  # the first instalment is overdue
    out = StringIO()
    call_command("assets_contracts", "remind", "--today", day, stdout=out)
    assert "已生成 0 条到期提醒" in out.getvalue()


# ---------------------------------------------------------------- reminders and aging


def test_reminders_once(make: Callable[..., Contract], cadre: User, jiulong: Region) -> None:
    start = localdate() - timedelta(days=340)
    # instalments on start (overdue), start+1y (due in 25 days, 26 over a 29 February); the
    # contract ends in 60 days
    make(start_date=start, signed_on=start, end_date=localdate() + timedelta(days=60),
         total_price="14000", annual_price="12000")  # fmt: skip
    assert svc.reminders_make(today=localdate()) == 3
    kinds = sorted(Reminder.objects.values_list("kind", flat=True))
    assert kinds == sorted([ReminderKind.PAYMENT_OVERDUE, ReminderKind.PAYMENT_DUE,
                            ReminderKind.CONTRACT_EXPIRY])  # fmt: skip
    assert svc.reminders_make(today=localdate()) == 0
    assert svc.reminders_make(today=localdate() + timedelta(days=1)) == 0
    # the next day the due-soon instalment is not yet overdue; once it is, one more reminder
    second_due = svc.add_years(start, 1)
    assert svc.reminders_make(today=second_due) == 0
    assert svc.reminders_make(today=second_due + timedelta(days=1)) == 1
    reminder = Reminder.objects.filter(kind=ReminderKind.CONTRACT_EXPIRY).get()
    svc.reminder_done(actor=cadre, reminder=reminder)
    with pytest.raises(ApplicationError):
        svc.reminder_done(actor=cadre, reminder=reminder)
    first = sel.reminder_list(actor=cadre)[0]
    assert first.done_at is None


def test_paid_instalments_get_no_reminder(make: Callable[..., Contract], cadre: User) -> None:
    c = make(
        total_price="12000",
        annual_price="12000",
        end_date=localdate() + timedelta(days=200),
    )
    r = c.receivables.get()
    svc.payment_record(actor=cadre, receivable=r, date=localdate(), amount="12000")
    assert svc.reminders_make(today=localdate()) == 0


def test_aging_buckets(make: Callable[..., Contract], cadre: User, jiulong: Region) -> None:
    base = localdate() - timedelta(days=500)
    days = [0, -1, 30, 31, 90, 91, 180, 181, 365, 366]  # days overdue; -1: due tomorrow
    schedule = [(f"第{i}期", localdate() - timedelta(days=d), str(100 * (i + 1)))
                for i, d in enumerate(days)]  # fmt: skip
    total = sum(100 * (i + 1) for i in range(len(days)))
    make(start_date=base, signed_on=base, end_date=localdate() + timedelta(days=10),
         total_price=str(total), annual_price="12000", schedule=schedule)  # fmt: skip
    rows, sums = sel.aging(actor=cadre, today=localdate())
    assert len(rows) == 1 and rows[0].village == jiulong and rows[0].count == 10
    assert rows[0].buckets == {
        "current": (100 + 200) * 100, "d30": (300) * 100, "d90": (400 + 500) * 100,
        "d180": (600 + 700) * 100, "d365": (800 + 900) * 100, "over": 1000 * 100,
    }  # fmt: skip
    assert sums.total == total * 100 and rows[0].overdue == (total - 300) * 100
    # a payment takes its part off
    r = Receivable.objects.get(label="第9期")
    svc.payment_record(actor=cadre, receivable=r, date=localdate(), amount="250")
    rows, _ = sel.aging(actor=cadre, today=localdate())
    assert rows[0].buckets["over"] == 75_000
    assert sel.aging(actor=cadre, region="430423100227", today=localdate())[0] == []
