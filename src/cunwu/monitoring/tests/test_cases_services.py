"""The identification and risk-elimination walk: every path, time limits in working days,
the criteria of an elimination, the public application."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.core.services.audit import AuditEvent
from cunwu.disclosure.models import Notice
from cunwu.disclosure.services import notices_close_due, objection_handle, objection_submit
from cunwu.monitoring.models import (
    SECURITY_KEYS,
    Alert,
    AlertKind,
    AlertStatus,
    Case,
    CaseKind,
    CaseSource,
    CaseStep,
    Category,
    Department,
    Measure,
    MeasureType,
    MonitoredHousehold,
    MonitoringState,
    Outcome,
    RiskType,
    Stage,
    StepResult,
)
from cunwu.monitoring.selectors.cases import elimination_check, overdue_cases, public_case
from cunwu.monitoring.services import cases as svc
from cunwu.monitoring.tests.conftest import enter
from cunwu.registry.models import Household, IncomeRecord
from cunwu.testing import PERSONAS, make_household, make_id_number

ALL_OK = dict.fromkeys(SECURITY_KEYS, True)
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32
MONDAY = date(2026, 3, 2)


def open_case(cadre: User, household: Household, **kw: object) -> Case:
    args: dict[str, object] = {
        "source": CaseSource.CADRE,
        "category": Category.SUDDEN,
        "risk_types": [RiskType.ILLNESS],
        "description": "户主突发重病",
    }
    args.update(kw)
    return svc.case_open(actor=cadre, household=household, **args)  # type: ignore[arg-type]


def to_appraise(case: Case, cadre: User, township: User) -> Case:
    case = svc.case_verify(actor=cadre, case=case, passed=True, findings="属实", checks=ALL_OK)
    return svc.case_compare(actor=township, case=case, passed=True, findings="",
                            results={"finance": True})  # fmt: skip


def appraise(case: Case, cadre: User, votes_for: int = 20) -> Case:
    return svc.case_appraise(actor=cadre, case=case, members=30, present=25,
                             votes_for=votes_for, votes_against=25 - votes_for)  # fmt: skip


def close_notices() -> None:
    notices_close_due(today=timezone.localdate() + timedelta(days=30))


@pytest.fixture
def township(kaiyun_staff: User) -> User:
    return kaiyun_staff


def test_identification_passes_through_to_county_approval(
    cadre: User, township: User, county_admin: User, household: Household
) -> None:
    case = open_case(cadre, household)
    assert len(case.code) == 8 and not set(case.code) & set("0O1I")
    case = to_appraise(case, cadre, township)
    case = appraise(case, cadre)
    assert case.stage == Stage.DISCLOSE
    case = svc.case_disclose(actor=cadre, case=case)
    notice = Notice.objects.get(pk=case.notice_id)
    assert notice.table == {
        "columns": ["户主", "村民小组", "拟纳入类型", "风险类型"],
        "rows": [["张*", "—", "突发严重困难户", "因病"]],
    }
    assert "1970" not in str(notice.table) and "医" not in notice.body
    assert case.stage_due_on == notice.period_end
    close_notices()
    case.refresh_from_db()
    assert case.stage == Stage.TOWNSHIP
    case = svc.case_township(actor=township, case=case, decision="pass", findings="")
    case = svc.case_county(actor=county_admin, case=case, approved=True)
    case.refresh_from_db()
    assert (case.stage, case.outcome) == (Stage.DONE, Outcome.APPROVED)
    monitored = MonitoredHousehold.objects.get(household=household)
    assert (monitored.state, monitored.category) == (MonitoringState.AT_RISK, Category.SUDDEN)
    assert list(monitored.risks.values_list("risk_type", flat=True)) == [RiskType.ILLNESS]
    assert case.monitored_id == monitored.pk
    stages = list(case.steps.values_list("stage", "result"))
    assert stages == [
        ("verify", "passed"), ("compare", "passed"), ("appraise", "passed"),
        ("disclose", "note"), ("disclose", "passed"), ("township", "passed"),
        ("county", "passed"),
    ]  # fmt: skip
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"monitoring.case_open", "monitoring.case_verify", "monitoring.case_county",
            "monitoring.enter"} <= actions  # fmt: skip


@pytest.mark.parametrize("stage", ["verify", "compare", "appraise", "township", "county"])
def test_rejected_case_keeps_its_reason_visible_by_code(
    stage: str, cadre: User, township: User, county_admin: User, household: Household
) -> None:
    case = open_case(cadre, household)
    if stage == "verify":
        case = svc.case_verify(actor=cadre, case=case, passed=False, findings="家有轿车",
                               checks=ALL_OK)  # fmt: skip
    else:
        case = svc.case_verify(actor=cadre, case=case, passed=True, findings="属实",
                               checks=ALL_OK)  # fmt: skip
        if stage == "compare":
            case = svc.case_compare(actor=township, case=case, passed=False,
                                    findings="家有轿车", results={"vehicle": False})  # fmt: skip
        else:
            case = svc.case_compare(actor=township, case=case, passed=True, findings="",
                                    results={})  # fmt: skip
            if stage == "appraise":
                case = appraise(case, cadre, votes_for=10)
            else:
                case = svc.case_disclose(actor=cadre, case=appraise(case, cadre))
                close_notices()
                case.refresh_from_db()
                if stage == "township":
                    case = svc.case_township(actor=township, case=case, decision="fail",
                                             findings="家有轿车")  # fmt: skip
                else:
                    case = svc.case_township(actor=township, case=case, decision="pass",
                                             findings="")  # fmt: skip
                    case = svc.case_county(actor=county_admin, case=case, approved=False,
                                           findings="家有轿车")  # fmt: skip
    shown = public_case(case.code.lower())
    assert (shown.stage, shown.outcome) == (Stage.DONE, Outcome.REJECTED)
    if stage == "appraise":
        assert shown.outcome_reason == "民主评议未通过：赞成10票、反对15票，未超过实到25人的半数"
    else:
        assert shown.outcome_reason.endswith("未通过：家有轿车")
        assert shown.outcome_reason.startswith(Stage(stage).label)
    assert not MonitoredHousehold.objects.filter(household=household).exists()


def test_returned_after_upheld_objection_then_passes(
    cadre: User, township: User, county_admin: User, household: Household,
    persona: Callable[[str], User],
) -> None:  # fmt: skip
    case = svc.case_disclose(actor=cadre, case=appraise(to_appraise(
        open_case(cadre, household), cadre, township), cadre))  # fmt: skip
    notice = Notice.objects.get(pk=case.notice_id)
    objection = objection_submit(notice=notice, phone="13800138000", text="该户家有货车")
    objection_handle(actor=persona("九龙村监委会委员"), objection=objection, upheld=True,
                     outcome="经核实该户有货车一辆，需重新评议")  # fmt: skip
    close_notices()
    case.refresh_from_db()
    assert (case.stage, case.returns) == (Stage.APPRAISE, 1)
    returned = case.steps.get(result=StepResult.RETURNED)
    assert "经核实该户有货车一辆，需重新评议" in returned.findings
    case = svc.case_disclose(actor=cadre, case=appraise(case, cadre))
    assert case.notice_id != notice.pk
    close_notices()
    case.refresh_from_db()
    case = svc.case_township(actor=township, case=case, decision="pass", findings="")
    case = svc.case_county(actor=county_admin, case=case, approved=True)
    assert case.outcome == Outcome.APPROVED and case.returns == 1


def test_township_returns_to_verification(
    cadre: User, township: User, household: Household
) -> None:
    case = svc.case_disclose(actor=cadre, case=appraise(to_appraise(
        open_case(cadre, household), cadre, township), cadre))  # fmt: skip
    close_notices()
    case.refresh_from_db()
    case = svc.case_township(
        actor=township, case=case, decision="return", findings="请重新核实收入"
    )
    assert (case.stage, case.outcome) == (Stage.VERIFY, Outcome.OPEN)
    case = svc.case_verify(actor=cadre, case=case, passed=True, findings="复核属实", checks={})
    assert case.stage == Stage.COMPARE


def test_withdrawal_needs_a_reason_and_takes_the_notice_down(
    cadre: User, township: User, household: Household
) -> None:
    case = svc.case_disclose(actor=cadre, case=appraise(to_appraise(
        open_case(cadre, household), cadre, township), cadre))  # fmt: skip
    with pytest.raises(ApplicationError, match="请填写撤回理由"):
        svc.case_withdraw(actor=cadre, case=case, reason=" ")
    case = svc.case_withdraw(actor=cadre, case=case, reason="农户申请撤回")
    assert (case.stage, case.outcome, case.outcome_reason) == (
        Stage.DONE, Outcome.WITHDRAWN, "农户申请撤回")  # fmt: skip
    assert Notice.objects.get(pk=case.notice_id).status == "withdrawn"
    with pytest.raises(ApplicationError) as exc:
        svc.case_verify(actor=cadre, case=case, passed=True, findings="x", checks={})
    assert exc.value.status == 409


def test_a_step_applied_twice_is_refused_and_recorded_once(
    cadre: User, household: Household
) -> None:
    case = open_case(cadre, household)
    stale = Case.objects.get(pk=case.pk)
    svc.case_verify(actor=cadre, case=case, passed=True, findings="属实", checks=ALL_OK)
    with pytest.raises(ApplicationError, match="当前在“信息比对”环节"):
        svc.case_verify(actor=cadre, case=stale, passed=True, findings="属实", checks=ALL_OK)
    assert CaseStep.objects.filter(case=case, stage=Stage.VERIFY).count() == 1


def test_wrong_role_cannot_act_at_a_stage(
    cadre: User, township: User, county_admin: User, household: Household
) -> None:
    case = open_case(cadre, household)
    with pytest.raises(PermissionDenied):
        svc.case_verify(actor=township, case=case, passed=True, findings="x", checks={})
    case = svc.case_verify(actor=cadre, case=case, passed=True, findings="属实", checks={})
    with pytest.raises(PermissionDenied):
        svc.case_compare(actor=cadre, case=case, passed=True, findings="", results={})
    with pytest.raises(PermissionDenied):
        svc.case_open(actor=county_admin, household=household, source=CaseSource.CADRE)


def test_time_limits_count_working_days_and_mark_late_steps(
    cadre: User, township: User, household: Household
) -> None:
    # 2026-03-02 is a Monday: 3 working days → Thursday 03-05; 20 working days → 03-30
    case = open_case(cadre, household, on=MONDAY)
    assert (case.stage_due_on, case.due_on) == (date(2026, 3, 5), date(2026, 3, 30))
    assert list(overdue_cases(actor=township, today=date(2026, 3, 5))) == []
    assert list(overdue_cases(actor=township, today=date(2026, 3, 6))) == [case]
    assert list(overdue_cases(actor=None, region="430423100000", today=date(2026, 3, 6))) == [case]
    case = svc.case_verify(actor=cadre, case=case, passed=True, findings="属实", checks={},
                           on=date(2026, 3, 9))  # fmt: skip
    step = case.steps.get()
    assert step.overdue is True
    # compare: 5 working days from Monday 03-09 → Monday 03-16
    assert case.stage_due_on == date(2026, 3, 16)
    case = svc.case_compare(actor=township, case=case, passed=True, findings="", results={},
                            on=date(2026, 3, 16))  # fmt: skip
    assert case.steps.get(stage=Stage.COMPARE).overdue is False


def test_bad_input_changes_nothing(cadre: User, household: Household, jiulong: object) -> None:
    with pytest.raises(ApplicationError, match="风险类型无效"):
        open_case(cadre, household, risk_types=["bogus"])
    with pytest.raises(ApplicationError, match="承诺授权书"):
        open_case(cadre, household, source=CaseSource.APPLICATION)
    with pytest.raises(ApplicationError, match="不能晚于今天"):
        open_case(cadre, household, on=timezone.localdate() + timedelta(days=1))
    assert not Case.objects.exists()
    case = open_case(cadre, household)
    with pytest.raises(ApplicationError, match="办理中"):
        open_case(cadre, household)
    with pytest.raises(ApplicationError, match="请填写核实情况"):
        svc.case_verify(actor=cadre, case=case, passed=True, findings="", checks={})
    with pytest.raises(ApplicationError, match="至少一项风险"):
        svc.case_verify(actor=cadre, case=case, passed=True, findings="x", checks={},
                        risk_types=[])  # fmt: skip
    with pytest.raises(ApplicationError, match="附件"):
        svc.case_verify(actor=cadre, case=case, passed=True, findings="x", checks={},
                        files=[("a.exe", b"MZ\x90\x00")])  # fmt: skip
    assert not case.steps.exists()


def test_appraisal_needs_two_thirds_present_and_more_than_half_for(
    cadre: User, township: User, household: Household
) -> None:
    assert svc.appraisal_outcome(30, 20, 11, 9) is True
    assert svc.appraisal_outcome(30, 20, 10, 10) is False
    with pytest.raises(ApplicationError, match="不足应到30人的三分之二"):
        svc.appraisal_outcome(30, 19, 19, 0)
    with pytest.raises(ApplicationError, match="票数之和"):
        svc.appraisal_outcome(30, 20, 15, 10)
    case = to_appraise(open_case(cadre, household), cadre, township)
    with pytest.raises(ApplicationError):
        svc.case_appraise(actor=cadre, case=case, members=30, present=10, votes_for=10,
                          votes_against=0)  # fmt: skip
    case.refresh_from_db()
    assert case.stage == Stage.APPRAISE and not case.steps.filter(stage="appraise").exists()


def test_files_are_kept_on_the_step(cadre: User, household: Household) -> None:
    case = open_case(cadre, household)
    case = svc.case_verify(actor=cadre, case=case, passed=True, findings="属实", checks={},
                           files=[("核实照片.png", PNG)])  # fmt: skip
    f = case.files.get()
    assert (f.original_name, f.content_type, f.size, f.step.stage) == (
        "核实照片.png", "image/png", len(PNG), "verify")  # fmt: skip


def test_alert_and_visit_are_linked_and_must_be_of_the_village(
    cadre: User, household: Household, persona: Callable[[str], User]
) -> None:
    alert = Alert.objects.create(
        village=household.village, county_code="430423", household=household,
        department=Department.MEDICAL, kind=AlertKind.MEDICAL_EXPENSE, year=2026,
        dedupe_key="k1",
    )  # fmt: skip
    case = open_case(cadre, household, source=CaseSource.ALERT, alert=alert)
    alert.refresh_from_db()
    assert (alert.status, alert.case_id) == (AlertStatus.CASE_OPENED, case.pk)
    other = persona("八里村村干部")
    bali = Region.objects.get(code=PERSONAS["八里村村干部"][1])
    h2 = make_household(other, bali, "0009", "王五", head_id=make_id_number(9))
    alert2 = Alert.objects.create(
        village=household.village, county_code="430423", household=household,
        department=Department.MEDICAL, kind=AlertKind.MEDICAL_EXPENSE, year=2026,
        dedupe_key="k2",
    )  # fmt: skip
    with pytest.raises(ApplicationError, match="所选预警不是本村的"):
        svc.case_open(actor=other, household=h2, source=CaseSource.ALERT, alert=alert2)
    alert2.refresh_from_db()
    assert alert2.status == AlertStatus.OPEN and not Case.objects.filter(household=h2).exists()


@given(
    members=st.integers(1, 200), present=st.integers(0, 200), votes_for=st.integers(0, 200),
    votes_against=st.integers(0, 200),
)  # fmt: skip
def test_appraisal_rule_is_two_thirds_quorum_and_simple_majority(
    members: int, present: int, votes_for: int, votes_against: int
) -> None:
    valid = present <= members and votes_for + votes_against <= present
    try:
        passed = svc.appraisal_outcome(members, present, votes_for, votes_against)
    except ApplicationError as exc:
        assert not valid or 3 * present < 2 * members, exc.code
    else:
        assert valid and 3 * present >= 2 * members
        assert passed == (votes_for > present / 2)


# ---------------------------------------------------------------- public application


def test_public_application_matches_id_and_name(household: Household, jiulong: object) -> None:
    case = svc.case_apply_public(
        village_code="430423100224", name="李四", id_number=make_id_number(2, birth="19720304"),
        phone="13800138000", risk_types=[RiskType.ILLNESS], description="丈夫住院",
        commitment_signed=True,
    )  # fmt: skip
    assert (case.household_id, case.source, case.applicant_phone_masked) == (
        household.pk, CaseSource.APPLICATION, "138****8000")  # fmt: skip
    assert "13800138000" not in case.applicant_phone_enc


@pytest.mark.parametrize(
    ("name", "number"),
    [("王五", make_id_number(2, birth="19720304")), ("李四", make_id_number(7, birth="19720304"))],
)
def test_public_application_with_unknown_id_or_wrong_name_saves_nothing(
    name: str, number: str, household: Household
) -> None:
    with pytest.raises(ApplicationError) as exc:
        svc.case_apply_public(
            village_code="430423100224", name=name, id_number=number, phone="13800138000",
            risk_types=[RiskType.ILLNESS], description="", commitment_signed=True,
        )  # fmt: skip
    assert exc.value.message == svc.NO_MATCH
    assert not Case.objects.exists()


# ---------------------------------------------------------------- elimination


def eliminable(household: Household, cadre: User) -> MonitoredHousehold:
    on = timezone.localdate() - timedelta(days=400)
    monitored = enter(household, on=on)
    monitored.risks.update(resolved_on=None)
    year = timezone.localdate().year - 1
    # 3 persons, 30 000 元 wages: 10 000 元 per person > 2025's 8 500 元 default line
    IncomeRecord.objects.create(household=household, year=year, category="wages",
                                amount_fen=3_000_000)  # fmt: skip
    Measure.objects.create(
        monitored=monitored, village=household.village, county_code="430423",
        measure_type=MeasureType.EMPLOYMENT, description="公益性岗位", start_on=on,
    )  # fmt: skip
    # a past verification step with every check secured
    old = Case.objects.create(
        kind=CaseKind.IDENTIFY, village=household.village, county_code="430423",
        household=household, source=CaseSource.CADRE, code="OLDCASE2", stage=Stage.DONE,
        outcome=Outcome.APPROVED, opened_on=on, due_on=on, closed_at=timezone.now(),
    )  # fmt: skip
    CaseStep.objects.create(case=old, stage=Stage.VERIFY, result=StepResult.PASSED,
                            data={"checks": ALL_OK}, on=on + timedelta(days=300))  # fmt: skip
    return monitored


def test_elimination_accepted_when_all_criteria_pass(
    cadre: User, township: User, county_admin: User, household: Household
) -> None:
    monitored = eliminable(household, cadre)
    criteria = elimination_check(monitored, timezone.localdate())
    assert all(c.passed for c in criteria), criteria
    income = next(c for c in criteria if c.name == "income")
    assert "人均纯收入10,000.00元，高于监测标准8,500.00元" in income.reason
    case = svc.case_open(actor=cadre, household=household, kind=CaseKind.ELIMINATE,
                         source=CaseSource.PROPOSAL)  # fmt: skip
    case = svc.case_verify(actor=cadre, case=case, passed=True, findings="稳定", checks=ALL_OK)
    assert case.stage == Stage.APPRAISE
    case = svc.case_disclose(actor=cadre, case=appraise(case, cadre))
    close_notices()
    case.refresh_from_db()
    case = svc.case_township(actor=township, case=case, decision="pass", findings="")
    case = svc.case_county(actor=county_admin, case=case, approved=True)
    monitored.refresh_from_db()
    assert monitored.state == MonitoringState.ELIMINATED
    assert not monitored.risks.filter(resolved_on=None).exists()


@pytest.mark.parametrize("failing", ["income", "stable", "security", "alerts", "basic_needs",
                                     "no_labour"])  # fmt: skip
def test_elimination_refused_by_each_failing_criterion(
    failing: str, cadre: User, household: Household
) -> None:
    monitored = eliminable(household, cadre)
    today = timezone.localdate()
    if failing == "income":
        IncomeRecord.objects.filter(household=household).update(amount_fen=2_000_000)
    elif failing == "stable":
        MonitoredHousehold.objects.filter(pk=monitored.pk).update(
            identified_on=today - timedelta(days=30)
        )
    elif failing == "security":
        CaseStep.objects.update(data={"checks": {**ALL_OK, "water": False}})
    elif failing == "alerts":
        Alert.objects.create(
            village=household.village, county_code="430423", household=household,
            department=Department.WATER, kind=AlertKind.DRINKING_WATER, year=2026,
            dedupe_key="w1",
        )  # fmt: skip
    elif failing == "basic_needs":
        monitored.risks.create(risk_type=RiskType.WATER, identified_on=today)
    else:
        MonitoredHousehold.objects.filter(pk=monitored.pk).update(no_labour=True)
        Measure.objects.update(measure_type=MeasureType.DIBAO)
    monitored.refresh_from_db()
    criteria = {c.name: c for c in elimination_check(monitored, today)}
    assert [n for n, c in criteria.items() if not c.passed] == [failing]
    if failing == "no_labour":
        assert (
            criteria["no_labour"].reason
            == "无劳动能力、仅有兜底保障措施的户不标注风险消除，继续跟踪"
        )
    with pytest.raises(ApplicationError, match="未达到风险消除条件"):
        svc.case_open(actor=cadre, household=household, kind=CaseKind.ELIMINATE,
                      source=CaseSource.PROPOSAL)  # fmt: skip
    assert not Case.objects.filter(kind=CaseKind.ELIMINATE).exists()
