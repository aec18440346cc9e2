"""The shop's events claims owns — a return's carrier scans and its receipt — and what claims does on events
of commerce's: an order cancelled (or paid after it was cancelled) is refunded without the customer asking.
All applied inside the event intake's transaction, exactly once with the event."""

from typing import Annotated, Literal

from pydantic import Field

from advocate.commerce.events import EventData, EventListener, EventRejected, EventType, Id
from advocate.commerce.models import Order, OrderState

from . import services


class ReturnScanned(EventData):
    """A carrier scanned a customer's return (the code we gave them, e.g. RET-7K2M9Q4D)."""

    return_id: Id
    code: Literal["picked_up", "in_transit", "delivered"]
    location: Annotated[str, Field(max_length=120)] = ""


class ReturnReceived(EventData):
    """The seller or warehouse has the returned item in hand."""

    return_id: Id
    note: Annotated[str, Field(max_length=300)] = ""


def _known_return(code: str) -> None:
    if not services.return_exists(code):
        raise EventRejected.at("data.return_id", f"no return with id {code!r}")


def _return_scanned(batch, data: ReturnScanned, envelope) -> None:
    _known_return(data.return_id)
    batch.after_write(lambda: services.return_scanned(code=data.return_id, scan=data.code, at=envelope.occurred_at))


def _return_received(batch, data: ReturnReceived, envelope) -> None:
    _known_return(data.return_id)
    batch.after_write(lambda: services.return_received(code=data.return_id, at=envelope.occurred_at))


def _refund_if_cancelled(events) -> None:
    """Whoever cancelled an order, its customer gets their money back without having to ask — also when
    the payment is captured after the cancellation."""
    ids = {data.order_id for data, _ in events}
    for order in Order.objects.filter(external_id__in=ids, state=OrderState.CANCELLED).select_related("seller"):
        services.cancelled_order_refund(order)


EVENT_TYPES = [
    EventType("return.scanned", ReturnScanned, _return_scanned, order=200,
              doc="`return_id` (the code, e.g. `RET-7K2M9Q4D`), `code` (`picked_up`, `in_transit`, `delivered`), "
                  "`location?`"),
    EventType("return.received", ReturnReceived, _return_received, order=210, doc="`return_id`, `note?`"),
]
LISTENERS = [EventListener("claims.refund_cancelled_orders", frozenset({"order.cancelled", "payment.captured"}),
                           _refund_if_cancelled, order=10)]
