"""Conversations' panel on the order page: for the customer, writing to us or asking for a call about it."""

from advocate.commerce.panels import OrderPanel


def _contact(request, order, now):
    return {} if request.user.is_customer else None


PANEL = OrderPanel("cases.contact", "cases/_order_panel.html", _contact, order=30)
