"""Who am I: the authenticated user and their role assignments."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from .models import RoleAssignment, User

router = Router(tags=["账号"])


class AssignmentOut(Schema):
    role: str
    role_label: str
    region: str
    region_name: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    assignments: list[AssignmentOut]


@router.get("/me", response=MeOut, summary="当前用户")
def me(request: HttpRequest) -> dict[str, object]:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 (authentication guarantees it)
    assignments = RoleAssignment.objects.filter(user=user).select_related("region")
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.name,
        "assignments": [
            {
                "role": a.role,
                "role_label": a.get_role_display(),
                "region": a.region_id,
                "region_name": a.region.full_name,
            }
            for a in assignments.order_by("role", "region_id")
        ],
    }
