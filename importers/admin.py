"""Imports are made by the upload page; the admin only lists them, read-only."""

from django.contrib import admin

from .models import ImportBatch


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = (
        "original_name",
        "jurisdiction_name",
        "year",
        "period",
        "state",
        "plan",
        "created_by",
        "created_at",
        "applied_at",
    )
    list_filter = ("state", "year", "jurisdiction")
    list_select_related = ("plan", "created_by")
    search_fields = ("original_name", "jurisdiction_name", "plan__title")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
