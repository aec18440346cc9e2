"""What the messaging tests share: an order Alice placed with Northwind, a second seller, and ways to write."""

import json

import pytest

from advocate.commerce.models import Order, Seller
from advocate.conftest import ALICE, BLUE_HERON, BOB, NORTHWIND, PLATFORM

SELLER_EMAIL = "northwind@staff.example"  # the `northwind_user` fixture's address
ALICE_PRIVATE = (ALICE["name"], ALICE["email"], ALICE["phone"], "Marchbanks", "7946 0011")


def assert_no_buyer_details(text: str, where: str = "") -> None:
    for private in ALICE_PRIVATE:
        assert private not in text, f"the seller was shown the buyer's {private!r} ({where})"


@pytest.fixture
def order(db, shop, alice) -> Order:
    """Alice's order from Northwind, who ships it themselves."""
    shop.send(shop.order_placed("N-1", customer=ALICE, seller=NORTHWIND))
    return Order.objects.select_related("seller", "customer").get(external_id="N-1")


@pytest.fixture
def bobs_order(db, shop, bob) -> Order:
    shop.send(shop.order_placed("N-2", customer=BOB, seller=NORTHWIND))
    return Order.objects.get(external_id="N-2")


@pytest.fixture
def platform_order(db, shop, alice) -> Order:
    shop.send(shop.order_placed("P-1", customer=ALICE, seller=PLATFORM, fulfilled_by="platform"))
    return Order.objects.get(external_id="P-1")


@pytest.fixture
def heron_user(make_user):
    """Another seller's login."""
    seller, _ = Seller.objects.get_or_create(external_id=BLUE_HERON["id"], defaults={"name": BLUE_HERON["name"]})
    return make_user("heron", "seller", seller=seller)


@pytest.fixture
def health_calls(monkeypatch):
    """Every call messaging makes to the seller-health figures (the real function still runs)."""
    from advocate.sellers import services as seller_services

    calls = []
    real = seller_services.health_message_changed

    def record(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(seller_services, "health_message_changed", record)
    return calls


def form_key(response) -> str:
    """The one-time request key of the message form on a page."""
    html = response.content.decode()
    marker = 'name="request_key" value="'
    start = html.index(marker) + len(marker)
    return html[start: html.index('"', start)]


def buyer_writes(client, commit, order_id: str, text: str, *, key: str | None = None):
    url = f"/orders/{order_id}/messages/"
    key = key or form_key(client.get(url))
    return commit(lambda: client.post(url, {"text": text, "request_key": key}))


def seller_writes(client, commit, url: str, text: str, *, key: str | None = None):
    key = key or form_key(client.get(url))
    return commit(lambda: client.post(url, {"text": text, "request_key": key}))


def api_post(client, url: str, body: dict, key: str):
    return client.post(url, data=json.dumps(body), content_type="application/json",
                       headers={"Idempotency-Key": key})
