"""The messages sent through the channels, read-only in the admin site (channels themselves are
set up on the channels pages, which never show the webhooks)."""

from django.contrib import admin

from progress.channels.models import ChannelMessage


@admin.register(ChannelMessage)
class ChannelMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "channel", "kind", "title", "outcome", "attempts", "answer")
    list_select_related = ("channel",)
    list_filter = ("kind", "outcome", "channel__kind")
    search_fields = ("title", "answer")
    date_hierarchy = "created_at"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
