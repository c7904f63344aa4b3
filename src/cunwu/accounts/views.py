"""Log-in and log-out. Role administration lives in ``views_roles``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpResponse
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator

from cunwu.core.ratelimit import rate_limit
from cunwu.core.services.audit import audit_append

from .backends import is_locked
from .security import account_region


class LoginForm(AuthenticationForm):
    """Log in by username or phone number; a locked account is told so, in Chinese."""

    username = forms.CharField(label="用户名或手机号", max_length=150)
    password = forms.CharField(label="密码", strip=False, widget=forms.PasswordInput)

    error_messages = {  # noqa: RUF012 (Django's own shape)
        "invalid_login": "用户名（手机号）或密码错误。连续多次错误后账号将被暂时锁定。",
        "inactive": "该账号已停用。",
        "locked": "登录失败次数过多，账号已暂时锁定，请稍后再试或联系管理员。",
    }

    def clean(self) -> dict[str, Any]:
        username = self.data.get("username", "")
        if username and is_locked(str(username)):
            # no password check happens, but the attempt is still a failed log-in: audited
            # and counted against the client like any other
            user_login_failed.send(
                sender=__name__, credentials={"username": str(username)}, request=self.request
            )
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        cleaned = super().clean()
        return cleaned


@method_decorator(rate_limit("login", methods=("POST",)), name="dispatch")
class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    error_messages = {  # noqa: RUF012 (Django's own shape)
        **auth_forms.PasswordChangeForm.error_messages,
        "password_incorrect": "原密码不正确，请重新输入。",
        "password_mismatch": "两次输入的新密码不一致。",
    }


@method_decorator(rate_limit("login", methods=("POST",)), name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    """Everyone changes their own password (the password rules apply); audited."""

    form_class = PasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.user  # the logged-in user whose password the form changes
        with transaction.atomic():
            response = super().form_valid(form)
            region = account_region(user)
            if region is not None:
                audit_append(
                    actor=user,
                    region=region,
                    action="accounts.password_change",
                    obj=user,
                    payload={"username": user.get_username()},
                )
        messages.success(self.request, "密码已修改")
        return response
