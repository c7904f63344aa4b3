"""Writes of feedback (意见建议、投诉) and of the supervision committee (村务监督委员会).

Feedback: submitted on the public page (logged in or anonymous) with a tracking code; replied
to, resolved or closed by those who may see it; rated by its submitter once resolved; escalated
to the township's discipline inspection when a deadline passes (``cunwu feedback escalate``).

A complaint naming a cadre is recorded in the county's audit chain, not the village's, so that
the village staff (who read their village's chain) do not learn of it there either.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cunwu.accounts.models import Role, RoleAssignment
from cunwu.accounts.permissions import PERMISSIONS, require
from cunwu.core import workdays
from cunwu.core.crypto import encrypt_text
from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import mask_phone, normalize_phone
from cunwu.core.models import Region, RegionLevel, code_prefix
from cunwu.core.services.audit import audit_append

from . import content
from .models_feedback import (
    OPEN_FEEDBACK,
    SYSTEM_ROLE,
    CommitteeMeeting,
    CommitteeMember,
    CommitteePosition,
    Feedback,
    FeedbackKind,
    FeedbackReply,
    FeedbackStatus,
    Inspection,
    InspectionSubject,
    MeetingAttachment,
    Problem,
    ProblemCategory,
    ProblemNote,
    ProblemStatus,
)
from .selectors_feedback import (
    COMMITTEE_MAX,
    can_see,
    members_of,
    normalize_code,
    overdue_q,
    village_cadres,
)

MAX_TEXT = 2_000
MAX_COMMENT = 500
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone
CODE_LENGTH = 10
# working days to the first reply and to the resolution; settings.CUNWU_FEEDBACK_DAYS overrides
DEFAULT_DAYS: dict[str, int] = {"reply": 3, "resolve": 15}


def feedback_days() -> tuple[int, int]:
    """(reply, resolve) in working days, from ``settings.CUNWU_FEEDBACK_DAYS`` or the defaults."""
    days = {**DEFAULT_DAYS, **getattr(settings, "CUNWU_FEEDBACK_DAYS", {})}
    reply, resolve = int(days["reply"]), int(days["resolve"])
    if not 1 <= reply <= resolve:
        raise ValueError("CUNWU_FEEDBACK_DAYS: need 1 ≤ reply ≤ resolve")
    return reply, resolve


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _clean_text(text: str, *, field: str, label: str, limit: int = MAX_TEXT) -> str:
    text = text.strip()
    if not text:
        raise ApplicationError(f"{field}_empty", f"请填写{label}", field=field)
    if len(text) > limit or "\x00" in text:
        raise ApplicationError(f"{field}_long", f"{label}不能超过{limit}字", field=field)
    return content.mask_numbers(text)


def _audit_region(feedback: Feedback) -> Region:
    """Where a feedback's events are chained: its village, or (when it names a cadre) the
    township, whose events chain per county, out of the village staff's sight."""
    if feedback.about_user_id is None:
        return feedback.village
    return Region.objects.get(code=feedback.village_id[:9] + "000")


def _audit(actor: Any, feedback: Feedback, action: str, **payload: Any) -> None:
    audit_append(
        actor=actor, region=_audit_region(feedback), action=f"disclosure.feedback_{action}",
        obj=feedback, payload={"code": feedback.code, **payload},
    )  # fmt: skip


def _locked(feedback: Feedback, *statuses: str) -> Feedback:
    locked = Feedback.objects.select_for_update().get(pk=feedback.pk)
    if locked.status not in statuses:
        raise ApplicationError(
            "feedback_state",
            f"该事项当前状态为“{locked.get_status_display()}”，不能执行此操作",
            status=409,
        )
    return locked


def _handler(actor: Any, feedback: Feedback) -> None:
    """Those who may see a feedback and hold the handling permission there."""
    require(actor, "disclosure.feedback_handle", feedback.village)
    if not can_see(actor, feedback):
        raise PermissionDenied("没有权限执行此操作")


# ---------------------------------------------------------------- feedback


@transaction.atomic
def feedback_submit(
    *,
    village: Region,
    kind: str,
    text: str,
    user: Any = None,
    anonymous: bool = False,
    name: str = "",
    phone: str = "",
    about_user: Any = None,
    today: date | None = None,
) -> Feedback:
    """A villager's question, suggestion or complaint to the village; returns it with its
    tracking code. Deadlines count working days from today (the day itself does not count).
    A complaint may name one of the village's cadres: it is then hidden from that cadre and
    goes to the supervision committee and the township instead of the village staff."""
    if village.level != RegionLevel.VILLAGE or village.retired:
        raise ApplicationError("feedback_village", "请选择所在的村", field="region")
    if kind not in FeedbackKind.values:
        raise ApplicationError("feedback_kind", "请选择类型：咨询、建议或投诉", field="kind")
    text = _clean_text(text, field="text", label="内容")
    if about_user is not None:
        if kind != FeedbackKind.COMPLAINT:
            raise ApplicationError(
                "feedback_about_kind", "只有投诉可以指明涉及的村干部", field="about_user"
            )
        if not village_cadres(village).filter(pk=about_user.pk).exists():
            raise ApplicationError(
                "feedback_about_user", "所选人员不是本村干部", field="about_user"
            )
    logged_in = user is not None and getattr(user, "is_authenticated", False)
    own = logged_in and not anonymous
    clean_phone = normalize_phone(phone) if phone.strip() else ""  # field="phone" on error
    today = today or timezone.localdate()
    reply_days, resolve_days = feedback_days()
    reply_due = workdays.period(today, reply_days, "working")
    resolve_due = workdays.period(today, resolve_days, "working")
    warning = resolve_due.warning or reply_due.warning
    code = new_code()
    while Feedback.objects.filter(code=code).exists():  # pragma: no cover (32^10 codes)
        code = new_code()
    feedback = Feedback.objects.create(
        village=village,
        kind=kind,
        code=code,
        text=text,
        submitted_by=user if own else None,
        name=" ".join(name.split())[:50],
        phone_encrypted=encrypt_text(clean_phone, context="feedback.phone") if clean_phone else "",
        phone_masked=mask_phone(clean_phone) if clean_phone else "",
        about_user=about_user,
        reply_due=reply_due.end,
        resolve_due=resolve_due.end,
        due_warning=warning.message if warning else "",
    )
    _audit(
        user if own else None, feedback, "submit", kind=kind, anonymous=not own,
        reply_due=feedback.reply_due.isoformat(), resolve_due=feedback.resolve_due.isoformat(),
    )  # fmt: skip
    return feedback


@transaction.atomic
def feedback_reply(
    *, actor: Any, feedback: Feedback, text: str, internal: bool = False
) -> FeedbackReply:
    """A reply the submitter sees (the first one marks the feedback 已回复), or an internal
    note for the staff only (at any time, never shown publicly)."""
    _handler(actor, feedback)
    text = _clean_text(text, field="text", label="答复内容")
    if internal:
        feedback = Feedback.objects.select_for_update().get(pk=feedback.pk)
    else:
        feedback = _locked(feedback, *OPEN_FEEDBACK)
    reply = FeedbackReply.objects.create(
        feedback=feedback, author=actor, text=text, internal=internal
    )
    if not internal and feedback.status == FeedbackStatus.PENDING:
        feedback.status = FeedbackStatus.REPLIED
        feedback.replied_at = timezone.now()
        feedback.save(update_fields=["status", "replied_at"])
    _audit(actor, feedback, "note" if internal else "reply", reply=reply.pk)
    return reply


@transaction.atomic
def feedback_resolve(*, actor: Any, feedback: Feedback, resolution: str) -> Feedback:
    """办结: the outcome the submitter sees and may then rate."""
    _handler(actor, feedback)
    resolution = _clean_text(resolution, field="resolution", label="办理结果")
    feedback = _locked(feedback, *OPEN_FEEDBACK)
    now = timezone.now()
    feedback.status = FeedbackStatus.RESOLVED
    feedback.resolution = resolution
    feedback.resolved_by = actor
    feedback.resolved_at = now
    feedback.replied_at = feedback.replied_at or now
    feedback.save()
    _audit(actor, feedback, "resolve")
    return feedback


@transaction.atomic
def feedback_close(*, actor: Any, feedback: Feedback, reason: str) -> Feedback:
    """Close without (further) handling: a duplicate, not a village matter, or a resolved one
    the submitter no longer follows. The reason is shown to the submitter."""
    _handler(actor, feedback)
    reason = " ".join(reason.split())[:200]
    if not reason:
        raise ApplicationError("close_reason", "请写明关闭理由", field="reason")
    feedback = _locked(feedback, *OPEN_FEEDBACK, FeedbackStatus.RESOLVED)
    feedback.status = FeedbackStatus.CLOSED
    feedback.close_reason = reason
    feedback.closed_at = timezone.now()
    feedback.save()
    _audit(actor, feedback, "close", reason=reason)
    return feedback


@transaction.atomic
def feedback_name_cadre(*, actor: Any, feedback: Feedback, cadre: Any) -> Feedback:
    """The township names the cadre a complaint is about (the submitter did not): from now on
    that cadre does not see it and the village staff no longer handle it."""
    require(actor, "disclosure.feedback_assign", feedback.village)
    if not can_see(actor, feedback):
        raise ApplicationError("feedback_not_found", "该事项不存在", status=404)
    feedback = Feedback.objects.select_for_update().get(pk=feedback.pk)
    if feedback.kind != FeedbackKind.COMPLAINT:
        raise ApplicationError(
            "feedback_about_kind", "只有投诉可以指明涉及的村干部", field="about_user"
        )
    if feedback.about_user_id is not None:
        raise ApplicationError("feedback_about_set", "已指明涉及的村干部", status=409)
    if not village_cadres(feedback.village).filter(pk=cadre.pk).exists():
        raise ApplicationError("feedback_about_user", "所选人员不是本村干部", field="about_user")
    feedback.about_user = cadre
    feedback.save(update_fields=["about_user"])
    _audit(actor, feedback, "name_cadre")
    return feedback


@transaction.atomic
def feedback_rate(
    *, feedback: Feedback, code: str, user: Any = None, score: int, comment: str = ""
) -> Feedback:
    """满意度评价, once, after resolution, by the submitter only: the account that submitted
    it, or (for an anonymous one) whoever holds its tracking code."""
    if not hmac.compare_digest(normalize_code(code), feedback.code):
        raise ApplicationError("feedback_code", "查询码不正确", status=403)
    if feedback.submitted_by_id is not None and (
        not getattr(user, "is_authenticated", False) or user.pk != feedback.submitted_by_id
    ):
        raise ApplicationError("feedback_rate_owner", "请登录提交该事项的账号后评价", status=403)
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ApplicationError("feedback_score", "请选择1到5分", field="score")
    comment = " ".join(comment.split())[:MAX_COMMENT]
    updated = Feedback.objects.filter(
        pk=feedback.pk, satisfaction__isnull=True, resolved_at__isnull=False
    ).update(satisfaction=score, satisfaction_comment=content.mask_numbers(comment),
             rated_at=timezone.now())  # fmt: skip
    if not updated:
        feedback.refresh_from_db()
        if feedback.satisfaction is not None:
            raise ApplicationError("feedback_rated", "已评价过，不能重复评价", status=409)
        raise ApplicationError("feedback_not_resolved", "办结后才能评价", status=409)
    feedback.refresh_from_db()
    _audit(user if feedback.submitted_by_id else None, feedback, "rate", score=score)
    return feedback


def feedback_escalate_due(*, today: date | None = None) -> int:
    """Flag every open feedback past a deadline as escalated (the township's discipline
    inspection sees it from then on); safe to run twice or from two machines at once (each is
    claimed with a conditional update). Returns how many were escalated now."""
    today = today or timezone.localdate()
    due = Feedback.objects.filter(overdue_q(today), escalated_at__isnull=True).values_list(
        "pk", flat=True
    )
    escalated = 0
    for pk in list(due):
        with transaction.atomic():
            if not Feedback.objects.filter(pk=pk, escalated_at__isnull=True).update(
                escalated_at=timezone.now()
            ):
                continue
            feedback = Feedback.objects.select_related("village").get(pk=pk)
            _audit(
                None, feedback, "escalate", status=feedback.status,
                reply_due=feedback.reply_due.isoformat(),
                resolve_due=feedback.resolve_due.isoformat(),
            )  # fmt: skip
            escalated += 1
    return escalated


# ---------------------------------------------------------------- the committee


def _village(region: Region) -> Region:
    if region.level != RegionLevel.VILLAGE:
        raise ApplicationError("committee_village", "请选择村", field="village")
    return region


def _not_future(day: date, field: str, label: str) -> date:
    if day > timezone.localdate():
        raise ApplicationError(f"{field}_future", f"{label}不能晚于今天", field=field)
    return day


@transaction.atomic
def committee_member_add(
    *,
    actor: Any,
    village: Region,
    name: str,
    position: str,
    term_start: date,
    term_end: date | None = None,
    user: Any = None,
    is_party_secretary: bool = False,
) -> CommitteeMember:
    """A member of the village's supervision committee: at most five serving at once, one chair,
    and the village Party secretary does not chair it (2017 guidance)."""
    require(actor, "disclosure.committee_members", village)
    _village(village)
    Region.objects.select_for_update().get(pk=village.pk)  # one change of the committee at a time
    name = " ".join(name.split())[:50]
    if not name:
        raise ApplicationError("member_name", "请填写姓名", field="name")
    if position not in CommitteePosition.values:
        raise ApplicationError("member_position", "请选择职务", field="position")
    if term_end is not None and term_end < term_start:
        raise ApplicationError("member_term", "任期结束不能早于开始", field="term_end")
    if position == CommitteePosition.CHAIR and is_party_secretary:
        raise ApplicationError(
            "chair_party_secretary",
            "村党组织书记不宜兼任村务监督委员会主任，请另选主任",
            field="is_party_secretary",
        )
    serving = members_of(village, today=term_start)
    if serving.count() >= COMMITTEE_MAX:
        raise ApplicationError(
            "committee_full", f"村务监督委员会成员为3至{COMMITTEE_MAX}人，已满{COMMITTEE_MAX}人",
            field="name",
        )  # fmt: skip
    chair = serving.filter(position=CommitteePosition.CHAIR).first()
    if position == CommitteePosition.CHAIR and chair is not None:
        raise ApplicationError(
            "committee_chair", f"已有主任{chair.name}，请先结束其任期", field="position"
        )
    member = CommitteeMember.objects.create(
        village=village, user=user, name=name, position=position, term_start=term_start,
        term_end=term_end, is_party_secretary=is_party_secretary, created_by=actor,
    )  # fmt: skip
    audit_append(
        actor=actor, region=village, action="disclosure.committee_member_add", obj=member,
        payload={"name": name, "position": position, "term_start": term_start.isoformat(),
                 "party_secretary": is_party_secretary},
    )  # fmt: skip
    return member


@transaction.atomic
def committee_member_end(*, actor: Any, member: CommitteeMember, term_end: date) -> CommitteeMember:
    """End a member's term (a resignation, the end of the term): the record stays."""
    require(actor, "disclosure.committee_members", member.village)
    member = CommitteeMember.objects.select_for_update().get(pk=member.pk)
    if member.term_end is not None and member.term_end < timezone.localdate():
        raise ApplicationError("member_ended", "该成员任期已结束", status=409)
    if term_end < member.term_start:
        raise ApplicationError("member_term", "任期结束不能早于开始", field="term_end")
    member.term_end = term_end
    member.save(update_fields=["term_end"])
    audit_append(
        actor=actor, region=member.village, action="disclosure.committee_member_end", obj=member,
        payload={"name": member.name, "term_end": term_end.isoformat()},
    )  # fmt: skip
    return member


def _attach(actor: Any, meeting: CommitteeMeeting, name: str, data: bytes) -> MeetingAttachment:
    if meeting.attachments.count() >= content.MAX_ATTACHMENTS:
        raise ApplicationError(
            "attachments_too_many", f"每次会议至多{content.MAX_ATTACHMENTS}个附件",
            field="attachment",
        )  # fmt: skip
    content_type, extension, sha256 = content.check_attachment(name, data)
    name = (name.rsplit("/", 1)[-1] or "附件")[:200]
    attachment = MeetingAttachment(
        meeting=meeting, original_name=name, content_type=content_type, size=len(data),
        sha256=sha256,
    )  # fmt: skip
    attachment.file.save(f"{sha256[:16]}{extension}", ContentFile(data), save=False)
    attachment.save()
    audit_append(
        actor=actor, region=meeting.village, action="disclosure.committee_attachment_add",
        obj=meeting, payload={"name": name, "sha256": sha256, "size": len(data)},
    )  # fmt: skip
    return attachment


@transaction.atomic
def meeting_record(
    *,
    actor: Any,
    village: Region,
    date: date,
    title: str,
    minutes: str,
    attendees: list[CommitteeMember],
    files: list[tuple[str, bytes]] | None = None,
) -> CommitteeMeeting:
    """A committee meeting with its minutes, who attended (serving members of the village)
    and the signed minutes as PDF or images."""
    require(actor, "disclosure.committee_record", village)
    _village(village)
    _not_future(date, "date", "会议日期")
    title = " ".join(title.split())[:120]
    if not title:
        raise ApplicationError("meeting_title", "请填写议题", field="title")
    minutes = _clean_text(minutes, field="minutes", label="会议纪要", limit=20_000)
    serving = set(members_of(village, today=date).values_list("pk", flat=True))
    if not attendees:
        raise ApplicationError("meeting_attendees", "请选择出席成员", field="attendees")
    if any(m.pk not in serving for m in attendees):
        raise ApplicationError(
            "meeting_attendees", "出席成员须为会议当日在任的本村监委会成员", field="attendees"
        )
    meeting = CommitteeMeeting.objects.create(
        village=village, date=date, title=title, minutes=minutes, recorded_by=actor
    )
    meeting.attendees.set(attendees)
    audit_append(
        actor=actor, region=village, action="disclosure.committee_meeting", obj=meeting,
        payload={"date": date.isoformat(), "title": title,
                 "attendees": sorted(m.name for m in attendees)},
    )  # fmt: skip
    for name, data in files or []:
        _attach(actor, meeting, name, data)
    return meeting


@transaction.atomic
def meeting_attachment_add(
    *, actor: Any, meeting: CommitteeMeeting, name: str, data: bytes
) -> MeetingAttachment:
    require(actor, "disclosure.committee_record", meeting.village)
    return _attach(actor, meeting, name, data)


@dataclass(frozen=True)
class Finding:
    """A problem to enter in the ledger: what, who puts it right, by when."""

    description: str
    responsible: str
    due_date: date


@transaction.atomic
def inspection_record(
    *,
    actor: Any,
    village: Region,
    date: date,
    subject: str,
    findings: str,
    problems: list[Finding] | None = None,
) -> Inspection:
    """An inspection by the committee (finances, a project, benefit funds …); each problem
    found becomes a row of the problem ledger, sourced to the inspection."""
    require(actor, "disclosure.committee_record", village)
    _village(village)
    _not_future(date, "date", "检查日期")
    if subject not in InspectionSubject.values:
        raise ApplicationError("inspection_subject", "请选择检查事项", field="subject")
    findings = _clean_text(findings, field="findings", label="检查情况", limit=20_000)
    inspection = Inspection.objects.create(
        village=village, date=date, subject=subject, findings=findings, recorded_by=actor
    )
    audit_append(
        actor=actor, region=village, action="disclosure.inspection_record", obj=inspection,
        payload={"date": date.isoformat(), "subject": subject, "problems": len(problems or [])},
    )  # fmt: skip
    for finding in problems or []:
        problem_create(
            actor=actor, village=village, source_type="disclosure.inspection",
            source_id=str(inspection.pk), description=finding.description,
            responsible=finding.responsible, due_date=finding.due_date,
        )  # fmt: skip
    return inspection


# ---------------------------------------------------------------- the problem ledger


# the roles that file problems, highest first: a user holding several files as the highest
RAISING_ROLES: tuple[str, ...] = (Role.TOWNSHIP_STAFF, Role.DISCIPLINE, Role.SUPERVISOR)
# who closes a problem the system filed (the daily contract checks)
SYSTEM_CLOSERS: tuple[str, ...] = (Role.TOWNSHIP_STAFF, Role.SUPERVISOR)


def roles_over(actor: Any, village: Region | str, perm: str) -> set[str]:
    """The roles ``actor`` holds over ``village`` that carry ``perm``."""
    if not getattr(actor, "is_authenticated", False):
        return set()
    code = village if isinstance(village, str) else village.code
    rows = RoleAssignment.objects.filter(user=actor, role__in=PERMISSIONS[perm]).values_list(
        "role", "region_id", "region__level"
    )
    return {role for role, region, level in rows if code.startswith(code_prefix(region, level))}


def raising_role(actor: Any, village: Region) -> str:
    """The role a problem filed by ``actor`` is raised under (``system`` for no actor)."""
    if actor is None:
        return SYSTEM_ROLE
    held = roles_over(actor, village, "disclosure.problem_record")
    for role in RAISING_ROLES:
        if role in held:
            return str(role)
    return str(Role.TOWNSHIP_STAFF) if getattr(actor, "is_superuser", False) else ""


def role_label(role: str) -> str:
    if role == SYSTEM_ROLE:
        return "系统自动检查"
    return str(dict(Role.choices).get(role, role or "—"))


def may_close(actor: Any, problem: Problem) -> bool:
    """销号 by the role that raised it: a problem raised by the township is closed by the
    township; one the system filed by the township or the committee. Problems from before
    ``raised_role`` was kept are closed by any who record problems there."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if actor.is_superuser:
        return True
    held = roles_over(actor, problem.village_id, "disclosure.problem_record")
    if not problem.raised_role:
        return bool(held)
    if problem.raised_role == SYSTEM_ROLE:
        return bool(held & set(SYSTEM_CLOSERS))
    return problem.raised_role in held


@transaction.atomic
def problem_create(
    *,
    actor: Any,
    village: Region,
    source_type: str,
    source_id: str,
    description: str,
    responsible: str,
    due_date: date,
    category: str = ProblemCategory.OTHER,
    evidence_found: str = "",
    today: date | None = None,
) -> Problem:
    """A row of the problem ledger. Other modules (三资) file their own findings here with
    their ``source_type`` (e.g. ``assets.contract``). ``actor=None`` is the system (the daily
    contract checks): it needs no permission and is recorded as ``raised_role="system"``; a
    user needs ``disclosure.problem_record`` over the village."""
    if actor is not None:
        require(actor, "disclosure.problem_record", village)
    _village(village)
    source_type = source_type.strip()[:50]
    if not source_type or not str(source_id).strip():
        raise ApplicationError("problem_source", "问题须注明来源", field="source")
    if category not in ProblemCategory.values:
        raise ApplicationError("problem_category", "请选择问题类别", field="category")
    description = _clean_text(description, field="description", label="问题描述")
    evidence_found = (
        _clean_text(evidence_found, field="evidence_found", label="佐证材料", limit=20_000)
        if evidence_found.strip()
        else ""
    )
    responsible = " ".join(responsible.split())[:100]
    if not responsible:
        raise ApplicationError("problem_responsible", "请填写整改责任人", field="responsible")
    if due_date < (today or timezone.localdate()):
        raise ApplicationError("problem_due", "整改期限不能早于今天", field="due_date")
    role = raising_role(actor, village)
    problem = Problem.objects.create(
        village=village, source_type=source_type, source_id=str(source_id)[:40],
        description=description, responsible=responsible, due_date=due_date, created_by=actor,
        category=category, evidence_found=evidence_found, raised_role=role,
    )  # fmt: skip
    audit_append(
        actor=actor, region=village, action="disclosure.problem_create", obj=problem,
        payload={"source": f"{source_type}:{problem.source_id}", "responsible": responsible,
                 "due_date": due_date.isoformat(), "category": category, "raised_role": role},
    )  # fmt: skip
    return problem


def problem_from_feedback(
    *, actor: Any, feedback: Feedback, description: str, responsible: str, due_date: date
) -> Problem:
    """A feedback that shows a problem to put right goes into the ledger. One naming a cadre
    does not: the village ledger is read by that cadre; the discipline inspection follows it."""
    if not can_see(actor, feedback):
        raise ApplicationError("feedback_not_found", "该事项不存在", status=404)
    if feedback.about_user_id is not None:
        raise ApplicationError(
            "problem_sensitive", "涉及具体村干部的投诉由乡镇纪检跟踪，不转入村级问题台账",
            status=409,
        )  # fmt: skip
    return problem_create(
        actor=actor, village=feedback.village, source_type="disclosure.feedback",
        source_id=str(feedback.pk), description=description, responsible=responsible,
        due_date=due_date,
    )  # fmt: skip


@transaction.atomic
def problem_start(*, actor: Any, problem: Problem, progress: str) -> Problem:
    """整改中: the responsible side reports what it is doing (again later to update it)."""
    require(actor, "disclosure.problem_rectify", problem.village)
    progress = _clean_text(progress, field="progress", label="整改情况")
    updated = Problem.objects.filter(
        Q(pk=problem.pk) & ~Q(status=ProblemStatus.CLOSED)
    ).update(status=ProblemStatus.RECTIFYING, progress=progress,
             started_at=problem.started_at or timezone.now())  # fmt: skip
    if not updated:
        raise ApplicationError("problem_closed", "该问题已销号", status=409)
    problem.refresh_from_db()
    note = ProblemNote.objects.create(problem=problem, text=progress, author=actor)
    audit_append(
        actor=actor, region=problem.village, action="disclosure.problem_progress", obj=problem,
        payload={"status": problem.status, "note": note.pk},
    )  # fmt: skip
    return problem


@transaction.atomic
def problem_close(*, actor: Any, problem: Problem, evidence: str) -> Problem:
    """整改销号: those who check (the committee, the township), with the evidence it was put
    right, and only the role that raised it (:func:`may_close`); a closed problem stays in the
    ledger."""
    require(actor, "disclosure.problem_record", problem.village)
    problem = Problem.objects.select_related("village").get(pk=problem.pk)
    if not may_close(actor, problem):
        closers = (
            "乡镇干部或村务监督委员会"
            if problem.raised_role == SYSTEM_ROLE
            else role_label(problem.raised_role)
        )
        raise ApplicationError(
            "problem_close_role",
            f"该问题由{role_label(problem.raised_role)}提出，须由{closers}销号",
            status=403,
        )
    evidence = _clean_text(evidence, field="evidence", label="销号依据")
    updated = Problem.objects.filter(
        Q(pk=problem.pk) & ~Q(status=ProblemStatus.CLOSED)
    ).update(status=ProblemStatus.CLOSED, evidence=evidence, closed_by=actor,
             closed_at=timezone.now())  # fmt: skip
    if not updated:
        raise ApplicationError("problem_closed", "该问题已销号", status=409)
    problem.refresh_from_db()
    audit_append(
        actor=actor, region=problem.village, action="disclosure.problem_close", obj=problem,
        payload={"on_time": timezone.localdate(problem.closed_at) <= problem.due_date},
    )  # fmt: skip
    return problem
