"""What other domains do when a guarantee claim is filed or its finding changes: seller health counts a
claim against the seller unless it was decided in the seller's favour. Claims calls `claim_changed`; the
domains above register what to do from their `AppConfig.ready`."""

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
