"""Reads for pages and the API. Each returns exactly what the asker may see, or raises Http404."""

import hashlib
import hmac
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, Prefetch, QuerySet, Window
from django.db.models.functions import Lower, RowNumber
from django.http import Http404
from django.utils import timezone

from .models import (
    Customer,
    InboundEvent,
    Instruction,
    Integration,
    Order,
    OrderLine,
    OrderState,
    Shipment,
    ShipmentState,
    TrackingScan,
)
from .status import OrderFacts, OrderStatus, ShipmentFacts, order_status, shipment_status

ORDERS_PER_PAGE = 20

# An order's lines with their products (stock and category), in one query: the order page and the
# self-service rules both read them.
LINES_WITH_PRODUCTS = Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("id"))

_DETAIL_PREFETCH = (
    LINES_WITH_PRODUCTS,
    "payments",
    Prefetch("shipments", queryset=Shipment.objects.order_by("shipped_at")),
    Prefetch("shipments__scans", queryset=TrackingScan.objects.order_by("-occurred_at")),
)


def orders_visible_to(user) -> QuerySet[Order]:
    """The one place that says whose orders a person may see."""
    if user.is_anonymous:
        return Order.objects.none()
    if user.is_operator or user.is_associate:
        return Order.objects.all()
    if user.is_seller:
        return Order.objects.filter(seller_id=user.seller_id)
    if user.is_customer:
        return Order.objects.filter(customer__user=user)
    return Order.objects.none()


def order_list(user, *, page: int = 1) -> list[Order]:
    """A page of the person's orders, newest first, each with its shipments for the status sentence."""
    offset = (max(page, 1) - 1) * ORDERS_PER_PAGE
    qs = (
        orders_visible_to(user)
        .select_related("seller")
        .prefetch_related("lines", Prefetch("shipments", queryset=Shipment.objects.order_by("shipped_at")))
        .order_by("-placed_at", "-id")
    )
    return list(qs[offset : offset + ORDERS_PER_PAGE + 1])


def order_detail(user, external_id: str) -> Order:
    """One order with everything its page shows. Someone else's order is simply not found (404),
    never forbidden (403), so order numbers cannot be probed."""
    try:
        return (
            orders_visible_to(user)
            .select_related("seller")
            .prefetch_related(*_DETAIL_PREFETCH)
            .get(external_id=external_id)
        )
    except Order.DoesNotExist:
        raise Http404("No such order") from None


def order_facts(order: Order, *, with_payments: bool = False,
                shipments: list[ShipmentFacts] | None = None) -> OrderFacts:
    """Translate a loaded order (shipments prefetched, and payments too `with_payments`) into the plain facts
    every domain reads: the one place an order's cancelled, shipped, delivered and paid are worked out. A
    caller that read its parcels some other way (as values, for many orders at once) passes their facts."""
    return OrderFacts(
        cancelled_at=order.cancelled_at if order.state == OrderState.CANCELLED else None,
        ship_by=order.ship_by,
        promised_latest=order.promised_latest,
        shipments=[_shipment_facts(s) for s in order.shipments.all()] if shipments is None else shipments,
        paid=sum((p.amount for p in order.payments.all()), Decimal(0)) if with_payments else Decimal(0),
    )


def _shipment_facts(shipment: Shipment) -> ShipmentFacts:
    return ShipmentFacts(
        delivered_at=shipment.delivered_at,
        estimated_delivery=shipment.estimated_delivery,
        delivery_detail=shipment.delivery_detail,
        in_trouble=shipment.state == ShipmentState.EXCEPTION,
        shipped_at=shipment.shipped_at,
    )


def status_of(order: Order, now) -> OrderStatus:
    return order_status(order_facts(order), now)


def shipment_status_of(shipment: Shipment, order: Order, now) -> OrderStatus:
    return shipment_status(_shipment_facts(shipment), order.promised_latest, now)


def buyer_alias(order: Order) -> str:
    """How a seller sees a buyer: stable per (seller, buyer), never the buyer's name, email or phone."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"{order.seller_id}:{order.customer_id}".encode(), hashlib.sha256
    ).hexdigest()
    return f"Buyer-{digest[:8].upper()}"


def customer_by_email(address: str) -> Customer | None:
    """The customer who uses this address, whatever its case (the newest if several share it); through the
    index on the lowercased address."""
    if not address:
        return None
    return (Customer.objects.annotate(address=Lower("email")).filter(address=address.strip().lower())
            .order_by("-created_at").first())


def customer_search(query: str, *, limit: int = 20) -> list[Customer]:
    """For service associates: find a customer by email, name, customer id or one of their order numbers."""
    query = query.strip()
    if not query:
        return []
    by_order = Customer.objects.filter(orders__external_id=query)
    if "@" in query:
        matches = Customer.objects.filter(email__iexact=query)
    else:
        matches = Customer.objects.filter(external_id=query) | Customer.objects.filter(name__icontains=query)
    return list((matches | by_order).distinct().order_by("name")[:limit])


def recent_orders_of(customers: list[Customer], *, per_customer: int = 5) -> dict[int, list[Order]]:
    """Each customer's newest orders, in one query (a customer with many orders cannot crowd out others)."""
    orders: dict[int, list[Order]] = {c.id: [] for c in customers}
    newest_first = Window(RowNumber(), partition_by=F("customer_id"), order_by=F("placed_at").desc())
    qs = (
        Order.objects.filter(customer__in=customers)
        .annotate(recency=newest_first)
        .filter(recency__lte=per_customer)
        .select_related("seller")
        .order_by("customer_id", "recency")
    )
    for order in qs:
        orders[order.customer_id].append(order)
    return orders


def operations_overview() -> dict:
    since = timezone.now() - timedelta(hours=24)
    return {
        "orders": Order.objects.count(),
        "customers": Customer.objects.count(),
        "events_24h": InboundEvent.objects.filter(received_at__gte=since).count(),
        "events_by_type": list(
            InboundEvent.objects.filter(received_at__gte=since).values("type").annotate(n=Count("id")).order_by("-n")
        ),
        "integrations": list(Integration.objects.select_related("acts_as").order_by("-is_active", "name")),
    }


def instructions_after(after: int, *, limit: int) -> list[Instruction]:
    """The shop's instruction feed from just after `after`, in sequence order."""
    return list(Instruction.objects.filter(sequence__gt=after).select_related("order").order_by("sequence")[:limit])
