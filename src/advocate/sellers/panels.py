"""Seller health's panel on the order page: the buyer rates the seller once something has arrived."""

from advocate.commerce.panels import OrderPanel
from advocate.commerce.selectors import order_facts


def _rating(request, order, now):
    if not request.user.is_customer:
        return None
    return {} if order_facts(order).any_delivered_at else None


PANEL = OrderPanel("sellers.rating", "sellers/_order_panel.html", _rating, order=40)
