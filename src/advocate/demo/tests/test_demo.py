"""The demo marketplace: the same seed and --now always give the same marketplace, in all eight languages,
with demo logins whose customers own an order in every showcase situation."""

import hashlib
import re
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client

from advocate.accounts.models import User
from advocate.commerce import selectors
from advocate.commerce.models import (
    Customer,
    Instruction,
    Membership,
    Order,
    Product,
    Seller,
    Shipment,
    TrackingScan,
)
from advocate.commerce.status import StatusKind
from advocate.demo import marketplace as demo
from advocate.demo.models import DemoScenario

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
ORDERS = 8 * len(demo.SHOWCASE) + 40  # every demo customer's showcase, plus ordinary orders


def generate(seed: int = 7, *, orders: int = ORDERS, logins: bool = True) -> None:
    args = [f"--orders={orders}", f"--seed={seed}", f"--now={NOW.isoformat()}"]
    call_command("demo", *args, *([] if logins else ["--no-logins"]), verbosity=0)


def wipe() -> None:
    from advocate.claims import models as claims
    from advocate.proactive import models as proactive

    # The demo's history includes refunds, remedies and a few customers' requests; they keep orders from going
    # first.
    for model in (proactive.Firing, proactive.IncidentNotice, proactive.Incident, Instruction, claims.LedgerEntry,
                  claims.LedgerTransaction, claims.Refund, claims.ProblemReport):
        model.objects.all().delete()
    User.objects.all().delete()
    Order.objects.all().delete()  # lines, payments, shipments, scans and scenarios go with their orders
    Membership.objects.all().delete()
    Product.objects.all().delete()
    Customer.objects.all().delete()
    Seller.objects.all().delete()


def digest() -> str:
    """Everything a person would notice about the marketplace, in a stable order."""
    h = hashlib.sha256()
    for row in Order.objects.order_by("external_id").values_list(
        "external_id", "placed_at", "state", "customer__external_id", "seller__external_id", "total", "ship_by"
    ):
        h.update(repr(row).encode())
    for row in Shipment.objects.order_by("external_id").values_list("external_id", "state", "delivered_at"):
        h.update(repr(row).encode())
    for shipment_id in Shipment.objects.order_by("external_id").values_list("external_id", flat=True):
        h.update(f"{shipment_id}:{TrackingScan.objects.filter(shipment__external_id=shipment_id).count()}".encode())
    for row in DemoScenario.objects.order_by("order__external_id").values_list("order__external_id", "kind"):
        h.update(repr(row).encode())
    return h.hexdigest()


def test_the_same_seed_and_now_give_the_same_marketplace():
    generate(seed=7)
    first, first_scans = digest(), TrackingScan.objects.count()
    wipe()

    generate(seed=7)

    assert digest() == first
    assert TrackingScan.objects.count() == first_scans > 0
    assert Order.objects.count() == ORDERS


def test_another_seed_gives_another_marketplace():
    generate(seed=7, logins=False)
    seven = digest()
    wipe()

    generate(seed=8, logins=False)

    assert digest() != seven


def test_customers_speak_all_eight_languages_in_their_own_time_zones():
    generate(logins=False)

    languages = set(Customer.objects.values_list("language", flat=True))
    assert languages == {code for code, _ in settings.LANGUAGES}
    assert Customer.objects.get(external_id="cust-0000002").time_zone == "Asia/Riyadh"


def test_every_demo_customer_login_owns_an_order_in_every_showcase_situation():
    generate()

    customer_logins = User.objects.filter(username__startswith="demo-customer")
    assert {u.language for u in customer_logins} == {code for code, _ in settings.LANGUAGES}
    for user in customer_logins:
        assert user.customer.language == user.language
        kinds = set(DemoScenario.objects.filter(order__customer=user.customer).values_list("kind", flat=True))
        assert set(demo.SHOWCASE) <= kinds, (user.username, set(demo.SHOWCASE) - kinds)


# Showcase situations and how the order must stand at --now for its screen to have something to show.
EXPECTED_AT_NOW = {
    "arriving": {StatusKind.ARRIVING},
    "late": {StatusKind.LATE},
    "lost": {StatusKind.LATE},
    "delivered": {StatusKind.DELIVERED},
    "not_shipped": {StatusKind.NOT_SHIPPED},
    "stock_cancel": {StatusKind.CANCELLED},
    "damaged": {StatusKind.DELIVERED},
    "not_received": {StatusKind.DELIVERED},
}


def test_each_showcase_order_is_in_its_situation_at_the_anchor_time():
    generate()

    wrong = []
    for user in User.objects.filter(username__startswith="demo-customer"):
        orders = Order.objects.filter(customer=user.customer).prefetch_related("shipments").order_by("id")
        scenarios = dict(DemoScenario.objects.filter(order__in=orders).values_list("order_id", "kind"))
        seen = set()
        for order in orders:
            kind = scenarios.get(order.pk)
            if kind in EXPECTED_AT_NOW and kind not in seen:  # the first of each kind is the showcase one
                seen.add(kind)
                status = selectors.status_of(order, NOW)
                if status.kind not in EXPECTED_AT_NOW[kind]:
                    wrong.append(f"{user.username}: {kind} order {order.external_id} is {status.kind}")
    assert not wrong, "\n".join(wrong)


def test_demo_logins_work_for_every_role():
    generate()

    seller = User.objects.get(username="demo-seller")
    for username, start in [("demo-customer", "/orders/"), ("demo-customer-ar", "/orders/"),
                            ("demo-seller", "/orders/"), ("demo-associate", "/service/conversations/"),
                            ("demo-operator", "/service/conversations/")]:
        client = Client()
        signed_in = client.post("/accounts/login/", {"username": username, "password": demo.DEMO_PASSWORD})
        assert signed_in.status_code == 302, username
        page = client.get(start)
        assert page.status_code == 200, username
    arabic = Client()
    arabic.post("/accounts/login/", {"username": "demo-customer-ar", "password": demo.DEMO_PASSWORD})
    assert 'dir="rtl"' in re.search(r"<html[^>]*>", arabic.get("/orders/").content.decode()).group(0)
    # The demo seller's list holds only their own orders.
    seller_client = Client()
    seller_client.force_login(seller)
    listed = set(re.findall(r'href="/orders/([^/]+)/"', seller_client.get("/orders/").content.decode()))
    assert listed and listed <= set(Order.objects.filter(seller=seller.seller).values_list("external_id", flat=True))


def test_the_demo_refuses_to_write_into_a_database_that_already_has_orders(shop):
    shop.send(shop.order_placed("REAL-1"))

    with pytest.raises(CommandError, match="already has orders"):
        generate()

    assert list(Order.objects.values_list("external_id", flat=True)) == ["REAL-1"]
    assert Customer.objects.count() == 1
    assert not User.objects.filter(username__startswith="demo-").exists()


def test_demo_customers_find_on_their_order_pages_what_was_done_before_they_asked():
    from advocate.proactive.models import Firing, Incident

    generate()
    incident = Incident.objects.get()
    assert incident.resolved_at is None and incident.notices.exists()
    customer = User.objects.get(username="demo-customer")
    lost = DemoScenario.objects.get(order__customer=customer.customer, kind="lost").order
    steps = set(Firing.objects.filter(order=lost).values_list("step", flat=True))
    assert {"trace", "remedy"} <= steps, "the showcase's lost parcel was traced, then put right"
    client = Client()
    client.post("/accounts/login/", {"username": "demo-customer", "password": demo.DEMO_PASSWORD})
    page = client.get(f"/orders/{lost.external_id}/").content.decode()
    assert "What we did without being asked" in page and "we asked the carrier to trace your parcel" in page
