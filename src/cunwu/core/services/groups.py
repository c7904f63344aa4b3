"""Villagers' groups (村民小组), created and renamed by village staff."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from cunwu.accounts.permissions import require
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region, VillageGroup

from .audit import audit_append


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ApplicationError("group_name_empty", "村民小组名称不能为空", field="name")
    if len(name) > 50:
        raise ApplicationError("group_name_long", "村民小组名称不能超过50个字", field="name")
    return name


@transaction.atomic
def group_create(*, actor: Any, village: Region, name: str, number: int = 0) -> VillageGroup:
    """A village's staff create its groups; the name is unique within the village."""
    require(actor, "core.manage_groups", village)
    if not village.is_village:
        raise ApplicationError("not_a_village", "村民小组只能建在村（社区）下", field="village")
    name = _clean_name(name)
    if VillageGroup.objects.filter(village=village, name=name).exists():
        raise ApplicationError("group_exists", f"本村已有“{name}”", field="name")
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
def group_rename(*, actor: Any, group: VillageGroup, name: str) -> VillageGroup:
    require(actor, "core.manage_groups", group.village)
    name = _clean_name(name)
    if VillageGroup.objects.filter(village=group.village, name=name).exclude(pk=group.pk).exists():
        raise ApplicationError("group_exists", f"本村已有“{name}”", field="name")
    old = group.name
    group.name = name
    group.save(update_fields=["name"])
    audit_append(
        actor=actor,
        region=group.village,
        action="core.group_rename",
        obj=group,
        payload={"old": old, "new": name},
    )
    return group
