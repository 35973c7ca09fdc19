"""Django admin for the audit trail: read-only. Nobody adds, changes or deletes audit records here."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import AuditLog


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shows, never writes: admin writes would bypass the services and so the audit trail."""

    actions = None  # not even the bulk "delete selected" action

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor_name", "action", "content_type", "object_repr", "ip", "request_id")
    list_filter = ("action", "content_type", "created_at")
    search_fields = ("actor_name", "object_repr", "message", "=request_id", "=ip")
    date_hierarchy = "created_at"
    list_select_related = ("content_type",)
    show_full_result_count = False  # no COUNT(*) over the whole table on every page
    readonly_fields = tuple(f.name for f in AuditLog._meta.concrete_fields)
