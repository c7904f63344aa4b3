"""The NinjaAPI object under /api/v1/; each app contributes a router.

Every error is JSON ``{"code": …, "message": …}`` with a Chinese message, whatever raised it:
an expected failure (ApplicationError), a permission or scope check, bad parameters, a bad
token, or an unexpected exception (logged, answered with a 500 that is still JSON).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from cunwu.accounts.api import router as accounts_router
from cunwu.api.audit import router as audit_router
from cunwu.api.auth import AUTH
from cunwu.api.regions import router as regions_router
from cunwu.core.errors import ApplicationError
from cunwu.registry.api import router as registry_router

logger = logging.getLogger("cunwu.api")

api = NinjaAPI(
    title="cunwu 村务 API",
    version="1",
    urls_namespace="api",
    auth=AUTH,
    description="村务接口。认证：请求头 `Authorization: Bearer <令牌>`，或浏览器登录会话。"
    '错误统一为 `{"code": …, "message": …}`。',
)
api.add_router("/", accounts_router)
api.add_router("/", regions_router)
api.add_router("/", registry_router)
api.add_router("/audit", audit_router)


def _error(
    request: HttpRequest, status: int, code: str, message: str, **extra: object
) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    extra = {"field": exc.field} if exc.field else {}
    return _error(request, exc.status, exc.code, exc.message, **extra)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, "forbidden", "没有权限执行此操作")


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", "对象不存在或不在您的权限范围内")


def _location(error: dict[str, Any]) -> str:
    loc = [str(p) for p in error.get("loc", ()) if p not in {"body", "query", "path", "payload"}]
    return ".".join(loc) or "请求体"


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = sorted({_location(e) for e in exc.errors})
    if any(e.get("type") == "json_invalid" for e in exc.errors):
        return _error(request, 400, "json_invalid", "请求体不是有效的 JSON")
    return _error(request, 422, "invalid", f"请求参数有误：{'、'.join(fields)}", errors=exc.errors)


@api.exception_handler(AuthenticationError)
def unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthorized", "请提供有效的接口令牌")


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 403:
        return _error(request, 403, "csrf_failed", "会话请求缺少有效的 CSRF 令牌")
    if exc.status_code == 400:
        return _error(request, 400, "bad_request", "请求体无法解析")
    return _error(request, exc.status_code, f"http_{exc.status_code}", str(exc.message))


@api.exception_handler(Exception)
def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error at %s", request.path, exc_info=exc)
    return _error(request, 500, "server_error", "系统出错了，请稍后再试")
