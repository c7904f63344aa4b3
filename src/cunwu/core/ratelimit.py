"""Rate limits kept in Django's cache: fixed windows counted per key (usually the client's IP).

A limit is ``limit`` hits per ``period`` seconds. The counter of a window lives in the cache
under the key and the window's number, so it expires on its own; when the limit is reached the
caller is told how many seconds remain until the window ends (the ``Retry-After`` of a 429).

The cache must be shared by every process that serves requests: the default LocMem cache is
per process, which is right for one process (and for tests) but lets each gunicorn worker
count separately. ``docs/deploy.md`` shows the database or Redis cache for production.

The client is ``REMOTE_ADDR``. Behind a reverse proxy that address is the proxy's unless the
application server replaces it with the real client's (gunicorn ``--forwarded-allow-ips``
with the proxy's ``X-Forwarded-For``); headers sent by clients are never trusted here.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from django.http.response import HttpResponseBase

View = Callable[..., HttpResponseBase]
Key = str | Callable[[HttpRequest], str]

MESSAGE = "操作过于频繁，请{wait}后再试。"
# set on a request whose ``public`` hit a middleware before the log-in is known has counted
# (disclosure.middleware), so that web.security.RateLimitMiddleware does not count it twice
PUBLIC_COUNTED = "_cunwu_public_counted"


def clock() -> float:
    """Seconds since the epoch; tests replace it to move through windows."""
    return time.time()


class RateLimited(Exception):
    """Raised when a limit is reached; ``retry_after`` is in whole seconds."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return MESSAGE.format(wait=wait_text(self.retry_after))


def wait_text(seconds: int) -> str:
    """``45秒`` or ``3分钟`` (rounded up): how long the message asks to wait."""
    if seconds < 60:
        return f"{seconds}秒"
    return f"{math.ceil(seconds / 60)}分钟"


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def _cache() -> Any:
    return caches[getattr(settings, "CUNWU_RATELIMIT_CACHE", "default")]


def _window(key: str, period: int) -> tuple[str, int]:
    """(cache key of the current window, seconds until it ends)."""
    now = clock()
    number = int(now // period)
    remaining = math.ceil((number + 1) * period - now)
    return f"cunwu:rl:{key}:{period}:{number}", remaining


def count(key: str, period: int) -> int:
    """Count one hit against ``key`` in the current window; return the window's total."""
    cache = _cache()
    cache_key, remaining = _window(key, period)
    cache.add(cache_key, 0, timeout=remaining + 1)
    try:
        return int(cache.incr(cache_key))
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=remaining + 1)
        return 1


def blocked(key: str, limit: int, period: int) -> int | None:
    """Seconds to wait when ``key`` already has ``limit`` hits in this window, else None."""
    cache_key, remaining = _window(key, period)
    hits = _cache().get(cache_key, 0)
    return remaining if hits >= limit else None


def hit(key: str, limit: int, period: int) -> None:
    """Count one hit; raise :class:`RateLimited` if it goes beyond ``limit`` in the window."""
    total = count(key, period)
    if total > limit:
        raise RateLimited(_window(key, period)[1])


def check(key: str, limit: int, period: int) -> None:
    """Raise :class:`RateLimited` when ``key`` has used up its window, without counting."""
    wait = blocked(key, limit, period)
    if wait is not None:
        raise RateLimited(wait)


def reset(key: str, period: int) -> None:
    _cache().delete(_window(key, period)[0])


# name → (limit, period in seconds); settings.CUNWU_RATE_LIMITS overrides any of them
DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "login": (30, 60),
    "login_failures": (20, 15 * 60),
    "api_token_failures": (20, 15 * 60),
    "public": (300, 60),
    "audit_denied": (30, 60),
}


def configured(name: str) -> tuple[int, int]:
    """(limit, period) of a named limit: ``settings.CUNWU_RATE_LIMITS`` or the default."""
    limits: dict[str, tuple[int, int]] = getattr(settings, "CUNWU_RATE_LIMITS", {})
    value = limits.get(name) or DEFAULT_LIMITS[name]
    return int(value[0]), int(value[1])


def _resolve(key: Key, request: HttpRequest) -> str:
    if callable(key):
        return key(request)
    return f"{key}:{client_ip(request)}"


def rate_limit(
    key: Key,
    limit: int | None = None,
    period: int | None = None,
    *,
    methods: tuple[str, ...] | None = None,
) -> Callable[[View], View]:
    """Allow ``limit`` requests per ``period`` seconds and client to the decorated view.

    ``key`` names the limit; the client's IP is appended to it (or pass a function of the
    request that returns the whole key). Without ``limit`` and ``period`` they are read, on
    each request, from the named limit in ``CUNWU_RATE_LIMITS`` (so settings can change them).
    ``methods`` limits only those methods (all if None).
    Beyond the limit the view is not called: :class:`RateLimited` is raised, which
    ``cunwu.web.security.RateLimitMiddleware`` answers with a 429 and ``Retry-After``.
    """

    if (limit is None or period is None) and not isinstance(key, str):
        raise TypeError("a key function needs an explicit limit and period")
    name = key if isinstance(key, str) else ""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if methods is None or request.method in methods:
                if limit is None or period is None:
                    allowed, seconds = configured(name)
                else:
                    allowed, seconds = limit, period
                hit(_resolve(key, request), allowed, seconds)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
