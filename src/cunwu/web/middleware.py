"""Request guards: NUL characters refused before any view; a 503 while the database is down.

No text in cunwu may contain U+0000, and PostgreSQL refuses it in every text value: one in a
query string or form field would otherwise turn a filter into a server error.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string

MESSAGE = "请求中含有不允许的控制字符"


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    for key, values in request.GET.lists():
        if "\x00" in key or any("\x00" in v for v in values):
            return True
    if request.method == "POST" and request.content_type in {
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }:
        for key, values in request.POST.lists():
            if "\x00" in key or any("\x00" in v for v in values):
                return True
    return False


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # the API refuses control characters itself, naming the field (api.schemas.Text)
        if not request.path.startswith("/api/") and _has_nul(request):
            context = {"status": 400, "title": MESSAGE}
            return render(request, "web/error.html", context, status=400)
        return self.get_response(request)


# ---------------------------------------------------------------- database unavailable

DATABASE_DOWN_CODE = "database_unavailable"
DATABASE_DOWN_MESSAGE = "数据库暂时无法连接，请稍后再试"
RETRY_AFTER_SECONDS = 30
# what the database driver raises when the server is down, unreachable or the connection drops
DATABASE_DOWN = (OperationalError, InterfaceError)
_FLAG = "_cunwu_database_down"

logger = logging.getLogger("cunwu.web")


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: JSON for the API, else a page that needs no database.

    The page is rendered without the request, so no context processor (the navigation reads
    the user's roles) touches the database; a failing render still answers plain text.
    """
    response: HttpResponse
    if request.path.startswith("/api/"):
        body = {"code": DATABASE_DOWN_CODE, "message": DATABASE_DOWN_MESSAGE}
        response = JsonResponse(body, status=503)
    else:
        try:
            page: str = render_to_string("503.html", {"message": DATABASE_DOWN_MESSAGE})
        except Exception:
            logger.exception("the 503 page did not render")
            page = DATABASE_DOWN_MESSAGE
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@receiver(got_request_exception, dispatch_uid="cunwu.web.middleware.database_down")
def _note_database_down(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Django turns an exception of a middleware into a 500 right where it happens (the
    session and user are read by middleware before any view); mark the request, so that
    :class:`DatabaseUnavailableMiddleware` answers 503 instead."""
    if request is not None and isinstance(sys.exc_info()[1], DATABASE_DOWN):
        setattr(request, _FLAG, True)


class DatabaseUnavailableMiddleware:
    """While the database cannot be reached, pages answer 503 in Chinese, the API a JSON 503.

    Nothing is half-written: every service writes in one transaction, which the database
    rolls back when the connection fails. Place it before the session middleware: it catches
    what the views raise (``process_exception``), what the middleware inside it raised (a 500
    marked by ``got_request_exception``) and what escaped even the 500 handler (whose page
    reads the user, from the database).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.get_response(request)
        except DATABASE_DOWN:
            logger.warning("database unavailable at %s %s", request.method, request.path)
            return database_unavailable(request)
        if getattr(request, _FLAG, False) and response.status_code >= 500:
            return database_unavailable(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_DOWN):
            logger.warning(
                "database unavailable at %s %s: %s", request.method, request.path, exception
            )
            return database_unavailable(request)
        return None
