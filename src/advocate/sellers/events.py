"""The shop's events that move a seller's account health, applied inside the event intake's transaction (see
`commerce.intake.register_domain_events`): chargebacks, and every event that changes what an order counts for."""

from advocate.commerce.events import EventRejected
from advocate.commerce.models import Order, Shipment

from . import services


def _chargeback(data, envelope) -> None:
    order = Order.objects.filter(external_id=data.order_id).first()
    if order is None:
        raise EventRejected.at("data.order_id", f"no order with id {data.order_id!r}")
    services.chargeback_record(order=order, amount=data.amount, reason=data.reason, at=envelope.occurred_at)


def _refresh(events) -> None:
    order_ids = {data.order_id for data, _ in events if hasattr(data, "order_id")}
    shipment_ids = {data.shipment_id for data, _ in events if not hasattr(data, "order_id")}
    orders = set(Order.objects.filter(external_id__in=order_ids).values_list("pk", flat=True))
    orders |= set(Shipment.objects.filter(external_id__in=shipment_ids).values_list("order_id", flat=True))
    services.health_order_refresh(orders)


HANDLERS = {"payment.chargeback": _chargeback}
LISTENERS = {type_: _refresh for type_ in
             ("order.placed", "order.cancelled", "shipment.created", "tracking.scan", "shipment.delivered")}
