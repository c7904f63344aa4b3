"""Security middleware: Content-Security-Policy, staff session expiry, rate limits, audited 403s.

- ``ContentSecurityPolicyMiddleware`` sends ``CUNWU_CSP`` on every HTML page: scripts, styles
  and images only from the site itself, no inline script, style or event handler, no framing.
  The templates keep to it (``web/tests/test_security_headers.py`` checks every page). The
  API docs page (``/api/v1/docs``) gets ``CUNWU_CSP_API_DOCS``: Swagger UI, served from
  django-ninja's own static files, sets inline styles on the elements it draws.
- ``StaffSessionMiddleware`` ends the session of a staff member (any role but 村民, or a Django
  staff account) after ``CUNWU_STAFF_IDLE_MINUTES`` without a request or
  ``CUNWU_STAFF_SESSION_HOURS`` after log-in; villagers keep ``SESSION_COOKIE_AGE``.
- ``RateLimitMiddleware`` answers ``RateLimited`` with a 429 and ``Retry-After`` and limits the
  requests of clients that are not logged in (``public`` in ``CUNWU_RATE_LIMITS``).
- ``PermissionDeniedAuditMiddleware`` records each refused page in the audit chain.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from cunwu.accounts.permissions import roles_of
from cunwu.accounts.security import audit_permission_denied
from cunwu.core import ratelimit
from cunwu.core.ratelimit import PUBLIC_COUNTED, RateLimited

GetResponse = Callable[[HttpRequest], HttpResponse]

DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI (vendored by django-ninja) styles the elements it draws with inline styles
API_DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)

IDLE_MESSAGE = "您已{minutes}分钟没有操作，为保护村民个人信息已自动退出，请重新登录。"
EXPIRED_MESSAGE = "登录已超过{hours}小时，为保护村民个人信息请重新登录。"


def clock() -> float:
    """Seconds since the epoch; tests replace it to let time pass."""
    return time.time()


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" in response:
            return response
        if response.get("Content-Type", "").startswith("text/html"):
            if request.path.startswith(getattr(settings, "CUNWU_API_DOCS_PATH", "/api/v1/docs")):
                policy = getattr(settings, "CUNWU_CSP_API_DOCS", API_DOCS_CSP)
            else:
                policy = getattr(settings, "CUNWU_CSP", DEFAULT_CSP)
            response["Content-Security-Policy"] = policy
        return response


# ---------------------------------------------------------------- staff sessions

LOGIN_AT = "cunwu_login_at"
SEEN_AT = "cunwu_seen_at"
IS_STAFF = "cunwu_staff"
# last-seen is written at most this often, so that pages polled every second (progress bars)
# do not save the session on every request
SEEN_RESOLUTION = 60


def is_staff_user(user: Any) -> bool:
    """Anyone who can see other people's data: every role but 村民, and Django staff."""
    return bool(user.is_staff or user.is_superuser or roles_of(user) - {"villager"})


@receiver(user_logged_in, dispatch_uid="cunwu.web.security.session_start")
def _session_start(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """A log-in starts the clocks; a staff session's cookie lasts only the idle window."""
    session = getattr(request, "session", None)
    if session is not None:
        _start(session, user)


def _start(session: Any, user: Any) -> None:
    session[IS_STAFF] = is_staff_user(user)
    session[LOGIN_AT] = session[SEEN_AT] = clock()
    if session[IS_STAFF]:
        session.set_expiry(settings.CUNWU_STAFF_IDLE_MINUTES * 60)


class StaffSessionMiddleware:
    """Idle and absolute expiry of staff sessions (after AuthenticationMiddleware)."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            expired = self._expired(request, user)
            if expired:
                return self._end(request, expired)
        return self.get_response(request)

    def _expired(self, request: HttpRequest, user: Any) -> str:
        session = request.session
        now = clock()
        if IS_STAFF not in session:  # a session from before this rule: its clocks start now
            _start(session, user)
            return ""
        if not session[IS_STAFF]:
            return ""
        idle_minutes: int = settings.CUNWU_STAFF_IDLE_MINUTES
        hours: int = settings.CUNWU_STAFF_SESSION_HOURS
        if now - float(session.get(SEEN_AT, 0)) > idle_minutes * 60:
            return IDLE_MESSAGE.format(minutes=idle_minutes)
        if now - float(session.get(LOGIN_AT, 0)) > hours * 3600:
            return EXPIRED_MESSAGE.format(hours=hours)
        if now - float(session[SEEN_AT]) >= SEEN_RESOLUTION:
            session[SEEN_AT] = now  # saving the session also renews its expiry
        return ""

    def _end(self, request: HttpRequest, message: str) -> HttpResponse:
        logout(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"code": "session_expired", "message": message}, status=401)
        messages.info(request, message)
        response = redirect_to_login(request.get_full_path())
        if request.headers.get("HX-Request"):
            response["HX-Redirect"] = response["Location"]
        return response


# ---------------------------------------------------------------- rate limits


def too_many_requests(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"code": "rate_limited", "message": exc.message}, status=429
        )
    else:
        context = {"status": 429, "title": exc.message}
        response = render(request, "web/error.html", context, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


class RateLimitMiddleware:
    """429 for ``RateLimited`` from any view; a per-client limit on anonymous requests.

    Requests with an ``Authorization`` header are left to the API, which limits bad tokens.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        anonymous = user is None or not user.is_authenticated
        # disclosure's PublicPageCacheMiddleware (outside this one) may have counted it already
        counted = getattr(request, PUBLIC_COUNTED, False)
        if anonymous and not counted and "Authorization" not in request.headers:
            allowed, period = ratelimit.configured("public")
            try:
                ratelimit.hit(f"public:{ratelimit.client_ip(request)}", allowed, period)
            except RateLimited as exc:
                return too_many_requests(request, exc)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RateLimited):
            return too_many_requests(request, exception)
        return None


class PermissionDeniedAuditMiddleware:
    """Audit each ``PermissionDenied`` a page raises; Django's 403 handler still answers.

    The API records its own (``api.api.permission_denied``): ninja answers those itself.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, PermissionDenied):
            audit_permission_denied(request, exception)
