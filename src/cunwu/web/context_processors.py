"""Navigation by role, shown in the base layout."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from cunwu.accounts.permissions import has_perm_in, roles_of, scope_prefixes


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {"nav": []}
    nav: list[tuple[str, str]] = [("首页", reverse("home"))]
    if scope_prefixes(user, "registry.view") != []:
        nav.append(("户籍人口", reverse("registry:household_list")))
    if scope_prefixes(user, "registry.edit") != []:
        nav.append(("导入", reverse("registry:import_start")))
    if scope_prefixes(user, "core.manage_groups") != []:
        nav.append(("村民小组", reverse("group_list")))
    if scope_prefixes(user, "core.view_audit") != []:
        nav.append(("审计", reverse("audit_list")))
    if scope_prefixes(user, "accounts.manage_roles") != []:
        nav.append(("角色授权", reverse("accounts:assignment_list")))
    return {"nav": nav, "user_roles": roles_of(user), "has_perm_in": has_perm_in}
