"""What the pages of every module share: the check that a user holds a permission somewhere
(else 403), and the page of a one-form action (back link, title, intro, the form)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .permissions import scope_prefixes


def need(user: Any, perm: str, message: str = "没有权限查看") -> None:
    """403 unless ``user`` holds ``perm`` over some region."""
    if scope_prefixes(user, perm) == []:
        raise PermissionDenied(message)


def form_page(
    request: HttpRequest, form: Any, title: str, back: str, intro: str = "",
    *, multipart: bool = False,
) -> HttpResponse:  # fmt: skip
    """A page with one form: ``title``, an optional ``intro``, the fields, 确定 and 取消
    (``multipart`` when the form uploads files)."""
    context = {"form": form, "title": title, "back": back, "intro": intro, "multipart": multipart}
    return render(request, "accounts/form.html", context)
