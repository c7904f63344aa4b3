"""The supervision committee (村务监督委员会): members (3–5, the chair not the Party secretary),
meetings, inspections and the problem ledger through its life, with pages and export."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.core.services.audit import audit_verify
from cunwu.disclosure import selectors_feedback as selectors
from cunwu.disclosure import services_feedback as services
from cunwu.disclosure.models import (
    CommitteeMember,
    CommitteePosition,
    Feedback,
    FeedbackKind,
    Problem,
    ProblemStatus,
)
from cunwu.testing import JIULONG, business_events

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
TERM = date(2026, 1, 1)


@pytest.fixture
def township(persona: Callable[[str], User]) -> User:
    return persona("开云镇干部")


@pytest.fixture
def committee(persona: Callable[[str], User]) -> User:
    return persona("九龙村监委会委员")


def _member(actor: User, village: Region, name: str, **kw: object) -> CommitteeMember:
    kw.setdefault("position", CommitteePosition.MEMBER)
    return services.committee_member_add(
        actor=actor,
        village=village,
        name=name,
        term_start=TERM,
        **kw,  # type: ignore[arg-type]
    )


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_party_secretary_may_not_chair_the_committee(jiulong: Region, township: User) -> None:
    with pytest.raises(ApplicationError) as caught:
        _member(township, jiulong, "李书记", position=CommitteePosition.CHAIR,
                is_party_secretary=True)  # fmt: skip
    assert caught.value.message == "村党组织书记不宜兼任村务监督委员会主任，请另选主任"
    assert not CommitteeMember.objects.exists()
    assert not business_events().exists()
    _member(township, jiulong, "李书记", is_party_secretary=True)  # as a member it is allowed
    _member(township, jiulong, "王主任", position=CommitteePosition.CHAIR)
    with pytest.raises(ApplicationError) as second:
        _member(township, jiulong, "赵某", position=CommitteePosition.CHAIR)
    assert "已有主任王主任" in second.value.message


def test_the_committee_has_at_most_five_serving_members(jiulong: Region, township: User) -> None:
    members = [_member(township, jiulong, f"委员{i}") for i in range(5)]
    with pytest.raises(ApplicationError) as caught:
        _member(township, jiulong, "委员6")
    assert caught.value.code == "committee_full"
    services.committee_member_end(actor=township, member=members[0], term_end=TERM)
    assert selectors.members_of(jiulong, today=TERM + timedelta(days=1)).count() == 4
    assert selectors.committee_warnings(jiulong) == ["尚未登记主任"]


def test_warnings_when_the_committee_is_short(jiulong: Region, township: User) -> None:
    _member(township, jiulong, "王主任", position=CommitteePosition.CHAIR)
    assert selectors.committee_warnings(jiulong) == ["在任成员1人，少于3人"]


def test_only_the_township_records_members_and_only_the_committee_meetings(
    jiulong: Region, committee: User, township: User, persona: Callable[[str], User]
) -> None:
    for user in (committee, persona("九龙村村干部"), persona("另一村的村干部")):
        with pytest.raises(PermissionDenied):
            _member(user, jiulong, "张三")
    member = _member(township, jiulong, "张三")
    with pytest.raises(PermissionDenied):
        services.meeting_record(
            actor=township, village=jiulong, date=TERM, title="例会", minutes="讨论",
            attendees=[member],
        )  # fmt: skip


def test_a_meeting_records_attendees_minutes_and_checked_attachments(
    jiulong: Region, committee: User, township: User
) -> None:
    chair = _member(township, jiulong, "王主任", position=CommitteePosition.CHAIR)
    other = _member(township, jiulong, "刘委员")
    with pytest.raises(ApplicationError) as bad:
        services.meeting_record(
            actor=committee, village=jiulong, date=date(2026, 3, 2), title="季度例会",
            minutes="审核一季度财务", attendees=[chair], files=[("a.exe", b"MZ\x90\x00")],
        )  # fmt: skip
    assert bad.value.field == "attachment"
    assert not jiulong.committee_meetings.exists()
    meeting = services.meeting_record(
        actor=committee, village=jiulong, date=date(2026, 3, 2), title="季度例会",
        minutes="审核一季度财务", attendees=[chair, other], files=[("纪要.png", PNG)],
    )  # fmt: skip
    assert sorted(m.name for m in meeting.attendees.all()) == ["刘委员", "王主任"]
    assert meeting.attachments.get().content_type == "image/png"
    with pytest.raises(ApplicationError):
        services.meeting_record(
            actor=committee, village=jiulong, date=timezone.localdate() + timedelta(days=1),
            title="未来", minutes="x", attendees=[chair],
        )  # fmt: skip


def test_inspection_findings_fill_the_ledger_and_a_problem_lives_until_closed(
    jiulong: Region, committee: User, persona: Callable[[str], User]
) -> None:
    due = timezone.localdate() + timedelta(days=30)
    inspection = services.inspection_record(
        actor=committee, village=jiulong, date=timezone.localdate(), subject="finance",
        findings="抽查三月凭证。",
        problems=[services.Finding("两张报销单缺经手人签字", "村会计", due),
                  services.Finding("现金日记账未日清月结", "村会计", due)],
    )  # fmt: skip
    problems = list(selectors.problems_of("disclosure.inspection", inspection.pk))
    assert [p.status for p in problems] == [ProblemStatus.OPEN] * 2
    problem = problems[0]
    cadre = persona("九龙村村干部")
    with pytest.raises(PermissionDenied):  # those who put it right do not close it
        services.problem_close(actor=cadre, problem=problem, evidence="已补签")
    services.problem_start(actor=cadre, problem=problem, progress="已找经手人补签")
    with pytest.raises(ApplicationError):
        services.problem_close(actor=committee, problem=problem, evidence="  ")
    closed = services.problem_close(actor=committee, problem=problem, evidence="核对凭证已补签")
    assert (closed.status, closed.closed_by) == (ProblemStatus.CLOSED, committee)
    with pytest.raises(ApplicationError) as again:
        services.problem_start(actor=cadre, problem=problem, progress="再改")
    assert again.value.status == 409
    actions = list(
        business_events().filter(object_id=str(problem.pk), object_type="disclosure.problem")
        .order_by("seq").values_list("action", flat=True)
    )  # fmt: skip
    assert actions == [
        "disclosure.problem_create", "disclosure.problem_progress", "disclosure.problem_close"
    ]  # fmt: skip
    assert audit_verify()[1] is None


def test_a_problem_from_a_complaint_about_a_cadre_is_refused(
    jiulong: Region, committee: User, persona: Callable[[str], User]
) -> None:
    cadre = persona("九龙村村干部")
    complaint = services.feedback_submit(
        village=jiulong, kind=FeedbackKind.COMPLAINT, text="优亲厚友", about_user=cadre
    )
    due = timezone.localdate() + timedelta(days=10)
    with pytest.raises(ApplicationError) as caught:
        services.problem_from_feedback(
            actor=committee, feedback=complaint, description="x", responsible="y", due_date=due
        )
    assert caught.value.code == "problem_sensitive"
    ordinary = services.feedback_submit(village=jiulong, kind=FeedbackKind.SUGGESTION, text="路灯")
    problem = services.problem_from_feedback(
        actor=committee, feedback=ordinary, description="路灯未修", responsible="村委会",
        due_date=due,
    )  # fmt: skip
    assert (problem.source_type, problem.source_id) == ("disclosure.feedback", str(ordinary.pk))
    assert Feedback.objects.count() == 2


def test_committee_pages_and_the_ledger_export(
    jiulong: Region, committee: User, township: User, persona: Callable[[str], User]
) -> None:
    chair = _member(township, jiulong, "王主任", position=CommitteePosition.CHAIR)
    page = _client(committee).get("/disclosure/committee/", follow=True).content.decode()
    assert "王主任" in page and "在任成员1人，少于3人" in page
    response = _client(committee).post(
        f"/disclosure/committee/{JIULONG}/meetings/new/",
        {"date": "2026-03-02", "title": "季度例会", "attendees": [str(chair.pk)],
         "minutes": "审核财务", "file": SimpleUploadedFile("纪要.png", PNG)},
    )  # fmt: skip
    assert response.status_code == 302
    due = (timezone.localdate() + timedelta(days=20)).isoformat()
    response = _client(committee).post(
        f"/disclosure/committee/{JIULONG}/inspections/new/",
        {"date": timezone.localdate().isoformat(), "subject": "project",
         "findings": "村道工程验收", "problems": "=HYPERLINK(\"x\")\n路面开裂",
         "responsible": "施工方", "due_date": due},
    )  # fmt: skip
    assert response.status_code == 302
    assert Problem.objects.count() == 2
    ledger = _client(township).get("/disclosure/problems/", {"format": "csv"})
    rows = list(csv.reader(io.StringIO(ledger.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["编号", "村", "来源", "问题描述"]
    assert sorted(r[3] for r in rows[1:]) == ['\'=HYPERLINK("x")', "路面开裂"]  # no formula
    assert (
        _client(persona("另一村的村干部"))
        .get(
            f"/disclosure/problems/{Problem.objects.first().pk}/"  # type: ignore[union-attr]
        )
        .status_code
        == 404
    )
    assert (
        _client(persona("另一村的村干部")).get(f"/disclosure/committee/{JIULONG}/").status_code
        == 404
    )
    # a member without the right may not add members
    assert (
        _client(committee).get(f"/disclosure/committee/{JIULONG}/members/new/").status_code == 403
    )
