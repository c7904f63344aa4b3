"""Reads of the accounts app, always scoped to the acting user."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet
from django.http import Http404

from cunwu.core.models import Region

from .models import ApiToken, RoleAssignment, User
from .permissions import has_perm_in, scope_q

MANAGE = "accounts.manage_roles"


def _search(q: str) -> Q:
    q = q.strip()
    if not q:
        return Q()
    return (
        Q(user__username__icontains=q)
        | Q(user__display_name__icontains=q)
        | Q(user__phone__contains=q)
    )


def assignment_list(
    *, actor: User, q: str = "", role: str = "", region: Region | None = None
) -> QuerySet[RoleAssignment]:
    """Assignments over regions in the actor's ``accounts.manage_roles`` scope.

    ``q`` matches a name, username or phone; ``region`` keeps that region and everything under it.
    """
    qs = RoleAssignment.objects.filter(scope_q(actor, MANAGE, field="region")).filter(_search(q))
    if role:
        qs = qs.filter(role=role)
    if region is not None:
        qs = qs.filter(region__code__startswith=region.prefix)
    return qs.select_related("user", "region", "region__parent", "created_by").order_by(
        "region__code", "user__display_name", "user__username", "role"
    )


def assignment_get(*, actor: User, pk: int) -> RoleAssignment:
    """One assignment in scope; Http404 otherwise (its existence is not revealed)."""
    assignment = RoleAssignment.objects.select_related("user", "region").filter(pk=pk).first()
    if assignment is None or not has_perm_in(actor, MANAGE, assignment.region):
        raise Http404("角色授权不存在")
    return assignment


def user_list(*, actor: User, q: str = "") -> QuerySet[User]:
    """Users holding at least one role in the actor's ``accounts.manage_roles`` scope."""
    in_scope = RoleAssignment.objects.filter(scope_q(actor, MANAGE, field="region")).filter(
        _search(q)
    )
    return User.objects.filter(pk__in=in_scope.values("user_id")).order_by(
        "display_name", "username"
    )


def user_get(*, actor: User, pk: int) -> User:
    """One user in scope; Http404 otherwise."""
    user = user_list(actor=actor).filter(pk=pk).first()
    if user is None:
        raise Http404("用户不存在")
    return user


def user_assignments(*, actor: User, user: User) -> QuerySet[RoleAssignment]:
    """The user's assignments that the actor may see (and revoke)."""
    return assignment_list(actor=actor).filter(user=user)


def token_list(*, actor: User) -> QuerySet[ApiToken]:
    """The actor's own API tokens, live ones first, newest first."""
    return ApiToken.objects.filter(user=actor).order_by(
        F("revoked_at").asc(nulls_first=True), "-created_at", "-pk"
    )


def token_get(*, actor: User, pk: int) -> ApiToken:
    """One of the actor's own tokens; Http404 for anyone else's."""
    token = ApiToken.objects.select_related("user").filter(pk=pk, user=actor).first()
    if token is None:
        raise Http404("令牌不存在")
    return token
