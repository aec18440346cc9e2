from django.contrib import admin

from .models import Conversation, InboundMail


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["pk", "subject", "email", "state", "queue", "updated_at"]
    list_filter = ["state", "queue", "channel"]
    search_fields = ["subject", "email"]
    raw_id_fields = ["customer", "order"]


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin):
    list_display = ["received_at", "sender", "subject", "outcome", "thread_rule", "automatic"]
    list_filter = ["outcome", "automatic", "reused_message_id", "source"]
    search_fields = ["message_id", "sender", "subject"]
    raw_id_fields = ["conversation"]
