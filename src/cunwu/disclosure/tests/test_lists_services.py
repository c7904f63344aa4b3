"""The four lists, cases and 四议两公开 through their services: versions that stay, deadlines in
working days across the 2026 National Day, escalation once, quorum and majority as exact
numbers, and the decision's two notices moving it on or back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import AuditEvent, Region
from cunwu.disclosure import services
from cunwu.disclosure import services_lists as lists
from cunwu.disclosure.models import (
    Case,
    CaseEvent,
    CaseStatus,
    Decision,
    DecisionRecord,
    DecisionStage,
    DecisionStatus,
    ListItem,
    ListKind,
    MeetingBody,
    Notice,
    NoticeStatus,
)
from cunwu.disclosure.services_lists import ItemData, Meeting, StepData, Threshold
from cunwu.testing import BALI, HENGSHAN, JIULONG, KAIYUN, YANJIANG, business_events

PDF = b"%PDF-1.4\n%test\n"


@pytest.fixture
def county(regions: dict[str, Region]) -> Region:
    return regions[HENGSHAN]


@pytest.fixture
def admin(persona: Callable[[str], User]) -> User:
    return persona("衡山县管理员")


@pytest.fixture
def cadre(persona: Callable[[str], User]) -> User:
    return persona("九龙村村干部")


def _template(admin: User, county: Region, *days: int) -> ListItem:
    steps = [StepData(f"环节{i}", "村民委员会", d, "") for i, d in enumerate(days or (3, 5), 1)]
    return lists.list_item_create(
        actor=admin, region=county,
        data=ItemData(kind=ListKind.SERVICE, name="证明开具", responsible="村民委员会"),
        steps=steps,
    )  # fmt: skip


def _data(item: ListItem, **kw: Any) -> ItemData:
    base = {
        "kind": item.kind, "name": item.name, "responsible": item.responsible,
        "basis": item.basis, "materials": item.materials, "disclosure": item.disclosure,
    }  # fmt: skip
    return ItemData(**{**base, **kw})


# ---------------------------------------------------------------- seed and versions


def test_the_seed_gives_the_county_at_least_four_example_items_per_list_once(
    county: Region,
) -> None:
    call_command("lists", "seed", "--county", "430423")
    items = ListItem.objects.filter(region=county)
    for kind in ListKind.values:
        assert items.filter(kind=kind).count() >= 4, kind
    assert all(item.example and item.steps.exists() for item in items)
    names = set(items.values_list("name", flat=True))
    assert {"村级工程项目建设", "宅基地申请初审", "证明开具", "残疾人证申请代办"} <= names
    count = items.count()
    call_command("lists", "seed", "--county", "430423")
    assert ListItem.objects.filter(region=county).count() == count


def test_adopting_and_adjusting_keeps_old_versions_and_cases_keep_their_steps(
    admin: User, cadre: User, county: Region, jiulong: Region
) -> None:
    template = _template(admin, county, 3, 5)
    v1 = lists.list_item_adopt(actor=cadre, template=template, region=jiulong)
    assert (v1.region, v1.key, v1.version, v1.based_on, v1.active) == (
        jiulong, template.key, 1, template, True,
    )  # fmt: skip
    case = lists.case_open(actor=cadre, item=v1, applicant_name="周德福")
    v2 = lists.list_item_revise(
        actor=cadre, item=v1, data=_data(v1, name="证明开具（九龙村）"),
        steps=[StepData("受理", "村委会", 1), StepData("审核", "村委会", 2),
               StepData("开具", "村委会", 1)],
        note="增加审核环节",
    )  # fmt: skip
    v1.refresh_from_db()
    assert (v1.active, v2.active, v2.version, v2.based_on) == (False, True, 2, template)
    assert [s.name for s in v1.steps.all()] == ["环节1", "环节2"]
    assert [s.name for s in v2.steps.all()] == ["受理", "审核", "开具"]
    # the case started under v1 follows v1's two steps to the end
    case = lists.case_advance(actor=cadre, case=case)
    assert case.item_id == v1.pk and case.step_order == 2
    case = lists.case_advance(actor=cadre, case=case)
    assert case.status == CaseStatus.DONE
    # a new case goes by v2; the template itself is unchanged
    assert lists.case_open(actor=cadre, item=v2, applicant_name="李四").item_id == v2.pk
    template.refresh_from_db()
    assert (template.active, template.version, template.steps.count()) == (True, 1, 2)
    revise = AuditEvent.objects.get(action="disclosure.list_item_revise")
    assert revise.payload["changed"] == ["name", "steps"]
    assert revise.payload["note"] == "增加审核环节"
    with pytest.raises(ApplicationError) as old:
        lists.list_item_revise(
            actor=cadre, item=v1, data=_data(v1), steps=[StepData("a", "b", 1)], note="再改"
        )
    assert old.value.code == "list_item_old"
    with pytest.raises(ApplicationError) as closed:
        lists.case_open(actor=cadre, item=v1, applicant_name="王五")
    assert closed.value.code == "case_item_old"


def test_a_village_adopts_a_template_once_and_only_from_above(
    admin: User, cadre: User, county: Region, jiulong: Region, persona: Callable[[str], User]
) -> None:
    template = _template(admin, county)
    lists.list_item_adopt(actor=cadre, template=template, region=jiulong)
    with pytest.raises(ApplicationError) as twice:
        lists.list_item_adopt(actor=cadre, template=template, region=jiulong)
    assert twice.value.code == "list_adopted"
    other = persona("另一村的村干部")  # 衡南县: not under 衡山县
    with pytest.raises(ApplicationError) as outside:
        lists.list_item_adopt(
            actor=other, template=template, region=Region.objects.get(code=YANJIANG)
        )
    assert outside.value.code == "list_template_region"
    with pytest.raises(PermissionDenied):
        lists.list_item_adopt(actor=cadre, template=template, region=Region.objects.get(code=BALI))
    with pytest.raises(PermissionDenied):
        lists.list_item_revise(
            actor=cadre, item=template, data=_data(template), steps=[StepData("a", "b")],
            note="改县模板",
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        lists.list_item_create(
            actor=persona("九龙村村民"), region=jiulong,
            data=ItemData(kind="power", name="x", responsible="y"), steps=[StepData("a", "b")],
        )  # fmt: skip


def test_a_township_adopts_and_its_villages_adopt_the_township_version(
    admin: User, cadre: User, county: Region, regions: dict[str, Region],
    persona: Callable[[str], User],
) -> None:  # fmt: skip
    template = _template(admin, county)
    township = lists.list_item_adopt(
        actor=persona("开云镇干部"), template=template, region=regions[KAIYUN]
    )
    village = lists.list_item_adopt(actor=cadre, template=township, region=regions[JIULONG])
    assert village.based_on == township and village.key == template.key


def test_bad_item_input_changes_nothing(admin: User, county: Region) -> None:
    before = (ListItem.objects.count(), business_events().count())
    bad: list[tuple[ItemData, list[StepData]]] = [
        (ItemData(kind="nope", name="x", responsible="y"), [StepData("a", "b")]),
        (ItemData(kind="power", name=" ", responsible="y"), [StepData("a", "b")]),
        (ItemData(kind="power", name="x", responsible="y"), []),
        (ItemData(kind="power", name="x", responsible="y"), [StepData("a", "b", 61)]),
        (ItemData(kind="power", name="x", responsible="y"), [StepData("a", "", 1)]),
        (ItemData(kind="power", name="x" * 101, responsible="y"), [StepData("a", "b")]),
    ]
    for data, steps in bad:
        with pytest.raises(ApplicationError):
            lists.list_item_create(actor=admin, region=county, data=data, steps=steps)
    assert (ListItem.objects.count(), business_events().count()) == before


# ---------------------------------------------------------------- cases and deadlines


def test_step_deadlines_count_working_days_across_the_2026_national_day(
    admin: User, cadre: User, county: Region, jiulong: Region
) -> None:
    item = lists.list_item_adopt(
        actor=cadre, template=_template(admin, county, 5, 3), region=jiulong
    )
    case = lists.case_open(actor=cadre, item=item, applicant_name="周德福", today=date(2026, 9, 30))
    # 10月1日–7日 off, 10月10日 (Saturday) a make-up workday: 8, 9, 10, 12, 13
    assert (case.step_started, case.step_due) == (date(2026, 9, 30), date(2026, 10, 13))
    case = lists.case_advance(actor=cadre, case=case, today=date(2026, 9, 24))
    # 中秋 25 September and the weekend: 28, 29, 30
    assert (case.step_order, case.step_due) == (2, date(2026, 9, 30))
    assert case.due_warning == ""


def test_a_step_without_a_limit_has_no_deadline_and_a_year_nobody_knows_warns(
    admin: User, cadre: User, county: Region, jiulong: Region
) -> None:
    item = lists.list_item_adopt(
        actor=cadre, template=_template(admin, county, 0, 2), region=jiulong
    )
    case = lists.case_open(actor=cadre, item=item, applicant_name="甲", today=date(2026, 3, 2))
    assert case.step_due is None
    case = lists.case_advance(actor=cadre, case=case, today=date(2031, 12, 30))
    assert case.step_due == date(2032, 1, 1)
    assert "2032年" in case.due_warning


def test_advancing_returning_and_a_double_submission(
    admin: User, cadre: User, county: Region, jiulong: Region
) -> None:
    item = lists.list_item_adopt(
        actor=cadre, template=_template(admin, county, 1, 2, 3), region=jiulong
    )
    case = lists.case_open(actor=cadre, item=item, applicant_name="甲")
    lists.case_advance(actor=cadre, case=case, step_order=1, note="材料齐全",
                       attachment_name="申请表.pdf", attachment=PDF)  # fmt: skip
    with pytest.raises(ApplicationError) as twice:
        lists.case_advance(actor=cadre, case=case, step_order=1)
    assert twice.value.code == "case_step_moved"
    case.refresh_from_db()
    assert case.step_order == 2
    with pytest.raises(ApplicationError):
        lists.case_return(actor=cadre, case=case, note="  ")
    case = lists.case_return(actor=cadre, case=case, note="缺少户口簿复印件")
    assert case.step_order == 1
    with pytest.raises(ApplicationError) as first:
        lists.case_return(actor=cadre, case=case, note="再退")
    assert first.value.code == "case_first_step"
    with pytest.raises(ApplicationError) as bad_file:
        lists.case_comment(actor=cadre, case=case, note="x", attachment_name="a.exe",
                           attachment=b"MZ\x90")  # fmt: skip
    assert bad_file.value.code == "attachment_type"
    events = list(CaseEvent.objects.filter(case=case).values_list("kind", "step_order"))
    assert events == [("open", 1), ("done", 1), ("return", 2)]
    done = CaseEvent.objects.get(case=case, kind="done")
    assert (done.original_name, done.content_type, done.note) == (
        "申请表.pdf", "application/pdf", "材料齐全",
    )  # fmt: skip


def test_overdue_cases_are_escalated_once_per_step(
    admin: User, cadre: User, county: Region, jiulong: Region
) -> None:
    item = lists.list_item_adopt(
        actor=cadre, template=_template(admin, county, 1, 1), region=jiulong
    )
    case = lists.case_open(actor=cadre, item=item, applicant_name="甲", today=date(2026, 9, 30))
    assert case.step_due == date(2026, 10, 8)
    assert lists.cases_escalate_due(today=date(2026, 10, 8)) == 0
    assert lists.cases_escalate_due(today=date(2026, 10, 9)) == 1
    call_command("cases", "escalate", "--today", "2026-10-09")
    assert lists.cases_escalate_due(today=date(2026, 10, 12)) == 0
    case.refresh_from_db()
    assert case.escalated_at is not None
    assert AuditEvent.objects.filter(action="disclosure.case_escalate").count() == 1
    assert CaseEvent.objects.filter(case=case, kind="escalate").count() == 1
    case = lists.case_advance(actor=cadre, case=case, today=date(2026, 10, 12))
    assert case.escalated_at is None and case.step_due == date(2026, 10, 13)
    assert lists.cases_escalate_due(today=date(2026, 10, 14)) == 1


def test_cases_are_handled_only_in_their_village_and_only_on_a_village_item(
    admin: User, cadre: User, county: Region, jiulong: Region, persona: Callable[[str], User]
) -> None:
    template = _template(admin, county)
    kaiyun = Region.objects.get(code=KAIYUN)
    township = lists.list_item_adopt(actor=persona("开云镇干部"), template=template, region=kaiyun)
    with pytest.raises(ApplicationError) as on_template:
        lists.case_open(actor=persona("开云镇干部"), item=township, applicant_name="甲")
    assert on_template.value.code == "case_template"
    item = lists.list_item_adopt(actor=cadre, template=template, region=jiulong)
    case = lists.case_open(actor=cadre, item=item, applicant_name="甲")
    for name in ("八里村村干部", "九龙村村民", "九龙村监委会委员"):
        with pytest.raises(PermissionDenied):
            lists.case_advance(actor=persona(name), case=case)
    township = lists.case_advance(actor=persona("开云镇干部"), case=case)
    assert township.step_order == 2


# ---------------------------------------------------------------- quorum and majority


def _meeting(eligible: int, present: int, votes_for: int, **kw: Any) -> Meeting:
    return Meeting(held_on=date(2026, 3, 2), eligible=eligible, present=present,
                   votes_for=votes_for, **kw)  # fmt: skip


@pytest.mark.parametrize(
    ("body", "eligible", "present", "votes_for", "passed"),
    [
        (MeetingBody.REPRESENTATIVES, 30, 20, 11, True),
        (MeetingBody.REPRESENTATIVES, 30, 19, 19, False),  # 19 < two thirds of 30
        (MeetingBody.REPRESENTATIVES, 30, 20, 10, False),  # 10 is not more than half of 20
        (MeetingBody.REPRESENTATIVES, 31, 21, 11, True),  # 21 ≥ 20.67
        (MeetingBody.REPRESENTATIVES, 31, 20, 20, False),
        (MeetingBody.PARTY_MEMBERS, 45, 30, 16, True),
        (MeetingBody.PARTY_MEMBERS, 45, 29, 29, False),
        (MeetingBody.PARTY_MEMBERS, 45, 30, 15, False),
        (MeetingBody.VILLAGERS, 1000, 501, 251, True),
        (MeetingBody.VILLAGERS, 1000, 500, 500, False),  # exactly half is not more than half
        (MeetingBody.VILLAGERS, 1000, 501, 250, False),
    ],
)
def test_quorum_and_majority_as_exact_numbers(
    body: str, eligible: int, present: int, votes_for: int, passed: bool
) -> None:
    assert lists.meeting_outcome(body, _meeting(eligible, present, votes_for))[0] is passed


def test_a_villagers_meeting_may_count_household_representatives() -> None:
    households = {"households": 300, "households_present": 200}
    outcome = lists.meeting_outcome(MeetingBody.VILLAGERS, _meeting(1000, 210, 106, **households))
    assert outcome == (True, "")
    passed, why = lists.meeting_outcome(
        MeetingBody.VILLAGERS, _meeting(1000, 210, 106, households=300, households_present=199)
    )
    assert not passed
    assert why == (
        "到会年满十八周岁的村民210人，未达到应到1000人的过半数（至少501人），"
        "到会代表199户也未达到总户数300户的三分之二以上（至少200户），会议不能作出决定"
    )


def test_failures_are_explained_in_chinese() -> None:
    assert lists.meeting_outcome(MeetingBody.REPRESENTATIVES, _meeting(30, 19, 19)) == (
        False,
        "到会村民代表19人，未达到应到30人的三分之二以上（至少20人），会议不能作出决定",
    )
    assert lists.meeting_outcome(MeetingBody.REPRESENTATIVES, _meeting(30, 20, 10)) == (
        False,
        "赞成10票，未达到到会20人的过半数（至少11票），未通过",
    )


@pytest.mark.parametrize(
    ("meeting", "code"),
    [
        (_meeting(30, 31, 1), "meeting_present"),
        (_meeting(0, 0, 0), "meeting_eligible"),
        (_meeting(30, 20, 15, votes_against=6), "meeting_votes"),
        (_meeting(30, 20, -1), "meeting_negative"),
        (_meeting(30, 20, 11, households=10), "meeting_households"),
    ],
)
def test_inconsistent_numbers_are_refused(meeting: Meeting, code: str) -> None:
    with pytest.raises(ApplicationError) as error:
        lists.meeting_outcome(MeetingBody.REPRESENTATIVES, meeting)
    assert error.value.code == code


@given(
    eligible=st.integers(1, 2000),
    present_share=st.floats(0, 1),
    for_share=st.floats(0, 1),
    body=st.sampled_from([MeetingBody.REPRESENTATIVES, MeetingBody.PARTY_MEMBERS]),
)
def test_a_meeting_passes_exactly_when_two_thirds_attend_and_more_than_half_approve(
    eligible: int, present_share: float, for_share: float, body: str
) -> None:
    present = round(eligible * present_share)
    votes_for = round(present * for_share)
    passed, why = lists.meeting_outcome(body, _meeting(eligible, present, votes_for))
    assert passed == (3 * present >= 2 * eligible and 2 * votes_for > present)
    assert (why == "") == passed
    # the minimum the message names is the smallest count that passes
    assert Threshold(2, 3, False).met(Threshold(2, 3, False).minimum(eligible), eligible)
    assert not Threshold(2, 3, False).met(Threshold(2, 3, False).minimum(eligible) - 1, eligible)
    assert Threshold(1, 2, True).met(Threshold(1, 2, True).minimum(present), present)
    assert not Threshold(1, 2, True).met(Threshold(1, 2, True).minimum(present) - 1, present)


def test_the_thresholds_come_from_settings(settings: Any) -> None:
    settings.CUNWU_QUORUM = {MeetingBody.REPRESENTATIVES: {"quorum": (3, 4, False)}}
    assert not lists.meeting_outcome(MeetingBody.REPRESENTATIVES, _meeting(40, 29, 20))[0]
    assert lists.meeting_outcome(MeetingBody.REPRESENTATIVES, _meeting(40, 30, 20))[0]


# ---------------------------------------------------------------- 四议两公开


def _decision(cadre: User, village: Region) -> Decision:
    return lists.decision_create(
        actor=cadre, village=village, title="村部闲置厂房出租",
        description="将村部闲置厂房出租给种植合作社，租期5年。",
        proposed_on=timezone.localdate() - timedelta(days=10),
    )  # fmt: skip


def _pass_meetings(cadre: User, decision: Decision) -> None:
    day = timezone.localdate() - timedelta(days=5)
    for body, numbers in (
        (MeetingBody.TWO_COMMITTEES, (9, 8, 7)),
        (MeetingBody.PARTY_MEMBERS, (45, 31, 25)),
        (MeetingBody.REPRESENTATIVES, (30, 21, 18)),
    ):
        record = lists.decision_record_meeting(
            actor=cadre, decision=decision, body=body, meeting=Meeting(day, *numbers),
        )  # fmt: skip
        assert record.passed, record.failure


def test_a_failed_meeting_is_recorded_and_the_decision_cannot_advance(
    cadre: User, jiulong: Region
) -> None:
    decision = _decision(cadre, jiulong)
    day = timezone.localdate()
    lists.decision_record_meeting(
        actor=cadre, decision=decision, body=MeetingBody.TWO_COMMITTEES,
        meeting=Meeting(day, 9, 8, 7),
    )  # fmt: skip
    record = lists.decision_record_meeting(
        actor=cadre, decision=decision, body=MeetingBody.PARTY_MEMBERS,
        meeting=Meeting(day, 45, 29, 29),
    )  # fmt: skip
    decision.refresh_from_db()
    assert (record.passed, decision.stage) == (False, DecisionStage.PARTY_REVIEW)
    assert "三分之二以上" in record.failure
    with pytest.raises(ApplicationError) as early:
        lists.decision_publish(actor=cadre, decision=decision, text="决议")
    assert early.value.code == "decision_stage"
    with pytest.raises(ApplicationError) as wrong_body:
        lists.decision_record_meeting(actor=cadre, decision=decision,
                                      body=MeetingBody.REPRESENTATIVES,
                                      meeting=Meeting(day, 30, 21, 18))  # fmt: skip
    assert wrong_body.value.code == "decision_body"
    before = (DecisionRecord.objects.count(), business_events().count())
    with pytest.raises(ApplicationError):
        lists.decision_record_meeting(actor=cadre, decision=decision,
                                      body=MeetingBody.PARTY_MEMBERS,
                                      meeting=Meeting(day, 45, 46, 30))  # fmt: skip
    with pytest.raises(ApplicationError):
        lists.decision_record_meeting(
            actor=cadre, decision=decision, body=MeetingBody.PARTY_MEMBERS,
            meeting=Meeting(day + timedelta(days=1), 45, 40, 30),
        )  # fmt: skip
    assert (DecisionRecord.objects.count(), business_events().count()) == before
    # held again with enough members, it passes
    lists.decision_record_meeting(actor=cadre, decision=decision, body=MeetingBody.PARTY_MEMBERS,
                                  meeting=Meeting(day, 45, 30, 16))  # fmt: skip
    decision.refresh_from_db()
    assert decision.stage == DecisionStage.RESOLUTION


def test_both_disclosures_go_out_as_notices_and_their_end_moves_the_decision_on(
    cadre: User, jiulong: Region
) -> None:
    decision = _decision(cadre, jiulong)
    _pass_meetings(cadre, decision)
    decision.refresh_from_db()
    assert decision.stage == DecisionStage.RESOLUTION_NOTICE
    notice = lists.decision_publish(actor=cadre, decision=decision, text="同意出租，租期5年。")
    assert (notice.category, notice.status, notice.period_days) == ("village", "published", 5)
    assert (notice.subject_type, notice.subject_id) == ("disclosure.decision", str(decision.pk))
    assert notice.title == "村部闲置厂房出租决议公开"
    assert "村民代表会议：应到30人，实到21人；赞成18票" in notice.body
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.NOTICE
    with pytest.raises(ApplicationError):
        lists.decision_publish(actor=cadre, decision=decision, text="再发一次")
    assert notice.period_end is not None
    services.notices_close_due(today=notice.period_end + timedelta(days=1))
    decision.refresh_from_db()
    assert (decision.stage, decision.status) == (DecisionStage.RESULT_NOTICE, DecisionStatus.OPEN)
    result = lists.decision_publish(actor=cadre, decision=decision, text="合同已签订，租金已入账。")
    assert result.title == "村部闲置厂房出租实施结果公开"
    assert result.period_end is not None
    services.notices_close_due(today=result.period_end + timedelta(days=1))
    decision.refresh_from_db()
    assert (decision.stage, decision.status) == (DecisionStage.DONE, DecisionStatus.DONE)
    assert list(decision.records.filter(notice__isnull=False).values_list("stage", "passed")) == [
        (5, True),
        (6, True),
    ]
    # the close and the decision's step are in the same chain, once each
    assert AuditEvent.objects.filter(action="disclosure.decision_notice_closed").count() == 2


def test_an_objection_upheld_sends_the_decision_back_to_the_two_committees(
    cadre: User, jiulong: Region, persona: Callable[[str], User]
) -> None:
    decision = _decision(cadre, jiulong)
    _pass_meetings(cadre, decision)
    notice = lists.decision_publish(actor=cadre, decision=decision, text="同意出租。")
    objection = services.objection_submit(notice=notice, phone="13700001111",
                                          text="租金低于周边水平")  # fmt: skip
    assert notice.period_end is not None
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(timezone, "localdate", lambda *a: notice.period_end + timedelta(days=1))
        services.objection_handle(actor=persona("九龙村监委会委员"), objection=objection,
                                  upheld=True, outcome="经核实租金偏低，应重新议定")  # fmt: skip
    decision.refresh_from_db()
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.RETURNED
    assert (decision.stage, decision.status) == (DecisionStage.CONSULTATION, DecisionStatus.OPEN)
    assert "异议成立" in decision.returned_note
    assert "经核实租金偏低，应重新议定" in decision.returned_note
    # closing again changes nothing
    lists.decision_notice_closed(notice=notice, outcome="passed")
    decision.refresh_from_db()
    assert decision.stage == DecisionStage.CONSULTATION


def test_only_the_village_cadres_decide(
    cadre: User, jiulong: Region, persona: Callable[[str], User]
) -> None:
    for name in ("开云镇干部", "九龙村村民", "另一村的村干部", "九龙村监委会委员"):
        with pytest.raises(PermissionDenied):
            _decision(persona(name), jiulong)
    decision = _decision(cadre, jiulong)
    with pytest.raises(PermissionDenied):
        lists.decision_record_meeting(
            actor=persona("八里村村干部"), decision=decision, body=MeetingBody.TWO_COMMITTEES,
            meeting=Meeting(timezone.localdate(), 9, 8, 7),
        )  # fmt: skip
    with pytest.raises(ApplicationError) as future:
        lists.decision_create(actor=cadre, village=jiulong, title="x", description="y",
                              proposed_on=timezone.localdate() + timedelta(days=1))  # fmt: skip
    assert future.value.code == "held_on_future"
    assert Decision.objects.count() == 1
    assert Notice.objects.count() == 0
    assert Case.objects.count() == 0
