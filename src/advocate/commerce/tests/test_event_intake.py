"""POST /api/v1/events: each event applies exactly once, a bad one is rejected whole with the field at fault,
and only a known integration may send."""

from datetime import timedelta

import pytest
from django.utils import timezone

from advocate.commerce import services
from advocate.commerce.models import (
    Customer,
    InboundEvent,
    Integration,
    Membership,
    Order,
    OrderLine,
    OrderState,
    Payment,
    Product,
    Seller,
    Shipment,
    ShipmentState,
    TrackingScan,
)
from advocate.conftest import ALICE, BLUE_HERON, BOB

pytestmark = pytest.mark.django_db

TABLES = [InboundEvent, Seller, Customer, Product, Order, OrderLine, Payment, Shipment, TrackingScan, Membership]


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}


def an_order_from_placement_to_delivery(shop) -> list[dict]:
    now = timezone.now()
    return [
        shop.order_placed("A-1001", placed_at=now - timedelta(days=3)),
        shop.payment_captured("A-1001"),
        shop.shipment_created("A-1001", "S-1001", shipped_at=now - timedelta(days=2)),
        shop.tracking_scan("S-1001", "in_transit", at=now - timedelta(days=1)),
        shop.shipment_delivered("S-1001", at=now - timedelta(hours=2)),
        shop.order_placed("A-1002", customer=BOB, seller=BLUE_HERON, placed_at=now - timedelta(hours=5)),
    ]


def errors_of(result: dict) -> dict[str, str]:
    return {e["field"]: e["message"] for e in result["errors"]}


# --- exactly once --------------------------------------------------------------------------------------


def test_the_same_batch_posted_twice_applies_once_and_then_reports_every_item_duplicate(shop, post_events):
    batch = an_order_from_placement_to_delivery(shop)

    first = post_events(batch)
    assert first.status_code == 200, first.content
    body = first.json()
    assert (body["applied"], body["duplicate"], body["rejected"]) == (6, 0, 0)
    after_first = row_counts()
    assert after_first["Order"] == 2 and after_first["TrackingScan"] == 2 and after_first["InboundEvent"] == 6

    second = post_events(batch)
    assert second.status_code == 200, second.content
    body = second.json()
    assert (body["applied"], body["duplicate"], body["rejected"]) == (0, 6, 0)
    assert [(r["index"], r["status"], r["source"], r["id"]) for r in body["results"]] == [
        (i, "duplicate", item["source"], item["id"]) for i, item in enumerate(batch)
    ]
    assert row_counts() == after_first
    shipment = Shipment.objects.get(external_id="S-1001")
    assert shipment.state == ShipmentState.DELIVERED and shipment.delivery_detail == "left at front door"


def test_a_repeat_whose_data_has_changed_is_still_a_duplicate_and_changes_nothing(shop, post_events):
    placed = shop.order_placed("A-2001", id="order-A-2001")
    assert post_events([placed]).json()["applied"] == 1
    before = row_counts()

    changed = shop.order_placed("A-2001", id="order-A-2001", total="1.00", ship_to="Somewhere else")
    body = post_events([changed]).json()

    assert body["results"][0]["status"] == "duplicate"
    order = Order.objects.get(external_id="A-2001")
    assert (order.total, order.ship_to) == (64, "12 Acacia Avenue, London")
    assert row_counts() == before


def test_a_repeat_with_now_invalid_data_is_a_duplicate_not_a_rejection(shop, post_events):
    scan_id = "scan-1"
    first = [shop.order_placed("A-2101"), shop.shipment_created("A-2101", "S-2101"),
             shop.tracking_scan("S-2101", id=scan_id)]
    assert post_events(first).json()["applied"] == 3

    repeat = shop.tracking_scan("S-2101", "no-such-code", id=scan_id)
    body = post_events([repeat]).json()

    assert body["results"][0]["status"] == "duplicate"
    assert TrackingScan.objects.count() == 1


def test_an_event_repeated_inside_one_batch_applies_once(shop, post_events):
    placed = shop.order_placed("A-3001")
    scan = shop.tracking_scan("S-3001", "at_depot")
    batch = [placed, shop.shipment_created("A-3001", "S-3001"), scan, scan, placed]

    body = post_events(batch).json()

    assert [r["status"] for r in body["results"]] == ["applied", "applied", "applied", "duplicate", "duplicate"]
    assert TrackingScan.objects.count() == 1 and Order.objects.count() == 1


def test_the_same_id_from_another_source_is_another_event(shop, post_events):
    setup = [shop.order_placed("A-3101"), shop.shipment_created("A-3101", "S-3101")]
    post_events(setup)
    from_shop = shop.tracking_scan("S-3101", "in_transit", id="77")
    from_carrier = shop.tracking_scan("S-3101", "at_depot", id="77")
    from_carrier["source"] = "carrier-parcelnet"

    body = post_events([from_shop, from_carrier]).json()

    assert body["applied"] == 2
    assert sorted(TrackingScan.objects.values_list("code", flat=True)) == ["at_depot", "in_transit"]


# --- rejection: the field at fault, nothing half-applied, the good items still apply ---------------------


def test_a_malformed_item_is_rejected_naming_the_field_while_the_good_items_apply(shop, post_events):
    carol = {**ALICE, "id": "cust-carol", "email": "carol@example.org", "name": "Carol Danvers"}
    bad = shop.order_placed("A-4002", customer=carol)
    bad["data"]["lines"][0]["unit_price"] = "twelve pounds"
    batch = [shop.order_placed("A-4001"), bad, shop.order_placed("A-4003", customer=BOB)]

    response = post_events(batch)

    assert response.status_code == 200
    body = response.json()
    assert (body["applied"], body["duplicate"], body["rejected"]) == (2, 0, 1)
    rejected = body["results"][1]
    assert (rejected["status"], rejected["source"], rejected["id"]) == ("rejected", bad["source"], bad["id"])
    assert "data.lines.0.unit_price" in errors_of(rejected)
    assert set(Order.objects.values_list("external_id", flat=True)) == {"A-4001", "A-4003"}
    assert not Customer.objects.filter(external_id="cust-carol").exists()
    assert not InboundEvent.objects.filter(external_id=bad["id"]).exists()


@pytest.mark.parametrize(
    ("break_it", "field"),
    [
        (lambda e: e["data"].pop("currency"), "data.currency"),
        (lambda e: e["data"]["customer"].update(email="not-an-email"), "data.customer.email"),
        (lambda e: e["data"]["lines"][1].update(quantity=0), "data.lines.1.quantity"),
        (lambda e: e["data"].update(colour="red"), "data.colour"),
        (lambda e: e["data"]["customer"].update(time_zone="Mars/Olympus_Mons"), "data.customer.time_zone"),
        (lambda e: e.update(occurred_at="2026-03-10T12:00:00"), "occurred_at"),  # no time zone
        (lambda e: e.update(type="order.teleported"), "type"),
        (lambda e: e.pop("source"), "source"),
    ],
)
def test_each_kind_of_mistake_names_its_field(shop, post_events, break_it, field):
    event = shop.order_placed("A-4101")
    break_it(event)

    body = post_events([event]).json()

    assert body["results"][0]["status"] == "rejected"
    assert field in errors_of(body["results"][0]), body["results"][0]["errors"]
    assert row_counts() == {name: 0 for name in row_counts()}


def test_an_item_that_is_not_an_object_is_rejected_and_the_rest_apply(shop, post_events):
    response = post_events(["order A-4201 please", shop.order_placed("A-4202")])

    assert response.status_code == 200, response.content
    body = response.json()
    assert [r["status"] for r in body["results"]] == ["rejected", "applied"]
    assert body["results"][0]["errors"][0]["message"]


def test_an_event_about_an_unknown_order_is_rejected_with_the_order_id(shop, post_events):
    body = post_events([shop.shipment_created("A-NOPE", "S-NOPE")]).json()

    assert body["results"][0]["status"] == "rejected"
    assert "A-NOPE" in errors_of(body["results"][0])["data.order_id"]
    assert Shipment.objects.count() == 0


def test_a_second_order_placed_with_an_existing_order_id_leaves_no_trace_of_its_new_customer(shop, post_events):
    post_events([shop.order_placed("A-5001")])
    carol = {**ALICE, "id": "cust-carol", "email": "carol@example.org", "name": "Carol Danvers"}
    newcomer_seller = {"id": "seller-new", "name": "Brand New Seller"}
    clash = shop.order_placed("A-5001", customer=carol, seller=newcomer_seller, id="clash-1",
                              lines=[{"sku": "NEW-SKU", "title": "Kite", "quantity": 1, "unit_price": "5.00"}])
    before = row_counts()

    body = post_events([clash, shop.order_placed("A-5002", customer=BOB)]).json()

    assert [r["status"] for r in body["results"]] == ["rejected", "applied"]
    assert "already exists" in errors_of(body["results"][0])["data.order_id"]
    assert not Customer.objects.filter(external_id="cust-carol").exists()
    assert not Seller.objects.filter(external_id="seller-new").exists()
    assert not Product.objects.filter(sku="NEW-SKU").exists()
    assert Order.objects.get(external_id="A-5001").customer.external_id == ALICE["id"]
    assert row_counts()["Customer"] == before["Customer"] + 1  # only Bob

    # The rejected event left nothing in the inbox either: sent again, corrected, under the same id, it applies.
    fixed = shop.order_placed("A-5003", customer=carol, seller=newcomer_seller, id="clash-1")
    assert post_events([fixed]).json()["results"][0]["status"] == "applied"
    assert Order.objects.get(external_id="A-5003").customer.email == "carol@example.org"


def test_a_rejected_event_in_the_middle_of_an_orders_life_does_not_stop_the_rest(shop, post_events):
    now = timezone.now()
    batch = [
        shop.order_placed("A-6001", placed_at=now - timedelta(days=2)),
        shop.shipment_created("A-6001", "S-6001", shipped_at=now - timedelta(days=1)),
        shop.tracking_scan("S-6999", "at_depot"),  # a shipment nobody told us about
        shop.shipment_delivered("S-6001", at=now - timedelta(hours=1)),
    ]

    body = post_events(batch).json()

    assert [r["status"] for r in body["results"]] == ["applied", "applied", "rejected", "applied"]
    assert "S-6999" in errors_of(body["results"][2])["data.shipment_id"]
    assert Shipment.objects.get(external_id="S-6001").state == ShipmentState.DELIVERED


def test_an_order_whose_total_does_not_fit_is_rejected_and_the_rest_of_the_batch_applies(shop, post_events):
    # Each line is valid on its own (unit price within 12 digits), but the order's total is not storable.
    huge = shop.order_placed(
        "A-7002", customer=BOB,
        lines=[{"sku": "YACHT", "title": "Yacht", "quantity": 10, "unit_price": "9999999999.99"}],
    )
    response = post_events([shop.order_placed("A-7001"), huge])

    assert response.status_code == 200, response.content
    body = response.json()
    assert [r["status"] for r in body["results"]] == ["applied", "rejected"]
    assert any(field.startswith("data.") for field in errors_of(body["results"][1]))
    assert list(Order.objects.values_list("external_id", flat=True)) == ["A-7001"]
    assert not Customer.objects.filter(external_id=BOB["id"]).exists()


def test_a_delivered_order_cannot_be_cancelled_even_when_both_arrive_in_one_batch(shop, post_events):
    now = timezone.now()
    post_events([
        shop.order_placed("A-8001", placed_at=now - timedelta(days=3)),
        shop.shipment_created("A-8001", "S-8001", shipped_at=now - timedelta(days=2)),
    ])

    body = post_events([
        shop.shipment_delivered("S-8001", at=now - timedelta(hours=3)),
        shop.order_cancelled("A-8001", at=now - timedelta(hours=1)),
    ]).json()

    assert [r["status"] for r in body["results"]] == ["applied", "rejected"]
    assert "delivered" in errors_of(body["results"][1])["data.order_id"]
    assert Order.objects.get(external_id="A-8001").state == OrderState.PLACED


def test_a_delivered_order_cannot_be_cancelled_in_a_later_batch(shop, post_events):
    now = timezone.now()
    post_events([
        shop.order_placed("A-8101", placed_at=now - timedelta(days=3)),
        shop.shipment_created("A-8101", "S-8101", shipped_at=now - timedelta(days=2)),
        shop.shipment_delivered("S-8101", at=now - timedelta(hours=3)),
    ])

    body = post_events([shop.order_cancelled("A-8101")]).json()

    assert body["results"][0]["status"] == "rejected"
    assert Order.objects.get(external_id="A-8101").state == OrderState.PLACED


def test_a_cancelled_order_cannot_be_shipped(shop, post_events):
    body = post_events([
        shop.order_placed("A-8201"),
        shop.order_cancelled("A-8201"),
        shop.shipment_created("A-8201", "S-8201"),
    ]).json()

    assert [r["status"] for r in body["results"]] == ["applied", "applied", "rejected"]
    assert Order.objects.get(external_id="A-8201").state == OrderState.CANCELLED
    assert not Shipment.objects.exists()


def test_a_carrier_exception_then_a_new_estimate(shop, post_events):
    now = timezone.now()
    new_estimate = now + timedelta(days=9)
    post_events([
        shop.order_placed("A-8301", placed_at=now - timedelta(days=2)),
        shop.shipment_created("A-8301", "S-8301", shipped_at=now - timedelta(days=1)),
        shop.tracking_scan("S-8301", "exception", description="Address label damaged"),
    ])
    assert Shipment.objects.get(external_id="S-8301").state == ShipmentState.EXCEPTION

    post_events([shop.tracking_scan("S-8301", "delayed", estimated_delivery=new_estimate)])

    shipment = Shipment.objects.get(external_id="S-8301")
    assert shipment.state == ShipmentState.IN_TRANSIT
    assert shipment.estimated_delivery == new_estimate


# --- who may send, and how much -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [None, "adv_deadbeef_not-the-real-secret", "not-even-a-key", ""],
    ids=["no key", "wrong key", "garbage", "empty"],
)
def test_without_a_valid_key_the_api_answers_401_and_applies_nothing(shop, post_events, key):
    response = post_events([shop.order_placed("A-9001")], key=key)

    assert response.status_code == 401
    assert not Order.objects.exists() and not InboundEvent.objects.exists()


def test_a_real_key_with_its_secret_altered_is_refused(shop, post_events, integration_key):
    tampered = integration_key[:-1] + ("A" if integration_key[-1] != "A" else "B")

    assert post_events([shop.order_placed("A-9101")], key=tampered).status_code == 401


def test_a_disabled_integrations_key_is_refused(shop, post_events, integration_key):
    Integration.objects.update(is_active=False)

    assert post_events([shop.order_placed("A-9201")], key=integration_key).status_code == 401
    assert not Order.objects.exists()


def test_events_record_which_integration_sent_them(shop, post_events):
    post_events([shop.order_placed("A-9301")])

    assert InboundEvent.objects.get().integration.name == "shop-backend"


def test_a_batch_over_1000_is_refused_with_413_and_a_message(shop, post_events):
    batch = [shop.order_placed(f"A-{n:05d}") for n in range(services.MAX_BATCH + 1)]

    response = post_events(batch)

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert "1000" in response.json()["message"] and "1001" in response.json()["message"]
    assert not Order.objects.exists()


def test_a_batch_of_exactly_1000_is_accepted(post_events):
    response = post_events([{"not": "an event"}] * services.MAX_BATCH)

    assert response.status_code == 200
    assert response.json()["rejected"] == services.MAX_BATCH


def test_a_body_that_is_not_a_list_of_events_is_refused_without_a_server_error(post_events):
    response = post_events({"source": "shop", "id": "1"})

    assert 400 <= response.status_code < 500
