"""What other domains do when a guarantee claim is filed or its finding changes (seller health counts a
claim against the seller unless it was decided in the seller's favour), and when a problem report is filed
(insights counts it as a contact), and what they add to the email about a cancelled order (proactive: where else
the item is in stock). Claims calls `claim_changed`, `report_filed` and `cancellation_notes`; the domains above
register what to do from their `AppConfig.ready`."""

from collections.abc import Callable
from dataclasses import dataclass

from advocate.core.registry import Registry


@dataclass(frozen=True)
class ClaimListener:
    name: str
    call: Callable[[list[int]], object]  # the ids of the orders whose claims changed
    order: int = 100


CLAIM_LISTENERS: Registry[ClaimListener] = Registry("claim listener")


def claim_changed(claim) -> None:
    """Called inside the transaction that filed the claim or changed its finding."""
    for listener in CLAIM_LISTENERS:
        listener.call([claim.report.order_id])


@dataclass(frozen=True)
class ReportListener:
    name: str
    call: Callable[[list[int]], object]  # the ids of the problem reports just filed, with their items
    order: int = 100


REPORT_LISTENERS: Registry[ReportListener] = Registry("report listener")


def report_filed(report) -> None:
    """Called inside the transaction that filed the report, once its items are written."""
    for listener in REPORT_LISTENERS:
        listener.call([report.pk])


@dataclass(frozen=True)
class CancellationNote:
    """A paragraph another domain adds to the email telling a customer their order was cancelled and refunded
    (proactive: where else the item is in stock). `context(order)` gives the template's context, or None for no
    paragraph; the template is rendered in the customer's language."""

    name: str
    template: str
    context: Callable[[object], dict | None]
    order: int = 100


CANCELLATION_NOTES: Registry[CancellationNote] = Registry("cancellation note")


def cancellation_notes(order) -> list[dict]:
    notes = []
    for note in CANCELLATION_NOTES:
        context = note.context(order)
        if context is not None:
            notes.append({"template": note.template, "context": context})
    return notes
