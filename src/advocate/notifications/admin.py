from django.contrib import admin

from .models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "to", "subject", "state", "attempts", "sent_at"]
    list_filter = ["state", "language"]
    search_fields = ["to", "subject", "key"]
    readonly_fields = [f.name for f in OutboundEmail._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False
