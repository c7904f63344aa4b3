"""Refuse NUL characters in the parameters of pages before any view sees them.

No text in cunwu may contain U+0000, and PostgreSQL refuses it in every text value: one in a
query string or form field would otherwise turn a filter into a server error.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

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
