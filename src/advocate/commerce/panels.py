"""The order page's panels: what other domains show on an order's page (what can be reported, messages with
the seller, ways to reach us), registered from their `AppConfig.ready`. Commerce shows the order itself and
knows nothing of them."""

from datetime import datetime

from advocate.core import panels
from advocate.core.panels import Panel as OrderPanel
from advocate.core.registry import Registry

__all__ = ["ORDER_PANELS", "OrderPanel", "panels_for"]

ORDER_PANELS: Registry[OrderPanel] = Registry("order page panel")


def panels_for(request, order, now: datetime) -> list[dict]:
    return panels.panels_for(ORDER_PANELS, request, order, now)
