"""Forms of the role administration and token pages. They collect input; services validate it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms

from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region

from .backends import find_user
from .models import Role, User
from .permissions import regions_in_scope

INDENT = "\u3000"  # a full-width space indents a village under its township in a <select>


def region_choices(
    actor: Any, perm: str, *, levels: Iterable[int] | None = None
) -> tuple[list[tuple[str, str]], dict[str, Region]]:
    """(choices, regions by code) of the regions where ``actor`` holds ``perm``, as a tree.

    One query: labels are indented by level rather than spelled out with every parent.
    """
    qs = regions_in_scope(actor, perm)
    if levels is not None:
        qs = qs.filter(level__in=list(levels))
    regions = list(qs)
    top = min((r.level for r in regions), default=0)
    choices = [(r.code, INDENT * (r.level - top) + r.name) for r in regions]
    return choices, {r.code: r for r in regions}


def add_application_error(form: forms.Form, exc: ApplicationError) -> None:
    """Show a service's refusal on the field it names, or above the form."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


class RegionChoiceForm(forms.Form):
    """A form with a ``region`` select limited to the actor's scope for ``perm``."""

    region_perm = "accounts.manage_roles"
    region_levels: Iterable[int] | None = None
    region_blank: str | None = None

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices, self.regions = region_choices(actor, self.region_perm, levels=self.region_levels)
        if self.region_blank is not None:
            choices = [("", self.region_blank), *choices]
        cast(forms.ChoiceField, self.fields["region"]).choices = choices

    def clean_region(self) -> Region | None:
        code = self.cleaned_data.get("region") or ""
        return self.regions.get(code)


class AssignmentFilterForm(RegionChoiceForm):
    region_blank = "全部区划"

    q = forms.CharField(label="姓名、用户名或手机号", required=False, max_length=50)
    role = forms.ChoiceField(
        label="角色", required=False, choices=[("", "全部角色"), *Role.choices]
    )
    region = forms.ChoiceField(label="区划", required=False)


class AssignmentGrantForm(RegionChoiceForm):
    user = forms.CharField(label="用户名或手机号", max_length=150)
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    region = forms.ChoiceField(label="区划")

    def clean_user(self) -> User:
        login = self.cleaned_data["user"]
        user = find_user(login)
        if user is None:
            raise forms.ValidationError(f"找不到用户“{login}”，请先新建用户")
        return user


class UserCreateForm(RegionChoiceForm):
    username = forms.CharField(label="用户名", max_length=150)
    display_name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(label="手机号码", max_length=20, required=False)
    password = forms.CharField(label="初始密码", strip=False, widget=forms.PasswordInput)
    password2 = forms.CharField(label="再次输入密码", strip=False, widget=forms.PasswordInput)
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    region = forms.ChoiceField(label="区划")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("password") and cleaned.get("password") != cleaned.get("password2"):
            self.add_error("password2", "两次输入的密码不一致")
        return cleaned


class TokenCreateForm(forms.Form):
    name = forms.CharField(label="用途", max_length=100, help_text="例如：乡镇报表系统")
