"""Role administration for county admins (角色授权, users, lock-outs) and everyone's API tokens.

Views are thin: forms collect, services write and check permission, selectors read in scope.
A user with no ``accounts.manage_roles`` anywhere gets 403; an object outside scope is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import mask_phone
from cunwu.core.listing import paginate

from . import selectors, services
from .forms import (
    AssignmentFilterForm,
    AssignmentGrantForm,
    TokenCreateForm,
    UserCreateForm,
    add_application_error,
)
from .models import User
from .permissions import scope_prefixes

MANAGE = "accounts.manage_roles"
PAGE_SIZE = 50


def _actor(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # login_required lets only real users through
        raise PermissionDenied
    return user


def _manager(request: HttpRequest) -> User:
    """The acting user, who must manage roles somewhere (403 otherwise)."""
    actor = _actor(request)
    if scope_prefixes(actor, MANAGE) == []:
        raise PermissionDenied("没有角色授权的权限")
    return actor


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# ---------------------------------------------------------------- role assignments


@login_required
@require_http_methods(["GET"])
def assignment_list(request: HttpRequest) -> HttpResponse:
    """Assignments in scope, searchable by name/username/phone and filtered by role and region."""
    actor = _manager(request)
    form = AssignmentFilterForm(request.GET or None, actor=actor)
    filters: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()
        filters = form.cleaned_data
    rows = selectors.assignment_list(
        actor=actor,
        q=filters.get("q") or "",
        role=filters.get("role") or "",
        region=filters.get("region"),
    )
    page, query = paginate(request, rows, PAGE_SIZE)
    page.object_list = list(page.object_list)
    for assignment in page.object_list:
        # a list is not where a full phone number is needed; the user's own page shows it
        assignment.user.masked_phone = mask_phone(assignment.user.phone or "")  # type: ignore[attr-defined]
    context = {"form": form, "page": page, "query": query, "now": timezone.now()}
    template = "accounts/assignment_list.html"
    if _is_htmx(request):
        template += "#results"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def assignment_grant(request: HttpRequest) -> HttpResponse:
    actor = _manager(request)
    initial = {"user": request.GET.get("user", "")}
    form = AssignmentGrantForm(request.POST or None, actor=actor, initial=initial)
    if request.method == "POST" and form.is_valid():
        user: User = form.cleaned_data["user"]
        try:
            assignment = services.assignment_grant(
                actor=actor,
                user=user,
                role=form.cleaned_data["role"],
                region=form.cleaned_data["region"],
            )
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(request, f"已授予{assignment}")
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/assignment_grant.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def assignment_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation (works without JS); POST revokes."""
    actor = _manager(request)
    assignment = selectors.assignment_get(actor=actor, pk=pk)
    error = ""
    if request.method == "POST":
        try:
            services.assignment_revoke(actor=actor, assignment=assignment)
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, f"已撤销{assignment}")
            return redirect("accounts:assignment_list")
    return render(
        request, "accounts/assignment_revoke.html", {"assignment": assignment, "error": error}
    )


# ---------------------------------------------------------------- users


@login_required
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    actor = _manager(request)
    form = UserCreateForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                actor=actor,
                username=data["username"],
                display_name=data["display_name"],
                phone=data["phone"],
                password=data["password"],
                role=data["role"],
                region=data["region"],
            )
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(request, f"已新建用户{user.name}（{user.username}）")
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_create.html", {"form": form})


@login_required
@require_http_methods(["GET"])
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _manager(request)
    user = selectors.user_get(actor=actor, pk=pk)
    context = {
        "subject": user,
        "assignments": selectors.user_assignments(actor=actor, user=user),
        "locked": bool(user.locked_until and user.locked_until > timezone.now()),
    }
    return render(request, "accounts/user_detail.html", context)


@login_required
@require_POST
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _manager(request)
    user = selectors.user_get(actor=actor, pk=pk)
    services.user_unlock(actor=actor, user=user)
    messages.success(request, f"已解除{user.name}的登录锁定")
    return redirect("accounts:user_detail", pk=user.pk)


@login_required
@require_POST
def user_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _manager(request)
    user = selectors.user_get(actor=actor, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(actor=actor, user=user, active=active)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已{'启用' if active else '停用'}{user.name}的账号")
    return redirect("accounts:user_detail", pk=user.pk)


# ---------------------------------------------------------------- API tokens


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    """我的接口令牌: a new token's plaintext is in this one response and nowhere else."""
    actor = _actor(request)
    form = TokenCreateForm(request.POST or None)
    plaintext = ""
    if request.method == "POST" and form.is_valid():
        try:
            _token, plaintext = services.token_create(
                actor=actor, user=actor, name=form.cleaned_data["name"]
            )
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            form = TokenCreateForm()
    context = {
        "form": form,
        "tokens": selectors.token_list(actor=actor),
        "plaintext": plaintext,
    }
    response = render(request, "accounts/token_list.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    token = selectors.token_get(actor=actor, pk=pk)
    try:
        services.token_revoke(actor=actor, token=token)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已停用令牌{token.prefix}…（{token.name}）")
    return redirect("accounts:token_list")
