"""The channels of a notice: printable PDF (A4, A3), share image, broadcast script; for staff
(a draft may be previewed as PDF) and on the public portal (public notices only, rate-limited).

A PDF or image is never rendered in the request: the page asks for the stored rendering and,
while the background task works, shows its progress (polled by htmx; a refresh link and a
``<noscript>`` refresh without JavaScript); once rendered it redirects straight to the file.
The broadcast script is cheap and made in the request.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cunwu.core.errors import ApplicationError
from cunwu.core.ratelimit import rate_limit

from . import render as channels
from . import renderings, selectors
from .models import Notice, Rendering, RenderingKind, RenderingStatus
from .views_public import _context

POLL_SECONDS = 2


def _names(public: bool) -> dict[str, str]:
    prefix = "portal:" if public else "disclosure:"
    return {
        "page": prefix + "rendering",
        "progress": prefix + "rendering_progress",
        "file": prefix + "rendering_file",
        "back": "portal:notice" if public else "disclosure:notice_detail",
    }


def _page_context(
    request: HttpRequest, notice: Notice, kind: str, rendering: Rendering | None, public: bool
) -> dict[str, Any]:
    names = _names(public)
    extra = {
        "notice": notice,
        "kind": kind,
        "kind_label": RenderingKind(kind).label,
        "rendering": rendering,
        "running": rendering is None or rendering.pending,
        "poll": POLL_SECONDS,
        "page_url": reverse(names["page"], args=[notice.pk, kind]),
        "progress_url": reverse(names["progress"], args=[notice.pk, kind]),
        "file_url": reverse(names["file"], args=[notice.pk, kind]),
        "back_url": reverse(names["back"], args=[notice.pk]),
        "base_template": "disclosure/public/base.html" if public else "web/base.html",
        "public": public,
    }
    return _context(request, **extra) if public else extra


def _page(request: HttpRequest, notice: Notice, kind: str, *, public: bool) -> HttpResponse:
    actor = None if public else request.user
    try:
        rendering = renderings.rendering_request(actor=actor, notice=notice, kind=kind)
    except ApplicationError as exc:
        if exc.status == 404:
            raise Http404 from None
        if public:
            context = _page_context(request, notice, kind, None, public)
            context.update(running=False, refused=exc.message)
            return render(request, "disclosure/rendering.html", context, status=exc.status)
        messages.error(request, exc.message)
        return redirect("disclosure:notice_detail", notice.pk)
    if rendering.status == RenderingStatus.DONE and rendering.file:
        return redirect(_names(public)["file"], notice.pk, kind)
    context = _page_context(request, notice, kind, rendering, public)
    return render(request, "disclosure/rendering.html", context)


def _progress(request: HttpRequest, notice: Notice, kind: str, *, public: bool) -> HttpResponse:
    actor = None if public else request.user
    try:
        rendering = renderings.rendering_current(actor=actor, notice=notice, kind=kind)
    except ApplicationError:
        raise Http404 from None
    context = _page_context(request, notice, kind, rendering, public)
    response = render(request, "disclosure/rendering.html#job", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _file(request: HttpRequest, notice: Notice, kind: str, *, public: bool) -> HttpResponseBase:
    actor = None if public else request.user
    try:
        rendering = renderings.rendering_current(actor=actor, notice=notice, kind=kind)
    except ApplicationError:
        raise Http404 from None
    if rendering is None or rendering.status != RenderingStatus.DONE or not rendering.file:
        # not rendered (yet): the page asks for it and shows the progress
        return redirect(_names(public)["page"], notice.pk, kind)
    try:
        handle = rendering.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=renderings.content_type(rendering))
    name = quote(renderings.filename(rendering))
    disposition = "attachment" if request.GET.get("download") == "1" else "inline"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{name}"
    if public:  # a public notice's content never changes: neither does its file
        patch_cache_control(response, public=True, max_age=3600)
    else:
        patch_cache_control(response, private=True, no_cache=True)
    return response


def _broadcast(request: HttpRequest, notice: Notice, *, public: bool, text: bool) -> HttpResponse:
    try:
        renderings.broadcast_check(notice)
    except ApplicationError as exc:
        if public:
            raise Http404 from None
        messages.error(request, exc.message)
        return redirect("disclosure:notice_detail", notice.pk)
    script = channels.broadcast_script(notice)
    if text:
        response = HttpResponse(script, content_type="text/plain; charset=utf-8")
        name = quote(f"广播稿-{notice.title[:60]}.txt")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
        return response
    names = "portal:" if public else "disclosure:"
    extra = {
        "notice": notice,
        "script": script,
        "txt_url": reverse(names + "broadcast_txt", args=[notice.pk]),
        "back_url": reverse(
            "portal:notice" if public else "disclosure:notice_detail", args=[notice.pk]
        ),
        "base_template": "disclosure/public/base.html" if public else "web/base.html",
        "public": public,
    }
    return render(
        request, "disclosure/broadcast.html", _context(request, **extra) if public else extra
    )


# ---------------------------------------------------------------- staff


@login_required
@require_GET
@never_cache
def rendering_page(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    return _page(request, selectors.notice_get(actor=request.user, pk=pk), kind, public=False)


@login_required
@require_GET
@never_cache
def rendering_progress(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    return _progress(request, selectors.notice_get(actor=request.user, pk=pk), kind, public=False)


@login_required
@require_GET
def rendering_file(request: HttpRequest, pk: int, kind: str) -> HttpResponseBase:
    return _file(request, selectors.notice_get(actor=request.user, pk=pk), kind, public=False)


@login_required
@require_GET
def broadcast(request: HttpRequest, pk: int) -> HttpResponse:
    notice = selectors.notice_get(actor=request.user, pk=pk)
    return _broadcast(request, notice, public=False, text=False)


@login_required
@require_GET
def broadcast_txt(request: HttpRequest, pk: int) -> HttpResponse:
    notice = selectors.notice_get(actor=request.user, pk=pk)
    return _broadcast(request, notice, public=False, text=True)


# ---------------------------------------------------------------- public


@require_GET
@never_cache
@rate_limit("render", 30, 60)
def portal_rendering(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    return _page(request, selectors.public_notice(pk), kind, public=True)


@require_GET
@never_cache
@rate_limit("render_progress", 120, 60)
def portal_rendering_progress(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    return _progress(request, selectors.public_notice(pk), kind, public=True)


@require_GET
@rate_limit("render_file", 60, 60)
def portal_rendering_file(request: HttpRequest, pk: int, kind: str) -> HttpResponseBase:
    return _file(request, selectors.public_notice(pk), kind, public=True)


@require_GET
@rate_limit("broadcast", 30, 60)
def portal_broadcast(request: HttpRequest, pk: int) -> HttpResponse:
    return _broadcast(request, selectors.public_notice(pk), public=True, text=False)


@require_GET
@rate_limit("broadcast", 30, 60)
def portal_broadcast_txt(request: HttpRequest, pk: int) -> HttpResponse:
    return _broadcast(request, selectors.public_notice(pk), public=True, text=True)
