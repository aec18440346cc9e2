"""Conversations' panel on the order page (for the customer, writing to us or asking for a call about it), and
the conversation page's own registry of panels, for the domains above cases (insights: WOW stories)."""

from datetime import datetime

from advocate.commerce.panels import OrderPanel
from advocate.core import panels
from advocate.core.panels import Panel as ConversationPanel
from advocate.core.registry import Registry

CONVERSATION_PANELS: Registry[ConversationPanel] = Registry("conversation page panel")


def conversation_panels(request, conversation, now: datetime) -> list[dict]:
    return panels.panels_for(CONVERSATION_PANELS, request, conversation, now)


def _contact(request, order, now):
    return {} if request.user.is_customer else None


PANEL = OrderPanel("cases.contact", "cases/_order_panel.html", _contact, order=30)
