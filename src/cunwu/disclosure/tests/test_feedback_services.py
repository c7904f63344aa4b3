"""Feedback (意见投诉) through its services: deadlines in working days, routing of complaints
about a named cadre, replies, resolution, rating by the submitter only, escalation once."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from cunwu.accounts.models import Role, User
from cunwu.core.crypto import decrypt_text
from cunwu.core.errors import ApplicationError
from cunwu.core.models import AuditEvent, Region
from cunwu.core.services.audit import audit_verify
from cunwu.disclosure import selectors_feedback as selectors
from cunwu.disclosure import services_feedback as services
from cunwu.disclosure.models import Feedback, FeedbackKind, FeedbackReply, FeedbackStatus
from cunwu.testing import JIULONG, business_events, make_user

SUBMITTED = date(2026, 9, 30)  # the Wednesday before the National Day holiday


@pytest.fixture
def cadre(persona: Callable[[str], User]) -> User:
    return persona("九龙村村干部")


@pytest.fixture
def other_cadre(regions: dict[str, Region]) -> User:
    return make_user("九龙村另一村干部", Role.VILLAGE_STAFF, JIULONG)


def _submit(village: Region, **kw: Any) -> Feedback:
    kw.setdefault("kind", FeedbackKind.SUGGESTION)
    kw.setdefault("text", "村口路灯坏了三盏，晚上看不清路。")
    kw.setdefault("today", SUBMITTED)
    return services.feedback_submit(village=village, **kw)


def test_deadlines_count_working_days_across_the_national_day_holiday(jiulong: Region) -> None:
    feedback = _submit(jiulong)
    # 10月1日–7日 放假; 10月8日, 9日 and the make-up Saturday 10月10日 are working days 1–3
    assert feedback.reply_due == date(2026, 10, 10)
    # …12日–16日 (8), 19日–23日 (13), 26日 (14), 27日 (15)
    assert feedback.resolve_due == date(2026, 10, 27)
    assert feedback.due_warning == ""
    assert feedback.status == FeedbackStatus.PENDING


def test_deadlines_follow_the_setting(jiulong: Region, settings: Any) -> None:
    settings.CUNWU_FEEDBACK_DAYS = {"reply": 1, "resolve": 5}
    feedback = _submit(jiulong)
    assert (feedback.reply_due, feedback.resolve_due) == (date(2026, 10, 8), date(2026, 10, 13))


def test_deadlines_in_an_unknown_year_carry_a_warning(jiulong: Region) -> None:
    feedback = _submit(jiulong, today=date(2031, 3, 3))
    assert "2031年的法定节假日安排尚未录入" in feedback.due_warning


def test_anonymous_submission_gets_a_code_and_stores_the_phone_encrypted(jiulong: Region) -> None:
    feedback = _submit(jiulong, phone="139 1234 5678", name=" 王  大爷 ", text="电话13912345678")
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{10}", feedback.code)
    assert feedback.submitted_by is None
    assert feedback.name == "王 大爷"
    assert feedback.phone_masked == "139****5678"
    assert "13912345678" not in feedback.phone_encrypted
    assert decrypt_text(feedback.phone_encrypted, context="feedback.phone") == "13912345678"
    assert feedback.text == "电话139****5678"
    event = AuditEvent.objects.get(action="disclosure.feedback_submit")
    assert event.region_id == JIULONG
    assert event.actor is None
    assert event.payload["anonymous"] is True


def test_a_logged_in_villager_may_still_submit_anonymously(
    jiulong: Region, persona: Callable[[str], User]
) -> None:
    villager = persona("九龙村村民")
    own = _submit(jiulong, user=villager)
    hidden = _submit(jiulong, user=villager, anonymous=True)
    assert own.submitted_by == villager
    assert hidden.submitted_by is None


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"text": "   "}, "text"),
        ({"text": "长" * 2001}, "text"),
        ({"kind": "praise"}, "kind"),
        ({"phone": "12345"}, "phone"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    jiulong: Region, kw: dict[str, Any], field: str
) -> None:
    with pytest.raises(ApplicationError) as caught:
        _submit(jiulong, **kw)
    assert caught.value.field == field
    assert not Feedback.objects.exists()
    assert not business_events().exists()


def test_only_a_village_takes_feedback(regions: dict[str, Region]) -> None:
    with pytest.raises(ApplicationError):
        _submit(regions["430423100000"])


def test_a_cadre_can_be_named_only_in_a_complaint_and_only_from_the_village(
    jiulong: Region, cadre: User, persona: Callable[[str], User]
) -> None:
    with pytest.raises(ApplicationError) as caught:
        _submit(jiulong, about_user=cadre)  # a suggestion
    assert caught.value.field == "about_user"
    with pytest.raises(ApplicationError):
        _submit(jiulong, kind=FeedbackKind.COMPLAINT, about_user=persona("另一村的村干部"))
    assert not Feedback.objects.exists()


def test_a_complaint_about_a_cadre_is_hidden_from_that_cadre_and_routed_past_the_staff(
    jiulong: Region, cadre: User, other_cadre: User, persona: Callable[[str], User]
) -> None:
    complaint = _submit(
        jiulong, kind=FeedbackKind.COMPLAINT, text="村干部优亲厚友。", about_user=cadre
    )
    ordinary = _submit(jiulong)
    seen = {
        name: set(selectors.feedback_visible(persona(name)).values_list("pk", flat=True))
        for name in ["九龙村村干部", "九龙村监委会委员", "开云镇干部", "开云镇纪检委员",
                     "衡山县管理员", "另一村的村干部", "九龙村村民"]
    }  # fmt: skip
    seen["九龙村另一村干部"] = set(
        selectors.feedback_visible(other_cadre).values_list("pk", flat=True)
    )
    assert seen == {
        "九龙村村干部": {ordinary.pk},
        "九龙村另一村干部": {ordinary.pk},
        "九龙村监委会委员": {ordinary.pk, complaint.pk},
        "开云镇干部": {ordinary.pk, complaint.pk},
        "开云镇纪检委员": {complaint.pk},
        "衡山县管理员": {ordinary.pk, complaint.pk},
        "另一村的村干部": set(),
        "九龙村村民": set(),
    }
    # its events are in the county's chain, which the village staff do not read
    event = AuditEvent.objects.get(action="disclosure.feedback_submit", object_id=complaint.pk)
    assert event.region_id == "430423000000"
    assert "优亲厚友" not in str(event.payload)
    # the named cadre cannot act on it either
    with pytest.raises(PermissionDenied):
        services.feedback_reply(actor=cadre, feedback=complaint, text="解释一下")
    with pytest.raises(PermissionDenied):
        services.feedback_reply(actor=other_cadre, feedback=complaint, text="解释一下")


def test_a_cadre_named_by_the_township_loses_sight_of_the_complaint(
    jiulong: Region, cadre: User, persona: Callable[[str], User]
) -> None:
    complaint = _submit(jiulong, kind=FeedbackKind.COMPLAINT, text="低保评议不公。")
    assert selectors.can_see(cadre, complaint)
    with pytest.raises(PermissionDenied):
        services.feedback_name_cadre(actor=cadre, feedback=complaint, cadre=cadre)
    services.feedback_name_cadre(actor=persona("开云镇干部"), feedback=complaint, cadre=cadre)
    complaint.refresh_from_db()
    assert not selectors.can_see(cadre, complaint)
    assert not selectors.feedback_visible(cadre).exists()
    with pytest.raises(ApplicationError):  # only once
        services.feedback_name_cadre(actor=persona("开云镇干部"), feedback=complaint, cadre=cadre)


def test_reply_resolve_and_rate_anonymously_with_the_code(jiulong: Region, cadre: User) -> None:
    feedback = _submit(jiulong)
    services.feedback_reply(actor=cadre, feedback=feedback, text="已联系电工。", internal=True)
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.PENDING  # an internal note is no reply
    services.feedback_reply(actor=cadre, feedback=feedback, text="已安排本周维修。")
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.REPLIED
    assert feedback.replied_at is not None
    assert [r.text for r in selectors.replies_of(feedback, internal=False)] == ["已安排本周维修。"]
    with pytest.raises(ApplicationError) as early:
        services.feedback_rate(feedback=feedback, code=feedback.code, score=5)
    assert early.value.code == "feedback_not_resolved"
    services.feedback_resolve(actor=cadre, feedback=feedback, resolution="三盏路灯已更换。")
    with pytest.raises(ApplicationError) as wrong:
        services.feedback_rate(feedback=feedback, code="AAAAAAAAAA", score=5)
    assert wrong.value.status == 403
    rated = services.feedback_rate(
        feedback=feedback, code=f" {feedback.code.lower()[:5]}-{feedback.code[5:]} ", score=4,
        comment="修得快",
    )  # fmt: skip
    assert (rated.satisfaction, rated.satisfaction_comment) == (4, "修得快")
    with pytest.raises(ApplicationError) as again:
        services.feedback_rate(feedback=feedback, code=feedback.code, score=1)
    assert again.value.code == "feedback_rated"
    assert Feedback.objects.get(pk=feedback.pk).satisfaction == 4
    actions = list(business_events().order_by("seq").values_list("action", flat=True))
    assert actions == [
        "disclosure.feedback_submit", "disclosure.feedback_note", "disclosure.feedback_reply",
        "disclosure.feedback_resolve", "disclosure.feedback_rate",
    ]  # fmt: skip
    assert audit_verify()[1] is None


def test_only_the_account_that_submitted_may_rate_its_own_feedback(
    jiulong: Region, cadre: User, persona: Callable[[str], User]
) -> None:
    villager = persona("九龙村村民")
    feedback = _submit(jiulong, user=villager)
    services.feedback_resolve(actor=cadre, feedback=feedback, resolution="已处理。")
    for who in (None, cadre):
        with pytest.raises(ApplicationError) as caught:
            services.feedback_rate(feedback=feedback, code=feedback.code, user=who, score=5)
        assert caught.value.code == "feedback_rate_owner"
    services.feedback_rate(feedback=feedback, code=feedback.code, user=villager, score=5)
    assert Feedback.objects.get(pk=feedback.pk).satisfaction == 5


@pytest.mark.parametrize("score", [0, 6, -1])
def test_a_score_outside_one_to_five_is_refused(jiulong: Region, cadre: User, score: int) -> None:
    feedback = _submit(jiulong)
    services.feedback_resolve(actor=cadre, feedback=feedback, resolution="已处理。")
    with pytest.raises(ApplicationError):
        services.feedback_rate(feedback=feedback, code=feedback.code, score=score)
    assert Feedback.objects.get(pk=feedback.pk).satisfaction is None


def test_a_closed_feedback_takes_no_more_replies(jiulong: Region, cadre: User) -> None:
    feedback = _submit(jiulong)
    with pytest.raises(ApplicationError):
        services.feedback_close(actor=cadre, feedback=feedback, reason="  ")
    services.feedback_close(actor=cadre, feedback=feedback, reason="与第12号重复")
    with pytest.raises(ApplicationError) as caught:
        services.feedback_reply(actor=cadre, feedback=feedback, text="补充")
    assert caught.value.status == 409
    assert not FeedbackReply.objects.exists()


def test_villagers_and_other_villages_cannot_handle(
    jiulong: Region, persona: Callable[[str], User]
) -> None:
    feedback = _submit(jiulong)
    for name in ["九龙村村民", "另一村的村干部", "衡山县部门用户"]:
        with pytest.raises(PermissionDenied):
            services.feedback_resolve(actor=persona(name), feedback=feedback, resolution="好")
    assert Feedback.objects.get(pk=feedback.pk).status == FeedbackStatus.PENDING


def test_escalation_flags_overdue_feedback_once(
    jiulong: Region, cadre: User, persona: Callable[[str], User]
) -> None:
    late_reply = _submit(jiulong)  # reply due 10月10日, resolve due 10月27日
    replied = _submit(jiulong)
    services.feedback_reply(actor=cadre, feedback=replied, text="收到")
    done = _submit(jiulong)
    services.feedback_resolve(actor=cadre, feedback=done, resolution="已办")
    inspector = persona("开云镇纪检委员")
    assert services.feedback_escalate_due(today=date(2026, 10, 10)) == 0  # due day is in time
    assert services.feedback_escalate_due(today=date(2026, 10, 12)) == 1
    assert set(selectors.feedback_visible(inspector)) == {late_reply}
    assert services.feedback_escalate_due(today=date(2026, 10, 12)) == 0  # safe to run twice
    call_command("feedback", "escalate", "--today", "2026-10-28")  # resolution overdue now
    assert set(selectors.feedback_visible(inspector)) == {late_reply, replied}
    call_command("feedback", "escalate", "--today", "2026-10-28")
    events = AuditEvent.objects.filter(action="disclosure.feedback_escalate")
    assert sorted(int(e.object_id) for e in events) == sorted([late_reply.pk, replied.pk])
    assert audit_verify()[1] is None


CODE_CHARS = st.sampled_from(services.CODE_ALPHABET)


@given(
    code=st.text(CODE_CHARS, min_size=10, max_size=10),
    lower=st.lists(st.booleans(), min_size=10, max_size=10),
    sep=st.sampled_from(["", " ", "-", "\u3000"]),
)
def test_a_code_read_out_in_any_case_with_separators_normalises_back(
    code: str, lower: list[bool], sep: str
) -> None:
    typed = "".join(c.lower() if low else c for c, low in zip(code, lower, strict=True))
    typed = sep.join([typed[:3], typed[3:6], typed[6:]])
    assert selectors.normalize_code(f" {typed} ") == code


def test_codes_are_distinct_and_readable_over_the_phone() -> None:
    codes = {services.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(re.fullmatch(r"[A-HJ-NP-Z2-9]{10}", c) for c in codes)
