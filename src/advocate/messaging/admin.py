"""Operators' view of buyer–seller messages. Read-only: messages change only through `services`, and reports
are reviewed at /service/flagged-messages/."""

from django.contrib import admin

from . import models


class _ReadOnly(admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MessageInline(admin.TabularInline):
    model = models.Message
    fields = ["created_at", "side", "author", "text", "original_text", "hidden", "answered_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.Thread)
class ThreadAdmin(_ReadOnly):
    list_display = ["order", "seller", "started_by", "buyer_wrote", "waiting_since", "last_message_at"]
    list_filter = ["started_by", "buyer_wrote"]
    search_fields = ["order__external_id", "seller__name"]
    raw_id_fields = ["order", "seller", "customer"]
    inlines = [MessageInline]


@admin.register(models.MessageFlag)
class MessageFlagAdmin(_ReadOnly):
    list_display = ["created_at", "reason", "side", "state", "reviewed_at"]
    list_filter = ["state", "reason", "side"]


@admin.register(models.MessagePreference)
class MessagePreferenceAdmin(_ReadOnly):
    list_display = ["customer", "accepts_unsolicited", "updated_at"]
    raw_id_fields = ["customer"]
