"""Contacts per 100 orders, kept as things happen through the real services, equal to a recount from scratch,
and shown to operators with the contacts behind every figure."""

import csv
import io
import random
from datetime import timedelta

import pytest
from django.utils import timezone

from advocate.cases import services as cases
from advocate.cases.models import Conversation
from advocate.claims import services as claims
from advocate.commerce.models import Order, OrderLine
from advocate.conftest import NORTHWIND
from advocate.core.errors import Refused
from advocate.insights.models import Contact, ContactCount, OrderCount
from advocate.insights.services import insights_recount

pytestmark = pytest.mark.django_db

SOUTHWARD = {"id": "southward", "name": "Southward Goods"}


def counters() -> tuple[dict, dict, dict]:
    contacts = {(c.day, c.reason, c.dimension, c.value): c.count for c in ContactCount.objects.all() if c.count}
    orders = {(c.day, c.dimension, c.value): c.count for c in OrderCount.objects.all() if c.count}
    facts = {(c.kind, c.source_id): (c.day, c.reason, c.channel, c.language, c.order_id, c.seller, c.fulfilment,
                                     c.carrier, tuple(c.products)) for c in Contact.objects.all()}
    return contacts, orders, facts


def delivered_order(shop, order_id, *, seller=None, carrier="ParcelNet", shipped=True):
    now = timezone.now()
    placed = now - timedelta(days=5)
    events = [shop.order_placed(order_id, placed_at=placed, **({"seller": seller} if seller else {}))]
    if shipped:
        events += [shop.shipment_created(order_id, f"S{order_id}", shipped_at=placed + timedelta(days=1)),
                   shop.shipment_delivered(f"S{order_id}", at=now - timedelta(days=2)),
                   shop.payment_captured(order_id)]
        events[1]["data"]["carrier"] = carrier
    shop.send(*events)
    return Order.objects.get(external_id=order_id)


def test_orders_and_contacts_are_counted_as_they_happen(shop, alice, commit, associate):
    order = delivered_order(shop, "N-1")
    delivered_order(shop, "N-2", seller=SOUTHWARD, carrier="FastPost")
    today = timezone.now().date()
    _, orders, _ = counters()
    placed_day = order.placed_at.date()
    assert orders[(placed_day, "all", "")] == 2
    assert orders[(placed_day, "seller", NORTHWIND["id"])] == 1 and orders[(placed_day, "seller", "southward")] == 1
    mugs = {str(line.product_id) for line in OrderLine.objects.filter(sku="MUG-SET")}
    assert sum(orders[(placed_day, "product", mug)] for mug in mugs) == 2 and len(mugs) == 2, "one per seller"
    assert orders[(placed_day + timedelta(days=1), "carrier", "FastPost")] == 1

    lines = {line.sku: line.pk for line in order.lines.all()}
    products = {line.sku: str(line.product_id) for line in order.lines.all()}
    commit(lambda: claims.report_file(order=order, customer=order.customer, problem="damaged", reason="defective",
                                      items=[(lines["LAMP-01"], 1)], request_key="broken-lamp"))
    conversation = commit(lambda: cases.contact_form_send(customer=order.customer, subject="Where is it?",
                                                          body="Hello", order=order, request_key="web-1"))
    contacts, _, _ = counters()
    assert contacts[(today, "damaged_defective", "product", products["LAMP-01"])] == 1
    assert (today, "damaged_defective", "product", products["MUG-SET"]) not in contacts, "only the product reported"
    assert contacts[(today, "damaged_defective", "channel", "self_service")] == 1
    assert contacts[(today, "", "seller", NORTHWIND["id"])] == 1, "a conversation nobody has classified yet"
    assert contacts[(today, "", "carrier", "ParcelNet")] == 1

    # The associate gives the reason when resolving: the contact moves from "not yet classified" to it.
    commit(lambda: cases.conversation_resolve(conversation=conversation, by=associate, reason="order_status"))
    contacts, _, _ = counters()
    assert (today, "", "seller", NORTHWIND["id"]) not in contacts
    assert contacts[(today, "order_status", "seller", NORTHWIND["id"])] == 1
    assert contacts[(today, "order_status", "all", "")] == 1


def test_a_contact_before_its_parcel_counts_under_the_carrier_once_it_ships(shop, alice, commit):
    order = delivered_order(shop, "N-3", shipped=False)
    commit(lambda: cases.contact_form_send(customer=order.customer, subject="Shipped yet?", body="?", order=order,
                                           request_key="web-2"))
    assert not ContactCount.objects.filter(dimension="carrier").exists()
    shop.send(shop.shipment_created("N-3", "SN-3"))
    assert ContactCount.objects.get(dimension="carrier", value="ParcelNet").count == 1


def test_kept_counters_equal_a_recount_after_a_random_history(shop, alice, commit, associate):
    """Property: whatever happens, in whatever order, the counters kept as it happened are those a recount
    from scratch finds."""
    chance = random.Random(20261207)
    reasons = ["order_status", "delivery_late", "damaged_defective", "other", ""]
    orders = []
    for step in range(40):
        move = chance.choice(["order", "order", "ship", "write", "report", "classify"])
        if move == "order" or not orders:
            order_id = f"R-{step}"
            shop.send(shop.order_placed(order_id, placed_at=timezone.now() - timedelta(days=chance.randint(1, 20)),
                                        seller=chance.choice([SOUTHWARD, NORTHWIND])))
            orders.append(order_id)
        elif move == "ship":
            order_id = chance.choice(orders)
            order = Order.objects.get(external_id=order_id)
            if not order.shipments.exists() and order.cancelled_at is None:
                shop.send(shop.shipment_created(order_id, f"S{order_id}"))
        elif move == "write":
            order = Order.objects.get(external_id=chance.choice(orders))
            commit(lambda order=order, step=step: cases.contact_form_send(
                customer=order.customer, subject="Hello", body="A question", order=chance.choice([order, None]),
                request_key=f"web-{step}"))
        elif move == "report":
            order = Order.objects.get(external_id=chance.choice(orders))
            try:
                commit(lambda order=order, step=step: claims.report_file(
                    order=order, customer=order.customer, problem="cancel", request_key=f"cancel-{step}"))
            except Refused:  # a cancel the rules refuse (already shipped) records nothing
                pass
        else:
            conversation = Conversation.objects.order_by("?").first()
            if conversation is not None:
                conversation.reason = chance.choice(reasons)
                conversation.save(update_fields=["reason"])
    kept = counters()
    assert kept[0] and kept[1] and kept[2]
    insights_recount()
    assert counters() == kept


def test_an_operator_sees_the_rate_by_seller_and_opens_the_contacts_behind_it(shop, alice, commit, login,
                                                                               operator, associate):
    order = delivered_order(shop, "N-4")
    for n in range(3):
        delivered_order(shop, f"S-{n}", seller=SOUTHWARD)
    lines = {line.sku: line.pk for line in order.lines.all()}
    report = commit(lambda: claims.report_file(order=order, customer=order.customer, problem="item_missing",
                                               items=[(lines["MUG-SET"], 1)], request_key="missing-mug"))
    client = login(operator)

    page = client.get("/operations/insights/?days=30&by=seller")
    html = page.content.decode()
    assert page.status_code == 200
    assert NORTHWIND["name"] in html and "Southward Goods" in html
    assert "25.00" in html, "1 contact in 4 orders"
    assert "100.00" in html, "Northwind: 1 contact on its 1 order"

    table = list(csv.reader(io.StringIO(client.get("/operations/insights/?days=30&by=seller&format=csv")
                                        .content.decode())))
    assert table[0][:5] == ["seller", "Name", "Orders", "Contacts", "Contacts per 100 orders"]
    assert [NORTHWIND["id"], NORTHWIND["name"], "1", "1", "100.00", "Item missing"] in table
    assert ["southward", "Southward Goods", "3", "0", "0.00", ""] in table

    behind = client.get(f"/operations/insights/contacts/?days=30&by=seller&value={NORTHWIND['id']}").content.decode()
    assert report.reference in behind and "N-4" in behind
    assert client.get("/operations/insights/contacts/?days=30&by=seller&value=southward").content.decode().count(
        report.reference) == 0

    assert login(associate).get("/operations/insights/").status_code == 200  # the service team works from it too
    assert login(alice).get("/operations/insights/").status_code == 403
