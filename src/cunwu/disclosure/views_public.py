"""The public portal (no log-in): per village the current and past notices, a notice with its
audit-chain record, objections with a tracking code. Only published notices are ever shown and
their contents were masked when saved. Large-text mode is a cookie, so it works without
JavaScript (WeChat's browser included)."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from cunwu.core.errors import ApplicationError, apply_error
from cunwu.core.listing import paginate
from cunwu.core.models import AuditEvent, Region, RegionLevel
from cunwu.core.ratelimit import rate_limit
from cunwu.core.services.audit import event_hash

from . import portal_cache, selectors, services
from .forms import ObjectionForm, TrackForm
from .models import Attachment, Category, NoticeStatus
from .views import _file

PAGE_SIZE = 20
LARGE_COOKIE = "cunwu_large_text"


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"large_text": request.COOKIES.get(LARGE_COOKIE) == "1", **extra}


def _trail(region: Region | None) -> list[Region]:
    trail: list[Region] = []
    while region is not None and region.level >= RegionLevel.COUNTY:
        trail.insert(0, region)
        region = region.parent
    return trail


@require_GET
def portal_index(request: HttpRequest) -> HttpResponse:
    counties = selectors.portal_regions(None)
    if len(counties) == 1:
        return redirect("portal:region", counties[0].code)
    return render(request, "disclosure/public/index.html", _context(request, regions=counties))


@require_GET
def portal_region(request: HttpRequest, code: str) -> HttpResponse:
    """A village's notices (or a township's or county's villages); a cached copy answers
    without touching the database."""
    large = request.COOKIES.get(LARGE_COOKIE) == "1"
    return portal_cache.cached_page(request, code[:12], large, lambda: _region_page(request, code))


def _region_page(request: HttpRequest, code: str) -> HttpResponse:
    region = get_object_or_404(Region.objects.select_related("parent__parent"), code=code)
    if region.level < RegionLevel.VILLAGE:
        context = _context(
            request, region=region, trail=_trail(region),
            regions=selectors.portal_regions(region),
        )  # fmt: skip
        return render(request, "disclosure/public/index.html", context)
    q = request.GET.get("q", "")[:50]
    category = request.GET.get("category", "")
    when = request.GET.get("when", "")
    current = {"current": True, "past": False}.get(when)
    notices = selectors.public_notices(region=region, q=q, category=category, current=current)
    page, query = paginate(request, notices, PAGE_SIZE)
    context = _context(
        request, region=region, trail=_trail(region), page=page, q=q, category=category,
        when=when, categories=Category.choices, query=query,
    )  # fmt: skip
    return render(request, "disclosure/public/village.html", context)


@require_http_methods(["GET", "POST"])
@rate_limit("objection", 10, 3600, methods=("POST",))
def portal_notice(request: HttpRequest, pk: int) -> HttpResponse:
    notice = selectors.public_notice(pk)
    open_for_objection = notice.status == NoticeStatus.PUBLISHED and notice.has_period
    form = ObjectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            objection = services.objection_submit(
                notice=notice, user=request.user, name=d["name"], phone=d["phone"],
                text=d["text"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect(reverse("portal:track_code", args=[objection.code]) + "?new=1")
    event = notice.published_event
    context = _context(
        request, notice=notice, region=notice.region, trail=_trail(notice.region),
        attachments=list(notice.attachments.all()), form=form,
        open_for_objection=open_for_objection, event=event,
        verified=_verified(notice, event),
    )  # fmt: skip
    return render(request, "disclosure/public/notice.html", context)


def _verified(notice: Any, event: AuditEvent | None) -> bool:
    """The notice as shown hashes to what its publication event recorded, and that event's
    own hash is intact (``cunwu audit verify`` checks the links between events)."""
    if event is None:
        return False
    return (
        services.content_hash(notice) == notice.content_hash == event.payload.get("content_hash")
        and event_hash(event.prev_hash, event) == event.hash
    )


@require_GET
def portal_attachment(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    notice = selectors.public_notice(pk)
    return _file(get_object_or_404(Attachment, pk=attachment_pk, notice=notice))


@require_http_methods(["GET", "POST"])
@rate_limit("objection_track", 30, 600)
def track(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"].strip().upper()
        return redirect("portal:track_code", code if code.isalnum() else "0")
    return render(request, "disclosure/public/track.html", _context(request, form=form))


@require_GET
@rate_limit("objection_track", 30, 600)
def track_code(request: HttpRequest, code: str) -> HttpResponse:
    objection = selectors.public_objection(code)
    context = _context(
        request, objection=objection, notice=objection.notice, new=request.GET.get("new") == "1"
    )
    return render(request, "disclosure/public/track_code.html", context)


@require_GET
def text_size(request: HttpRequest) -> HttpResponse:
    """Switch large text on or off (a cookie), then back to the page."""
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = reverse("portal:index")
    response = redirect(target)
    if request.GET.get("large") == "1":
        response.set_cookie(LARGE_COOKIE, "1", max_age=365 * 24 * 3600, samesite="Lax")
    else:
        response.delete_cookie(LARGE_COOKIE)
    return response
