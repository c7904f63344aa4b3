"""Reports of 三资: exact figures of a small worked village, aggregation over a township,
scope. The rows are created directly with the ORM (the services are other parts' work)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from itertools import count
from typing import Any

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.core.models import Region, RegionLevel
from cunwu.disclosure.models_feedback import Problem, ProblemStatus
from cunwu.testing import BALI, JIULONG, KAIYUN

from ..models import (
    Asset,
    AssetCategory,
    AssetStatus,
    AwardMethod,
    Contract,
    ContractKind,
    ContractStatus,
    Direction,
    EntryCategory,
    EntryStatus,
    FundAccount,
    JournalEntry,
    Receivable,
)
from ..selectors import reports

TODAY = date(2026, 11, 24)
_voucher = count(1)


def _at(d: date) -> datetime:
    return datetime.combine(d, time(9), tzinfo=timezone.get_current_timezone())


def make_asset(user: User, village: Region, number: str, category: str, **kw: Any) -> Asset:
    kw.setdefault("quantity", Decimal(1))
    kw.setdefault("unit", "项")
    return Asset.objects.create(
        village=village,
        county_code=village.code[:6],
        number=number,
        category=category,
        name=kw.pop("name", number),
        created_by=user,
        **kw,
    )


def make_account(user: User, village: Region, name: str, kind: str = "bank") -> FundAccount:
    return FundAccount.objects.create(
        village=village, county_code=village.code[:6], name=name, kind=kind, created_by=user
    )


def post(
    account: FundAccount, d: date, direction: str, category: str, amount: int, **kw: Any
) -> JournalEntry:
    status = kw.pop("status", EntryStatus.POSTED)
    posted = status == EntryStatus.POSTED
    return JournalEntry.objects.create(
        village_id=account.village_id,
        county_code=account.county_code,
        account=account,
        voucher_number=f"记-{next(_voucher):06d}" if posted else "",
        date=d,
        direction=direction,
        category=category,
        summary=kw.pop("summary", category),
        amount_fen=amount,
        status=status,
        proposed_by=account.created_by,
        posted_at=_at(d) if posted else None,
        **kw,
    )


def make_contract(user: User, village: Region, number: str, annual: int, **kw: Any) -> Contract:
    return Contract.objects.create(
        village=village,
        county_code=village.code[:6],
        number=number,
        title=f"{number}租赁",
        kind=ContractKind.LEASE,
        party_name="承租人",
        signed_on=date(2025, 12, 1),
        start_date=date(2026, 1, 1),
        end_date=date(2030, 12, 31),
        total_price_fen=annual * 5,
        annual_price_fen=annual,
        award_method=AwardMethod.TENDER,
        created_by=user,
        **kw,
    )


def make_problem(
    user: User, village: Region, due: date, status: str, created: date, closed: date | None = None
) -> Problem:
    p = Problem.objects.create(
        village=village,
        source_type="disclosure.inspection",
        source_id="1",
        description="问题",
        responsible="村委会",
        due_date=due,
        status=status,
        created_by=user,
        evidence="已整改" if closed else "",
        closed_by=user if closed else None,
        closed_at=_at(closed) if closed else None,
    )
    Problem.objects.filter(pk=p.pk).update(created_at=_at(created))
    return p


@dataclass
class Worked:
    jiulong: Region
    bali: Region


def build_worked(user: User, regions: dict[str, Region]) -> Worked:
    """九龙村: five register entries (one disposed), a contract with eight instalments, two
    accounts with posted entries over 2025–2026, five problems; 八里村: a little of each."""
    jl, bl = regions[JIULONG], regions[BALI]
    make_asset(
        user,
        jl,
        "ZC-001",
        AssetCategory.BUILDING,
        name="村部办公楼",
        quantity=Decimal("800.00"),
        unit="平方米",
        original_value_fen=50_000_000,
        book_value_fen=40_000_000,
    )
    land = make_asset(
        user,
        jl,
        "ZY-001",
        AssetCategory.FARMLAND,
        name="东岭耕地",
        quantity=Decimal("120.50"),
        unit="亩",
        book_value_fen=3_600_000,
        status=AssetStatus.LEASED,
    )
    make_asset(
        user,
        jl,
        "ZY-002",
        AssetCategory.IDLE_HOUSE,
        name="老学校",
        unit="栋",
        book_value_fen=1_250_050,
        status=AssetStatus.IDLE,
    )
    make_asset(
        user,
        jl,
        "ZC-002",
        AssetCategory.MACHINERY,
        name="旋耕机",
        quantity=Decimal(2),
        unit="台",
        original_value_fen=1_800_000,
        book_value_fen=900_000,
        status=AssetStatus.OCCUPIED,
    )
    make_asset(
        user,
        jl,
        "ZC-003",
        AssetCategory.MACHINERY,
        name="旧抽水机",
        unit="台",
        original_value_fen=300_000,
        status=AssetStatus.DISPOSED,
    )

    contract = make_contract(user, jl, "HT-001", 1_200_000)
    contract.assets.add(land)
    make_contract(user, jl, "HT-000", 500_000, status=ContractStatus.ENDED)
    for label, due, amount, paid in [
        ("2026年下半年", date(2026, 12, 31), 600_000, 0),  # not due
        ("今天到期", date(2026, 11, 24), 100_000, 0),  # due today: not yet overdue
        ("2026年11月", date(2026, 11, 4), 600_000, 250_000),  # 20 days
        ("2026年8月", date(2026, 8, 26), 300_000, 0),  # 90 days
        ("2026年5月", date(2026, 5, 28), 200_000, 0),  # 180 days
        ("2025年11月", date(2025, 11, 24), 150_000, 0),  # 365 days
        ("2025年11月前", date(2025, 11, 23), 50_000, 0),  # 366 days
        ("2026年1月", date(2026, 1, 1), 100_000, 100_000),  # paid in full
    ]:
        Receivable.objects.create(
            contract=contract,
            village=jl,
            county_code=jl.code[:6],
            label=label,
            due_date=due,
            amount_fen=amount,
            paid_fen=paid,
        )

    bank, cash = make_account(user, jl, "基本户"), make_account(user, jl, "现金", "cash")
    r, p = Direction.RECEIPT, Direction.PAYMENT
    c = EntryCategory
    post(bank, date(2025, 12, 15), r, c.CONTRACT_INCOME, 400_000)
    post(bank, date(2026, 1, 1), r, c.OPENING, 5_000_000)
    post(bank, date(2026, 3, 15), r, c.CONTRACT_INCOME, 600_000)
    post(cash, date(2026, 3, 20), p, c.ADMIN_EXPENSE, 120_000)
    post(bank, date(2026, 11, 3), r, c.CONTRACT_INCOME, 250_000)
    post(bank, date(2026, 11, 10), p, c.TRANSFER, 100_000)
    post(cash, date(2026, 11, 10), r, c.TRANSFER, 100_000)
    post(bank, date(2026, 11, 20), p, c.PUBLIC_WELFARE, 300_000)
    wrong = post(cash, date(2026, 11, 21), r, c.OTHER_INCOME, 45_678)
    post(cash, date(2026, 11, 22), r, c.DEPOSIT, 20_000)
    post(cash, date(2026, 11, 23), r, c.OTHER_INCOME, -45_678, reverses=wrong)
    post(cash, date(2026, 11, 25), r, c.OTHER_INCOME, 999_999, status=EntryStatus.PROPOSED)
    post(cash, date(2026, 11, 26), p, c.OTHER_EXPENSE, 7_777, status=EntryStatus.REJECTED)
    post(bank, date(2026, 12, 1), p, c.ADMIN_EXPENSE, 10_000)

    o, rect, closed = ProblemStatus.OPEN, ProblemStatus.RECTIFYING, ProblemStatus.CLOSED
    make_problem(user, jl, date(2026, 12, 31), o, date(2026, 5, 1))
    make_problem(user, jl, date(2026, 10, 1), o, date(2026, 5, 1))
    make_problem(user, jl, date(2026, 11, 1), rect, date(2026, 5, 1))
    make_problem(user, jl, date(2026, 6, 1), closed, date(2025, 12, 1), date(2026, 6, 15))
    make_problem(user, jl, date(2026, 3, 1), closed, date(2026, 2, 1), date(2026, 3, 1))

    make_asset(user, bl, "ZC-001", AssetCategory.BUILDING, book_value_fen=1_000_000)
    make_contract(user, bl, "HT-001", 300_000)
    bl_bank = make_account(user, bl, "基本户")
    post(bl_bank, date(2026, 11, 5), r, c.OPENING, 1_000_000)
    post(bl_bank, date(2026, 11, 6), p, c.OTHER_EXPENSE, 33_333)
    make_problem(user, bl, date(2026, 11, 1), o, date(2026, 10, 1))
    return Worked(jl, bl)


@pytest.fixture
def worked(persona: Callable[[str], User], regions: dict[str, Region]) -> Worked:
    return build_worked(persona("九龙村村干部"), regions)


# ---------------------------------------------------------------- one village


def test_register_summary_counts_and_values_by_class_and_status(worked: Worked) -> None:
    r = reports.register_summary(JIULONG)
    assert r.count == 4  # the disposed pump is out of the totals
    assert r.book_value_fen == 40_000_000 + 3_600_000 + 1_250_050 + 900_000
    assert r.original_value_fen == 51_800_000
    assert {t.key: (t.count, t.book_value_fen) for t in r.by_class} == {
        "funds": (0, 0),
        "asset": (2, 40_900_000),
        "resource": (2, 4_850_050),
    }
    assert {t.key: (t.count, t.book_value_fen) for t in r.by_status} == {
        "self_operated": (1, 40_000_000),
        "leased": (1, 3_600_000),
        "idle": (1, 1_250_050),
        "occupied": (1, 900_000),
        "disposed": (1, 0),
    }
    machinery = [x for x in r.rows if x.category == AssetCategory.MACHINERY]
    assert [(x.status, x.count, x.quantity, x.unit) for x in machinery] == [
        ("occupied", 1, Decimal("2.00"), "台"),
        ("disposed", 1, Decimal("1.00"), "台"),
    ]
    land = next(x for x in r.rows if x.category == AssetCategory.FARMLAND)
    assert (land.quantity, land.unit, land.class_label) == (Decimal("120.50"), "亩", "资源")


def test_idle_list_holds_idle_and_occupied_entries(worked: Worked) -> None:
    assert [a.number for a in reports.idle_list(JIULONG)] == ["ZC-002", "ZY-002"]
    assert [a.number for a in reports.idle_list(JIULONG, q="学校")] == ["ZY-002"]


def test_contract_income_counts_active_contracts_and_the_years_receipts(worked: Worked) -> None:
    income = reports.contract_income(JIULONG, 2026)
    assert (income.active_count, income.annual_price_fen) == (1, 1_200_000)
    assert income.received_fen == 600_000 + 250_000  # 2025's 400 000 is another year
    assert reports.contract_income(JIULONG, 2025).received_fen == 400_000


def test_receivables_aging_buckets_at_their_boundaries(worked: Worked) -> None:
    aging = reports.receivables_aging(JIULONG, TODAY)
    assert [(b.label, b.count, b.outstanding_fen) for b in aging.buckets] == [
        ("未到期", 2, 700_000),
        ("1–30天", 1, 350_000),
        ("31–90天", 1, 300_000),
        ("91–180天", 1, 200_000),
        ("181–365天", 1, 150_000),
        ("365天以上", 1, 50_000),
    ]
    assert (aging.count, aging.outstanding_fen, aging.overdue_fen) == (7, 1_750_000, 1_050_000)
    overdue = reports.overdue_list(JIULONG, TODAY)
    assert [r.label for r in overdue] == [
        "2025年11月前",
        "2025年11月",
        "2026年5月",
        "2026年8月",
        "2026年11月",
    ]


def test_problem_summary_by_status_overdue_and_the_year(worked: Worked) -> None:
    p = reports.problem_summary(JIULONG, 2026, TODAY)
    assert [(t.key, t.count) for t in p.by_status] == [
        ("open", 2),
        ("rectifying", 1),
        ("closed", 2),
    ]
    assert (p.overdue, p.opened_in_year, p.closed_in_year, p.total) == (2, 4, 2, 5)


def test_income_by_month_leaves_out_openings_transfers_and_deposits(worked: Worked) -> None:
    months = {
        m.month: (m.income_fen, m.expense_fen) for m in reports.income_by_month(JIULONG, 2026)
    }
    assert months[1] == (0, 0)  # the opening balance is no income
    assert months[3] == (600_000, 120_000)
    assert months[11] == (250_000, 300_000)  # the reversed 456.78 counts zero
    assert months[12] == (0, 10_000)
    assert sum(i for i, _e in months.values()) == 850_000


def test_monthly_summary_of_one_village(worked: Worked) -> None:
    data = reports.monthly_summary(worked.jiulong, 2026, 11)
    (row,) = data.rows
    assert (row.code, row.opening_fen, row.income_fen, row.expense_fen) == (
        JIULONG,
        5_880_000,
        250_000,
        300_000,
    )
    assert (row.receipts_fen, row.payments_fen, row.closing_fen, row.entries) == (
        370_000,
        400_000,
        5_850_000,
        7,
    )
    assert row.opening_fen + row.receipts_fen - row.payments_fen == row.closing_fen
    assert (data.first_day, data.last_day) == (date(2026, 11, 1), date(2026, 11, 30))


# ---------------------------------------------------------------- the township


def test_monthly_summary_of_the_township_has_a_row_per_village_and_totals(
    worked: Worked, regions: dict[str, Region]
) -> None:
    data = reports.monthly_summary(regions[KAIYUN], 2026, 11)
    rows = {r.code: r for r in data.rows}
    assert list(rows) == [JIULONG, BALI]
    bali = rows[BALI]
    assert (bali.opening_fen, bali.income_fen, bali.expense_fen, bali.closing_fen) == (
        0,
        0,
        33_333,
        966_667,
    )
    assert (bali.receipts_fen, bali.payments_fen) == (1_000_000, 33_333)
    t = data.totals
    assert (t.opening_fen, t.income_fen, t.expense_fen) == (5_880_000, 250_000, 333_333)
    assert (t.receipts_fen, t.payments_fen, t.closing_fen, t.entries) == (
        1_370_000,
        433_333,
        6_816_667,
        9,
    )


def test_overview_of_the_township_adds_up_both_villages(
    worked: Worked, regions: dict[str, Region]
) -> None:
    data = reports.overview(regions[KAIYUN], 2026, TODAY)
    assert (data.registers.count, data.registers.book_value_fen) == (5, 46_750_050)
    assert (data.income.active_count, data.income.annual_price_fen) == (2, 1_500_000)
    assert data.aging.outstanding_fen == 1_750_000
    assert [t.count for t in data.problems.by_status] == [3, 1, 2]
    assert data.problems.overdue == 3
    assert data.year_expense_fen == 120_000 + 300_000 + 10_000 + 33_333
    kids = {c.region.code: c for c in data.children}
    assert list(kids) == [JIULONG, BALI]
    jl = kids[JIULONG]
    assert (jl.assets, jl.book_value_fen, jl.idle, jl.contracts, jl.annual_price_fen) == (
        4,
        45_750_050,
        2,
        1,
        1_200_000,
    )
    assert (jl.overdue_fen, jl.open_problems) == (1_050_000, 3)
    assert (kids[BALI].assets, kids[BALI].open_problems) == (1, 1)
    assert [r.name for r in data.path] == ["衡山县", "开云镇"]


def test_county_overview_drills_down_to_its_townships(
    worked: Worked, regions: dict[str, Region]
) -> None:
    data = reports.overview(regions["430423000000"], 2026, TODAY)
    assert [(c.region.name, c.assets) for c in data.children] == [("开云镇", 5)]
    chart = reports.chart_data(data)
    assert chart["by_class"]["values"] == [0.0, 419_000.0, 48_500.5]
    assert chart["months"]["series"][0]["values"][10] == 2_500.0


def test_overview_queries_do_not_grow_with_villages(
    worked: Worked, regions: dict[str, Region], persona: Callable[[str], User]
) -> None:
    kaiyun = regions[KAIYUN]

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            reports.overview(kaiyun, 2026, TODAY)
            reports.monthly_summary(kaiyun, 2026, 11)
        return len(ctx.captured_queries)

    before = queries()
    user = persona("九龙村村干部")
    for i in range(4):
        v = Region.objects.create(
            code=f"43042310030{i}", name=f"新村{i}", level=RegionLevel.VILLAGE, parent=kaiyun
        )
        make_asset(user, v, "ZC-001", AssetCategory.ROAD, book_value_fen=100)
        post(
            make_account(user, v, "基本户"),
            date(2026, 11, 2),
            Direction.RECEIPT,
            EntryCategory.SUBSIDY_INCOME,
            100,
        )
    assert queries() == before
    assert len(reports.monthly_summary(kaiyun, 2026, 11).rows) == 6


# ---------------------------------------------------------------- scope


def test_report_region_is_the_actors_scope_or_404(
    worked: Worked, persona: Callable[[str], User]
) -> None:
    township = persona("开云镇干部")
    assert reports.report_region(actor=township, code="").code == KAIYUN
    assert reports.report_region(actor=township, code=JIULONG).code == JIULONG
    with pytest.raises(Http404):
        reports.report_region(actor=township, code="430423000000")  # the county is above it
    other = persona("另一村的村干部")
    with pytest.raises(Http404):
        reports.report_region(actor=other, code=JIULONG)
    for junk in ("abc", "4304231002241", "43042310022x"):
        with pytest.raises(Http404):
            reports.report_region(actor=township, code=junk)
    with pytest.raises(Http404):
        reports.report_region(actor=persona("衡山县部门用户"), code="")
    assert reports.report_region(actor=persona("衡山县管理员"), code="").code == "430423000000"
