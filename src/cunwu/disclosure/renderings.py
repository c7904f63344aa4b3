"""Services and reads of the stored renderings of notices (printable PDF, share image).

A rendering is asked for by anyone on the public page (``actor=None``) or by staff; it is
looked up by the notice, the kind and the notice's content hash, so the same notice is
rendered once however often it is asked for (and a double click creates one row: the unique
constraint, through ``get_or_create``). Rendering happens in ``tasks.render_notice`` after the
request commits; a failed one keeps its Chinese error and is queued again on the next request.

Only public notices (published, or closed after their period) are rendered for everyone.
Staff may preview a draft (or one waiting for sign-off) as PDF: keyed by its current content
and marked as a draft, it carries no QR code and a "not to be posted" line.
"""

from __future__ import annotations

import logging
import secrets
import time
from datetime import timedelta
from functools import partial
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from cunwu.accounts.permissions import has_perm_in
from cunwu.core.errors import ApplicationError

from . import render, services
from .models import (
    PUBLIC_STATUSES,
    Notice,
    NoticeStatus,
    Rendering,
    RenderingKind,
    RenderingStatus,
)

logger = logging.getLogger(__name__)

# a rendering queued or running longer than this lost its worker: it is queued again
STALE_AFTER = timedelta(minutes=10)
DRAFT_STATUSES = (NoticeStatus.DRAFT, NoticeStatus.PENDING_SIGNOFF)
EXTENSIONS = {RenderingKind.PDF_A4: "pdf", RenderingKind.PDF_A3: "pdf", RenderingKind.PNG: "png"}
CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png"}


def _check(actor: Any, notice: Notice, kind: str) -> bool:
    """Whether the rendering is a staff draft preview; refuses what may not be rendered."""
    if kind not in RenderingKind.values:
        raise ApplicationError("rendering_kind", "不支持的类型", status=404)
    if actor is None:
        if notice.status not in PUBLIC_STATUSES:
            raise Http404  # a draft does not exist for the public
    elif not has_perm_in(actor, "disclosure.view", notice.region):
        raise Http404
    broadcast_check(notice)
    draft = notice.status in DRAFT_STATUSES
    if draft and kind == RenderingKind.PNG:
        raise ApplicationError(
            "rendering_draft", "草稿只能预览打印版，发布后才能生成分享图片", status=409
        )
    return draft


def broadcast_check(notice: Notice) -> None:
    """A withdrawn notice is not broadcast (nor printed, nor shared)."""
    if notice.status == NoticeStatus.WITHDRAWN:
        raise ApplicationError("notice_withdrawn", "公告已撤回，不再提供打印和分享", status=409)


def _key(notice: Notice, draft: bool) -> str:
    return services.content_hash(notice) if draft else notice.content_hash


def rendering_request(*, actor: Any, notice: Notice, kind: str) -> Rendering:
    """The rendering of ``notice`` as ``kind`` for its current content: the stored one when it
    exists (done, or still under way), else a new one queued for the background task. A failed
    or abandoned one is queued again. ``actor`` is None on the public pages."""
    draft = _check(actor, notice, kind)
    key = _key(notice, draft)
    with transaction.atomic():
        rendering, created = Rendering.objects.get_or_create(
            notice=notice, kind=kind, content_hash=key, draft=draft
        )
        if created:
            _enqueue(rendering)
            return rendering
        stale = timezone.now() - STALE_AFTER
        retry = rendering.status == RenderingStatus.FAILED or (
            rendering.pending and (rendering.started_at or rendering.created_at) < stale
        )
        # claimed by a conditional update: two requests at once queue it again once
        if retry and (
            Rendering.objects.filter(pk=rendering.pk, status=rendering.status)
            .filter(started_at=rendering.started_at)
            .update(
                status=RenderingStatus.QUEUED, error="", started_at=None, created_at=timezone.now()
            )
        ):
            rendering.refresh_from_db()
            _enqueue(rendering)
    return rendering


def _enqueue(rendering: Rendering) -> None:
    from . import tasks

    transaction.on_commit(partial(tasks.render_notice.enqueue, rendering.pk))


def rendering_current(*, actor: Any, notice: Notice, kind: str) -> Rendering | None:
    """The rendering of the notice's current content (without asking for one), for progress
    and download."""
    draft = _check(actor, notice, kind)
    return Rendering.objects.filter(
        notice=notice, kind=kind, content_hash=_key(notice, draft), draft=draft
    ).first()


def rendering_run(rendering_id: int) -> None:
    """Render a queued rendering and store its file (run by the background task).

    Claimed with a conditional update, so a task delivered twice renders once. A notice that
    cannot be rendered records the reason in Chinese; an unexpected error records a general
    message and is logged (and raised, so the task shows as failed too).
    """
    claimed = Rendering.objects.filter(pk=rendering_id, status=RenderingStatus.QUEUED).update(
        status=RenderingStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return
    rendering = Rendering.objects.select_related(
        "notice__region", "notice__published_event", "notice__published_by",
        "notice__signed_off_by",
    ).get(pk=rendering_id)  # fmt: skip
    notice = rendering.notice
    started = time.monotonic()
    try:
        if rendering.kind == RenderingKind.PNG:
            data = render.notice_image(notice)
        else:
            size: render.Size = "A3" if rendering.kind == RenderingKind.PDF_A3 else "A4"
            data = render.notice_pdf(notice, size)
    except render.RenderError as exc:
        _fail(rendering, exc.message)
        return
    except Exception:
        logger.exception("rendering %s of notice %s failed", rendering.pk, notice.pk)
        _fail(rendering, "生成时出现系统错误，请稍后重试；多次失败请联系管理员")
        raise
    extension = EXTENSIONS[RenderingKind(rendering.kind)]
    name = f"notice-{notice.pk}-{rendering.kind}-{rendering.content_hash[:12]}"
    rendering.file.save(f"{name}-{secrets.token_hex(4)}.{extension}", ContentFile(data), save=False)
    rendering.status = RenderingStatus.DONE
    rendering.finished_at = timezone.now()
    rendering.duration_ms = int((time.monotonic() - started) * 1000)
    rendering.save(update_fields=["file", "status", "finished_at", "duration_ms"])


def _fail(rendering: Rendering, message: str) -> None:
    rendering.status = RenderingStatus.FAILED
    rendering.error = message[:500]
    rendering.finished_at = timezone.now()
    rendering.save(update_fields=["status", "error", "finished_at"])


def filename(rendering: Rendering) -> str:
    """A name for the download: 公告标题-A4.pdf."""
    suffix = {"pdf_a4": "A4", "pdf_a3": "A3", "png": "分享图"}[rendering.kind]
    title = "".join(c for c in rendering.notice.title if c not in '\\/:*?"<>|')[:60]
    draft = "-草稿预览" if rendering.draft else ""
    return f"{title}-{suffix}{draft}.{EXTENSIONS[RenderingKind(rendering.kind)]}"


def content_type(rendering: Rendering) -> str:
    return CONTENT_TYPES[EXTENSIONS[RenderingKind(rendering.kind)]]
