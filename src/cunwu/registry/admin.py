"""Read-only admin for the registry.

Every change to a household must go through the services (permission check + audit event in
the same transaction), so the admin only looks: nothing is added, changed or deleted here.
Rows are limited to the staff user's ``registry.view`` scope, and persons show only their
masked ID number and phone — never the ciphertext or the blind index.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from cunwu.accounts.permissions import scope_q

from .models import ExportJob, Household, ImportJob, IncomeRecord, LifeEvent, Person


class ReadOnlyMixin:
    """No add, change or delete: the admin is a window, the services are the door."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _scoped(request: HttpRequest, qs: QuerySet[Any], field: str) -> QuerySet[Any]:
    return qs.filter(scope_q(request.user, "registry.view", field=field))


PERSON_FIELDS = (
    "name",
    "relation",
    "gender",
    "birth_date",
    "id_masked",
    "id_pending_reason",
    "phone_masked",
    "ethnicity",
    "health",
    "disability",
    "status",
)


class PersonInline(ReadOnlyMixin, admin.TabularInline[Person, Household]):
    model = Person
    fields = PERSON_FIELDS
    readonly_fields = PERSON_FIELDS
    extra = 0
    can_delete = False
    show_change_link = False


@admin.register(Household)
class HouseholdAdmin(ReadOnlyMixin, admin.ModelAdmin[Household]):
    list_display = ("number", "village", "group", "tags", "status", "updated_at")
    list_filter = ("status",)
    search_fields = ("number", "members__name")
    list_select_related = ("village", "group")
    fields = ("village", "group", "number", "address", "tags", "status", "created_at")
    readonly_fields = fields
    inlines = (PersonInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Household]:
        return _scoped(request, super().get_queryset(request), "village")


@admin.register(IncomeRecord)
class IncomeRecordAdmin(ReadOnlyMixin, admin.ModelAdmin[IncomeRecord]):
    list_display = ("household", "year", "category", "amount_fen", "note", "updated_at")
    list_filter = ("year", "category")
    search_fields = ("household__number",)
    list_select_related = ("household",)
    readonly_fields = ("household", "year", "category", "amount_fen", "note", "updated_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[IncomeRecord]:
        return _scoped(request, super().get_queryset(request), "household__village")


@admin.register(LifeEvent)
class LifeEventAdmin(ReadOnlyMixin, admin.ModelAdmin[LifeEvent]):
    list_display = ("date", "kind", "household", "person", "recorded_by", "recorded_at")
    list_filter = ("kind",)
    search_fields = ("household__number", "person__name")
    list_select_related = ("household", "person", "recorded_by")
    readonly_fields = (
        "household",
        "person",
        "kind",
        "date",
        "details",
        "recorded_by",
        "recorded_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[LifeEvent]:
        return _scoped(request, super().get_queryset(request), "household__village")


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyMixin, admin.ModelAdmin[ImportJob]):
    list_display = (
        "original_name",
        "village",
        "status",
        "total_rows",
        "processed_rows",
        "error_count",
        "created_by",
        "created_at",
    )
    list_filter = ("status",)
    list_select_related = ("village", "created_by")
    readonly_fields = (
        "village",
        "created_by",
        "original_name",
        "status",
        "total_rows",
        "processed_rows",
        "error_count",
        "errors",
        "summary",
        "created_at",
        "finished_at",
    )
    exclude = ("file", "error_report")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ImportJob]:
        return _scoped(request, super().get_queryset(request), "village")


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyMixin, admin.ModelAdmin[ExportJob]):
    list_display = (
        "region",
        "status",
        "total_rows",
        "processed_rows",
        "row_count",
        "created_by",
        "created_at",
        "finished_at",
    )
    list_filter = ("status",)
    list_select_related = ("region", "created_by")
    readonly_fields = (
        "region",
        "created_by",
        "status",
        "total_rows",
        "processed_rows",
        "row_count",
        "error",
        "created_at",
        "finished_at",
    )
    exclude = ("file",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ExportJob]:
        return _scoped(request, super().get_queryset(request), "region")
