"""Where an order stands, in the terms a customer cares about.

Plain Python (no Django): given the facts of an order and the current time, decide which of a small
set of situations it is in and the moment that situation is about. The wording is chosen elsewhere
(`presenters`), in the customer's language and time zone.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class StatusKind(StrEnum):
    CANCELLED = "cancelled"
    NOT_SHIPPED = "not_shipped"  # still within the time the shipper has to send it
    SHIP_OVERDUE = "ship_overdue"  # should have left by now
    ARRIVING = "arriving"  # on its way and on time
    LATE = "late"  # past the promise, or the carrier now expects it later than promised
    DELIVERED = "delivered"


@dataclass(frozen=True)
class ShipmentFacts:
    delivered_at: datetime | None
    estimated_delivery: datetime | None
    delivery_detail: str = ""
    in_trouble: bool = False  # the carrier reported an exception with no new estimate


@dataclass(frozen=True)
class OrderFacts:
    cancelled_at: datetime | None
    ship_by: datetime
    promised_latest: datetime
    shipments: list[ShipmentFacts] = field(default_factory=list)


@dataclass(frozen=True)
class OrderStatus:
    kind: StatusKind
    when: datetime | None  # the moment the sentence is about; None when nobody knows yet
    detail: str = ""

    @property
    def needs_attention(self) -> bool:
        return self.kind in (StatusKind.LATE, StatusKind.SHIP_OVERDUE)


def shipment_status(shipment: ShipmentFacts, promised_latest: datetime, now: datetime) -> OrderStatus:
    if shipment.delivered_at is not None:
        return OrderStatus(StatusKind.DELIVERED, shipment.delivered_at, shipment.delivery_detail)
    estimate = shipment.estimated_delivery or promised_latest
    if shipment.in_trouble or estimate < now:
        # The estimate has passed (or the carrier reported a problem): we no longer know when.
        return OrderStatus(StatusKind.LATE, None)
    if estimate > promised_latest:
        return OrderStatus(StatusKind.LATE, estimate)
    return OrderStatus(StatusKind.ARRIVING, estimate)


_SEVERITY = {
    StatusKind.LATE: 0,
    StatusKind.SHIP_OVERDUE: 1,
    StatusKind.NOT_SHIPPED: 2,
    StatusKind.ARRIVING: 3,
    StatusKind.DELIVERED: 4,
}


def order_status(order: OrderFacts, now: datetime) -> OrderStatus:
    """The one sentence for the whole order: the least advanced of its parcels speaks for it."""
    if order.cancelled_at is not None:
        return OrderStatus(StatusKind.CANCELLED, order.cancelled_at)
    if not order.shipments:
        if now > order.ship_by:
            return OrderStatus(StatusKind.SHIP_OVERDUE, order.ship_by)
        return OrderStatus(StatusKind.NOT_SHIPPED, order.ship_by)
    statuses = [shipment_status(s, order.promised_latest, now) for s in order.shipments]
    if all(s.kind == StatusKind.DELIVERED for s in statuses):
        return max(statuses, key=lambda s: s.when)
    worst = min(_SEVERITY[s.kind] for s in statuses)
    candidates = [s for s in statuses if _SEVERITY[s.kind] == worst]
    # Among equally bad parcels, the one expected last decides when the order is complete.
    return max(candidates, key=lambda s: (s.when is None, s.when or now))
