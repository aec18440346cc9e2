"""The shop's events sellers owns — chargebacks — and seller health kept up to date by every event that
changes what an order counts for. Applied inside the event intake's transaction, exactly once with the
event."""

from decimal import Decimal
from typing import Annotated

from pydantic import Field

from advocate.commerce.events import EventData, EventListener, EventType, Id
from advocate.commerce.models import Order, Shipment

from . import services
from .models import Chargeback


class PaymentChargeback(EventData):
    """The buyer's bank took a payment back: an order defect on the seller's account health."""

    order_id: Id
    amount: Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]
    reason: Annotated[str, Field(max_length=200)] = ""


def _chargeback(batch, data: PaymentChargeback, envelope) -> None:
    order = batch.order(data.order_id)  # also one placed earlier in the same batch
    batch.stage(Chargeback(order=order, amount=data.amount, reason=data.reason[:200], received_at=envelope.occurred_at))


def _refresh(events) -> None:
    order_ids = {data.order_id for data, _ in events if hasattr(data, "order_id")}
    shipment_ids = {data.shipment_id for data, _ in events if not hasattr(data, "order_id")}
    orders = set(Order.objects.filter(external_id__in=order_ids).values_list("pk", flat=True))
    orders |= set(Shipment.objects.filter(external_id__in=shipment_ids).values_list("order_id", flat=True))
    services.health_order_refresh(orders)


EVENT_TYPES = [
    EventType("payment.chargeback", PaymentChargeback, _chargeback, order=300,
              doc="`order_id`, `amount`, `reason?`"),
]
LISTENERS = [EventListener(
    "sellers.health", frozenset({"order.placed", "order.cancelled", "shipment.created", "tracking.scan",
                                 "shipment.delivered", "payment.chargeback"}), _refresh, order=50)]
