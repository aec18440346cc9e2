"""The same events arriving in concurrent requests (real threads, real transactions) still apply exactly once.

The shop's systems retry on timeouts, so a batch often arrives twice at nearly the same moment, on two web
processes. These tests start both at once behind a barrier, on whatever database the suite runs on.
"""

from datetime import timedelta
from functools import partial

import pytest
from django.utils import timezone

from advocate.commerce import services
from advocate.commerce.models import Customer, InboundEvent, Order, OrderLine, Shipment, TrackingScan
from advocate.conftest import BOB, run_together

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 3  # a few fresh races per test, so one lucky interleaving cannot hide a failure
STORM = 4


def statuses(outcomes) -> list[str]:
    return [o["status"] if isinstance(o, dict) else o.status for o in outcomes]


def test_one_event_in_two_concurrent_http_requests_is_applied_once(shop, post_events):
    for round_ in range(ROUNDS):
        event = shop.order_placed(f"A-{round_}", customer={**BOB, "id": f"cust-{round_}"})

        first, second = run_together(partial(post_events, [event]), partial(post_events, [event]))

        assert (first.status_code, second.status_code) == (200, 200), (first.content, second.content)
        results = first.json()["results"] + second.json()["results"]
        assert sorted(statuses(results)) == ["applied", "duplicate"], results
        assert InboundEvent.objects.filter(source=event["source"], external_id=event["id"]).count() == 1
        assert Order.objects.filter(external_id=f"A-{round_}").count() == 1
        assert Customer.objects.filter(external_id=f"cust-{round_}").count() == 1
        assert OrderLine.objects.filter(order__external_id=f"A-{round_}").count() == 2


def test_a_retry_storm_of_one_event_applies_it_once_and_reports_the_rest_duplicate(shop, post_events):
    # A shop's client that times out and retries can send the same event several times at once.
    for round_ in range(ROUNDS):
        event = shop.order_placed(f"R-{round_}", customer={**BOB, "id": f"cust-r-{round_}"})

        responses = run_together(*[partial(post_events, [event])] * STORM)

        assert all(r.status_code == 200 for r in responses), [r.content for r in responses]
        results = [r.json()["results"][0] for r in responses]
        assert sorted(statuses(results)) == ["applied"] + ["duplicate"] * (STORM - 1), results
        assert Order.objects.filter(external_id=f"R-{round_}").count() == 1


def test_one_shipment_in_two_concurrent_http_requests_is_created_once(shop, post_events):
    # Both requests lock the same existing order; whoever waits for the other must see a duplicate, not a
    # "shipment already exists" rejection of an event that was in fact applied.
    for round_ in range(ROUNDS):
        order_id = f"E-{round_}"
        shop.send(shop.order_placed(order_id, customer={**BOB, "id": f"cust-e-{round_}"}))
        event = shop.shipment_created(order_id, f"SE-{round_}")

        first, second = run_together(partial(post_events, [event]), partial(post_events, [event]))

        assert (first.status_code, second.status_code) == (200, 200), (first.content, second.content)
        results = first.json()["results"] + second.json()["results"]
        assert sorted(r["status"] for r in results) == ["applied", "duplicate"], results
        assert Shipment.objects.filter(order__external_id=order_id).count() == 1


def test_one_batch_in_two_concurrent_service_calls_is_applied_once(shop):
    now = timezone.now()
    for round_ in range(ROUNDS):
        order_id, shipment_id = f"B-{round_}", f"SB-{round_}"
        shop.send(shop.order_placed(order_id, placed_at=now - timedelta(days=2)),
                  shop.shipment_created(order_id, shipment_id, shipped_at=now - timedelta(days=1)))
        batch = [
            shop.tracking_scan(shipment_id, "at_depot", at=now - timedelta(hours=5)),
            shop.tracking_scan(shipment_id, "out_for_delivery", at=now - timedelta(hours=3)),
            shop.shipment_delivered(shipment_id, at=now - timedelta(hours=1)),
        ]

        first, second = run_together(partial(services.events_ingest, items=batch),
                                     partial(services.events_ingest, items=batch))

        for index in range(len(batch)):
            assert sorted([first[index].status, second[index].status]) == ["applied", "duplicate"]
        assert TrackingScan.objects.filter(shipment__external_id=shipment_id).count() == 3
        assert Shipment.objects.get(external_id=shipment_id).state == "delivered"


def test_two_concurrent_batches_with_the_same_events_in_opposite_order_each_apply_them_once(shop, post_events):
    # Opposite insertion order is the classic recipe for a deadlock; whoever loses must retry, not fail.
    for round_ in range(ROUNDS):
        events = [shop.order_placed(f"C-{round_}-{n}", customer={**BOB, "id": f"cust-c-{round_}-{n}"})
                  for n in range(4)]

        forward, backward = run_together(partial(post_events, events), partial(post_events, events[::-1]))

        assert (forward.status_code, backward.status_code) == (200, 200), (forward.content, backward.content)
        by_id: dict[str, list[str]] = {}
        for response in (forward, backward):
            for result in response.json()["results"]:
                by_id.setdefault(result["id"], []).append(result["status"])
        assert all(sorted(s) == ["applied", "duplicate"] for s in by_id.values()), by_id
        assert Order.objects.filter(external_id__startswith=f"C-{round_}-").count() == 4


def test_two_concurrent_batches_placing_different_orders_for_one_new_customer_both_apply(shop, post_events):
    # Different events, same brand-new customer: neither may be lost to the race to create that customer.
    for round_ in range(ROUNDS):
        carol = {**BOB, "id": f"cust-carol-{round_}", "email": f"carol{round_}@example.org"}
        one = shop.order_placed(f"D-{round_}-1", customer=carol)
        two = shop.order_placed(f"D-{round_}-2", customer=carol)

        first, second = run_together(partial(post_events, [one]), partial(post_events, [two]))

        assert statuses(first.json()["results"]) == ["applied"], first.json()
        assert statuses(second.json()["results"]) == ["applied"], second.json()
        assert Customer.objects.filter(external_id=carol["id"]).count() == 1
        assert Order.objects.filter(customer__external_id=carol["id"]).count() == 2
