"""Home dashboard and error pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from cunwu.accounts.permissions import scope_prefixes, user_scope_name
from cunwu.registry.selectors import own_household, scope_counts


def home(request: HttpRequest) -> HttpResponse:
    """The dashboard: counts of households and persons in the user's scope."""
    context: dict[str, Any] = {}
    if request.user.is_authenticated:
        context["scope_name"] = user_scope_name(request.user)
        if scope_prefixes(request.user, "registry.view") != []:
            context["counts"] = scope_counts(actor=request.user)
        else:
            context["own_household"] = own_household(request.user)
    return render(request, "web/home.html", context)


def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"ok": True})


def _error(request: HttpRequest, status: int, title: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"code": f"http_{status}", "message": title}, status=status)
    return render(request, "web/error.html", {"status": status, "title": title}, status=status)


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400, "请求有误")


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, "没有权限访问此页面")


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, "页面不存在")


def error_500(request: HttpRequest) -> HttpResponse:
    return _error(request, 500, "系统出错了，请稍后再试")


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says: send them to the static icon."""
    return HttpResponsePermanentRedirect(static("web/favicon.svg"))
