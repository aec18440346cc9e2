from django.contrib import admin

from .models import AnswerPolicy, Correction, Reading


@admin.register(AnswerPolicy)
class AnswerPolicyAdmin(admin.ModelAdmin):
    list_display = ["reason", "automatic", "threshold", "updated_at", "updated_by"]
    readonly_fields = ["updated_at", "updated_by"]

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Reading)
class ReadingAdmin(admin.ModelAdmin):
    list_display = ["created_at", "conversation", "language", "reason", "confidence", "abusive", "wants_person",
                    "would_auto_answer"]
    list_filter = ["reason", "language", "abusive", "wants_person", "would_auto_answer"]
    raw_id_fields = ["message", "conversation", "order"]

    def has_change_permission(self, request, obj=None):
        return False  # a reading is what the model said; associates correct it on the conversation


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    list_display = ["at", "reading", "field", "was", "now", "by"]
    list_filter = ["field"]
    raw_id_fields = ["reading"]
