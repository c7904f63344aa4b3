"""The portal's listing pages, cached as rendered HTML for everyone (they show nothing personal).

A village page is read far more often than it changes: its HTML is kept in Django's cache for
``TTL`` seconds under a key that carries the region's *version*. Publishing, closing or
withdrawing a notice bumps the version of its region and of the township and county above it
(on commit), so the next request renders afresh. With a cache shared by all processes
(``CACHE_URL``: database or Redis, see docs/deploy.md) that is immediate everywhere; with the
default per-process cache, other processes may serve the old page until ``TTL`` runs out.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

TTL = 60


def _version_key(code: str) -> str:
    return f"portal:v:{code}"


def _version(code: str) -> int:
    version = cache.get(_version_key(code))
    if version is None:
        version = time.time_ns()
        cache.add(_version_key(code), version, None)
    return int(version)


def bump(code: str) -> None:
    """A notice of region ``code`` changed what the public sees: the village's, township's and
    county's pages are rendered afresh."""
    now = time.time_ns()
    for prefix in {code, code[:9] + "000", code[:6] + "000000"}:
        cache.set(_version_key(prefix), now, None)


def page_key(kind: str, code: str, large: bool, *extra: str, full_path: str) -> str:
    """The cache key of one rendering of a page of region ``code`` at its current version (the
    path, which may hold any character, comes last)."""
    raw = "|".join([kind, code, str(_version(code)), str(int(large)), *extra, full_path])
    return "portal:page:" + hashlib.sha256(raw.encode()).hexdigest()


def cached_page(
    request: HttpRequest, code: str, large: bool, render: Callable[[], HttpResponse]
) -> HttpResponse:
    """The rendered page from the cache, or ``render()`` stored there when it answers 200."""
    signed_in = bool(getattr(request, "user", None) and request.user.is_authenticated)
    key = page_key("html", code, large, str(int(signed_in)), full_path=request.get_full_path())
    html = cache.get(key)
    if html is not None:
        return HttpResponse(html)
    response = render()
    if response.status_code == 200:
        cache.set(key, response.content, TTL)
    return response
