"""Applying a batch of inbound events: each exactly once, all or nothing per item, fast.

A batch is applied in three steps inside one transaction:
1. load, in a handful of queries, every row the batch refers to (orders, shipments, customers…) and the
   (source, id) keys already in the inbox;
2. apply each event in order through its registered type (`events.EVENT_TYPES`): a handler first checks
   everything that could make the event invalid and only then stages its changes, so a rejected event
   stages nothing at all. Every handler, commerce's or another domain's, sees the batch as it stands:
   an order placed earlier in the same batch is found like one placed last year;
3. write everything staged with bulk inserts and updates; then run what handlers asked to run once the
   rows exist (`Batch.after_write`), then the listeners of each applied type (`events.LISTENERS`).

The unique (source, id) on the inbox remains the arbiter of "exactly once": if a concurrent request
commits one of our events first, our insert fails, the transaction rolls back whole, and the batch is
applied again from step 1, where that event is now seen as a duplicate.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from advocate.core.db import insert_rows, update_rows

from . import events as ev
from .models import (
    Customer,
    InboundEvent,
    Integration,
    Membership,
    Order,
    OrderLine,
    Payment,
    Product,
    Seller,
    Shipment,
    TrackingScan,
)


@dataclass
class EventOutcome:
    index: int
    status: str  # applied | duplicate | rejected
    source: str | None = None
    id: str | None = None
    errors: list[ev.FieldError] = field(default_factory=list)


@dataclass
class Parsed:
    index: int
    envelope: ev.Envelope
    data: ev.EventData


def parse_items(items: list) -> tuple[list[Parsed], list[EventOutcome], list[tuple[int, ev.EventRejected]]]:
    """Split raw items into parsed events, and rejections (some of which may turn out to be duplicates)."""
    parsed, rejected, data_errors = [], [], []
    for index, raw in enumerate(items):
        try:
            envelope, data = ev.parse_event(raw)
        except ev.EventRejected as exc:
            if exc.envelope is not None:
                data_errors.append((index, exc))
            else:
                raw_dict = raw if isinstance(raw, dict) else {}
                source, ext_id = raw_dict.get("source"), raw_dict.get("id")
                rejected.append(EventOutcome(
                    index=index, status="rejected", errors=exc.errors,
                    source=source if isinstance(source, str) else None,
                    id=ext_id if isinstance(ext_id, str) else None,
                ))
            continue
        parsed.append(Parsed(index, envelope, data))
    return parsed, rejected, data_errors


def _existing_keys(keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
    if not keys:
        return set()
    rows = InboundEvent.objects.filter(
        source__in={s for s, _ in keys}, external_id__in={i for _, i in keys}
    ).values_list("source", "external_id")
    return {row for row in rows if row in keys}


class Batch:
    """One batch of events being applied: the rows it refers to (loaded, or staged by an earlier event of the
    same batch), and what its events staged. Handlers find rows with `order`, `shipment`, `customer`, which
    reject the event naming the field when there is no such row; they add rows with `stage`, mark loaded rows
    changed with `touch`, and ask for work that needs the rows written with `after_write`."""

    # Commerce's rows, in the order they are written (parents before children). Rows other domains stage are
    # written after these, and must be leaves: nothing in a batch points at them.
    _PARENTS = (Seller, Customer, Product, Order, Shipment)
    _UPDATE_FIELDS = {
        Order: ["state", "cancelled_at", "cancelled_by", "cancel_reason"],
        Shipment: ["state", "estimated_delivery", "delivered_at", "delivery_detail"],
        Product: ["stock", "price"],
        Membership: ["ended_at"],
    }

    def __init__(self, parsed: list[Parsed], integration: Integration | None):
        self.parsed = parsed
        self.integration = integration
        self.new: dict[type, list] = {model: [] for model in self._PARENTS}
        self.new.update({model: [] for model in (OrderLine, Payment, TrackingScan, Membership, InboundEvent)})
        self.dirty: dict[type, dict[int, object]] = {model: {} for model in self._UPDATE_FIELDS}
        self._after_write: list[Callable[[], object]] = []

    # --- step 1 ----------------------------------------------------------------------------------------

    def _load(self) -> None:
        want = {k: set() for k in ("orders", "shipments", "customers", "sellers", "skus")}
        for p in self.parsed:
            d = p.data
            if isinstance(d, ev.OrderPlaced):
                want["customers"].add(d.customer.id)
                want["sellers"].add(d.seller.id)
                want["skus"].update(line.sku for line in d.lines)
            for name, kind in (("order_id", "orders"), ("shipment_id", "shipments"), ("customer_id", "customers"),
                               ("seller_id", "sellers"), ("sku", "skus")):
                value = getattr(d, name, None)
                if isinstance(value, str):
                    want[kind].add(value)
        # Rows this batch may change are locked (PostgreSQL) so a concurrent batch cannot interleave.
        self.orders = {o.external_id: o for o in
                       Order.objects.select_for_update().filter(external_id__in=want["orders"]).order_by("id")}
        self.shipments = {s.external_id: s for s in Shipment.objects.select_for_update()
                          .filter(external_id__in=want["shipments"]).select_related("order").order_by("id")}
        self.customers = {c.external_id: c for c in Customer.objects.filter(external_id__in=want["customers"])}
        self.sellers = {s.external_id: s for s in Seller.objects.filter(external_id__in=want["sellers"])}
        self.products = {
            (p.seller.external_id, p.sku): p
            for p in Product.objects.select_for_update(of=("self",)).select_related("seller")
            .filter(seller__external_id__in=want["sellers"], sku__in=want["skus"]).order_by("id")
        }
        self.active_memberships = {
            m.customer.external_id: m
            for m in Membership.objects.select_related("customer")
            .filter(customer__external_id__in=want["customers"], ended_at__isnull=True)
        }

    # --- step 2 ----------------------------------------------------------------------------------------

    def apply(self) -> list[EventOutcome]:
        # Load (and lock) first, look in the inbox second: on PostgreSQL each statement sees what was
        # committed before it began, so an event whose effects we just loaded is also seen in the inbox.
        self._load()
        seen = _existing_keys({(p.envelope.source, p.envelope.id) for p in self.parsed})
        outcomes = []
        applied: list[tuple[str, ev.EventData, ev.Envelope]] = []
        for p in self.parsed:
            env = p.envelope
            outcome = EventOutcome(index=p.index, status="applied", source=env.source, id=env.id)
            key = (env.source, env.id)
            if key in seen:
                outcome.status = "duplicate"
            else:
                try:
                    ev.EVENT_TYPES.get(env.type).apply(self, p.data, env)
                except ev.EventRejected as exc:
                    outcome.status, outcome.errors = "rejected", exc.errors
                else:
                    seen.add(key)
                    applied.append((env.type, p.data, env))
                    self.stage(InboundEvent(
                        source=env.source, external_id=env.id, type=env.type, occurred_at=env.occurred_at,
                        integration=self.integration, data=env.data,
                    ))
            outcomes.append(outcome)
        self._write()
        for work in self._after_write:
            work()
        for listener in ev.LISTENERS:
            events = [(data, env) for type_, data, env in applied if type_ in listener.types]
            if events:
                listener.call(events)
        return outcomes

    def order(self, order_id: str, field: str = "data.order_id") -> Order:
        try:
            return self.orders[order_id]
        except KeyError:
            raise ev.EventRejected.at(field, f"no order with id {order_id!r}") from None

    def shipment(self, shipment_id: str, field: str = "data.shipment_id") -> Shipment:
        try:
            return self.shipments[shipment_id]
        except KeyError:
            raise ev.EventRejected.at(field, f"no shipment with id {shipment_id!r}") from None

    def customer(self, customer_id: str, field: str = "data.customer_id") -> Customer:
        try:
            return self.customers[customer_id]
        except KeyError:
            raise ev.EventRejected.at(field, f"no customer with id {customer_id!r}") from None

    def stage(self, obj) -> None:
        """A new row, written with the batch (after commerce's own rows when another domain's)."""
        self.new.setdefault(type(obj), []).append(obj)

    def touch(self, obj) -> None:
        """A loaded row of commerce's that an event changed; rows created in this batch are written with their
        final values anyway."""
        if obj.pk is not None:
            self.dirty[type(obj)][obj.pk] = obj

    def after_write(self, work: Callable[[], object]) -> None:
        """Run `work` once the batch's rows are written, in the same transaction (for changes made through a
        domain's services, which read the database)."""
        self._after_write.append(work)

    # --- step 3 ----------------------------------------------------------------------------------------

    def _write(self) -> None:
        # Parents first, with bulk_create filling in primary keys that the children then pick up; the rest
        # (which nothing in the batch points at) without asking for their keys back.
        for model, objs in self.new.items():
            if objs and model in self._PARENTS:
                model.objects.bulk_create(objs)
            elif objs:
                insert_rows(model, objs)
        for model, objs in self.dirty.items():
            if objs:
                update_rows(model, objs.values(), self._UPDATE_FIELDS[model])


def resolve_data_errors(data_errors: list[tuple[int, ev.EventRejected]]) -> list[EventOutcome]:
    """An item whose envelope is fine but whose data is not: a duplicate if its (source, id) is already in
    the inbox (a repeat changes nothing, whatever its data says now), otherwise rejected."""
    keys = {(exc.envelope.source, exc.envelope.id) for _, exc in data_errors}
    existing = _existing_keys(keys)
    outcomes = []
    for index, exc in data_errors:
        env = exc.envelope
        if (env.source, env.id) in existing:
            outcomes.append(EventOutcome(index=index, status="duplicate", source=env.source, id=env.id))
        else:
            outcomes.append(EventOutcome(index=index, status="rejected", source=env.source, id=env.id,
                                         errors=exc.errors))
    return outcomes

