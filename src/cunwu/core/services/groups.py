"""Villagers' groups (村民小组), created and renamed by village staff.

``core`` imports no other app, so it cannot know roles. The permission check still happens
first, inside the service: the caller passes ``authorize`` (normally
``cunwu.accounts.permissions.require``), a callable that raises ``PermissionDenied`` unless the
actor holds the permission over the region. It is a required argument, so no caller can skip it.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.db import IntegrityError, transaction
from django.db.models import Max

from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region, VillageGroup

from .audit import audit_append

PERMISSION = "core.manage_groups"
MAX_NUMBER = 999


class Authorize(Protocol):
    """Raise ``PermissionDenied`` unless ``actor`` holds ``perm`` over ``region``."""

    def __call__(self, actor: Any, perm: str, region: Region, /) -> None: ...


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ApplicationError("group_name_empty", "村民小组名称不能为空", field="name")
    if len(name) > 50:
        raise ApplicationError("group_name_long", "村民小组名称不能超过50个字", field="name")
    return name


@transaction.atomic
def group_create(
    *, actor: Any, village: Region, name: str, number: int = 0, authorize: Authorize
) -> VillageGroup:
    """A village's staff create its groups; the name is unique within the village.

    ``number`` (序号) orders the groups; 0 takes the next free one after the highest.
    """
    authorize(actor, PERMISSION, village)
    if not village.is_village:
        raise ApplicationError("not_a_village", "村民小组只能建在村（社区）下", field="village")
    if village.retired:
        raise ApplicationError("village_retired", f"{village.name}已撤销", field="village")
    name = _clean_name(name)
    if not 0 <= number <= MAX_NUMBER:
        raise ApplicationError(
            "group_number_invalid", f"序号应在1到{MAX_NUMBER}之间", field="number"
        )
    if VillageGroup.objects.filter(village=village, name=name).exists():
        raise ApplicationError("group_exists", f"本村已有“{name}”", field="name")
    if number == 0:
        highest = VillageGroup.objects.filter(village=village).aggregate(n=Max("number"))["n"]
        number = min((highest or 0) + 1, MAX_NUMBER)
    try:
        with transaction.atomic():
            group = VillageGroup.objects.create(village=village, name=name, number=number)
    except IntegrityError as exc:  # a concurrent create of the same name
        raise ApplicationError("group_exists", f"本村已有“{name}”", field="name") from exc
    audit_append(
        actor=actor,
        region=village,
        action="core.group_create",
        obj=group,
        payload={"name": name, "number": number},
    )
    return group


@transaction.atomic
def group_rename(
    *, actor: Any, group: VillageGroup, name: str, authorize: Authorize
) -> VillageGroup:
    """Rename a group; the new name is unique within its village. Households keep the group."""
    authorize(actor, PERMISSION, group.village)
    name = _clean_name(name)
    if name == group.name:
        return group
    if VillageGroup.objects.filter(village=group.village, name=name).exclude(pk=group.pk).exists():
        raise ApplicationError("group_exists", f"本村已有“{name}”", field="name")
    old = group.name
    try:
        with transaction.atomic():
            VillageGroup.objects.filter(pk=group.pk).update(name=name)
    except IntegrityError as exc:  # a concurrent rename to the same name
        raise ApplicationError("group_exists", f"本村已有“{name}”", field="name") from exc
    group.name = name
    audit_append(
        actor=actor,
        region=group.village,
        action="core.group_rename",
        obj=group,
        payload={"old": old, "new": name},
    )
    return group
