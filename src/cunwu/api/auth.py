"""API authentication: a bearer token (``Authorization: Bearer …``) or the browser session.

A token is looked up by the SHA-256 digest of what the client sends (the plaintext is never
stored); a revoked token or an inactive user is refused, and ``last_used_at`` is written at
most once a minute (see :func:`cunwu.accounts.services.token_authenticate`). Bad tokens count
against the client's IP (``api_token_failures`` in ``CUNWU_RATE_LIMITS``); beyond the limit
the client is answered 429 until the window ends.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from cunwu.accounts.services import token_authenticate
from cunwu.core import ratelimit


class BearerToken(HttpBearer):
    """``Authorization: Bearer <token>``: no cookie is involved, so no CSRF check either."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        # a client guessing tokens is stopped (429) after a number of bad ones per window
        key = f"api_token_failures:{ratelimit.client_ip(request)}"
        allowed, period = ratelimit.configured("api_token_failures")
        ratelimit.check(key, allowed, period)
        user = token_authenticate(token.strip())
        if user is None:
            ratelimit.count(key, period)
        else:
            # services and selectors take request.user as the actor, whichever way it came
            request.user = user
        return user


class BrowserSession(SessionAuth):
    """A logged-in browser (django-ninja's ``django_auth``): unsafe methods need the CSRF token.

    The CSRF check runs only when there is a logged-in session to protect: a client that simply
    forgot its token is told 401 (log in / send a token), not 403 (CSRF).
    """

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


AUTH = [BearerToken(), BrowserSession()]
