"""What other domains do when a guarantee claim is filed or its finding changes (seller health counts a
claim against the seller unless it was decided in the seller's favour), and when a problem report is filed
(insights counts it as a contact). Claims calls `claim_changed` and `report_filed`; the domains above
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
