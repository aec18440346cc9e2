"""Panels: what higher domains show on a lower domain's page (the order page, a conversation), registered from
their `AppConfig.ready`. The page's owner renders them in order and knows nothing of them. Plain Python."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from .registry import Registry


@dataclass(frozen=True)
class Panel:
    name: str
    template: str  # rendered with the page's context plus `panel`, what `context` returned
    context: Callable[..., dict | None]  # (request, subject, now) -> the panel's context, or None: not shown
    order: int = 100


def panels_for(registry: Registry[Panel], request, subject, now: datetime) -> list[dict]:
    """The panels of `registry` to show for `subject` (an order, a conversation), in order."""
    shown = []
    for panel in registry:
        context = panel.context(request, subject, now)
        if context is not None:
            shown.append({"name": panel.name, "template": panel.template, "context": context})
    return shown
