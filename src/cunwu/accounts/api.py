"""Who am I: the authenticated user, their roles with regions, and what each role allows."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from cunwu.api.schemas import ERRORS

from .models import RoleAssignment, User
from .permissions import PERMISSIONS, user_scope_name

router = Router(tags=["账号"])


class AssignmentOut(Schema):
    role: str = Field(description="角色代码，如 village_staff")
    role_label: str = Field(description="角色名称，如 村干部")
    region: str = Field(description="区划代码")
    region_name: str
    permissions: list[str] = Field(description="该角色在该区划（含下级）内的权限")


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    is_superuser: bool
    scope_name: str = Field(description="工作范围，如 开云镇")
    roles: list[AssignmentOut]


@router.get("/me", response={200: MeOut, **ERRORS}, summary="当前用户")
def me(request: HttpRequest) -> dict[str, object]:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 (authentication guarantees it)
    assignments = (
        RoleAssignment.objects.filter(user=user)
        .select_related("region__parent__parent__parent")
        .order_by("role", "region_id")
    )
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.name,
        "is_superuser": user.is_superuser,
        "scope_name": user_scope_name(user),
        "roles": [
            {
                "role": a.role,
                "role_label": a.get_role_display(),
                "region": a.region_id,
                "region_name": a.region.full_name,
                "permissions": sorted(p for p, roles in PERMISSIONS.items() if a.role in roles),
            }
            for a in assignments
        ],
    }
