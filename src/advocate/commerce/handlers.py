"""How commerce applies its own kinds of event to a batch (see `intake.Batch`), and their registration.

Each handler first checks everything that could make the event invalid, raising EventRejected, and only then
stages its changes.
"""

from . import events as ev
from .events import EventType
from .intake import Batch
from .models import (
    Customer,
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


def _order_placed(batch: Batch, d: ev.OrderPlaced, env: ev.Envelope) -> None:
    if d.order_id in batch.orders:
        raise ev.EventRejected.at("data.order_id", f"order {d.order_id!r} already exists")
    seller = batch.sellers.get(d.seller.id)
    if seller is None:
        seller = batch.sellers[d.seller.id] = Seller(
            external_id=d.seller.id, name=d.seller.name, is_platform=d.seller.is_platform)
        batch.stage(seller)
    customer = batch.customers.get(d.customer.id)
    if customer is None:
        c = d.customer
        customer = batch.customers[c.id] = Customer(
            external_id=c.id, name=c.name, email=c.email, phone=c.phone, language=c.language,
            time_zone=c.time_zone)
        batch.stage(customer)
    order = batch.orders[d.order_id] = Order(
        external_id=d.order_id, customer=customer, seller=seller, fulfilled_by=d.fulfilled_by,
        currency=d.currency, total=d.total, placed_at=d.placed_at or env.occurred_at, ship_by=d.ship_by,
        promised_earliest=d.promised_earliest or d.promised_latest, promised_latest=d.promised_latest,
        express=d.express, ship_to=d.ship_to,
    )
    batch.stage(order)
    for line in d.lines:
        product = batch.products.get((d.seller.id, line.sku))
        if product is None:
            product = batch.products[(d.seller.id, line.sku)] = Product(
                seller=seller, sku=line.sku, title=line.title, category=line.category, price=line.unit_price)
            batch.stage(product)
        batch.stage(OrderLine(order=order, product=product, sku=line.sku, title=line.title,
                              quantity=line.quantity, unit_price=line.unit_price))


def _payment_captured(batch: Batch, d: ev.PaymentCaptured, env: ev.Envelope) -> None:
    order = batch.order(d.order_id)
    batch.stage(Payment(order=order, amount=d.amount, method=d.method, captured_at=env.occurred_at))


def _order_cancelled(batch: Batch, d: ev.OrderCancelled, env: ev.Envelope) -> None:
    order = batch.order(d.order_id)
    if order.state == OrderState.CANCELLED:
        return
    delivered_here = any(
        s.order.external_id == order.external_id and s.state == ShipmentState.DELIVERED
        for s in batch.shipments.values()
    )
    if delivered_here or (order.pk and order.shipments.filter(state=ShipmentState.DELIVERED).exists()):
        raise ev.EventRejected.at("data.order_id", "a delivered order cannot be cancelled")
    order.state, order.cancelled_at = OrderState.CANCELLED, env.occurred_at
    order.cancelled_by, order.cancel_reason = d.by, d.reason
    batch.touch(order)


def _shipment_created(batch: Batch, d: ev.ShipmentCreated, env: ev.Envelope) -> None:
    order = batch.order(d.order_id)
    if order.state == OrderState.CANCELLED:
        raise ev.EventRejected.at("data.order_id", f"order {d.order_id!r} is cancelled")
    if d.shipment_id in batch.shipments:
        raise ev.EventRejected.at("data.shipment_id", f"shipment {d.shipment_id!r} already exists")
    shipment = batch.shipments[d.shipment_id] = Shipment(
        external_id=d.shipment_id, order=order, carrier=d.carrier, tracking_number=d.tracking_number,
        shipped_at=env.occurred_at, estimated_delivery=d.estimated_delivery or order.promised_latest,
    )
    batch.stage(shipment)


def _tracking_scan(batch: Batch, d: ev.TrackingScan, env: ev.Envelope) -> None:
    shipment = batch.shipment(d.shipment_id)
    batch.stage(TrackingScan(shipment=shipment, occurred_at=env.occurred_at, code=d.code,
                             location=d.location, description=d.description))
    if shipment.state == ShipmentState.DELIVERED:
        return  # a late-arriving scan adds to the history but does not undo a delivery
    if d.estimated_delivery is not None:
        shipment.estimated_delivery = d.estimated_delivery
        shipment.state = ShipmentState.IN_TRANSIT
        batch.touch(shipment)
    if d.code == ScanCode.EXCEPTION:
        shipment.state = ShipmentState.EXCEPTION
        batch.touch(shipment)


def _shipment_delivered(batch: Batch, d: ev.ShipmentDelivered, env: ev.Envelope) -> None:
    shipment = batch.shipment(d.shipment_id)
    batch.stage(TrackingScan(shipment=shipment, occurred_at=env.occurred_at, code=ScanCode.DELIVERED,
                             location=d.location, description=d.detail))
    shipment.state, shipment.delivered_at, shipment.delivery_detail = (
        ShipmentState.DELIVERED, env.occurred_at, d.detail)
    batch.touch(shipment)


def _stock_changed(batch: Batch, d: ev.StockChanged, env: ev.Envelope) -> None:
    product = batch.products.get((d.seller_id, d.sku))
    if product is None:
        raise ev.EventRejected.at("data.sku", f"seller {d.seller_id!r} has no product {d.sku!r}")
    product.stock = d.quantity
    batch.touch(product)


def _price_changed(batch: Batch, d: ev.PriceChanged, env: ev.Envelope) -> None:
    product = batch.products.get((d.seller_id, d.sku))
    if product is None:
        raise ev.EventRejected.at("data.sku", f"seller {d.seller_id!r} has no product {d.sku!r}")
    product.price = d.price
    batch.touch(product)


def _membership_started(batch: Batch, d: ev.MembershipStarted, env: ev.Envelope) -> None:
    customer = batch.customer(d.customer_id)
    if d.customer_id in batch.active_memberships:
        raise ev.EventRejected.at("data.customer_id", "this customer already has an active membership")
    membership = batch.active_memberships[d.customer_id] = Membership(
        customer=customer, plan=d.plan, started_at=env.occurred_at)
    batch.stage(membership)


def _membership_ended(batch: Batch, d: ev.MembershipEnded, env: ev.Envelope) -> None:
    batch.customer(d.customer_id)
    membership = batch.active_memberships.pop(d.customer_id, None)
    if membership is None:
        raise ev.EventRejected.at("data.customer_id", "this customer has no active membership")
    membership.ended_at = env.occurred_at
    batch.touch(membership)


EVENT_TYPES = [
    EventType("order.placed", ev.OrderPlaced, _order_placed, order=10, doc=(
        "`order_id`, `customer {id, name, email, phone?, language?, time_zone?}`, `seller {id, name, is_platform?}`, "
        "`fulfilled_by` (`platform`/`seller`), `currency`, `lines [{sku, title, quantity, unit_price, category?}]`, "
        "`ship_by`, `promised_latest`, `promised_earliest?`, `placed_at?`, `total?`, `express?`, `ship_to?`")),
    EventType("payment.captured", ev.PaymentCaptured, _payment_captured, order=20,
              doc="`order_id`, `amount`, `method`"),
    EventType("order.cancelled", ev.OrderCancelled, _order_cancelled, order=30,
              doc="`order_id`, `by` (`customer`/`seller`/`platform`), `reason?`"),
    EventType("shipment.created", ev.ShipmentCreated, _shipment_created, order=40,
              doc="`order_id`, `shipment_id`, `carrier`, `tracking_number?`, `estimated_delivery?`"),
    EventType("tracking.scan", ev.TrackingScan, _tracking_scan, order=50, doc=(
        "`shipment_id`, `code` (`picked_up`, `in_transit`, `at_depot`, `out_for_delivery`, `delayed`, "
        "`delivery_attempted`, `exception`), `location?`, `description?`, `estimated_delivery?`")),
    EventType("shipment.delivered", ev.ShipmentDelivered, _shipment_delivered, order=60,
              doc="`shipment_id`, `detail?` (e.g. `left at front door`), `location?`"),
    EventType("stock.changed", ev.StockChanged, _stock_changed, order=70, doc="`seller_id`, `sku`, `quantity`"),
    EventType("price.changed", ev.PriceChanged, _price_changed, order=75, doc="`seller_id`, `sku`, `price`"),
    EventType("membership.started", ev.MembershipStarted, _membership_started, order=80,
              doc="`customer_id`, `plan`"),
    EventType("membership.ended", ev.MembershipEnded, _membership_ended, order=90, doc="`customer_id`"),
]
