"""Django admin for regions, villagers' groups and the (read-only) audit chain."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import AuditChain, AuditEvent, Region, VillageGroup


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "level", "parent", "retired")
    list_filter = ("level", "retired")
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)
    list_select_related = ("parent",)


@admin.register(VillageGroup)
class VillageGroupAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "number", "village", "created_at")
    search_fields = ("name", "village__name", "village__code")
    raw_id_fields = ("village",)
    list_select_related = ("village",)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The audit chain is append-only: the admin may look, never add, change or delete."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("region", "seq", "at", "actor_name", "action", "object_type", "object_id")
    list_filter = ("action",)
    search_fields = ("region__code", "action", "object_id", "actor_name", "hash")
    list_select_related = ("region",)
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(AuditChain)
class AuditChainAdmin(ReadOnlyAdmin):
    list_display = ("region", "last_seq", "last_hash")
    list_select_related = ("region",)
