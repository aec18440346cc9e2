"""Insights counts the orders and shipments each batch of events brings, after the batch is written."""

from advocate.commerce.events import EventListener
from advocate.commerce.models import Order, Shipment

from .services import orders_counted, shipments_counted


def _count(events) -> None:
    placed = {data.order_id for data, envelope in events if envelope.type == "order.placed"}
    sent = {data.shipment_id for data, envelope in events if envelope.type == "shipment.created"}
    if placed:
        orders_counted(Order.objects.filter(external_id__in=placed).values_list("pk", flat=True))
    if sent:
        shipments_counted(Shipment.objects.filter(external_id__in=sent).values_list("pk", flat=True))


LISTENERS = [EventListener("insights.orders", frozenset({"order.placed", "shipment.created"}), _count, order=80)]
