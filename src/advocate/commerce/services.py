"""Writes to the marketplace model. Inbound events are the main way anything changes."""

import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import DatabaseError, IntegrityError, OperationalError, transaction

from . import events as ev
from .models import (
    Customer,
    InboundEvent,
    Integration,
    Membership,
    Order,
    OrderLine,
    OrderState,
    Payment,
    Product,
    ScanCode,
    Seller,
    Shipment,
    ShipmentState,
    TrackingScan,
)

log = logging.getLogger(__name__)

MAX_BATCH = 1000


# --- integrations and their keys -------------------------------------------------------------------


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def integration_create(*, name: str) -> tuple[Integration, str]:
    """Create an integration and return it with its API key; only the key's hash is stored."""
    name = name.strip()
    if not name:
        raise ValueError("An integration needs a name.")
    if Integration.objects.filter(name=name).exists():
        raise ValueError(f"An integration named {name!r} already exists.")
    prefix = secrets.token_hex(4)
    key = f"adv_{prefix}_{secrets.token_urlsafe(32)}"
    integration = Integration.objects.create(name=name, key_prefix=prefix, key_hash=_hash_key(key))
    return integration, key


def integration_authenticate(key: str) -> Integration | None:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != "adv":
        return None
    integration = Integration.objects.filter(key_prefix=parts[1], is_active=True).first()
    if integration is None or not hmac.compare_digest(integration.key_hash, _hash_key(key)):
        return None
    return integration


# --- event intake ----------------------------------------------------------------------------------


@dataclass
class EventOutcome:
    index: int
    status: str  # applied | duplicate | rejected
    source: str | None = None
    id: str | None = None
    errors: list[ev.FieldError] = field(default_factory=list)


def events_ingest(*, items: list, integration: Integration | None = None) -> list[EventOutcome]:
    """Apply a batch of events, each exactly once.

    Every item is applied inside its own savepoint: a bad item is rolled back whole and reported with
    the field at fault, while the good items around it apply. The unique (source, id) on the inbox is
    the arbiter of "once": a repeat, in the same batch, a later batch or a concurrent request, hits it
    and is reported as a duplicate having changed nothing.
    """
    if len(items) > MAX_BATCH:
        raise ValueError(f"a batch holds at most {MAX_BATCH} events; this one has {len(items)}")
    for attempt in range(3):
        try:
            return _ingest_batch(items, integration)
        except OperationalError as exc:
            # A deadlock or serialisation failure aborts the whole transaction; since every item is
            # idempotent, running the batch again is safe.
            if attempt == 2:
                raise
            log.warning("event batch retried after %s", exc)
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


@transaction.atomic
def _ingest_batch(items: list, integration: Integration | None) -> list[EventOutcome]:
    outcomes = []
    for index, raw in enumerate(items):
        try:
            envelope, data = ev.parse_event(raw)
        except ev.EventRejected as exc:
            outcomes.append(_rejected(index, raw, exc))
            continue
        outcome = EventOutcome(index=index, status="applied", source=envelope.source, id=envelope.id)
        try:
            with transaction.atomic():
                InboundEvent.objects.create(
                    source=envelope.source,
                    external_id=envelope.id,
                    type=envelope.type,
                    occurred_at=envelope.occurred_at,
                    integration=integration,
                    data=envelope.data,
                )
                _HANDLERS[envelope.type](data, envelope)
        except IntegrityError:
            if InboundEvent.objects.filter(source=envelope.source, external_id=envelope.id).exists():
                outcome.status = "duplicate"
            else:
                outcome.status = "rejected"
                outcome.errors = [ev.FieldError(field="item", message="conflicts with existing data")]
        except ev.EventRejected as exc:
            outcome.status, outcome.errors = "rejected", exc.errors
        except DatabaseError as exc:
            if isinstance(exc, OperationalError):
                raise
            outcome.status = "rejected"
            outcome.errors = [ev.FieldError(field="item", message=f"could not be stored: {exc}")]
        outcomes.append(outcome)
    return outcomes


def _rejected(index: int, raw: object, exc: ev.EventRejected) -> EventOutcome:
    if exc.envelope is not None:
        source, ext_id = exc.envelope.source, exc.envelope.id
        # A repeat of an applied event is a duplicate whatever its data says now: it changes nothing.
        if InboundEvent.objects.filter(source=source, external_id=ext_id).exists():
            return EventOutcome(index=index, status="duplicate", source=source, id=ext_id)
    else:
        source = raw.get("source") if isinstance(raw, dict) else None
        ext_id = raw.get("id") if isinstance(raw, dict) else None
    return EventOutcome(
        index=index,
        status="rejected",
        source=source if isinstance(source, str) else None,
        id=ext_id if isinstance(ext_id, str) else None,
        errors=exc.errors,
    )


# --- handlers: one per event type; each raises EventRejected naming the field at fault ----------------


def _order(order_id: str, for_update: bool = False) -> Order:
    qs = Order.objects.select_for_update() if for_update else Order.objects
    try:
        return qs.get(external_id=order_id)
    except Order.DoesNotExist:
        raise ev.EventRejected.at("data.order_id", f"no order with id {order_id!r}") from None


def _shipment(shipment_id: str) -> Shipment:
    try:
        return Shipment.objects.select_for_update().get(external_id=shipment_id)
    except Shipment.DoesNotExist:
        raise ev.EventRejected.at("data.shipment_id", f"no shipment with id {shipment_id!r}") from None


def _upsert_customer(ref: ev.CustomerRef) -> Customer:
    customer, created = Customer.objects.get_or_create(
        external_id=ref.id,
        defaults={
            "name": ref.name,
            "email": ref.email,
            "phone": ref.phone,
            "language": ref.language,
            "time_zone": ref.time_zone,
        },
    )
    return customer


def _upsert_seller(ref: ev.SellerRef) -> Seller:
    seller, _ = Seller.objects.get_or_create(
        external_id=ref.id, defaults={"name": ref.name, "is_platform": ref.is_platform}
    )
    return seller


def _order_placed(data: ev.OrderPlaced, envelope: ev.Envelope) -> None:
    if Order.objects.filter(external_id=data.order_id).exists():
        raise ev.EventRejected.at("data.order_id", f"order {data.order_id!r} already exists")
    seller = _upsert_seller(data.seller)
    total = data.total
    if total is None:
        total = sum((line.unit_price * line.quantity for line in data.lines), Decimal("0"))
    order = Order.objects.create(
        external_id=data.order_id,
        customer=_upsert_customer(data.customer),
        seller=seller,
        fulfilled_by=data.fulfilled_by,
        currency=data.currency,
        total=total,
        placed_at=data.placed_at or envelope.occurred_at,
        ship_by=data.ship_by,
        promised_earliest=data.promised_earliest or data.promised_latest,
        promised_latest=data.promised_latest,
        express=data.express,
        ship_to=data.ship_to,
    )
    products = {p.sku: p for p in Product.objects.filter(seller=seller, sku__in=[l.sku for l in data.lines])}
    for line in data.lines:
        if line.sku not in products:
            products[line.sku] = Product.objects.create(
                seller=seller, sku=line.sku, title=line.title, category=line.category, price=line.unit_price
            )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product=products[line.sku],
            sku=line.sku,
            title=line.title,
            quantity=line.quantity,
            unit_price=line.unit_price,
        )
        for line in data.lines
    )


def _payment_captured(data: ev.PaymentCaptured, envelope: ev.Envelope) -> None:
    order = _order(data.order_id)
    Payment.objects.create(order=order, amount=data.amount, method=data.method, captured_at=envelope.occurred_at)


def _order_cancelled(data: ev.OrderCancelled, envelope: ev.Envelope) -> None:
    order = _order(data.order_id, for_update=True)
    if order.state == OrderState.CANCELLED:
        return
    if order.shipments.filter(state=ShipmentState.DELIVERED).exists():
        raise ev.EventRejected.at("data.order_id", "a delivered order cannot be cancelled")
    order.state = OrderState.CANCELLED
    order.cancelled_at = envelope.occurred_at
    order.cancelled_by = data.by
    order.cancel_reason = data.reason
    order.save(update_fields=["state", "cancelled_at", "cancelled_by", "cancel_reason"])


def _shipment_created(data: ev.ShipmentCreated, envelope: ev.Envelope) -> None:
    order = _order(data.order_id)
    if order.state == OrderState.CANCELLED:
        raise ev.EventRejected.at("data.order_id", f"order {data.order_id!r} is cancelled")
    if Shipment.objects.filter(external_id=data.shipment_id).exists():
        raise ev.EventRejected.at("data.shipment_id", f"shipment {data.shipment_id!r} already exists")
    Shipment.objects.create(
        external_id=data.shipment_id,
        order=order,
        carrier=data.carrier,
        tracking_number=data.tracking_number,
        shipped_at=envelope.occurred_at,
        estimated_delivery=data.estimated_delivery or order.promised_latest,
    )


def _tracking_scan(data: ev.TrackingScan, envelope: ev.Envelope) -> None:
    shipment = _shipment(data.shipment_id)
    TrackingScan.objects.create(
        shipment=shipment,
        occurred_at=envelope.occurred_at,
        code=data.code,
        location=data.location,
        description=data.description,
    )
    if shipment.state == ShipmentState.DELIVERED:
        return  # a late-arriving scan adds to the history but does not undo a delivery
    fields = []
    if data.estimated_delivery is not None:
        shipment.estimated_delivery = data.estimated_delivery
        fields.append("estimated_delivery")
    new_state = ShipmentState.EXCEPTION if data.code == ScanCode.EXCEPTION else ShipmentState.IN_TRANSIT
    if data.estimated_delivery is not None or data.code == ScanCode.EXCEPTION:
        if shipment.state != new_state:
            shipment.state = new_state
            fields.append("state")
    if fields:
        shipment.save(update_fields=fields)


def _shipment_delivered(data: ev.ShipmentDelivered, envelope: ev.Envelope) -> None:
    shipment = _shipment(data.shipment_id)
    TrackingScan.objects.create(
        shipment=shipment,
        occurred_at=envelope.occurred_at,
        code=ScanCode.DELIVERED,
        location=data.location,
        description=data.detail,
    )
    shipment.state = ShipmentState.DELIVERED
    shipment.delivered_at = envelope.occurred_at
    shipment.delivery_detail = data.detail
    shipment.save(update_fields=["state", "delivered_at", "delivery_detail"])


def _stock_changed(data: ev.StockChanged, envelope: ev.Envelope) -> None:
    updated = Product.objects.filter(seller__external_id=data.seller_id, sku=data.sku).update(stock=data.quantity)
    if not updated:
        raise ev.EventRejected.at("data.sku", f"seller {data.seller_id!r} has no product {data.sku!r}")


def _customer(customer_id: str) -> Customer:
    try:
        return Customer.objects.get(external_id=customer_id)
    except Customer.DoesNotExist:
        raise ev.EventRejected.at("data.customer_id", f"no customer with id {customer_id!r}") from None


def _membership_started(data: ev.MembershipStarted, envelope: ev.Envelope) -> None:
    customer = _customer(data.customer_id)
    if customer.memberships.filter(ended_at__isnull=True).exists():
        raise ev.EventRejected.at("data.customer_id", "this customer already has an active membership")
    Membership.objects.create(customer=customer, plan=data.plan, started_at=envelope.occurred_at)


def _membership_ended(data: ev.MembershipEnded, envelope: ev.Envelope) -> None:
    customer = _customer(data.customer_id)
    if not customer.memberships.filter(ended_at__isnull=True).update(ended_at=envelope.occurred_at):
        raise ev.EventRejected.at("data.customer_id", "this customer has no active membership")


_HANDLERS = {
    "order.placed": _order_placed,
    "payment.captured": _payment_captured,
    "order.cancelled": _order_cancelled,
    "shipment.created": _shipment_created,
    "tracking.scan": _tracking_scan,
    "shipment.delivered": _shipment_delivered,
    "stock.changed": _stock_changed,
    "membership.started": _membership_started,
    "membership.ended": _membership_ended,
}
assert set(_HANDLERS) == set(ev.DATA_SCHEMAS)
