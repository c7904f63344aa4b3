"""Django admin for users, role assignments and API tokens.

Role assignments and token stops go through the services, so the admin leaves the same audit
trail as the pages; tokens cannot be made here because their plaintext must be shown once.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import normalize_phone

from .models import ApiToken, RoleAssignment, User
from .services import (
    assignment_grant,
    assignment_revoke,
    check_role_level,
    token_revoke,
    user_admin_audit,
)


def _clean_phone(raw: str | None) -> str | None:
    if not raw or not raw.strip():
        return None  # NULL, not "": the unique constraint allows many accounts without a phone
    try:
        return normalize_phone(raw)
    except ApplicationError as exc:
        raise forms.ValidationError(exc.message) from None


class UserChangeForm(auth_forms.UserChangeForm):  # type: ignore[type-arg]
    def clean_phone(self) -> str | None:
        return _clean_phone(self.cleaned_data.get("phone"))


class UserCreationForm(auth_forms.AdminUserCreationForm):  # type: ignore[type-arg]
    def clean_phone(self) -> str | None:
        return _clean_phone(self.cleaned_data.get("phone"))


@admin.register(User)
class CunwuUserAdmin(UserAdmin):  # type: ignore[type-arg]
    form = UserChangeForm
    add_form = UserCreationForm
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("村务", {"fields": ("display_name", "phone", "failed_logins", "locked_until")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "display_name",
                    "phone",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    list_display = ("username", "display_name", "phone", "is_active", "is_staff", "locked_until")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("username", "display_name", "phone")

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        """The admin bypasses the services, so its changes are audited here, in one transaction."""
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            actor = request.user
            assert isinstance(actor, User)  # noqa: S101 (the admin requires a logged-in user)
            user_admin_audit(
                actor=actor, user=obj, fields=list(form.changed_data), created=not change
            )

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and getattr(response, "status_code", 0) == 302:
            user = User.objects.get(pk=id)
            actor = request.user
            assert isinstance(actor, User)  # noqa: S101
            with transaction.atomic():
                user_admin_audit(actor=actor, user=user, fields=["password"], created=False)
        return response


class RoleAssignmentForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = RoleAssignment
        fields = ("user", "role", "region")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        role, region = cleaned.get("role"), cleaned.get("region")
        if role and region:
            try:
                check_role_level(role, region)
            except ApplicationError as exc:
                raise forms.ValidationError(exc.message) from None
        return cleaned


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Grants and revocations through the services; an assignment is never edited in place."""

    form = RoleAssignmentForm
    list_display = ("user", "role", "region", "created_at", "created_by")
    list_filter = ("role",)
    search_fields = ("user__username", "user__display_name", "user__phone", "region__code")
    raw_id_fields = ("user", "region")
    list_select_related = ("user", "region", "created_by")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: RoleAssignment, form: Any, change: bool
    ) -> None:
        actor = request.user
        assert isinstance(actor, User)  # noqa: S101 (the admin only admits logged-in users)
        granted = assignment_grant(actor=actor, user=obj.user, role=obj.role, region=obj.region)
        obj.pk = granted.pk
        obj.created_at = granted.created_at
        obj.created_by = granted.created_by

    def delete_model(self, request: HttpRequest, obj: RoleAssignment) -> None:
        actor = request.user
        assert isinstance(actor, User)  # noqa: S101
        try:
            assignment_revoke(actor=actor, assignment=obj)
        except ApplicationError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RoleAssignment]) -> None:
        for obj in queryset.select_related("user", "region"):
            self.delete_model(request, obj)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: only the digest is stored; tokens are made on 我的接口令牌 or by the CLI."""

    list_display = ("prefix", "name", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("prefix", "name", "user__username", "user__display_name")
    list_select_related = ("user",)
    readonly_fields = (
        "user",
        "name",
        "prefix",
        "digest",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    actions = ("revoke_tokens",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="停用所选令牌")
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        actor = request.user
        assert isinstance(actor, User)  # noqa: S101
        stopped = 0
        for token in queryset.filter(revoked_at__isnull=True).select_related("user"):
            try:
                token_revoke(actor=actor, token=token)
            except ApplicationError as exc:
                self.message_user(request, f"{token}：{exc.message}", level=messages.ERROR)
            else:
                stopped += 1
        self.message_user(request, f"已停用{stopped}个令牌")
