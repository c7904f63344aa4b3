"""Writes of the disclosure module: notices through their life, attachments, objections.

Other modules publish through :func:`notice_publish` and learn the outcome from the
``notice_closed`` signal; they never touch these models directly.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cunwu.accounts.permissions import require
from cunwu.core import workdays
from cunwu.core.crypto import encrypt_text
from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import mask_phone, normalize_phone
from cunwu.core.models import Region
from cunwu.core.services.audit import audit_append, canonical_json

from . import content, portal_cache
from .models import (
    SIGNOFF_CATEGORIES,
    Attachment,
    Category,
    DisclosureRule,
    Frequency,
    Notice,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    PeriodUnit,
)
from .signals import notice_closed

MAX_PERIOD_DAYS = 60
MAX_OBJECTION = 2_000
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


@dataclass(frozen=True)
class Period:
    """A disclosure period: ``days`` natural or working days from ``start`` (today when None)."""

    days: int
    unit: str = PeriodUnit.NATURAL
    start: date | None = None


@dataclass(frozen=True)
class Subject:
    """What another module publishes a notice about (``"points.application"``, ``"42"``)."""

    type: str
    id: str


# ---------------------------------------------------------------- helpers


def _check_period(period: Period | None, today: date) -> Period | None:
    if period is None or period.days == 0:
        return None
    if period.unit not in PeriodUnit.values:
        raise ApplicationError("period_unit", "公示天数的计法只能是自然日或工作日", field="period")
    if not 0 < period.days <= MAX_PERIOD_DAYS:
        raise ApplicationError(
            "period_days", f"公示天数应在1到{MAX_PERIOD_DAYS}天之间", field="period_days"
        )
    if period.start is not None and period.start < today:
        raise ApplicationError("period_past", "公示开始日期不能早于今天", field="period_start")
    return period


def _apply_period(notice: Notice, period: Period | None) -> None:
    if period is None:
        notice.period_start, notice.period_days, notice.period_end = None, 0, None
        notice.period_unit = PeriodUnit.NATURAL
        notice.period_warning = ""
        return
    notice.period_start = period.start
    notice.period_days = period.days
    notice.period_unit = period.unit
    notice.period_end = None  # fixed at publication, from the day it goes public


def _fix_period(notice: Notice, today: date) -> None:
    """At publication: the period runs from its start (not before today) for its length; the
    start day itself does not count (民法典 第二百零一条), and a period whose last day is a rest
    day ends on the next working day (core.workdays)."""
    if not notice.has_period:
        return
    start = max(notice.period_start or today, today)
    unit: workdays.Unit = "working" if notice.period_unit == PeriodUnit.WORKING else "natural"
    span = workdays.period(start, notice.period_days, unit)
    notice.period_start = start
    notice.period_end = span.end
    notice.period_warning = span.warning.message if span.warning else ""


def content_hash(notice: Notice) -> str:
    """SHA-256 of what the public sees: the printed notice's QR code leads to a page that
    recomputes it and finds it in the audit chain."""
    data = {
        "region": notice.region_id,
        "category": notice.category,
        "title": notice.title,
        "body": notice.body,
        "table": notice.table,
        "period": [
            notice.period_start.isoformat() if notice.period_start else None,
            notice.period_days,
            notice.period_unit,
            notice.period_end.isoformat() if notice.period_end else None,
        ],
        "attachments": [a.sha256 for a in notice.attachments.all()],
    }
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()


def _summary(notice: Notice) -> dict[str, Any]:
    return {
        "title": notice.title,
        "category": notice.category,
        "status": notice.status,
        "rows": len(notice.rows),
        "period_days": notice.period_days,
        "period_unit": notice.period_unit if notice.has_period else "",
    }


def _portal_changed(notice: Notice) -> None:
    """The public listing pages of the notice's region are stale once this commits."""
    code = notice.region_id
    transaction.on_commit(lambda: portal_cache.bump(code))


def _locked(notice: Notice, *statuses: str) -> Notice:
    """The notice row locked for a state change, still in one of ``statuses``."""
    locked = Notice.objects.select_for_update().get(pk=notice.pk)
    if locked.status not in statuses:
        raise ApplicationError(
            "notice_state", f"公告当前状态为“{locked.status_label}”，不能执行此操作", status=409
        )
    return locked


# ---------------------------------------------------------------- drafts


@transaction.atomic
def notice_create(
    *,
    actor: Any,
    region: Region,
    category: str,
    title: str,
    body: str = "",
    table: dict[str, Any] | None = None,
    period: Period | None = None,
    subject: Subject | None = None,
) -> Notice:
    """A draft notice of ``region`` (a village, township or county)."""
    require(actor, "disclosure.publish", region)
    if category not in Category.values:
        raise ApplicationError("category", "公告类别无效", field="category")
    today = timezone.localdate()
    notice = Notice(
        region=region,
        county_code=region.code[:6],
        category=category,
        title=content.clean_title(title),
        body=content.clean_body(body),
        table=content.clean_table(table),
        subject_type=subject.type[:50] if subject else "",
        subject_id=subject.id[:40] if subject else "",
        created_by=actor,
    )
    _apply_period(notice, _check_period(period, today))
    notice.save()
    audit_append(
        actor=actor, region=region, action="disclosure.notice_create", obj=notice,
        payload=_summary(notice),
    )  # fmt: skip
    return notice


@transaction.atomic
def notice_update(
    *,
    actor: Any,
    notice: Notice,
    category: str,
    title: str,
    body: str = "",
    table: dict[str, Any] | None = None,
    period: Period | None = None,
) -> Notice:
    """Change a draft (a notice returned by the committee is a draft again)."""
    require(actor, "disclosure.publish", notice.region)
    notice = _locked(notice, NoticeStatus.DRAFT)
    if category not in Category.values:
        raise ApplicationError("category", "公告类别无效", field="category")
    notice.category = category
    notice.title = content.clean_title(title)
    notice.body = content.clean_body(body)
    notice.table = content.clean_table(table)
    _apply_period(notice, _check_period(period, timezone.localdate()))
    notice.save()
    audit_append(
        actor=actor, region=notice.region, action="disclosure.notice_update", obj=notice,
        payload=_summary(notice),
    )  # fmt: skip
    return notice


@transaction.atomic
def attachment_add(*, actor: Any, notice: Notice, name: str, data: bytes) -> Attachment:
    require(actor, "disclosure.publish", notice.region)
    notice = _locked(notice, NoticeStatus.DRAFT)
    if notice.attachments.count() >= content.MAX_ATTACHMENTS:
        raise ApplicationError(
            "attachments_too_many",
            f"每条公告至多{content.MAX_ATTACHMENTS}个附件",
            field="attachment",
        )
    content_type, extension, sha256 = content.check_attachment(name, data)
    name = (name.rsplit("/", 1)[-1] or "附件")[:200]
    attachment = Attachment(
        notice=notice, original_name=name, content_type=content_type, size=len(data), sha256=sha256
    )
    attachment.file.save(f"{sha256[:16]}{extension}", ContentFile(data), save=False)
    attachment.save()
    audit_append(
        actor=actor, region=notice.region, action="disclosure.attachment_add", obj=notice,
        payload={"name": name, "sha256": sha256, "size": len(data)},
    )  # fmt: skip
    return attachment


@transaction.atomic
def attachment_remove(*, actor: Any, attachment: Attachment) -> None:
    notice = attachment.notice
    require(actor, "disclosure.publish", notice.region)
    _locked(notice, NoticeStatus.DRAFT)
    audit_append(
        actor=actor, region=notice.region, action="disclosure.attachment_remove", obj=notice,
        payload={"name": attachment.original_name, "sha256": attachment.sha256},
    )  # fmt: skip
    attachment.file.delete(save=False)
    attachment.delete()


# ---------------------------------------------------------------- publication


def _go_public(notice: Notice, actor: Any) -> Notice:
    now = timezone.now()
    _fix_period(notice, timezone.localdate())
    notice.status = NoticeStatus.PUBLISHED
    notice.published_at = now
    notice.content_hash = content_hash(notice)
    event = audit_append(
        actor=actor, region=notice.region, action="disclosure.notice_publish", obj=notice,
        payload={**_summary(notice), "content_hash": notice.content_hash,
                 "period_end": notice.period_end.isoformat() if notice.period_end else ""},
    )  # fmt: skip
    notice.published_event = event
    notice.save()
    _portal_changed(notice)
    return notice


@transaction.atomic
def notice_submit(*, actor: Any, notice: Notice) -> Notice:
    """Publish a draft; financial notices (财务, 惠民资金) wait for the committee's sign-off."""
    require(actor, "disclosure.publish", notice.region)
    notice = _locked(notice, NoticeStatus.DRAFT)
    if not notice.body and not notice.rows and not notice.attachments.exists():
        raise ApplicationError("notice_empty", "公告没有正文、名单或附件，不能发布")
    notice.published_by = actor
    if notice.category in SIGNOFF_CATEGORIES:
        notice.status = NoticeStatus.PENDING_SIGNOFF
        notice.save()
        audit_append(
            actor=actor, region=notice.region, action="disclosure.notice_submit", obj=notice,
            payload=_summary(notice),
        )  # fmt: skip
        return notice
    return _go_public(notice, actor)


@transaction.atomic
def notice_signoff(*, actor: Any, notice: Notice, approve: bool, note: str = "") -> Notice:
    """The supervision committee approves a financial notice (it goes public) or sends it back
    to the drafter with its reasons."""
    require(actor, "disclosure.signoff", notice.region)
    notice = _locked(notice, NoticeStatus.PENDING_SIGNOFF)
    note = " ".join(note.split())[:200]
    if not approve and not note:
        raise ApplicationError("signoff_note", "退回时请写明理由", field="note")
    notice.signed_off_by = actor
    notice.signed_off_at = timezone.now()
    notice.signoff_note = note
    audit_append(
        actor=actor, region=notice.region, action="disclosure.notice_signoff", obj=notice,
        payload={"approve": approve, "note": note},
    )  # fmt: skip
    if approve:
        return _go_public(notice, notice.published_by or actor)
    notice.status = NoticeStatus.DRAFT
    notice.save()
    return notice


def notice_publish(
    *,
    actor: Any,
    region: Region,
    category: str,
    title: str,
    body: str = "",
    rows: dict[str, Any] | None = None,
    period: Period | None = None,
    subject: Subject | None = None,
) -> Notice:
    """For other modules: draft and submit in one step. The notice is public at once, or waits
    for the committee's sign-off when its category needs one; the outcome of its period comes
    back through ``notice_closed``."""
    with transaction.atomic():
        notice = notice_create(
            actor=actor, region=region, category=category, title=title, body=body,
            table=rows, period=period, subject=subject,
        )  # fmt: skip
        return notice_submit(actor=actor, notice=notice)


@transaction.atomic
def notice_withdraw(*, actor: Any, notice: Notice, reason: str) -> Notice:
    """Take a notice down (a wrong figure, a wrong list): it stays on record as withdrawn."""
    require(actor, "disclosure.publish", notice.region)
    notice = _locked(notice, NoticeStatus.PUBLISHED, NoticeStatus.PENDING_SIGNOFF)
    reason = " ".join(reason.split())[:200]
    if not reason:
        raise ApplicationError("withdraw_reason", "请写明撤回理由", field="reason")
    notice.status = NoticeStatus.WITHDRAWN
    notice.closed_at = timezone.now()
    notice.close_note = reason
    notice.save()
    _portal_changed(notice)
    audit_append(
        actor=actor, region=notice.region, action="disclosure.notice_withdraw", obj=notice,
        payload={"reason": reason},
    )  # fmt: skip
    return notice


def _close(notice_id: int, today: date) -> bool:
    """Close one notice whose period has ended and whose objections are all handled."""
    with transaction.atomic():
        notice = Notice.objects.select_for_update().filter(pk=notice_id).first()
        if (
            notice is None
            or notice.status != NoticeStatus.PUBLISHED
            or notice.period_end is None
            or notice.period_end >= today
            or notice.objections.filter(status=ObjectionStatus.PENDING).exists()
        ):
            return False
        upheld = notice.objections.filter(status=ObjectionStatus.UPHELD).count()
        outcome = "returned" if upheld else "passed"
        notice.status = NoticeStatus.RETURNED if upheld else NoticeStatus.PASSED
        notice.closed_at = timezone.now()
        notice.close_note = f"公示期满，{upheld}条异议成立" if upheld else "公示期满，无异议"
        notice.save()
        _portal_changed(notice)
        audit_append(
            actor=None, region=notice.region, action="disclosure.notice_close", obj=notice,
            payload={"outcome": outcome, "upheld": upheld},
        )  # fmt: skip
        notice_closed.send(sender=Notice, notice=notice, outcome=outcome)
        return True


def notices_close_due(*, today: date | None = None) -> int:
    """Close every notice whose period ended before ``today``; safe to run twice or at once
    from two workers (each notice is claimed under a row lock and re-checked)."""
    today = today or timezone.localdate()
    due = Notice.objects.filter(status=NoticeStatus.PUBLISHED, period_end__lt=today).values_list(
        "pk", flat=True
    )
    return sum(_close(pk, today) for pk in list(due))


# ---------------------------------------------------------------- objections


def _new_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))


@transaction.atomic
def objection_submit(
    *, notice: Notice, user: Any = None, name: str = "", phone: str = "", text: str
) -> Objection:
    """An objection during the period, by a logged-in person or anonymously with a phone
    number to be reached at; returns it with its tracking code."""
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    today = timezone.localdate()
    if (
        notice.status != NoticeStatus.PUBLISHED
        or not notice.has_period
        or notice.period_end is None
        or not (notice.period_start or today) <= today <= notice.period_end
    ):
        raise ApplicationError("objection_closed", "该公告不在公示期内，不能提出异议", status=409)
    text = text.strip()
    if not text:
        raise ApplicationError("objection_text", "请填写异议内容", field="text")
    if len(text) > MAX_OBJECTION or "\x00" in text:
        raise ApplicationError("objection_text", f"异议内容不能超过{MAX_OBJECTION}字", field="text")
    name = " ".join(name.split())[:50]
    logged_in = user is not None and getattr(user, "is_authenticated", False)
    clean_phone = ""
    if phone.strip():
        clean_phone = normalize_phone(phone)  # raises ApplicationError(field="phone")
    elif not logged_in:
        raise ApplicationError(
            "objection_phone", "匿名提出异议请留下联系电话，以便告知处理结果", field="phone"
        )
    objection = Objection(
        notice=notice,
        code=_new_code(),
        submitted_by=user if logged_in else None,
        name=name,
        phone_encrypted=encrypt_text(clean_phone, context="objection.phone") if clean_phone else "",
        phone_masked=mask_phone(clean_phone) if clean_phone else "",
        text=content.mask_numbers(text),
    )
    objection.save()
    audit_append(
        actor=user if logged_in else None, region=notice.region,
        action="disclosure.objection_submit", obj=objection,
        payload={"notice": notice.pk, "code": objection.code, "anonymous": not logged_in},
    )  # fmt: skip
    return objection


@transaction.atomic
def objection_handle(*, actor: Any, objection: Objection, upheld: bool, outcome: str) -> Objection:
    """The committee's finding on an objection; once the period is over and nothing is left
    pending, the notice closes at once with the outcome."""
    notice = objection.notice
    require(actor, "disclosure.handle_objection", notice.region)
    outcome = outcome.strip()
    if not outcome:
        raise ApplicationError("objection_outcome", "请填写处理结果", field="outcome")
    if len(outcome) > MAX_OBJECTION:
        raise ApplicationError(
            "objection_outcome", f"处理结果不能超过{MAX_OBJECTION}字", field="outcome"
        )
    updated = Objection.objects.filter(
        Q(pk=objection.pk) & Q(status=ObjectionStatus.PENDING)
    ).update(
        status=ObjectionStatus.UPHELD if upheld else ObjectionStatus.REJECTED,
        outcome=outcome,
        handled_by=actor,
        handled_at=timezone.now(),
    )
    if not updated:
        raise ApplicationError("objection_handled", "该异议已处理", status=409)
    objection.refresh_from_db()
    audit_append(
        actor=actor, region=notice.region, action="disclosure.objection_handle", obj=objection,
        payload={"notice": notice.pk, "upheld": upheld},
    )  # fmt: skip
    _close(notice.pk, timezone.localdate())
    return objection


# ---------------------------------------------------------------- the disclosure catalogue


@transaction.atomic
def disclosure_rule_set(
    *,
    actor: Any,
    region: Region,
    category: str,
    frequency: str,
    deadline_day: int = 20,
    note: str = "",
) -> DisclosureRule:
    """How often the villages under ``region`` must disclose ``category``, and by which day of
    the following month; replaces the region's earlier rule for the category."""
    require(actor, "disclosure.manage_catalogue", region)
    if category not in Category.values:
        raise ApplicationError("category", "公开类别无效", field="category")
    if frequency not in Frequency.values:
        raise ApplicationError("frequency", "频次只能是每月或每季度", field="frequency")
    if not 1 <= deadline_day <= 28:
        raise ApplicationError("deadline_day", "截止日应在1到28日之间", field="deadline_day")
    note = " ".join(note.split())[:200]
    rule, created = DisclosureRule.objects.update_or_create(
        region=region,
        category=category,
        defaults={"frequency": frequency, "deadline_day": deadline_day, "note": note},
    )
    audit_append(
        actor=actor, region=region, action="disclosure.rule_set", obj=rule,
        payload={"category": category, "frequency": frequency, "deadline_day": deadline_day,
                 "note": note, "created": created},
    )  # fmt: skip
    return rule


@transaction.atomic
def disclosure_rule_delete(*, actor: Any, rule: DisclosureRule) -> None:
    """Drop a region's rule: the one above it (or the law's default) applies again."""
    require(actor, "disclosure.manage_catalogue", rule.region)
    audit_append(
        actor=actor, region=rule.region, action="disclosure.rule_delete", obj=rule,
        payload={"category": rule.category, "frequency": rule.frequency},
    )  # fmt: skip
    rule.delete()
