"""Audit events for log-ins, failed log-ins and permission denials; log-in throttling per client.

Which chain records them: the county (or wider unit) of the user's widest role, the chain of
the other account events (see ``services._audit_region``), so that only county administrators
read who logged in from where; a user without any role (a superuser) and an unknown login
name record on the deployment's top region (the widest region imported, e.g. 湖南省).

What they never hold: the attempted password. An unknown login name may be a password typed
into the wrong box, so it is kept only masked (a phone as ``138****1234``, anything else as
its first two characters and its length).

Bounds: every failed log-in counts against the client's IP (``login_failures`` in
``CUNWU_RATE_LIMITS``); once the limit is reached the backend refuses that client with a 429
before any password check or audit row, so a flood from one client adds at most that many
events per window. Denials are audited at most ``audit_denied`` times per user (or client) per
window; further ones are only logged. An audit failure is logged and never changes the answer.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from cunwu.core import ratelimit
from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import mask_phone
from cunwu.core.models import Region
from cunwu.core.services.audit import audit_append

from .backends import find_user, login_failures_key
from .models import User
from .services import _audit_region

logger = logging.getLogger("cunwu.security")

# actions recorded here, not by a business service
SECURITY_ACTIONS = ("accounts.login", "accounts.login_failed", "accounts.permission_denied")

_PHONE_LIKE = re.compile(r"^\+?\d[\d\s-]{6,}$")


def top_region() -> Region | None:
    """The widest region of the deployment (lowest level, then lowest code)."""
    return Region.objects.order_by("level", "code").first()


def account_region(user: Any) -> Region | None:
    """The chain for an event about ``user``: the county of their widest role, else the top."""
    if isinstance(user, User):
        try:
            return _audit_region(user)
        except ApplicationError:  # no regions imported yet
            return None
    return top_region()


def mask_login(login: str) -> str:
    """A login name safe to keep: phones masked, unknown names cut to two characters."""
    login = login.strip()
    if _PHONE_LIKE.match(login):
        return mask_phone(re.sub(r"\D", "", login))
    return login[:2] + f"…（{len(login)}个字符）" if len(login) > 2 else "…"


def _via(request: HttpRequest | None) -> str:
    if request is not None and request.path.startswith("/admin/"):
        return "admin"
    return "web"


def _append(*, actor: Any, region: Region | None, action: str, **fields: Any) -> None:
    """Append outside any business transaction; a failure is logged, never raised."""
    if region is None:
        logger.warning("no region to record %s (regions not imported yet)", action)
        return
    try:
        with transaction.atomic():
            audit_append(actor=actor, region=region, action=action, **fields)
    except Exception:
        logger.exception("could not record %s", action)


@receiver(user_logged_in, dispatch_uid="cunwu.accounts.security.logged_in")
def audit_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    _append(
        actor=user,
        region=account_region(user),
        action="accounts.login",
        obj=user,
        payload={
            "username": user.username,
            "ip": ratelimit.client_ip(request) if request is not None else "",
            "via": _via(request),
        },
    )


@receiver(user_login_failed, dispatch_uid="cunwu.accounts.security.login_failed")
def audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """Count the failure against the client and record it (never the password)."""
    ip = ratelimit.client_ip(request) if request is not None else ""
    if request is not None:
        ratelimit.count(login_failures_key(request), ratelimit.configured("login_failures")[1])
    login = str(credentials.get("username") or "")
    user = find_user(login) if login else None
    payload: dict[str, Any] = {"ip": ip, "via": _via(request)}
    if user is None:
        payload |= {"login": mask_login(login), "unknown_user": True}
        _append(actor=None, region=top_region(), action="accounts.login_failed", payload=payload)
        return
    locked = bool(user.locked_until and user.locked_until > timezone.now())
    payload |= {
        "username": user.username,
        "failed_logins": user.failed_logins,
        "locked_until": user.locked_until.isoformat() if locked and user.locked_until else "",
    }
    _append(
        actor=None,
        region=account_region(user),
        action="accounts.login_failed",
        obj=user,
        payload=payload,
    )


def audit_permission_denied(request: HttpRequest, exc: PermissionDenied) -> None:
    """Record a refused request: who, which page or endpoint, and the refusal's reason."""
    try:
        user = request.user if request.user.is_authenticated else None
        who = f"user:{user.pk}" if user is not None else f"ip:{ratelimit.client_ip(request)}"
        allowed, period = ratelimit.configured("audit_denied")
        if ratelimit.count(f"audit_denied:{who}", period) > allowed:
            logger.warning("permission denied (not audited: over limit) %s %s", who, request.path)
            return
        _append(
            actor=user,
            region=account_region(user),
            action="accounts.permission_denied",
            object_type="path",
            object_id=request.path[:200],
            payload={
                "method": request.method,
                "path": request.path[:200],
                "reason": str(exc)[:200] or "没有权限",
                "ip": ratelimit.client_ip(request),
            },
        )
    except Exception:
        logger.exception("could not record a permission denial")
