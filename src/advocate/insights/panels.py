"""Insights' panel on the conversation page: the WOW stories told about it, and a way to tell one."""

from advocate.core.panels import Panel

from .models import WowStory


def _wow(request, conversation, now):
    return {"stories": list(WowStory.objects.filter(conversation=conversation).select_related("by")
                            .order_by("created_at")), "conversation": conversation}


PANEL = Panel("insights.wow", "insights/_wow_panel.html", _wow, order=50)
