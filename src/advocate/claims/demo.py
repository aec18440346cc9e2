"""The demo marketplace's returns side: what its history implies, and policies worth seeing."""

from advocate.commerce.models import Order, OrderState

from . import services
from .models import PolicyLayer

DEMO_POLICIES = [
    # Electronics: a photo helps the seller claim from the carrier; a shorter window for change of mind.
    {"category": "electronics", "photo_required_for": ["damaged"], "return_window_days": 14},
    # Food cannot be resold once sent: no returns for a change of mind (a person can still make an exception).
    {"category": "grocery", "change_of_mind_returns": False},
]


def settle_history(*, progress_bar=None) -> int:
    """Refund the demo's cancelled orders (quietly: that happened in the past) and set the demo policies."""
    for values in DEMO_POLICIES:
        PolicyLayer.objects.update_or_create(seller=None, category=values["category"], defaults=values)
    total = Order.objects.filter(state=OrderState.CANCELLED).count()
    if progress_bar is None:
        return services.cancelled_orders_refund_all(notify=False)
    with progress_bar(total) as bar:
        return services.cancelled_orders_refund_all(notify=False, progress=bar.update)
