"""The customer's order pages in a real browser: Playwright driving Debian's Chromium.

Data is built the way production builds it (inbound events through `events_ingest`), and the pages
are served by pytest-django's live server. The module is skipped when /usr/bin/chromium is absent, so
a newcomer's plain `uv run pytest` passes without a browser; CI sets ADVOCATE_REQUIRE_BROWSER=1 so a
missing browser fails loudly instead of passing quietly.
"""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from advocate.accounts.models import User
from advocate.commerce.models import Customer
from advocate.commerce.services import events_ingest
from advocate.conftest import (
    BROWSER_PASSWORD,
    assert_no_horizontal_scrolling,
    save_screenshot,
    sign_in,
    sign_out,
)

pytestmark = pytest.mark.browser
PASSWORD = BROWSER_PASSWORD


# --- data, through the real services -----------------------------------------------------------------


def _event(type_, event_id, occurred_at, data):
    return {
        "source": "shop",
        "id": event_id,
        "type": type_,
        "occurred_at": occurred_at.isoformat(),
        "data": data,
    }


def _ingest(events):
    outcomes = events_ingest(items=events)
    problems = [(o.id, o.status, o.errors) for o in outcomes if o.status != "applied"]
    assert not problems, problems


def place_order(*, order_id, customer, seller, lines, placed_at, shipped=True, delivered_at=None):
    """One order with payment, a parcel and its carrier scans; delivered when `delivered_at` is given."""
    total = sum(float(line["unit_price"]) * line["quantity"] for line in lines)
    events = [
        _event(
            "order.placed",
            f"{order_id}-placed",
            placed_at,
            {
                "order_id": order_id,
                "customer": customer,
                "seller": seller,
                "fulfilled_by": "seller",
                "currency": "EUR",
                "lines": lines,
                "ship_by": (placed_at + timedelta(days=1)).isoformat(),
                "promised_latest": (placed_at + timedelta(days=6)).isoformat(),
                "ship_to": "Keizersgracht 12, Amsterdam",
            },
        ),
        _event(
            "payment.captured",
            f"{order_id}-paid",
            placed_at + timedelta(minutes=2),
            {"order_id": order_id, "amount": f"{total:.2f}", "method": "card"},
        ),
    ]
    if shipped:
        shipment_id, shipped_at = f"{order_id}-P1", placed_at + timedelta(hours=20)
        events += [
            _event(
                "shipment.created",
                f"{shipment_id}-created",
                shipped_at,
                {
                    "order_id": order_id,
                    "shipment_id": shipment_id,
                    "carrier": "ParcelNet",
                    "tracking_number": f"PN{order_id[-6:]}NL",
                },
            ),
            _event(
                "tracking.scan",
                f"{shipment_id}-scan-1",
                shipped_at + timedelta(hours=3),
                {"shipment_id": shipment_id, "code": "picked_up", "location": "Utrecht hub"},
            ),
            _event(
                "tracking.scan",
                f"{shipment_id}-scan-2",
                shipped_at + timedelta(hours=18),
                {"shipment_id": shipment_id, "code": "at_depot", "location": "Amsterdam depot"},
            ),
        ]
        if delivered_at is not None:
            events += [
                _event(
                    "tracking.scan",
                    f"{shipment_id}-scan-3",
                    delivered_at - timedelta(hours=4),
                    {"shipment_id": shipment_id, "code": "out_for_delivery", "location": "Amsterdam depot"},
                ),
                _event(
                    "shipment.delivered",
                    f"{shipment_id}-delivered",
                    delivered_at,
                    {"shipment_id": shipment_id, "detail": "left at front door", "location": "Amsterdam"},
                ),
            ]
    _ingest(events)


def customer_ref(customer_id, name, language="en", time_zone="UTC"):
    return {
        "id": customer_id,
        "name": name,
        "email": f"{customer_id}@example.com",
        "language": language,
        "time_zone": time_zone,
    }


SELLER = {"id": "S-NORTHWIND", "name": "Northwind Audio"}


def customer_user(customer_id, username, *, language="", time_zone="UTC"):
    """A sign-in for a customer the shop has already told us about (by an order.placed event)."""
    user = User.objects.create_user(
        username, password=PASSWORD, role="customer", language=language, time_zone=time_zone
    )
    customer = Customer.objects.get(external_id=customer_id)
    customer.user = user
    customer.save(update_fields=["user"])
    return user


# --- tests --------------------------------------------------------------------------------------------


def test_customer_follows_an_order_from_the_list_to_its_parcel_scans_on_a_phone(live_server, new_page):
    now = timezone.now()
    amelia = customer_ref("C-AMELIA", "Amelia Brown")
    delivered_at = now - timedelta(days=2)
    place_order(
        order_id="NW-100231",
        customer=amelia,
        seller=SELLER,
        placed_at=now - timedelta(days=5),
        delivered_at=delivered_at,
        lines=[
            {
                "sku": "EB-1",
                "title": "Noise-cancelling wireless earbuds",
                "quantity": 1,
                "unit_price": "89.00",
            },
            {"sku": "CH-65", "title": "USB-C charger 65W", "quantity": 2, "unit_price": "24.50"},
        ],
    )
    place_order(
        order_id="NW-100377",
        customer=amelia,
        seller=SELLER,
        placed_at=now - timedelta(hours=2),
        shipped=False,
        lines=[{"sku": "SP-2", "title": "Bluetooth speaker", "quantity": 1, "unit_price": "59.90"}],
    )
    customer_user("C-AMELIA", "amelia")

    page = new_page()
    sign_in(page, live_server.url, "amelia")

    # The list: newest first, each order told in one plain sentence.
    expect(page.locator("h1")).to_have_text("Your orders")
    cards = page.locator("ul.orders a.card")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_contain_text("Bluetooth speaker")
    expect(cards.nth(0).locator(".status")).to_have_text(
        re.compile(r"^Not shipped yet — the seller has until \w+")
    )
    expect(cards.nth(1).locator(".status")).to_have_text(
        f"Delivered {delivered_at:%A} {delivered_at:%H:%M}, left at front door"
    )
    expect(cards.nth(1)).to_contain_text("Noise-cancelling wireless earbuds, USB-C charger 65W")
    expect(cards.nth(1)).to_contain_text("Order NW-100231")
    assert_no_horizontal_scrolling(page)

    cards.nth(1).click()
    page.wait_for_url(f"{live_server.url}/orders/NW-100231/")

    expect(page.locator("h1")).to_have_text("Order NW-100231")
    expect(page.locator("#order-status")).to_have_text(
        f"Delivered {delivered_at:%A} {delivered_at:%H:%M}, left at front door"
    )
    expect(page.locator("dl.meta")).to_contain_text("Northwind Audio")
    items = page.locator("table tbody tr")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("Noise-cancelling wireless earbuds")
    expect(items.nth(1)).to_contain_text("USB-C charger 65W")
    expect(items.nth(1).locator("td.num").first).to_have_text("2")
    expect(page.locator("table tfoot")).to_contain_text("138.00 EUR")
    expect(page.get_by_text("138.00 EUR paid by card")).to_be_visible()

    parcel = page.locator(".shipment")
    expect(parcel).to_contain_text("ParcelNet")
    expect(parcel).to_contain_text("tracking number PN100231NL")
    # Newest scan first, down to the moment it was shipped.
    expect(parcel.locator("ol.timeline li strong")).to_have_text(
        ["Delivered", "Out for delivery", "At the local depot", "Picked up by the carrier", "Shipped"]
    )
    expect(parcel.locator("ol.timeline")).to_contain_text("Utrecht hub")

    phone = page.locator("footer .phone")
    expect(phone).to_have_text(settings.ADVOCATE_SUPPORT_PHONE)
    expect(phone).to_have_attribute("href", "tel:" + settings.ADVOCATE_SUPPORT_PHONE.replace(" ", ""))
    assert_no_horizontal_scrolling(page)


def test_arabic_customer_reads_right_to_left_and_their_language_switch_is_remembered(live_server, new_page):
    now = timezone.now()
    place_order(
        order_id="NW-200118",
        customer=customer_ref("C-NOURA", "نورة الحربي", language="ar", time_zone="Asia/Riyadh"),
        seller=SELLER,
        placed_at=now - timedelta(days=4),
        delivered_at=now - timedelta(days=1),
        lines=[{"sku": "MUG-4", "title": "Ceramic mug set", "quantity": 1, "unit_price": "32.00"}],
    )
    noura = customer_user("C-NOURA", "noura", language="ar", time_zone="Asia/Riyadh")
    order_url = f"{live_server.url}/orders/NW-200118/"

    # The browser asks for English; the language Noura chose for her account wins.
    page = new_page()
    html = page.locator("html")
    sign_in(page, live_server.url, "noura")
    expect(html).to_have_attribute("dir", "rtl")
    page.goto(order_url)
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ar")
    expect(page.locator("#language")).to_have_value("ar")
    expect(page.locator("table tbody")).to_contain_text("Ceramic mug set")
    assert_no_horizontal_scrolling(page)
    save_screenshot(page, "advocate-ar-order.png")

    page.select_option("#language", "en")  # submits itself; the page comes back in English
    expect(html).to_have_attribute("dir", "ltr")
    expect(html).to_have_attribute("lang", "en")
    assert page.url == order_url, "switching language should keep the customer on the same page"
    expect(page.locator("#language")).to_have_value("en")
    noura.refresh_from_db()
    assert noura.language == "en"

    sign_out(page, live_server.url)
    sign_in(page, live_server.url, "noura")
    page.goto(order_url)
    expect(html).to_have_attribute("dir", "ltr")
    expect(html).to_have_attribute("lang", "en")

    # Remembered on the account, not only in this browser's cookie: another device, asking for
    # Arabic, still gets English once she signs in.
    other_device = new_page(locale="ar")
    sign_in(other_device, live_server.url, "noura")
    other_device.goto(order_url)
    expect(other_device.locator("html")).to_have_attribute("lang", "en")
    expect(other_device.locator("html")).to_have_attribute("dir", "ltr")


def test_another_customers_order_is_not_found(live_server, new_page):
    now = timezone.now()
    place_order(
        order_id="NW-300001",
        customer=customer_ref("C-JAMES", "James Taylor"),
        seller=SELLER,
        placed_at=now - timedelta(days=1),
        shipped=False,
        lines=[{"sku": "BELT-1", "title": "Leather belt", "quantity": 1, "unit_price": "45.00"}],
    )
    place_order(
        order_id="NW-300002",
        customer=customer_ref("C-GRACE", "Grace Wilson"),
        seller=SELLER,
        placed_at=now - timedelta(days=1),
        lines=[{"sku": "JACKET-9", "title": "Rain jacket", "quantity": 1, "unit_price": "120.00"}],
    )
    customer_user("C-JAMES", "james")

    page = new_page()
    sign_in(page, live_server.url, "james")
    own = page.goto(f"{live_server.url}/orders/NW-300001/")
    assert own.status == 200

    response = page.goto(f"{live_server.url}/orders/NW-300002/")
    assert response.status == 404
    expect(page.locator("#order-status")).to_have_count(0)
    body = page.content()
    for secret in ("Rain jacket", "Grace Wilson", "ParcelNet", "Keizersgracht"):
        assert secret not in body, f"the 404 page leaks {secret!r}"
