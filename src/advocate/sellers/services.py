"""Writes for seller health: keeping each order's and each buyer message's contributions to the day counters
up to date as events arrive (see `health`), buyers' ratings, and chargebacks. The cost of one event does not
grow with the seller's history: it reads one order and changes a handful of counters."""

from collections import defaultdict
from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from advocate.accounts.selectors import seller_reader
from advocate.claims.models import Finding, GuaranteeClaim
from advocate.commerce.models import CancelledBy, Order, Shipment, TrackingScan
from advocate.commerce.presenters import mask_for
from advocate.commerce.selectors import order_facts
from advocate.commerce.status import ShipmentFacts
from advocate.core.db import add_to_counters, insert_rows, retrying_write, update_rows
from advocate.core.errors import Invalid, Refused
from advocate.trust.guards import customer_may_act

from . import health
from .models import Chargeback, HealthDay, MessageHealth, OrderHealth, Rating

NEGATIVE_STARS = 2  # a rating of this many stars or fewer is negative feedback


# --- from the database to the plain core ---------------------------------------------------------------


def _shipments_with_scans(orders):
    return (Shipment.objects.filter(order__in=orders)
            .annotate(scanned=Exists(TrackingScan.objects.filter(shipment=OuterRef("pk"))))
            .values("order_id", "shipped_at", "tracking_number", "delivered_at", "scanned"))


def _record(order: Order, shipments: list[dict], stars: int | None, claim_findings: list[str],
            chargeback: bool) -> health.OrderRecord:
    facts = order_facts(order, shipments=[
        ShipmentFacts(delivered_at=s["delivered_at"], estimated_delivery=None, shipped_at=s["shipped_at"])
        for s in shipments])
    return health.OrderRecord(
        placed_at=order.placed_at, ship_by=order.ship_by, promised_latest=order.promised_latest,
        cancelled=facts.cancelled,
        cancelled_before_shipping_by_seller=(facts.cancelled and order.cancelled_by == CancelledBy.SELLER
                                             and not facts.shipped),
        first_shipped_at=facts.first_shipped_at,
        tracking_valid=facts.shipped and all(s["tracking_number"] and s["scanned"] for s in shipments),
        delivered_at=facts.delivered_at,
        negative_feedback=stars is not None and stars <= NEGATIVE_STARS,
        # A claim counts against the seller unless it was decided for them.
        claim_against_seller=any(finding != Finding.SELLER for finding in claim_findings),
        chargeback=chargeback,
    )


def _records(orders: list[Order], now: datetime) -> dict[int, health.OrderRecord]:
    """What the metrics need to know of these orders, in five queries whatever their number."""
    shipments, findings = defaultdict(list), defaultdict(list)
    for shipment in _shipments_with_scans(orders):
        shipments[shipment["order_id"]].append(shipment)
    for order_id, finding in GuaranteeClaim.objects.filter(report__order__in=orders).values_list(
            "report__order_id", "finding"):
        findings[order_id].append(finding)
    stars = dict(Rating.objects.filter(order__in=orders).values_list("order_id", "stars"))
    charged_back = set(Chargeback.objects.filter(order__in=orders).values_list("order_id", flat=True))
    return {order.pk: _record(order, shipments[order.pk], stars.get(order.pk), findings[order.pk],
                              order.pk in charged_back) for order in orders}


def _facts(record: health.OrderRecord, now: datetime) -> dict:
    """The flags that put an order behind a figure, for the seller's 'orders behind it' lists."""
    late_shipment = (record.first_shipped_at > record.ship_by if record.first_shipped_at
                     else not record.withdrawn and now >= record.ship_by)
    late_delivery = not record.cancelled and (
        record.delivered_at > record.promised_latest if record.delivered_at else now >= record.promised_latest)
    return {
        "negative_feedback": record.negative_feedback, "claim_against_seller": record.claim_against_seller,
        "chargeback": record.chargeback,
        "defective": record.negative_feedback or record.claim_against_seller or record.chargeback,
        "cancelled_before_shipping": record.cancelled_before_shipping_by_seller,
        "late_shipment": late_shipment, "late_delivery": late_delivery,
        "tracking_invalid": record.first_shipped_at is not None and not record.tracking_valid,
    }


# --- keeping the counters up to date ---------------------------------------------------------------------


def _apply(changes: dict[tuple[int, health.Counter, object], int]) -> None:
    """Add each (seller, counter, day) change to its day counter: one upsert for the whole batch."""
    add_to_counters(HealthDay, ["seller_id", "day", "counter"], "value",
                    ((seller_id, day, str(counter), delta) for (seller_id, counter, day), delta in changes.items()))


_HEALTH_FIELDS = ["contributions", "next_check_at", "defective", "negative_feedback", "claim_against_seller",
                  "chargeback", "cancelled_before_shipping", "late_shipment", "tracking_invalid", "late_delivery"]


def health_order_refresh(order_ids, *, now: datetime | None = None) -> int:
    """Bring these orders' contributions up to date after something happened to them; returns how many
    changed. Called inside the transaction that applied the event. Batch-wise: the same few statements for
    one order or for every order of an event batch — read the orders and what their figures need, then write
    the rows that changed and every counter's change at once."""
    now = now or timezone.now()
    orders = list(Order.objects.filter(pk__in=list(order_ids)))
    if not orders:
        return 0
    records = _records(orders, now)
    existing = {row.pk: row for row in OrderHealth.objects.filter(pk__in=[o.pk for o in orders])}
    totals: dict[tuple[int, health.Counter, object], int] = defaultdict(int)
    created, updated = [], []
    for order in orders:
        record = records[order.pk]
        new = health.order_contributions(record, now)
        row = existing.get(order.pk)
        values = {"contributions": health.encode(new), "next_check_at": health.next_change(record, now),
                  **_facts(record, now)}
        if row is None:
            created.append(OrderHealth(order_id=order.pk, seller_id=order.seller_id, placed_at=order.placed_at,
                                       **values))
            old = {}
        else:
            if all(getattr(row, name) == value for name, value in values.items()):
                continue
            old = health.decode(row.contributions)
            for name, value in values.items():
                setattr(row, name, value)
            updated.append(row)
        for (counter, day), delta in health.difference(old, new).items():
            totals[(order.seller_id, counter, day)] += delta
    insert_rows(OrderHealth, created, with_pk=True)
    update_rows(OrderHealth, updated, _HEALTH_FIELDS)
    _apply(totals)
    return len(created) + len(updated)


def health_message_changed(*, seller_id: int, key: str, sent_at: datetime, answered_at: datetime | None,
                           now: datetime | None = None) -> None:
    """A buyer's message to a seller was sent or answered: update the seller's message-response figure."""
    now = now or timezone.now()
    record = health.MessageRecord(sent_at=sent_at, answered_at=answered_at)
    new = health.message_contributions(record, now)
    row = MessageHealth.objects.filter(key=key).first() or MessageHealth(key=key, seller_id=seller_id)
    changes = health.difference(health.decode(row.contributions), new)
    row.contributions, row.next_check_at = health.encode(new), health.message_next_change(record, now)
    row.sent_at, row.answered_at = sent_at, answered_at
    row.save()
    _apply({(seller_id, counter, day): delta for (counter, day), delta in changes.items()})


def health_revisit_due(*, now: datetime | None = None, limit: int = 5000) -> int:
    """Run by `advocate tick`: orders (and messages) whose figures change with time alone — a ship-by time or a
    promised delivery time passed, 24 hours to answer ran out — are recomputed once, when that happens."""
    now = now or timezone.now()
    due = list(OrderHealth.objects.filter(next_check_at__lte=now).values_list("pk", flat=True)[:limit])
    for start in range(0, len(due), 500):
        with transaction.atomic():
            health_order_refresh(due[start:start + 500], now=now)
    messages = MessageHealth.objects.filter(next_check_at__lte=now).values_list(
        "key", "seller_id", "sent_at", "answered_at")[:limit]
    for key, seller_id, sent_at, answered_at in messages:
        with transaction.atomic():
            health_message_changed(seller_id=seller_id, key=key, sent_at=sent_at, answered_at=answered_at, now=now)
    return len(due) + len(messages)


def health_backfill(*, now: datetime | None = None, batch: int = 2000, progress=None) -> int:
    """Compute every order's contributions from scratch (after the demo generator or an import wrote orders
    without going through events): in batches, a few queries each, counters written once at the end."""
    now = now or timezone.now()
    OrderHealth.objects.all().delete()
    HealthDay.objects.all().delete()
    totals: dict[tuple[int, health.Counter, object], int] = defaultdict(int)
    ids = list(Order.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        orders = list(Order.objects.filter(pk__in=ids[start:start + batch]))
        records = _records(orders, now)
        rows = []
        for order in orders:
            record = records[order.pk]
            contributions = health.order_contributions(record, now)
            for (counter, day), value in contributions.items():
                totals[(order.seller_id, counter, day)] += value
            rows.append(OrderHealth(order=order, seller_id=order.seller_id, placed_at=order.placed_at,
                                    contributions=health.encode(contributions),
                                    next_check_at=health.next_change(record, now), **_facts(record, now)))
        with transaction.atomic():
            OrderHealth.objects.bulk_create(rows)
        if progress:
            progress(len(orders))
    HealthDay.objects.bulk_create(
        (HealthDay(seller_id=seller_id, day=day, counter=counter, value=value)
         for (seller_id, counter, day), value in totals.items() if value),
        batch_size=5000,
    )
    return len(ids)


# --- ratings ----------------------------------------------------------------------------


def rating_save(*, order: Order, customer, stars: int, comment: str = "", now: datetime | None = None) -> Rating:
    """A buyer rates the seller of a delivered order (again: the rating is replaced). Contact details in the
    comment are hidden from the seller."""
    if order.customer_id != customer.pk:
        raise ValueError("a customer rates only their own orders")
    customer_may_act(customer)
    if not 1 <= stars <= 5:
        raise Invalid("stars_out_of_range", _("Choose from one to five stars."), field="stars")
    if order_facts(order).any_delivered_at is None:
        raise Refused("not_delivered", _("You can rate the seller once something from the order has arrived."))

    def work():
        moment = now or timezone.now()
        masked = mask_for(comment.strip()[:2000], seller_reader(order.seller_id)[0])  # as the seller reads it
        rating, _created = Rating.objects.update_or_create(
            order=order, create_defaults={"created_at": moment, "customer": customer, "seller_id": order.seller_id,
                                          "stars": stars, "comment": masked.text,
                                          "comment_original": comment.strip()[:2000], "updated_at": moment},
            defaults={"stars": stars, "comment": masked.text, "comment_original": comment.strip()[:2000],
                      "updated_at": moment})
        health_order_refresh([order.pk], now=moment)
        return rating

    return retrying_write(work)
