"""Django admin for the organisation: view only.

Accounts are managed on the 系统 → 用户管理 pages, whose writes go through the audited services; the
admin would write without an audit line, so it only shows. Regions and departments are loaded as data
(demo/import commands) and are likewise read-only here.
"""

from django.contrib import admin

from chaindesk.core.admin import ReadOnlyAdmin

from .models import Department, Region, User


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ("username", "display_name", "role", "region", "department", "is_active", "last_login")
    list_filter = ("role", "is_active", "region")
    search_fields = ("username", "display_name", "title")
    list_select_related = ("region", "department")
    exclude = ("password",)


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")


@admin.register(Department)
class DepartmentAdmin(ReadOnlyAdmin):
    list_display = ("code", "short_name", "name", "kind", "region", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name", "short_name")
