"""Remedies on an event as it arrives, through the real event API: a film that played badly is refunded, a price
that dropped soon after an order gives the difference back — once, however often the shop says it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from advocate.claims import services as claims
from advocate.claims.models import Refund
from advocate.claims.selectors import to_base_currency
from advocate.commerce.models import Instruction, Order, Product
from advocate.conftest import BOB
from advocate.notifications.models import OutboundEmail
from advocate.proactive.dry_run import dry_run
from advocate.proactive.models import Firing, RemedySettings
from advocate.proactive.switches import settings_current

pytestmark = pytest.mark.django_db

FILM = [{"sku": "FILM-9", "title": "The Long Voyage (HD rental)", "quantity": 1, "unit_price": "4.99"},
        {"sku": "FILM-10", "title": "Night Trains (HD rental)", "quantity": 1, "unit_price": "5.99"}]


def quality(shop, order_id, sku, value, **extra):
    return shop.event("content.playback_quality", {"order_id": order_id, "sku": sku, "quality": value, **extra})


def test_a_film_that_played_badly_is_refunded_once_and_the_customer_told(shop, post_events, commit):
    shop.send(shop.order_placed("F-1", lines=FILM), shop.payment_captured("F-1", "10.98"))
    fine = commit(lambda: post_events([quality(shop, "F-1", "FILM-10", "0.92")]))
    assert fine.json()["results"][0]["status"] == "applied" and not Refund.objects.exists()

    bad = [quality(shop, "F-1", "FILM-9", "0.21", detail="stalled 14 times"),
           quality(shop, "F-1", "FILM-9", "0.18")]  # the shop reports it twice
    assert [r["status"] for r in commit(lambda: post_events(bad)).json()["results"]] == ["applied", "applied"]
    refund = Refund.objects.get()
    assert (refund.amount, refund.cause) == (Decimal("4.99"), "proactive")
    assert Instruction.objects.filter(kind="refund").count() == 1
    email = OutboundEmail.objects.get(key__startswith="auto:proactive:digital")
    assert "We have refunded The Long Voyage (HD rental)" in email.subject
    assert "did not play or download as it should" in email.body

    commit(lambda: post_events([shop.event("content.download_failed", {"order_id": "F-1", "sku": "FILM-10"})]))
    assert Refund.objects.count() == 2 and Firing.objects.filter(rule="digital").count() == 2
    assert sum(r.amount for r in Refund.objects.all()) == Decimal("10.98")
    # The dry run, over the same events as stored, counts what was done.
    assert dry_run(chosen=settings_current(), days=1, now=timezone.now()).digital == 2


def test_a_report_about_an_item_not_on_the_order_is_rejected(shop, post_events):
    shop.send(shop.order_placed("F-2", lines=FILM))
    result = post_events([quality(shop, "F-2", "FILM-404", "0.1")]).json()["results"][0]
    assert result["status"] == "rejected" and result["errors"][0]["field"] == "data.sku"


def test_nothing_for_a_customer_who_already_reported_it_or_when_switched_off(shop, post_events, commit):
    shop.send(shop.order_placed("F-3", lines=FILM), shop.payment_captured("F-3", "10.98"))
    f3 = Order.objects.get(external_id="F-3")
    commit(lambda: claims.report_file(order=f3, customer=f3.customer, problem="cancel", request_key="c-1",
                                      now=timezone.now() - timedelta(minutes=1)))
    commit(lambda: post_events([quality(shop, "F-3", "FILM-9", "0.1")]))
    assert not Firing.objects.exists()

    RemedySettings.objects.create(digital_on=False)
    shop.send(shop.order_placed("F-4", lines=FILM), shop.payment_captured("F-4", "10.98"))
    commit(lambda: post_events([quality(shop, "F-4", "FILM-9", "0.1")]))
    assert not Firing.objects.exists()


def test_a_price_drop_within_the_window_gives_the_difference_back(shop, post_events, commit):
    now = timezone.now()
    lamp = [{"sku": "LAMP-01", "title": "Desk lamp", "quantity": 2, "unit_price": "39.00"}]
    shop.send(shop.order_placed("P-1", lines=lamp, placed_at=now - timedelta(days=3)),
              shop.payment_captured("P-1", "78.00"),
              shop.order_placed("P-2", lines=lamp, placed_at=now - timedelta(days=30)),
              shop.payment_captured("P-2", "78.00"))
    drop = shop.event("price.changed", {"seller_id": "seller-northwind", "sku": "LAMP-01", "price": "34.00"})
    assert commit(lambda: post_events([drop])).json()["results"][0]["status"] == "applied"
    assert Product.objects.get(sku="LAMP-01").price == Decimal("34.00")
    refund = Refund.objects.get()
    assert refund.order.external_id == "P-1" and refund.amount == Decimal("10.00")  # (39 - 34) x 2
    email = OutboundEmail.objects.get(key__startswith="auto:proactive:price_drop")
    assert "You bought Desk lamp for 39.00 GBP" in email.body and "34.00 GBP" in email.body

    commit(lambda: post_events([drop]))  # the same event again
    again = shop.event("price.changed", {"seller_id": "seller-northwind", "sku": "LAMP-01", "price": "30.00"})
    commit(lambda: post_events([again]))  # once per order and item
    assert Refund.objects.count() == 1
    tried = dry_run(chosen=settings_current(), days=1, now=timezone.now())
    assert tried.price_dropped == 1 and tried.refunds == to_base_currency("GBP")(Decimal(10))


def test_loyal_customers_new_orders_are_sometimes_upgraded_within_the_budget(shop, post_events, commit):
    now = timezone.now()
    RemedySettings.objects.create(delight_on=True, loyal_orders=3, delight_percent=100, delight_budget=2)
    shop.send(*[shop.order_placed(f"H-{n}", placed_at=now - timedelta(days=30 + n)) for n in range(3)])
    new = [shop.order_placed(f"N-{n}", placed_at=now - timedelta(minutes=5 - n)) for n in range(3)]
    bob = shop.order_placed("B-1", customer=BOB, placed_at=now - timedelta(minutes=1))
    commit(lambda: post_events([*new, bob]))

    upgraded = Instruction.objects.filter(kind="upgrade_shipping").order_by("sequence")
    assert [i.payload["order_id"] for i in upgraded] == ["N-0", "N-1"], "loyal Alice, within the budget of two"
    assert upgraded[0].payload == {"order_id": "N-0", "service": "fastest", "reason": "thank-you"}
    email = OutboundEmail.objects.get(order__external_id="N-0", key__startswith="auto:proactive:delight")
    assert "As a small surprise, we have upgraded the shipping of your order N-0" in email.body
    commit(lambda: post_events(new))  # the same events again
    assert Instruction.objects.filter(kind="upgrade_shipping").count() == 2
    tried = dry_run(chosen=settings_current(), days=1, now=timezone.now())
    assert tried.delighted == 2


def test_surprises_are_off_until_an_operator_turns_them_on(shop, post_events, commit):
    now = timezone.now()
    shop.send(*[shop.order_placed(f"H-{n}", placed_at=now - timedelta(days=30 + n)) for n in range(12)])
    commit(lambda: post_events([shop.order_placed("N-9", placed_at=now - timedelta(minutes=1))]))
    assert not Instruction.objects.filter(kind="upgrade_shipping").exists()
    assert dry_run(chosen=settings_current(), days=1, now=now).delighted == 0


def test_a_seller_cancelling_for_lack_of_stock_points_the_customer_to_another_seller(shop, post_events, commit,
                                                                                     login, alice, settings):
    settings.ADVOCATE_PRODUCT_URL = "https://shop.example/p/{seller}/{sku}"
    southward = {"id": "southward", "name": "Southward Goods"}
    shop.send(shop.order_placed("S-0", seller=southward, lines=[
        {"sku": "LAMP-01", "title": "Desk lamp", "quantity": 1, "unit_price": "41.00"}]),
        shop.event("stock.changed", {"seller_id": "southward", "sku": "LAMP-01", "quantity": 5}),
        shop.order_placed("C-1"), shop.payment_captured("C-1"), shop.order_placed("C-2"), shop.payment_captured("C-2"))

    commit(lambda: post_events([shop.order_cancelled("C-1", by="seller", reason="out of stock"),
                                shop.order_cancelled("C-2", by="customer")]))
    email = OutboundEmail.objects.get(order__external_id="C-1")
    assert "Refund of" in email.body and "Other sellers on our marketplace have it in stock" in email.body
    assert "Desk lamp, from Southward Goods: https://shop.example/p/southward/LAMP-01" in email.body
    assert "Ceramic mug set is not available from another seller on our marketplace right now." in email.body
    assert "Other sellers" not in OutboundEmail.objects.get(order__external_id="C-2").body, "they chose it"
    page = login(alice).get("/orders/C-1/").content.decode()
    assert "we pointed you to other sellers who have it in stock: Desk lamp from Southward Goods." in page
    assert dry_run(chosen=settings_current(), days=1, now=timezone.now()).pointed == 1
