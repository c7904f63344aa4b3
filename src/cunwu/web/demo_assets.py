"""九龙村's "三资" in the demo: its register, two accounts with two months of books, two
contracts with their instalments, the contract checks and reminders, this year's inventory
under way.

Dates follow the day of loading: the books hold the month before last (closed by the township,
its statement waiting for the committee's sign-off) and last month (posted entries, one waiting
for the committee, one for the township). Everything goes through the services, so the demo
carries its audit events; a village that already has register entries is left alone.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.assets.models import (
    AccountKind,
    Asset,
    AssetCategory,
    AssetStatus,
    AwardMethod,
    ContractKind,
    Direction,
    EntryCategory,
    JournalEntry,
)
from cunwu.assets.services import contracts, journal, registers
from cunwu.assets.services.registers import AssetData
from cunwu.core.models import Region
from cunwu.disclosure import services_lists as lists
from cunwu.disclosure.models_lists import Decision, MeetingBody
from cunwu.disclosure.services_lists import Meeting

# (number, category, name, location, quantity, unit, original 元, book 元, reference rent 元,
#  acquired, source, status)
REGISTER: list[tuple[str, str, str, str, str, str, str, str, str | None, str, str, str]] = [
    ("ZC-0001", AssetCategory.BUILDING, "村部综合楼", "九龙村一组村部", "860", "平方米",
     "1200000", "960000", None, "2016-09-01", "自建", AssetStatus.SELF_OPERATED),
    ("ZC-0002", AssetCategory.BUILDING, "原九龙小学校舍", "九龙村三组", "640", "平方米",
     "380000", "150000", "12000", "1998-08-01", "村小撤并后收回", AssetStatus.IDLE),
    ("ZC-0003", AssetCategory.ROAD, "机耕道（二组至五组）", "二组至五组", "3.2", "公里",
     "640000", "512000", None, "2019-11-15", "上级项目资金建设", AssetStatus.SELF_OPERATED),
    ("ZC-0004", AssetCategory.WATER_WORKS, "九龙提灌站", "四组河边", "1", "座",
     "260000", "182000", None, "2015-04-20", "农田水利项目", AssetStatus.SELF_OPERATED),
    ("ZC-0005", AssetCategory.TREES, "集体油茶林", "后山", "80", "亩",
     "160000", "160000", None, "2012-03-01", "集体造林", AssetStatus.SELF_OPERATED),
    ("ZC-0006", AssetCategory.FARMLAND, "集体机动地", "五组垅田", "150", "亩",
     "0", "0", "60000", "1983-01-01", "集体所有", AssetStatus.IDLE),
    ("ZC-0007", AssetCategory.WATER_SURFACE, "大塘水面", "二组", "25", "亩",
     "0", "0", "7500", "1983-01-01", "集体所有", AssetStatus.IDLE),
    ("ZC-0008", AssetCategory.FOREST_LAND, "集体林地", "九龙山", "300", "亩",
     "0", "0", None, "1983-01-01", "集体所有", AssetStatus.SELF_OPERATED),
    ("ZC-0009", AssetCategory.IDLE_HOUSE, "六组闲置农房", "六组", "1", "栋",
     "0", "0", "3000", "2020-06-30", "农户进城落户后自愿退出", AssetStatus.IDLE),
]  # fmt: skip


def month_start(day: date, back: int) -> date:
    """The first day of the month ``back`` months before ``day``'s."""
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def _decision(cadre: User, village: Region, title: str, held: date) -> Decision:
    """A 四议两公开 decision whose resolution passed (it then stands at 决议公开)."""
    decision = lists.decision_create(
        actor=cadre, village=village, title=title, proposed_on=held - timedelta(days=7),
        description=f"{title}：由村党组织提议，经村“两委”商议、党员大会审议、村民代表会议决议。",
    )  # fmt: skip
    for body, numbers in (
        (MeetingBody.TWO_COMMITTEES, (9, 9, 8)),
        (MeetingBody.PARTY_MEMBERS, (46, 38, 35)),
        (MeetingBody.REPRESENTATIVES, (31, 27, 25)),
    ):
        lists.decision_record_meeting(
            actor=cadre, decision=decision, body=body, meeting=Meeting(held, *numbers)
        )
    decision.refresh_from_db()
    return decision


def _books(cadre: User, committee: User, township: User, village: Region, today: date) -> None:
    bank = journal.account_create(
        actor=cadre, village=village, name="基本存款账户", kind=AccountKind.BANK,
        bank_name="湖南衡山农村商业银行开云支行", account_number="82010000004321",
    )  # fmt: skip
    cash = journal.account_create(
        actor=cadre, village=village, name="库存现金", kind=AccountKind.CASH
    )
    first, last = month_start(today, 2), month_start(today, 1)
    R, P = Direction.RECEIPT, Direction.PAYMENT
    # (account, month start, day, direction, category, counterparty, summary, 元, how far it got)
    rows = [
        (bank, first, 1, R, EntryCategory.OPENING, "", "上月结转余额", "186520.35", "posted"),
        (cash, first, 1, R, EntryCategory.OPENING, "", "上月结转余额", "1850.00", "posted"),
        (bank, first, 8, R, EntryCategory.SUBSIDY_INCOME, "开云镇财政所", "村级组织运转经费",
         "45000.00", "posted"),
        (bank, first, 12, P, EntryCategory.ADMIN_EXPENSE, "村“两委”干部", "干部基本报酬（季度）",
         "21600.00", "posted"),
        (bank, first, 15, P, EntryCategory.TRANSFER, "库存现金", "提取备用金", "2000.00", "posted"),
        (cash, first, 15, R, EntryCategory.TRANSFER, "基本存款账户", "提取备用金", "2000.00",
         "posted"),
        (cash, first, 20, P, EntryCategory.ADMIN_EXPENSE, "开云镇文具店", "办公用品",
         "386.50", "posted"),
        (bank, first, 26, P, EntryCategory.PUBLIC_WELFARE, "衡山县路桥公司", "机耕道水毁修复",
         "18800.00", "posted"),
        (bank, last, 5, R, EntryCategory.CONTRACT_INCOME, "开云镇绿源农业专业合作社",
         "集体机动地首期承包费", "60000.00", "posted"),
        (bank, last, 10, P, EntryCategory.PUBLIC_WELFARE, "九龙村保洁员", "村庄保洁劳务费",
         "3600.00", "posted"),
        (cash, last, 18, P, EntryCategory.ADMIN_EXPENSE, "开云镇印刷店", "村务公开栏印刷",
         "420.00", "reviewed"),
        (bank, last, 25, P, EntryCategory.PUBLIC_WELFARE, "五组村民", "提灌站电费",
         "1268.40", "proposed"),
    ]  # fmt: skip
    for account, start, day, direction, category, party, summary, amount, state in rows:
        entry = journal.entry_propose(
            actor=cadre, account=account, date=start.replace(day=day), direction=direction,
            category=category, counterparty=party, summary=summary, amount=amount,
        )  # fmt: skip
        if state == "proposed":
            continue
        entry = journal.entry_review(actor=committee, entry=entry, approve=True)
        if state == "posted":
            journal.entry_confirm(actor=township, entry=entry, approve=True)
    # the month before last is closed by the township and its statement published: a
    # finance notice, which waits for the committee's sign-off
    journal.month_close(actor=township, village=village, year=first.year, month=first.month)
    journal.statement_publish(actor=cadre, village=village, year=first.year, month=first.month)


def _contracts(cadre: User, village: Region, today: date) -> None:
    by_number = {a.number: a for a in Asset.objects.filter(village=village)}
    signed = month_start(today, 1)
    decision = _decision(cadre, village, "集体机动地公开发包", signed - timedelta(days=10))
    land = contracts.contract_create(
        actor=cadre, village=village, number="JL-2026-001", title="九龙村集体机动地承包合同",
        kind=ContractKind.CONTRACTING, party_name="开云镇绿源农业专业合作社",
        party_phone="13907340001", assets=[by_number["ZC-0006"]], signed_on=signed,
        start_date=signed, end_date=date(signed.year + 10, signed.month, 1) - timedelta(days=1),
        total_price="600000", annual_price="60000", deposit="10000",
        award_method=AwardMethod.TENDER, decision=decision,
        note="公开竞价三轮，四家报名，绿源合作社以每亩400元中标",
    )  # fmt: skip
    contracts.contract_publish(actor=cadre, contract=land)
    first = land.receivables.order_by("due_date").first()
    if first is not None:
        contracts.payment_record(
            actor=cadre, receivable=first, date=signed.replace(day=5), amount="60000",
            note="银行转账",
        )  # fmt: skip
    # the pond: leased by negotiation, five years, never disclosed: the checks flag it
    pond_start = date(today.year - 2, 3, 1)
    pond = contracts.contract_create(
        actor=cadre, village=village, number="JL-2024-003", title="大塘水面养殖租赁合同",
        kind=ContractKind.LEASE, party_name="李国平", party_phone="13807345678",
        assets=[by_number["ZC-0007"]], signed_on=pond_start - timedelta(days=3),
        start_date=pond_start, end_date=date(pond_start.year + 5, 2, 28),
        total_price="30000", annual_price="6000", award_method=AwardMethod.NEGOTIATION,
        note="租金每年3月1日前交清",
    )  # fmt: skip
    # the first two years were paid on time; this year's rent is still owed
    for instalment in pond.receivables.order_by("due_date")[:2]:
        contracts.payment_record(
            actor=cadre, receivable=instalment, date=instalment.due_date, amount="6000",
            note="现金缴纳，已开收据",
        )  # fmt: skip
    contracts.contracts_check_all(today=today)
    contracts.reminders_make(today=today)


def _inventory(cadre: User, counter: User, village: Region, today: date) -> None:
    """This year's 清产核资 under way: the first three entries counted, one not as registered."""
    campaign = registers.inventory_start(actor=cadre, village=village, year=today.year)
    lines = campaign.lines.select_related("asset").order_by("asset__number")[:3]
    found = (("860", "现场核实，账实相符"), ("620", "东侧两间平房已坍塌"), ("3.2", "现场核实"))
    for line, (quantity, note) in zip(lines, found, strict=True):
        registers.inventory_count(
            actor=counter, line=line, counted_quantity=quantity,
            counted_status=line.expected_status, note=note,
        )  # fmt: skip


def demo_assets(
    *, cadre: User, committee: User, township: User, counter: User, village: Region
) -> int:
    """九龙村's 三资; returns how many register entries were created (0 on a second load)."""
    if Asset.objects.filter(village=village).exists():
        return 0
    today = timezone.localdate()
    for (number, category, name, location, quantity, unit, original, book, reference,
         acquired, source, status) in REGISTER:  # fmt: skip
        registers.asset_create(
            actor=cadre, village=village,
            data=AssetData(
                category=category, name=name, quantity=quantity, unit=unit, number=number,
                location=location, original_value=original, book_value=book,
                reference_price=reference, acquired_on=date.fromisoformat(acquired),
                source=source, status=status,
            ),
        )  # fmt: skip
    if not JournalEntry.objects.filter(village=village).exists():
        _books(cadre, committee, township, village, today)
    _contracts(cadre, village, today)
    _inventory(cadre, counter, village, today)
    return len(REGISTER)
