"""The facts of an order, and where it stands in the terms a customer cares about.

Plain Python (no Django). Commerce owns the facts every domain derives from — cancelled, shipped (and when
first), delivered (every parcel, or some), paid, refundable — so they are worked out once, here. Given them
and the current time, `order_status` decides which of a small set of situations the order is in and the
moment that situation is about; the wording is chosen elsewhere (`presenters`), in the reader's language
and time zone.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class FulfilledBy(StrEnum):
    """Who ships an order: the marketplace's own warehouse, or the seller (`models.Fulfilment`'s values)."""

    PLATFORM = "platform"
    SELLER = "seller"


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
    shipped_at: datetime | None = None


@dataclass(frozen=True)
class OrderFacts:
    cancelled_at: datetime | None
    ship_by: datetime
    promised_latest: datetime
    shipments: list[ShipmentFacts] = field(default_factory=list)
    paid: Decimal = Decimal(0)  # what the customer paid (payments captured), when the caller loaded them

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def shipped(self) -> bool:
        return bool(self.shipments)

    @property
    def first_shipped_at(self) -> datetime | None:
        return min((s.shipped_at for s in self.shipments if s.shipped_at), default=None)

    @property
    def delivered_at(self) -> datetime | None:
        """When the last parcel arrived, once every parcel has; None until then."""
        arrived = [s.delivered_at for s in self.shipments]
        return max(arrived) if arrived and all(arrived) else None

    @property
    def any_delivered_at(self) -> datetime | None:
        """When the first parcel arrived, if one has."""
        return min((s.delivered_at for s in self.shipments if s.delivered_at), default=None)

    @property
    def finished(self) -> bool:
        """Nothing more will travel: cancelled, or every parcel delivered."""
        return self.cancelled or self.delivered_at is not None


def refundable(paid: Decimal, refunded: Decimal) -> Decimal:
    """What is left to refund of what the customer paid: never below zero."""
    return max(paid - refunded, Decimal(0))


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
