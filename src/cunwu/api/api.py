"""The NinjaAPI object under /api/v1/; each app contributes a router.

Every answer that is not a success is JSON ``{"code": …, "message": …}`` with a Chinese message,
whatever caused it: an expected failure (ApplicationError), a permission or scope check, bad
parameters or an unreadable body, a missing or bad token, an unknown route or method, the
database being unreachable (503), or an unexpected exception (logged, answered with a 500 that
is still JSON).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver, re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from cunwu.accounts.api import router as accounts_router
from cunwu.accounts.security import audit_permission_denied
from cunwu.api.audit import router as audit_router
from cunwu.api.auth import AUTH
from cunwu.api.calendar import router as calendar_router
from cunwu.api.regions import router as regions_router
from cunwu.api.schemas import ERRORS
from cunwu.assets.api import router as assets_router
from cunwu.core.errors import ApplicationError
from cunwu.core.ratelimit import RateLimited
from cunwu.disclosure.api import public_router as disclosure_public_router
from cunwu.disclosure.api import router as disclosure_router
from cunwu.disclosure.api_benefit import router as benefit_router
from cunwu.disclosure.api_feedback import router as feedback_router
from cunwu.disclosure.api_lists import router as lists_router
from cunwu.monitoring.api import router as monitoring_router
from cunwu.monitoring.api_cases import public_router as monitoring_public_router
from cunwu.points.api import router as points_router
from cunwu.registry.api import router as registry_router
from cunwu.store.api import router as store_router
from cunwu.village.api import router as village_router
from cunwu.web.middleware import DATABASE_DOWN_CODE, DATABASE_DOWN_MESSAGE, RETRY_AFTER_SECONDS

logger = logging.getLogger("cunwu.api")

View = Callable[..., HttpResponse]


class CunwuAPI(NinjaAPI):
    """NinjaAPI whose URL table also answers unknown routes and methods in JSON.

    django-ninja answers a method a route lacks with a plain-text 405, and a path it does not
    know falls through to the site's 404 handler; an API client should get the same error
    shape for those as for everything else.
    """

    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if not isinstance(pattern, URLPattern):
                continue
            if pattern.name == "api-root":  # ninja's raises a bare Http404 outside the API
                pattern.callback = csrf_exempt(self._unknown_route)
            else:
                pattern.callback = self._json_405(pattern.callback)
        patterns.append(re_path(r"^.*$", csrf_exempt(self._unknown_route), name="unknown"))
        return patterns, app_name, namespace

    def error(
        self, request: HttpRequest, status: int, code: str, message: str, **extra: object
    ) -> HttpResponse:
        return self.create_response(
            request, {"code": code, "message": message, **extra}, status=status
        )

    def _json_405(self, view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = view(request, *args, **kwargs)
            if isinstance(response, HttpResponseNotAllowed):
                allowed = response["Allow"]
                response = self.error(
                    request, 405, "method_not_allowed", f"该接口不支持 {request.method} 请求"
                )
                response["Allow"] = allowed
            return response

        return wrapper

    def _unknown_route(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.error(request, 404, "not_found", "接口不存在，请查看 /api/v1/docs")


api = CunwuAPI(
    title="cunwu 村务 API",
    version="1",
    urls_namespace="api",
    auth=AUTH,
    description=(
        "村务接口。认证：请求头 `Authorization: Bearer <令牌>`（在“接口令牌”页面创建），"
        "或浏览器登录会话（写操作需带 `X-CSRFToken`）。"
        '出错时一律返回 JSON `{"code": …, "message": …}`，字段错误另有 `field`。'
        "金额以分为单位（整数）。"
    ),
)
api.add_router("/", accounts_router)
api.add_router("/", regions_router)
api.add_router("/", registry_router)
api.add_router("/audit", audit_router)
api.add_router("/", disclosure_router)
api.add_router("/", disclosure_public_router)
api.add_router("/", feedback_router)
api.add_router("/", lists_router)
api.add_router("/", benefit_router)
api.add_router("/", calendar_router)
api.add_router("/store", store_router)
api.add_router("/points", points_router)
api.add_router("/assets", assets_router)
api.add_router("/monitoring", monitoring_router)
api.add_router("/public/monitoring", monitoring_public_router)
api.add_router("/village", village_router)


class HealthOut(Schema):
    status: str


@api.get(
    "/health", auth=None, response={200: HealthOut, **ERRORS}, tags=["系统"], summary="健康检查"
)
def health(request: HttpRequest) -> dict[str, str]:
    """Public (no token): for load balancers and uptime monitors. Touches the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": "ok"}


# ---------------------------------------------------------------- errors


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    extra = {"field": exc.field} if exc.field else {}
    return api.error(request, exc.status, exc.code, exc.message, **extra)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    audit_permission_denied(request, exc)
    return api.error(request, 403, "forbidden", "没有权限执行此操作")


@api.exception_handler(RateLimited)
def rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = api.error(request, 429, "rate_limited", exc.message)
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.error(request, 404, "not_found", "对象不存在或不在您的权限范围内")


def _location(error: dict[str, Any]) -> str:
    """``["body", "body", "head", "name"]`` → ``head.name`` (the request part is noise)."""
    loc = error.get("loc", ())
    parts = [str(p) for p in loc[1:] if p not in {"body", "filters", "payload"}]
    return ".".join(parts) or "请求体"


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = sorted({_location(e) for e in exc.errors})
    return api.error(
        request, 422, "invalid", f"请求参数有误，请检查：{'、'.join(fields)}", errors=exc.errors
    )


@api.exception_handler(AuthenticationError)
def unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.error(request, 401, "unauthorized", "请提供有效的接口令牌")


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # django-ninja raises HttpError for an unreadable body (400) and a failed CSRF check (403)
    if exc.status_code == 400:
        return api.error(request, 400, "json_invalid", "请求体不是有效的 JSON")
    if exc.status_code == 403 and "CSRF" in str(exc):
        return api.error(request, 403, "csrf_failed", "会话请求缺少有效的 CSRF 令牌")
    return api.error(request, exc.status_code, f"http_{exc.status_code}", "请求无法处理")


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def database_unavailable(request: HttpRequest, exc: DatabaseError) -> HttpResponse:
    # the server is down or the connection dropped: the transaction was rolled back
    logger.warning("database unavailable at %s %s: %s", request.method, request.path, exc)
    response = api.error(request, 503, DATABASE_DOWN_CODE, DATABASE_DOWN_MESSAGE)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@api.exception_handler(Exception)
def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error at %s %s", request.method, request.path, exc_info=exc)
    return api.error(request, 500, "server_error", "系统出错了")
