"""The order page's panels: what other domains show on an order's page (what can be reported, messages with
the seller, ways to reach us), registered from their `AppConfig.ready`. Commerce shows the order itself and
knows nothing of them."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from advocate.core.registry import Registry


@dataclass(frozen=True)
class OrderPanel:
    name: str
    template: str  # rendered with the page's context plus `panel`, what `context` returned
    context: Callable[..., dict | None]  # (request, order, now) -> the panel's context, or None: not shown
    order: int = 100


ORDER_PANELS: Registry[OrderPanel] = Registry("order page panel")


def panels_for(request, order, now: datetime) -> list[dict]:
    shown = []
    for panel in ORDER_PANELS:
        context = panel.context(request, order, now)
        if context is not None:
            shown.append({"name": panel.name, "template": panel.template, "context": context})
    return shown
