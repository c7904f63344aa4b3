"""The public portal's village pages answered for anonymous visitors before sessions and auth.

A village page (``portal:region``) is the same for every visitor who is not signed in, and it
is what the public reads most. ``PublicPageCacheMiddleware`` sits after the security, static
file and database-guard middleware, outside sessions, locale, CSRF, auth, messages, the rate
limit and ``X-Frame-Options`` (settings.MIDDLEWARE): for a ``GET``
without a session cookie or an ``Authorization`` header it answers with the whole response the
inner middleware and the view produced for the same page before (body *and* headers:
``X-Frame-Options``, ``Vary``, ``Content-Language`` …). Whatever sits outside it
(``SecurityMiddleware``, the Content-Security-Policy) still handles that answer as any other.

What it never does:

- serve anyone with a session cookie (a signed-in visitor, or one who might be): without the
  cookie a request is anonymous for certain, with it the normal path decides;
- serve or store anything but ``GET``, or keep a response that is not a plain 200 or that sets
  a cookie (a CSRF token, a session, a message);
- skip the anonymous rate limit: a visitor is counted here once, and
  ``RateLimitMiddleware`` does not count the same request again. One who is over the limit
  goes down the normal path, which answers 429.

Entries carry the region's version from ``disclosure.portal_cache``, so publishing, closing or
withdrawing a notice makes the next request render afresh, exactly as for the view's own cache.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve, reverse
from django.utils import translation

from cunwu.core import ratelimit
from cunwu.core.ratelimit import PUBLIC_COUNTED, RateLimited

from . import portal_cache
from .views_public import LARGE_COOKIE

GetResponse = Callable[[HttpRequest], HttpResponse]

VIEW_NAME = "portal:region"


def region_code(request: HttpRequest) -> str | None:
    """The region of a village page request, or None for any other page."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    if match.view_name != VIEW_NAME:
        return None
    return str(match.kwargs["code"])[:12]


class PublicPageCacheMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self._prefix = ""

    def _portal(self, request: HttpRequest) -> bool:
        """A cheap test before resolving the path: is it under the portal at all?"""
        if not self._prefix:
            self._prefix = reverse("portal:index")
        return request.path.startswith(self._prefix)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method != "GET"
            or settings.SESSION_COOKIE_NAME in request.COOKIES
            or "Authorization" in request.headers
            or not self._portal(request)
        ):
            return self.get_response(request)
        code = region_code(request)
        if code is None:
            return self.get_response(request)
        allowed, period = ratelimit.configured("public")
        try:
            ratelimit.hit(f"public:{ratelimit.client_ip(request)}", allowed, period)
        except RateLimited:
            return self.get_response(request)  # RateLimitMiddleware counts it and answers 429
        setattr(request, PUBLIC_COUNTED, True)
        key = self._key(request, code)
        stored = cache.get(key)
        if stored is not None:
            headers, content = stored
            response = HttpResponse(content)
            for name, value in headers:
                response[name] = value
            return response
        response = self.get_response(request)
        if self._storable(response):
            cache.set(key, (list(response.items()), response.content), portal_cache.TTL)
        return response

    @staticmethod
    def _key(request: HttpRequest, code: str) -> str:
        language = translation.get_language_from_request(request)
        large = request.COOKIES.get(LARGE_COOKIE) == "1"
        return portal_cache.page_key(
            "anonymous-response", code, large, language, full_path=request.get_full_path()
        )

    @staticmethod
    def _storable(response: HttpResponse) -> bool:
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and "private" not in response.get("Cache-Control", "")
            and "no-store" not in response.get("Cache-Control", "")
        )
