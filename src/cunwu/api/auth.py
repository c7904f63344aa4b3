"""API authentication: a bearer token (``Authorization: Bearer …``) or the browser session."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from cunwu.accounts.services import token_authenticate


class BearerToken(HttpBearer):
    """Tokens are stored as SHA-256 digests; a revoked token or inactive user is refused."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


# A logged-in browser may use the API too; unsafe methods then need the CSRF header.
AUTH = [BearerToken(), SessionAuth()]
