"""Navigation by role, shown in the base layout."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from cunwu.accounts.models import Role
from cunwu.accounts.permissions import has_perm_in, roles_of, scope_prefixes

# (label, url name, permission the user must hold somewhere)
NAV: list[tuple[str, str, str]] = [
    ("户籍人口", "registry:household_list", "registry.view"),
    ("导入", "registry:import_start", "registry.edit"),
    ("村民小组", "group_list", "core.manage_groups"),
    ("三务公开", "disclosure:notice_list", "disclosure.view"),
    ("意见投诉", "disclosure:feedback_list", "disclosure.feedback_view"),
    ("监委会", "disclosure:committee_index", "disclosure.committee_view"),
    ("问题台账", "disclosure:problem_list", "disclosure.problem_view"),
    ("四清单", "disclosure:list_items", "disclosure.view"),
    ("办件", "disclosure:case_list", "disclosure.view"),
    ("四议两公开", "disclosure:decision_list", "disclosure.view"),
    ("爱心超市", "store:index", "store.view"),
    ("资金收支", "assets:journal_list", "assets.view"),
    ("三资台账", "assets:asset_list", "assets.view"),
    ("合同", "assets:contract_list", "assets.view"),
    ("三资报表", "assets:report", "assets.view"),
    ("积分制", "points:index", "points.view"),
    ("防返贫监测", "monitoring:household_list", "monitoring.view"),
    ("部门数据", "monitoring:import_list", "monitoring.import"),
    ("乡村治理", "village:index", "village.view"),
    ("审计", "audit_list", "core.view_audit"),
    ("节假日", "calendar", "core.manage_calendar"),
    ("角色授权", "accounts:assignment_list", "accounts.manage_roles"),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {"nav": []}
    nav: list[tuple[str, str]] = [("首页", reverse("home"))]
    roles = roles_of(user)
    if Role.VILLAGER in roles:  # a villager's own pages: the household and the notice board
        nav += [
            ("我家", reverse("registry:own_household")),
            ("我的积分", reverse("points:mine")),
            ("村规民约", reverse("village:rule_mine")),
            ("公开栏", reverse("portal:index")),
        ]
    nav += [(label, reverse(name)) for label, name, perm in NAV if scope_prefixes(user, perm) != []]
    return {"nav": nav, "user_roles": roles, "has_perm_in": has_perm_in}
