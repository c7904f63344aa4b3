"""Demo data of 乡村车间 in 九龙村 (idempotent: a second call creates nothing)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from cunwu.assets.models import Asset, AssetStatus
from cunwu.core.models import Region
from cunwu.registry.models import Person, PersonStatus
from cunwu.village.models import AssessmentSheet, Employment, Workshop
from cunwu.village.services import workshops

# a minimal PDF: the demo's application form
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

WORKSHOPS = [
    # name, operator, phone, premises, products, pay model, pay note, how far it got
    ("九龙村服装加工车间", "衡山县九龙服饰有限公司", "13800001001", "原九龙村小学教学楼",
     "童装、工装来料加工", "base_plus", "底薪1500元+计时计件提成", "recognised"),
    ("九龙村竹编车间", "九龙竹艺专业合作社", "13800001002", "村部闲置仓库", "竹篮、竹席",
     "piece", "按件计酬，多劳多得", "conditions"),
    ("九龙村电子配件车间", "衡阳市星辰电子厂", "", "闲置农房（租用）", "数据线组装",
     "hourly", "每小时18元", "none"),
]  # fmt: skip
CRITERIA = [("吸纳就业人数", 30), ("带动脱贫人口和监测对象就业", 30), ("工资按时足额发放", 20),
            ("安全生产与规范管理", 20)]  # fmt: skip


def demo_village_workshops(*, cadre: Any, work_team: Any, township: Any, admin: Any,
                           village: Region) -> int:  # fmt: skip
    """Three workshops (one 已认定 through the whole workflow, one 具备条件或在建, one 未认定;
    the first two in the village's idle collective assets when the register has some), two
    employees each from the registry, last month's reports and the county's assessment of the
    recognised one; returns how many workshops it made."""
    if Workshop.objects.filter(village=village, name=WORKSHOPS[0][0]).exists():
        return 0
    today = timezone.localdate()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    idle = list(
        Asset.objects.filter(village=village, status=AssetStatus.IDLE).order_by("number")[:2]
    )
    people = list(
        Person.objects.filter(household__village=village, status=PersonStatus.ACTIVE)
        .select_related("household")
        .order_by("pk")[:6]
    )
    made: list[Workshop] = []
    for i, (name, operator, phone, premises, products, pay, note, goal) in enumerate(WORKSHOPS):
        w = workshops.workshop_create(
            actor=cadre, village=village,
            data=workshops.WorkshopData(
                name=name, operator=operator, operator_phone=phone, premises=premises,
                products=products, pay_model=pay, pay_note=note,
                asset=idle[i] if i < len(idle) else None,
            ),
        )  # fmt: skip
        made.append(w)
        if goal != "none":
            workshops.workshop_files_add(actor=cadre, workshop=w,
                                         files=[("认定申请表.pdf", PDF)])  # fmt: skip
            workshops.workshop_step(actor=cadre, workshop=w, kind="apply", note="申请认定")
            workshops.workshop_step(actor=township, workshop=w, kind="township_pass",
                                    note="场地、用工、管理制度符合条件")  # fmt: skip
        if goal == "recognised":
            workshops.workshop_step(actor=admin, workshop=w, kind="county_recognise",
                                    note="同意认定为乡村车间")  # fmt: skip
        for person in people[2 * i : 2 * i + 2]:
            if Employment.objects.filter(workshop=w, person=person, end_on=None).exists():
                continue
            workshops.employment_start(actor=cadre, workshop=w, person=person,
                                       start_on=today - timedelta(days=60))  # fmt: skip
        workshops.report_add(actor=cadre, workshop=w, month=last_month, headcount=20 - 5 * i,
                             poverty_headcount=6 - 2 * i,
                             wages_fen=(20 - 5 * i) * 260_000)  # fmt: skip
    county = Region.objects.filter(code=village.code[:6] + "000000").first()
    if county is not None:
        sheet = AssessmentSheet.objects.filter(region=county, year=today.year,
                                               name="乡村车间年度考核").first()  # fmt: skip
        if sheet is None:
            sheet = workshops.sheet_create(actor=admin, region=county, year=today.year,
                                           name="乡村车间年度考核", criteria=CRITERIA)  # fmt: skip
        scores = dict(
            zip([c.pk for c in sheet.criteria.order_by("order")], [28, 26, 20, 17], strict=True)
        )
        workshops.assessment_record(actor=admin, workshop=made[0], sheet=sheet, scores=scores,
                                    note="吸纳就业成效明显")  # fmt: skip
    return len(made)
