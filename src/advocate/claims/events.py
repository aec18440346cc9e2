"""The shop's events this domain acts on, applied inside the event intake's transaction (see
`commerce.intake.register_domain_events`): each is applied exactly once, with the event."""

from advocate.commerce.events import EventRejected
from advocate.commerce.models import Order, OrderState

from . import services


def _return_scanned(data, envelope) -> None:
    try:
        services.return_scanned(code=data.return_id, scan=data.code, at=envelope.occurred_at)
    except services.UnknownReturn:
        raise EventRejected.at("data.return_id", f"no return with id {data.return_id!r}") from None


def _return_received(data, envelope) -> None:
    try:
        services.return_received(code=data.return_id, at=envelope.occurred_at)
    except services.UnknownReturn:
        raise EventRejected.at("data.return_id", f"no return with id {data.return_id!r}") from None


def _refund_if_cancelled(events) -> None:
    """Whoever cancelled an order, its customer gets their money back without having to ask — also when
    the payment is captured after the cancellation."""
    ids = {data.order_id for data, _ in events}
    for order in Order.objects.filter(external_id__in=ids, state=OrderState.CANCELLED).select_related("seller"):
        services.cancelled_order_refund(order)


HANDLERS = {"return.scanned": _return_scanned, "return.received": _return_received}
LISTENERS = {"order.cancelled": _refund_if_cancelled, "payment.captured": _refund_if_cancelled}
