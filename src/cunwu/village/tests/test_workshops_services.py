# ruff: noqa: F811
"""乡村车间: the register, recognition (申请 → 乡镇审核 → 县级认定), documents, employment with
its monitoring measure, monthly reports and their corrections, the yearly assessment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.assets.models import Asset
from cunwu.core.crypto import decrypt_text
from cunwu.core.errors import ApplicationError
from cunwu.core.models import AuditEvent, Region
from cunwu.monitoring.models import Measure, MeasureType
from cunwu.monitoring.tests.conftest import enter
from cunwu.registry.models import Household
from cunwu.testing import make_household, make_id_number
from cunwu.village.models import (
    Assessment,
    AssessmentScore,
    AssessmentSheet,
    Employment,
    MonthlyReport,
    Workshop,
    WorkshopFile,
    WorkshopStep,
)
from cunwu.village.services import workshops as services

from .fixtures_jobs import member, poor_household  # noqa: F401
from .fixtures_workshops import (  # noqa: F401
    PDF,
    PNG,
    admin,
    cadre,
    data,
    make_asset,
    school,
    township,
    workshop,
)

pytestmark = pytest.mark.django_db
START = date(2026, 11, 2)


def _today() -> date:
    return timezone.localdate()


# ---------------------------------------------------------------- register


def test_create_keeps_phone_encrypted_and_masked_and_audits(workshop: Workshop) -> None:
    assert workshop.operator_phone_masked == "138****0001"
    assert "13807340001" not in workshop.operator_phone_enc
    assert (
        decrypt_text(workshop.operator_phone_enc, context=services.PHONE_CONTEXT) == "13807340001"
    )
    assert (workshop.state, workshop.stage, workshop.county_code) == ("none", "none", "430423")
    assert workshop.asset is not None and workshop.asset.number == "ZC-0001"
    assert AuditEvent.objects.filter(
        action="village.workshop_create", object_id=str(workshop.pk)
    ).exists()


def test_create_refuses_bad_input_and_saves_nothing(
    cadre: User, jiulong: Region, regions: dict[str, Region], persona: Callable[[str], User]
) -> None:
    with pytest.raises(ApplicationError, match="联系电话“12345”格式不正确") as exc:
        services.workshop_create(actor=cadre, village=jiulong, data=data(operator_phone="12345"))
    assert exc.value.field == "operator_phone"
    bali_house = make_asset(persona("八里村村干部"), regions["430423100227"], "ZC-0001")
    with pytest.raises(ApplicationError, match="只能选择本村的集体资产"):
        services.workshop_create(actor=cadre, village=jiulong, data=data(asset=bali_house))
    with pytest.raises(ApplicationError, match="请选择薪酬方式"):
        services.workshop_create(actor=cadre, village=jiulong, data=data(pay_model="daily"))
    with pytest.raises(ApplicationError, match="请填写车间名称"):
        services.workshop_create(actor=cadre, village=jiulong, data=data(name="  "))
    with pytest.raises(ApplicationError, match="车间只能登记在村"):
        services.workshop_create(
            actor=persona("开云镇干部"), village=regions["430423100000"], data=data()
        )
    assert not Workshop.objects.exists()


def test_villager_other_village_and_county_cannot_register(
    persona: Callable[[str], User], jiulong: Region
) -> None:
    for name in ("九龙村村民", "另一村的村干部", "衡山县管理员", "九龙村工作队员"):
        with pytest.raises(PermissionDenied):
            services.workshop_create(actor=persona(name), village=jiulong, data=data())
    assert not Workshop.objects.exists()


def test_update_changes_fields_and_keeps_phone_when_left_empty(
    cadre: User, workshop: Workshop
) -> None:
    services.workshop_update(
        actor=cadre, workshop=workshop, data=data(operator_phone="", products="箱包", asset=None)
    )
    workshop.refresh_from_db()
    assert (workshop.products, workshop.asset_id, workshop.operator_phone_masked) == (
        "箱包",
        None,
        "138****0001",
    )
    event = AuditEvent.objects.get(action="village.workshop_update")
    assert event.payload["changes"]["products"] == ["童装、工装来料加工", "箱包"]


# ---------------------------------------------------------------- recognition


def test_apply_needs_a_document(cadre: User, workshop: Workshop) -> None:
    with pytest.raises(ApplicationError, match="申请认定须先上传至少一份材料"):
        services.workshop_step(actor=cadre, workshop=workshop, kind="apply")
    workshop.refresh_from_db()
    assert workshop.stage == "none"
    assert not WorkshopStep.objects.exists()


def test_files_are_checked_by_their_bytes(cadre: User, workshop: Workshop) -> None:
    with pytest.raises(ApplicationError, match="不是 PDF、PNG 或 JPEG 文件") as exc:
        services.workshop_files_add(
            actor=cadre, workshop=workshop, files=[("营业执照.pdf", PDF), ("a.exe", b"MZ\x90\x00")]
        )
    assert exc.value.field == "files"
    assert not WorkshopFile.objects.exists()
    with pytest.raises(ApplicationError, match="请选择文件"):
        services.workshop_files_add(actor=cadre, workshop=workshop, files=[])
    out = services.workshop_files_add(
        actor=cadre, workshop=workshop, files=[("营业执照.pdf", PDF), ("场地.png", PNG)]
    )
    assert [(f.original_name, f.content_type, f.size) for f in out] == [
        ("营业执照.pdf", "application/pdf", len(PDF)),
        ("场地.png", "image/png", len(PNG)),
    ]


def test_recognition_runs_apply_township_county_with_returns_and_refusals(
    cadre: User, township: User, admin: User, workshop: Workshop
) -> None:
    services.workshop_files_add(actor=cadre, workshop=workshop, files=[("申请表.pdf", PDF)])

    def step(actor: User, kind: str, note: str = "") -> WorkshopStep:
        return services.workshop_step(actor=actor, workshop=workshop, kind=kind, note=note)

    def status() -> tuple[str, str]:
        workshop.refresh_from_db()
        return workshop.state, workshop.stage

    step(cadre, "apply", "申请认定")
    assert status() == ("none", "applied")
    with pytest.raises(ApplicationError, match="该车间已有待办的认定申请") as exc:
        step(cadre, "apply")
    assert exc.value.status == 409
    with pytest.raises(ApplicationError, match="该车间没有待县级认定的申请") as exc:
        step(admin, "county_recognise")
    assert exc.value.status == 409
    with pytest.raises(ApplicationError, match="请填写意见"):
        step(township, "township_return")
    step(township, "township_return", "缺少场地租赁协议")
    assert status() == ("none", "none")
    step(cadre, "apply")
    step(township, "township_pass", "材料齐全")
    assert status() == ("conditions", "township_passed")
    with pytest.raises(ApplicationError, match="该车间没有待乡镇审核的申请"):
        step(township, "township_pass")
    step(admin, "county_refuse", "吸纳就业人数不足")
    assert status() == ("conditions", "none")
    step(cadre, "apply")
    step(township, "township_pass")
    step(admin, "county_recognise", "同意认定")
    assert status() == ("recognised", "none")
    with pytest.raises(ApplicationError, match="该车间已认定，无需再申请"):
        step(cadre, "apply")
    kinds = list(WorkshopStep.objects.filter(workshop=workshop).values_list("kind", flat=True))
    assert kinds == [
        "apply",
        "township_return",
        "apply",
        "township_pass",
        "county_refuse",
        "apply",
        "township_pass",
        "county_recognise",
    ]
    assert AuditEvent.objects.filter(action="village.workshop_county_recognise").count() == 1


def test_each_step_needs_its_role(
    persona: Callable[[str], User], cadre: User, township: User, admin: User, workshop: Workshop
) -> None:
    services.workshop_files_add(actor=cadre, workshop=workshop, files=[("申请表.pdf", PDF)])
    for actor in (persona("另一村的村干部"), admin, persona("九龙村村民")):
        with pytest.raises(PermissionDenied):
            services.workshop_step(actor=actor, workshop=workshop, kind="apply")
    services.workshop_step(actor=cadre, workshop=workshop, kind="apply")
    for actor in (cadre, admin):
        with pytest.raises(PermissionDenied):
            services.workshop_step(actor=actor, workshop=workshop, kind="township_pass")
    services.workshop_step(actor=township, workshop=workshop, kind="township_pass")
    for actor in (cadre, township):
        with pytest.raises(PermissionDenied):
            services.workshop_step(actor=actor, workshop=workshop, kind="county_recognise")
    with pytest.raises(ApplicationError, match="请选择办理环节"):
        services.workshop_step(actor=admin, workshop=workshop, kind="approve")
    workshop.refresh_from_db()
    assert (workshop.state, workshop.stage) == ("conditions", "township_passed")


# ---------------------------------------------------------------- employment


def test_employment_flags_poverty_and_refuses_a_second_open_job(
    cadre: User, workshop: Workshop, household: Household, poor_household: Household
) -> None:
    a = services.employment_start(
        actor=cadre, workshop=workshop, person=member(poor_household, "王五"), start_on=START
    )
    b = services.employment_start(
        actor=cadre, workshop=workshop, person=member(household, "李四"), start_on=START
    )
    assert (a.poverty, a.monitored, a.measure_id, b.poverty) == (True, False, None, False)
    with pytest.raises(ApplicationError, match="王五已在该车间务工") as exc:
        services.employment_start(
            actor=cadre, workshop=workshop, person=member(poor_household, "王五"), start_on=START
        )
    assert exc.value.status == 409
    assert Employment.objects.count() == 2
    services.employment_end(
        actor=cadre, employment=a, end_on=START + timedelta(days=5), reason="外出务工"
    )
    with pytest.raises(ApplicationError, match="该人员已离职"):
        services.employment_end(
            actor=cadre, employment=a, end_on=START + timedelta(days=6), reason="重复"
        )
    again = services.employment_start(
        actor=cadre, workshop=workshop, person=member(poor_household, "王五"), start_on=START
    )
    assert again.pk != a.pk


def test_monitored_household_gets_a_workshop_measure_ended_with_the_job(
    cadre: User, workshop: Workshop, household: Household
) -> None:
    enter(household)
    job = services.employment_start(
        actor=cadre, workshop=workshop, person=member(household, "李四"), start_on=START
    )
    assert job.monitored is True
    measure = Measure.objects.get(pk=job.measure_id)
    assert (measure.measure_type, measure.start_on, measure.end_on, measure.description) == (
        MeasureType.WORKSHOP,
        START,
        None,
        "到九龙村服装车间务工（底薪+计时计件提成）",
    )
    end = START + timedelta(days=20)
    services.employment_end(actor=cadre, employment=job, end_on=end, reason="车间停产")
    measure.refresh_from_db()
    assert measure.end_on == end


def test_employment_refuses_bad_people_and_dates(
    persona: Callable[[str], User],
    cadre: User,
    township: User,
    workshop: Workshop,
    regions: dict[str, Region],
) -> None:
    yanjiang = make_household(
        persona("另一村的村干部"),
        regions["430422200215"],
        "0001",
        "孙八",
        head_id=make_id_number(31, area="430422"),
    )
    with pytest.raises(ApplicationError, match="只能登记本县人员"):
        services.employment_start(
            actor=cadre, workshop=workshop, person=member(yanjiang, "孙八"), start_on=START
        )
    bali = make_household(
        persona("八里村村干部"), regions["430423100227"], "0001", "钱七", head_id=make_id_number(21)
    )
    enter(bali)
    with pytest.raises(ApplicationError, match="钱七家为监测对象"):
        services.employment_start(
            actor=cadre, workshop=workshop, person=member(bali, "钱七"), start_on=START
        )
    with pytest.raises(ApplicationError, match="入职日期不能晚于今天"):
        services.employment_start(
            actor=township,
            workshop=workshop,
            person=member(bali, "钱七"),
            start_on=_today() + timedelta(days=1),
        )
    assert not Employment.objects.exists()
    # the township covers 八里村 too: the measure lands in 八里村's record
    job = services.employment_start(
        actor=township, workshop=workshop, person=member(bali, "钱七"), start_on=START
    )
    assert job.measure is not None and job.measure.monitored.village_id == "430423100227"
    with pytest.raises(ApplicationError, match="离职日期不能早于入职日期"):
        services.employment_end(
            actor=cadre, employment=job, end_on=START - timedelta(days=1), reason="辞职"
        )


# ---------------------------------------------------------------- monthly reports


def test_report_correction_supersedes_and_only_current_counts(
    cadre: User, workshop: Workshop
) -> None:
    nov = date(2026, 11, 1)
    first = services.report_add(
        actor=cadre,
        workshop=workshop,
        month=date(2026, 11, 20),
        headcount=42,
        poverty_headcount=15,
        wages_fen=12_600_000,
    )
    assert (first.month, first.current) == (nov, True)
    with pytest.raises(ApplicationError, match="2026年11月的月报已填报，如有错误请更正") as exc:
        services.report_add(
            actor=cadre,
            workshop=workshop,
            month=nov,
            headcount=40,
            poverty_headcount=15,
            wages_fen=1,
        )
    assert exc.value.status == 409
    with pytest.raises(ApplicationError, match="请填写更正说明"):
        services.report_add(
            actor=cadre,
            workshop=workshop,
            month=nov,
            headcount=40,
            poverty_headcount=15,
            wages_fen=1,
            supersedes=first,
        )
    fix = services.report_add(
        actor=cadre,
        workshop=workshop,
        month=nov,
        headcount=43,
        poverty_headcount=16,
        wages_fen=12_900_000,
        note="漏报1人",
        supersedes=first,
    )
    first.refresh_from_db()
    assert (first.current, fix.current, fix.supersedes_id) == (False, True, first.pk)
    with pytest.raises(ApplicationError, match="这份月报已被更正") as exc:
        services.report_add(
            actor=cadre,
            workshop=workshop,
            month=nov,
            headcount=44,
            poverty_headcount=16,
            wages_fen=1,
            note="再改",
            supersedes=first,
        )
    assert exc.value.status == 409
    current = MonthlyReport.objects.filter(workshop=workshop, current=True)
    assert [(r.headcount, r.wages_fen) for r in current] == [(43, 12_900_000)]
    assert MonthlyReport.objects.count() == 2


def test_report_refuses_bad_figures(cadre: User, workshop: Workshop) -> None:
    nov = date(2026, 11, 1)
    with pytest.raises(ApplicationError, match="脱贫人口和监测对象人数应在0至10之间"):
        services.report_add(
            actor=cadre,
            workshop=workshop,
            month=nov,
            headcount=10,
            poverty_headcount=11,
            wages_fen=0,
        )
    with pytest.raises(ApplicationError, match="发放工资应在0至"):
        services.report_add(
            actor=cadre,
            workshop=workshop,
            month=nov,
            headcount=10,
            poverty_headcount=1,
            wages_fen=-1,
        )
    future = (_today().replace(day=1) + timedelta(days=40)).replace(day=1)
    with pytest.raises(ApplicationError, match="不能填报以后月份"):
        services.report_add(
            actor=cadre,
            workshop=workshop,
            month=future,
            headcount=1,
            poverty_headcount=0,
            wages_fen=0,
        )
    assert not MonthlyReport.objects.exists()


# ---------------------------------------------------------------- assessment


def _sheet(admin: User, regions: dict[str, Region]) -> AssessmentSheet:
    return services.sheet_create(
        actor=admin,
        region=regions["430423000000"],
        year=2026,
        name="乡村车间年度考核",
        criteria=[("吸纳就业", 40), ("带动脱贫人口", 30), ("规范管理", 20), ("安全生产", 10)],
    )


def test_grades_by_percentage_of_the_sheet_maximum() -> None:
    assert [services.grade_of(t, 100) for t in (100, 90, 89, 75, 74, 60, 59, 0)] == [
        "优秀",
        "优秀",
        "良好",
        "良好",
        "合格",
        "合格",
        "不合格",
        "不合格",
    ]
    assert services.grade_of(45, 50) == "优秀"  # 90% of a 50-point sheet
    assert services.grade_of(44, 50) == "良好"


def test_assessment_totals_are_exact_and_once_per_sheet(
    admin: User, township: User, workshop: Workshop, regions: dict[str, Region]
) -> None:
    sheet = _sheet(admin, regions)
    items = list(sheet.criteria.order_by("order"))
    assert [(c.order, c.name, c.max_score) for c in items] == [
        (1, "吸纳就业", 40),
        (2, "带动脱贫人口", 30),
        (3, "规范管理", 20),
        (4, "安全生产", 10),
    ]
    scores = dict(zip([c.pk for c in items], [36, 25, 18, 10], strict=True))
    with pytest.raises(ApplicationError, match="“带动脱贫人口”得分应在0至30之间") as exc:
        services.assessment_record(
            actor=township, workshop=workshop, sheet=sheet, scores={**scores, items[1].pk: 31}
        )
    assert exc.value.field == f"item_{items[1].pk}"
    with pytest.raises(ApplicationError, match="请为“安全生产”打分"):
        services.assessment_record(
            actor=township,
            workshop=workshop,
            sheet=sheet,
            scores={k: v for k, v in scores.items() if k != items[3].pk},
        )
    assert not Assessment.objects.exists()
    a = services.assessment_record(actor=township, workshop=workshop, sheet=sheet, scores=scores)
    assert (a.total, a.max_total, a.grade) == (89, 100, "良好")
    assert sorted(AssessmentScore.objects.filter(assessment=a).values_list("score", flat=True)) == [
        10,
        18,
        25,
        36,
    ]
    with pytest.raises(ApplicationError, match="该车间已按“2026年乡村车间年度考核”考核") as exc:
        services.assessment_record(actor=admin, workshop=workshop, sheet=sheet, scores=scores)
    assert exc.value.status == 409


def test_sheet_rules_and_roles(
    persona: Callable[[str], User],
    admin: User,
    cadre: User,
    workshop: Workshop,
    regions: dict[str, Region],
) -> None:
    with pytest.raises(PermissionDenied):
        services.sheet_create(
            actor=cadre,
            region=regions["430423000000"],
            year=2026,
            name="考核",
            criteria=[("吸纳就业", 100)],
        )
    with pytest.raises(ApplicationError, match="考核项目不能重复"):
        services.sheet_create(
            actor=admin,
            region=regions["430423000000"],
            year=2026,
            name="考核",
            criteria=[("吸纳就业", 50), ("吸纳就业", 50)],
        )
    with pytest.raises(ApplicationError, match="“规范管理”的分值应在1至1000之间"):
        services.sheet_create(
            actor=admin,
            region=regions["430423000000"],
            year=2026,
            name="考核",
            criteria=[("规范管理", 0)],
        )
    sheet = _sheet(admin, regions)
    with pytest.raises(ApplicationError, match="2026年已有考核表“乡村车间年度考核”"):
        _sheet(admin, regions)
    scores = {c.pk: 1 for c in sheet.criteria.all()}
    with pytest.raises(PermissionDenied):
        services.assessment_record(actor=cadre, workshop=workshop, sheet=sheet, scores=scores)
    other_town = services.sheet_create(
        actor=persona("衡山县管理员"),
        region=regions["430423100000"],
        year=2026,
        name="镇考核",
        criteria=[("吸纳就业", 100)],
    )
    services.sheet_set_active(actor=admin, sheet=other_town, active=False)
    with pytest.raises(ApplicationError, match="该考核表已停用"):
        services.assessment_record(
            actor=admin,
            workshop=workshop,
            sheet=other_town,
            scores={c.pk: 1 for c in other_town.criteria.all()},
        )


def test_asset_of_the_same_village_only(cadre: User, jiulong: Region, school: Asset) -> None:
    school.status = "disposed"
    school.save(update_fields=["status"])
    with pytest.raises(ApplicationError, match="该资产已处置"):
        services.workshop_create(actor=cadre, village=jiulong, data=data(asset=school))
