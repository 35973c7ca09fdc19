"""Django admin for the registry: view only (writes go through the audited services on the pages).

Contacts are left out on purpose: the admin would show phone numbers unmasked."""

from django.contrib import admin

from chaindesk.core.admin import ReadOnlyAdmin

from .models import Enterprise, Indicator, Qualification


@admin.register(Enterprise)
class EnterpriseAdmin(ReadOnlyAdmin):
    list_display = ("name", "uscc", "region", "liaison", "last_visit_on", "created_at")
    list_filter = ("region", "qualifications")
    search_fields = ("name", "uscc")
    list_select_related = ("region", "liaison")
    raw_id_fields = ("liaison", "leader")


@admin.register(Qualification)
class QualificationAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "counts_as_scale", "sort_order")


@admin.register(Indicator)
class IndicatorAdmin(ReadOnlyAdmin):
    list_display = ("enterprise", "year", "revenue", "tax", "employees", "rd_spend")
    list_filter = ("year",)
    search_fields = ("enterprise__name",)
    list_select_related = ("enterprise",)
