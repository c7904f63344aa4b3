"""What the pages of every part of 防返贫监测 share: the check that a user holds a permission
somewhere (else 403), and the page of a one-form action (back link, title, intro, the form)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cunwu.accounts.permissions import scope_prefixes


def need(user: Any, perm: str, message: str = "没有权限查看") -> None:
    """403 unless ``user`` holds ``perm`` over some region."""
    if scope_prefixes(user, perm) == []:
        raise PermissionDenied(message)


def form_page(
    request: HttpRequest, form: Any, title: str, back: str, intro: str = ""
) -> HttpResponse:
    context = {"form": form, "title": title, "back": back, "intro": intro}
    return render(request, "monitoring/form.html", context)
