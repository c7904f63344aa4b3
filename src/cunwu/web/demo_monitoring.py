"""九龙村's 防返贫监测 in the demo: the county's line for the year, two 脱贫户, one household
identified through the whole procedure (with its 帮扶责任人, measures and a follow-up), one
case in its 公示, one at 民主评议, one application from the public form, the registry screening
of last year's incomes, and 开云镇's 回头看 with a few visits.

Everything goes through the services (so it carries audit events like real data). The one
shortcut is time: the 公示 of the identified household is closed as if its period had ended.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.disclosure import services as notices
from cunwu.disclosure.models import Notice
from cunwu.monitoring.models import (
    SECURITY_KEYS,
    CampaignKind,
    Case,
    CaseSource,
    Category,
    MeasureType,
    RiskType,
)
from cunwu.monitoring.services import campaigns, cases, households, measures, screening
from cunwu.registry.models import Household
from cunwu.registry.services import person_id_number

ALL_SECURED = dict.fromkeys(SECURITY_KEYS, True)


def _through_appraisal(
    case: Case, *, cadre: User, township: User, back: int, compare: bool = True
) -> Case:
    today = timezone.localdate()
    case = cases.case_verify(
        actor=cadre, case=case, passed=True, checks=ALL_SECURED | {"medical": False},
        findings="入户核实：户主今年患重病住院，自付医疗费用较多，家庭收入明显下降。",
        income_estimate_fen=520_000, on=today - timedelta(days=back - 1),
    )  # fmt: skip
    if compare:
        case = cases.case_compare(
            actor=township, case=case, passed=True, findings="各部门信息比对无异常。",
            results=dict.fromkeys(cases.COMPARE_KEYS, True),
            on=today - timedelta(days=back - 2),
        )  # fmt: skip
    return cases.case_appraise(
        actor=cadre, case=case, members=30, present=26, votes_for=24, votes_against=1,
        findings="村民代表会议民主评议。", on=today - timedelta(days=back - 3),
    )  # fmt: skip


def demo_monitoring(
    *, cadre: User, work_team: User, township: User, admin: User, village: Region
) -> int:
    """九龙村's monitoring; returns how many cases were opened (0 on a second load)."""
    if Case.objects.filter(village=village).exists():
        return 0
    today = timezone.localdate()
    # the village's first six households (the demo has 50 a village, its tests 6)
    hh = list(Household.objects.filter(village=village).order_by("number")[:6])
    if len(hh) < 6:
        return 0
    county = Region.objects.get(code=village.code[:6] + "000000")
    screening.policy_set(
        actor=admin, region=county, year=today.year, income_threshold_fen=850_000,
        note="演示数据：按省定标准录入",
    )  # fmt: skip
    for household, year in ((hh[1], 2019), (hh[2], 2020)):
        households.exit_record_set(
            actor=cadre, household=household, exit_year=year,
            policies=["教育资助", "医疗保障", "产业帮扶"],
        )  # fmt: skip

    # found on a cadre's visit, identified through every step
    first = cases.case_open(
        actor=cadre, household=hh[3], source=CaseSource.CADRE,
        category=Category.SUDDEN, risk_types=[RiskType.ILLNESS],
        description="户主突发重病，医疗支出大。", on=today - timedelta(days=12),
    )  # fmt: skip
    first = _through_appraisal(first, cadre=cadre, township=township, back=12)
    first = cases.case_disclose(actor=cadre, case=first)
    notice = Notice.objects.get(pk=first.notice.pk if first.notice else 0)
    if notice.period_end is not None:  # as if the period had ended without objection
        notices._close(notice.pk, notice.period_end + timedelta(days=1))
    first.refresh_from_db()
    first = cases.case_township(
        actor=township, case=first, decision="pass", findings="乡镇审核通过。"
    )
    first = cases.case_county(
        actor=admin, case=first, approved=True, findings="县级审定，纳入监测。"
    )
    monitored = first.household.monitoring
    households.cadre_assign(actor=cadre, monitored=monitored, cadre=work_team)
    households.plan_set(
        actor=cadre, monitored=monitored, no_labour=False,
        plan="医疗救助减轻负担；配偶到村里的乡村车间务工，稳定工资性收入。",
    )  # fmt: skip
    medical = measures.measure_add(
        actor=cadre, monitored=monitored, measure_type=MeasureType.MEDICAL,
        description="城乡居民医疗救助，二次报销", start_on=today - timedelta(days=3),
        amount_fen=600_000, department="县医疗保障局",
    )  # fmt: skip
    measures.measure_add(
        actor=cadre, monitored=monitored, measure_type=MeasureType.WORKSHOP,
        description="配偶到九龙村乡村车间务工（底薪+计件）", start_on=today - timedelta(days=2),
        department="九龙村乡村车间",
    )  # fmt: skip
    measures.follow_up_add(
        actor=work_team, measure=medical, visited_on=today, in_place=True,
        note="救助款已到账，户主出院在家休养。",
    )  # fmt: skip

    # one in its 公示 now, one at 民主评议, and household 0001's own application
    second = cases.case_open(
        actor=work_team, household=hh[4], source=CaseSource.CADRE,
        category=Category.MARGINAL, risk_types=[RiskType.EMPLOYMENT, RiskType.EDUCATION],
        description="主要劳动力失业返乡，两个孩子在读。", on=today - timedelta(days=6),
    )  # fmt: skip
    second = _through_appraisal(second, cadre=cadre, township=township, back=6)
    cases.case_disclose(actor=cadre, case=second)
    third = cases.case_open(
        actor=cadre, household=hh[5], source=CaseSource.CADRE,
        category=Category.SUDDEN, risk_types=[RiskType.DISASTER, RiskType.HOUSING],
        description="暴雨致房屋受损。", on=today - timedelta(days=4),
    )  # fmt: skip
    cases.case_verify(
        actor=cadre, case=third, passed=True, checks=ALL_SECURED | {"housing": False},
        findings="房屋后墙开裂，需鉴定。", on=today - timedelta(days=3),
    )  # fmt: skip
    cases.case_compare(
        actor=township, case=third, passed=True, findings="比对无异常。",
        results=dict.fromkeys(cases.COMPARE_KEYS, True), on=today - timedelta(days=2),
    )  # fmt: skip
    head = hh[0].members.get(relation="户主")
    cases.case_apply_public(
        village_code=village.code, name=head.name, id_number=person_id_number(head),
        phone="13900000008", risk_types=[RiskType.ACCIDENT],
        description="家人意外受伤，暂时无法外出务工。", commitment_signed=True,
    )  # fmt: skip

    # last year's incomes screened; 开云镇's 回头看 with three visits
    screening.screening_run(actor=township, region=village, year=today.year - 1)
    township_region = Region.objects.get(code=village.code[:9] + "000")
    campaign = campaigns.campaign_create(
        actor=township, region=township_region, kind=CampaignKind.REVIEW,
        title=f"{today.year}年防返贫监测“回头看”", start_on=today - timedelta(days=5),
        end_on=today + timedelta(days=25),
    )  # fmt: skip
    campaigns.assignment_set(actor=township, campaign=campaign, village=village, cadre=work_team)
    visits: list[tuple[Household, dict[str, bool], list[str]]] = [
        (hh[1], ALL_SECURED, []),
        (hh[2], ALL_SECURED | {"water": False}, [RiskType.WATER]),
        (hh[3], ALL_SECURED | {"medical": False}, [RiskType.ILLNESS]),
    ]
    for household, checks, risks in visits:
        campaigns.visit_record(
            actor=work_team, campaign=campaign, household=household,
            visited_on=today, checks=checks, income_estimate_fen=1_100_000, risk_types=risks,
            note="入户走访。",
        )  # fmt: skip
    return Case.objects.filter(village=village).count()
