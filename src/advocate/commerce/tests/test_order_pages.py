"""The order pages and the order API, end to end: orders built by events through the API, read back as the
customer, the seller or a stranger would."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from advocate.conftest import ALICE, BLUE_HERON, BOB, NORTHWIND, PLATFORM

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")


def status_on_page(html: str) -> str:
    match = re.search(r'id="order-status">([^<]*)<', html)
    assert match, "the order page has no status sentence"
    return match.group(1).strip()


def weekday(moment, zone) -> str:
    return moment.astimezone(zone).strftime("%A")


def html_tag(html: str) -> str:
    return re.search(r"<html[^>]*>", html).group(0)


# --- the status sentence, from events to the page -------------------------------------------------------
# Each scenario sends the events of one order and says what its page must read, for a reader in Tokyo.
# Moments are three days from now, so the sentence names a weekday (never "today"/"tomorrow").


def arriving(shop, now):
    estimate = now + timedelta(days=3)
    events = [shop.order_placed("A-1", placed_at=now - timedelta(days=1), promised_latest=now + timedelta(days=4)),
              shop.shipment_created("A-1", "S-1", shipped_at=now - timedelta(hours=12), estimated_delivery=estimate)]
    return events, f"Arriving {weekday(estimate, TOKYO)}"


def late_with_new_estimate(shop, now):
    new_estimate = now + timedelta(days=3)
    events = [shop.order_placed("A-1", placed_at=now - timedelta(days=4), ship_by=now - timedelta(days=3),
                                promised_latest=now + timedelta(hours=6)),
              shop.shipment_created("A-1", "S-1", shipped_at=now - timedelta(days=3)),
              shop.tracking_scan("S-1", "delayed", at=now - timedelta(hours=1), estimated_delivery=new_estimate)]
    return events, f"Running late — new estimate {weekday(new_estimate, TOKYO)}"


def late_without_estimate(shop, now):
    events = [shop.order_placed("A-1", placed_at=now - timedelta(days=10), ship_by=now - timedelta(days=9),
                                promised_latest=now - timedelta(days=5)),
              shop.shipment_created("A-1", "S-1", shipped_at=now - timedelta(days=9)),
              shop.tracking_scan("S-1", "in_transit", at=now - timedelta(days=8))]
    return events, "Running late — past the promised date, and the carrier has not given a new one yet"


def delivered(shop, now):
    delivered_at = (now - timedelta(days=3)).replace(second=0, microsecond=0)
    events = [shop.order_placed("A-1", placed_at=now - timedelta(days=6)),
              shop.shipment_created("A-1", "S-1", shipped_at=now - timedelta(days=5)),
              shop.shipment_delivered("S-1", at=delivered_at, detail="left at front door")]
    local = delivered_at.astimezone(TOKYO)
    return events, f"Delivered {local:%A} {local:%H:%M}, left at front door"


def not_shipped_by_the_seller(shop, now):
    ship_by = now + timedelta(days=3)
    return ([shop.order_placed("A-1", fulfilled_by="seller", ship_by=ship_by)],
            f"Not shipped yet — the seller has until {weekday(ship_by, TOKYO)}")


def not_shipped_from_our_warehouse(shop, now):
    ship_by = now + timedelta(days=3)
    return ([shop.order_placed("A-1", seller=PLATFORM, fulfilled_by="platform", ship_by=ship_by)],
            f"Not shipped yet — it leaves our warehouse by {weekday(ship_by, TOKYO)}")


def ship_overdue(shop, now):
    ship_by = now - timedelta(days=3)
    return ([shop.order_placed("A-1", placed_at=now - timedelta(days=5), ship_by=ship_by)],
            f"Not shipped yet — the seller should have sent it by {weekday(ship_by, TOKYO)}")


def cancelled(shop, now):
    cancelled_at = now - timedelta(days=3)
    return ([shop.order_placed("A-1", placed_at=now - timedelta(days=4)),
             shop.order_cancelled("A-1", at=cancelled_at)],
            f"Cancelled {weekday(cancelled_at, TOKYO)}")


SCENARIOS = [arriving, late_with_new_estimate, late_without_estimate, delivered, not_shipped_by_the_seller,
             not_shipped_from_our_warehouse, ship_overdue, cancelled]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.__name__ for s in SCENARIOS])
def test_the_order_page_tells_the_customer_where_their_order_stands(scenario, shop, post_events, alice, login):
    alice.time_zone = "Asia/Tokyo"
    alice.save(update_fields=["time_zone"])
    events, expected = scenario(shop, timezone.now())
    assert post_events(events).json()["applied"] == len(events)
    client = login(alice)

    page = client.get("/orders/A-1/")
    listing = client.get("/orders/")
    api = client.get("/api/v1/orders/A-1")

    assert page.status_code == 200
    assert status_on_page(page.content.decode()) == expected
    assert expected in listing.content.decode()
    assert api.status_code == 200 and api.json()["status"]["sentence"] == expected


def test_the_order_page_shows_the_items_total_and_every_carrier_scan(shop, post_events, alice, login):
    now = timezone.now()
    post_events([
        shop.order_placed("A-2", placed_at=now - timedelta(days=2)),
        shop.payment_captured("A-2", "64.00"),
        shop.shipment_created("A-2", "S-2", shipped_at=now - timedelta(days=1)),
        shop.tracking_scan("S-2", "at_depot", at=now - timedelta(hours=8), location="Croydon depot"),
        shop.tracking_scan("S-2", "out_for_delivery", at=now - timedelta(hours=2), location="Croydon"),
    ])

    html = login(alice).get("/orders/A-2/").content.decode()

    for text in ("Ceramic mug set", "Desk lamp", "64.00 GBP", "ParcelNet", "PNS-2", "At the local depot",
                 "Croydon depot", "Out for delivery"):
        assert text in html, text
    assert html.index("Out for delivery") < html.index("At the local depot"), "newest scan first"


def test_the_order_api_describes_the_order(shop, post_events, alice, login):
    now = timezone.now()
    post_events([
        shop.order_placed("A-3", placed_at=now - timedelta(days=2)),
        shop.shipment_created("A-3", "S-3", shipped_at=now - timedelta(days=1)),
        shop.tracking_scan("S-3", "in_transit", at=now - timedelta(hours=3)),
    ])

    body = login(alice).get("/api/v1/orders/A-3").json()

    assert body["id"] == "A-3" and body["seller"] == NORTHWIND["name"] and body["total"] in ("64.00", 64.0)
    assert {line["sku"] for line in body["lines"]} == {"MUG-SET", "LAMP-01"}
    assert body["status"]["kind"] == "arriving"
    assert [s["id"] for s in body["shipments"]] == ["S-3"]
    assert [scan["code"] for scan in body["shipments"][0]["scans"]] == ["in_transit"]


# --- whose order is it ------------------------------------------------------------------------------------


@pytest.fixture
def two_customers_orders(shop, post_events):
    post_events([
        shop.order_placed("ALICE-1", customer=ALICE, seller=NORTHWIND),
        shop.order_placed("BOB-1", customer=BOB, seller=BLUE_HERON,
                          lines=[{"sku": "KITE", "title": "Stunt kite", "quantity": 1, "unit_price": "30.00"}]),
        shop.order_placed("BOB-2", customer=BOB, seller=NORTHWIND,
                          lines=[{"sku": "TENT", "title": "Two-person tent", "quantity": 1, "unit_price": "99.00"}]),
    ])


@pytest.mark.usefixtures("two_customers_orders")
def test_a_customer_cannot_open_another_customers_order_page_it_is_simply_not_found(alice, bob, login):
    client = login(alice)

    assert client.get("/orders/ALICE-1/").status_code == 200
    response = client.get("/orders/BOB-1/")

    assert response.status_code == 404
    assert "Stunt kite" not in response.content.decode()


@pytest.mark.usefixtures("two_customers_orders")
def test_a_customer_cannot_read_another_customers_order_through_the_api(alice, bob, login):
    client = login(alice)

    assert client.get("/api/v1/orders/ALICE-1").status_code == 200
    response = client.get("/api/v1/orders/BOB-1")

    assert response.status_code == 404
    assert "Stunt kite" not in response.content.decode()


@pytest.mark.usefixtures("two_customers_orders")
def test_an_order_that_does_not_exist_looks_the_same_as_someone_elses(alice, bob, login):
    client = login(alice)

    assert client.get("/orders/NO-SUCH-ORDER/").status_code == client.get("/orders/BOB-1/").status_code == 404


@pytest.mark.usefixtures("two_customers_orders")
def test_a_customer_lists_only_their_own_orders(alice, bob, login):
    html = login(alice).get("/orders/").content.decode()

    assert "ALICE-1" in html
    assert "BOB-1" not in html and "BOB-2" not in html


@pytest.mark.usefixtures("two_customers_orders")
def test_nobody_signed_in_sees_any_order(client):
    assert client.get("/orders/ALICE-1/")["Location"].startswith("/accounts/login/")
    assert client.get("/api/v1/orders/ALICE-1").status_code == 401


@pytest.mark.usefixtures("two_customers_orders")
def test_a_seller_sees_only_orders_they_sold(northwind_user, login):
    client = login(northwind_user)

    listing = client.get("/orders/").content.decode()
    assert "ALICE-1" in listing and "BOB-2" in listing
    assert "BOB-1" not in listing and "Stunt kite" not in listing
    assert client.get("/orders/BOB-2/").status_code == 200
    assert client.get("/orders/BOB-1/").status_code == 404
    assert client.get("/api/v1/orders/BOB-1").status_code == 404


@pytest.mark.usefixtures("two_customers_orders")
def test_a_seller_never_sees_the_buyers_name_email_or_phone(northwind_user, login):
    client = login(northwind_user)
    pages = {
        "order list": client.get("/orders/"),
        "order page": client.get("/orders/ALICE-1/"),
        "order API": client.get("/api/v1/orders/ALICE-1"),
        "other buyer's order page": client.get("/orders/BOB-2/"),
    }

    for name, response in pages.items():
        assert response.status_code == 200, name
        text = response.content.decode()
        for secret in (ALICE["email"], ALICE["phone"], ALICE["name"], BOB["email"], BOB["phone"], BOB["name"]):
            assert secret not in text, f"{secret!r} shown to the seller on the {name}"
    # The seller still needs to tell buyers apart: a stable alias stands in for the person.
    alias = re.search(r"Buyer-[0-9A-F]{8}", pages["order page"].content.decode()).group(0)
    assert alias in pages["order list"].content.decode()
    assert alias not in pages["other buyer's order page"].content.decode()


# --- language and direction ----------------------------------------------------------------------------


def test_an_arabic_customers_order_page_reads_right_to_left(shop, post_events, alice, login):
    post_events([shop.order_placed("A-4")])
    alice.language = "ar"
    alice.save(update_fields=["language"])

    html = login(alice).get("/orders/A-4/").content.decode()

    tag = html_tag(html)
    assert 'dir="rtl"' in tag and 'lang="ar"' in tag


def test_an_english_customers_order_page_reads_left_to_right(shop, post_events, alice, login):
    post_events([shop.order_placed("A-5")])
    alice.language = "en"
    alice.save(update_fields=["language"])

    tag = html_tag(login(alice).get("/orders/A-5/").content.decode())

    assert 'dir="ltr"' in tag and 'lang="en"' in tag
