"""Log in by username or phone number, with lock-out after repeated failures of an account
and a 429 for a client (IP) after repeated failures of any accounts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone

from cunwu.core import ratelimit

from .models import User


class AccountLocked(Exception):
    """Raised to the login form when the account is locked."""


def login_failures_key(request: HttpRequest) -> str:
    return f"login_failures:{ratelimit.client_ip(request)}"


def check_login_allowed(request: HttpRequest | None) -> None:
    """Raise ``RateLimited`` when this client has used up its failed log-ins for the window
    (``login_failures`` in ``CUNWU_RATE_LIMITS``; the failures are counted by
    ``security.audit_login_failed``)."""
    if request is not None:
        ratelimit.check(login_failures_key(request), *ratelimit.configured("login_failures"))


def find_user(login: str) -> User | None:
    login = login.strip()
    if not login:
        return None
    return User.objects.filter(Q(username=login) | Q(phone=login)).first()


class PhoneOrUsernameBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        # a client that failed too often is refused before any password check (429)
        check_login_allowed(request)
        user = find_user(username)
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        now = timezone.now()
        if user.locked_until and user.locked_until > now:
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            if user.failed_logins or user.locked_until:
                User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
            return user
        # count the failure atomically; lock once the limit is reached
        User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
        user.refresh_from_db(fields=["failed_logins"])
        if user.failed_logins >= settings.CUNWU_LOGIN_MAX_FAILURES:
            lock = now + timedelta(minutes=settings.CUNWU_LOGIN_LOCK_MINUTES)
            User.objects.filter(pk=user.pk).update(locked_until=lock, failed_logins=0)
        return None


def is_locked(login: str) -> bool:
    user = find_user(login)
    return bool(user and user.locked_until and user.locked_until > timezone.now())
