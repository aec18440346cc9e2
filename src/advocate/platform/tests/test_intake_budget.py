"""What one batch of a live feed costs in SQL statements, with every domain's upkeep on (seller health, refunds
of cancelled orders…): a count, deterministic, so it belongs in the suite. Upkeep is batch-wise: a batch of
500 events costs a few dozen statements however many orders it touches. Times are measured in benchmarks/."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from advocate.commerce import services
from advocate.conftest import BLUE_HERON, NORTHWIND, PLATFORM

pytestmark = pytest.mark.django_db

BUDGET = 40  # statements for a 500-event batch of the live feed below

# Each order's events and how many orders later each arrives, as in benchmarks/foundation.py: a batch mixes
# new orders with payments, shipments and scans of orders placed a while before.
STAGES = [(0, "placed"), (0, "paid"), (40, "shipped"), (40, "picked_up"), (80, "in_transit"), (120, "at_depot"),
          (160, "out_for_delivery"), (161, "delivered")]


def live_feed(shop, orders: int) -> list[dict]:
    placed_at = timezone.now() - timedelta(days=3)
    sellers = [NORTHWIND, BLUE_HERON, PLATFORM]
    keyed = []
    for i in range(orders):
        order_id, shipment_id = f"L-{i:05d}", f"LS-{i:05d}"
        customer = {"id": f"c-{i % 97}", "name": f"Customer {i % 97}", "email": f"c{i % 97}@example.com",
                    "language": "en", "time_zone": "Europe/London"}
        at = placed_at + timedelta(minutes=i)
        events = {
            "placed": shop.order_placed(order_id, customer=customer, seller=sellers[i % 3], placed_at=at,
                                        fulfilled_by="platform" if i % 3 == 2 else "seller"),
            "paid": shop.payment_captured(order_id),
            "shipped": shop.shipment_created(order_id, shipment_id, shipped_at=at + timedelta(hours=5)),
            "delivered": shop.shipment_delivered(shipment_id, at=at + timedelta(days=2)),
        }
        for code in ("picked_up", "in_transit", "at_depot", "out_for_delivery"):
            events[code] = shop.tracking_scan(shipment_id, code, at=at + timedelta(hours=6))
        keyed += [(i + offset, n, events[name]) for n, (offset, name) in enumerate(STAGES)]
    keyed.sort(key=lambda k: (k[0], k[1]))
    return [event for _, _, event in keyed]


def test_a_500_event_batch_of_a_live_feed_stays_within_its_statement_budget(shop):
    feed = live_feed(shop, orders=300)
    warm_up, batch = feed[:1000], feed[1000:1500]
    for start in range(0, len(warm_up), 500):
        shop.send(*warm_up[start:start + 500])
    kinds = {event["type"] for event in batch}
    assert {"order.placed", "tracking.scan", "shipment.delivered"} <= kinds  # new orders beside older ones

    with CaptureQueriesContext(connection) as statements:
        outcomes = services.events_ingest(items=batch)

    assert [o.status for o in outcomes].count("applied") == 500
    assert len(statements) <= BUDGET, "\n".join(q["sql"][:120] for q in statements.captured_queries)
