"""Messaging's panel on the order page: the way to the buyer–seller thread (not for what the marketplace sold)."""

from advocate.commerce.panels import OrderPanel


def _messages(request, order, now):
    return None if order.seller.is_platform else {}


PANEL = OrderPanel("messaging.thread", "messaging/_order_panel.html", _messages, order=10)
