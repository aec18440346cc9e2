"""Incidents declared by an operator in the browser: every affected customer told once, with the credit chosen,
orders that become affected later told too, nobody once it is over; the order page shows it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from advocate.claims.models import LedgerTransaction
from advocate.commerce.models import Order
from advocate.conftest import ALICE, BOB
from advocate.notifications.models import OutboundEmail
from advocate.proactive.incidents import incidents_tell
from advocate.proactive.models import Incident, IncidentNotice
from advocate.trust.models import Promise, PromiseState

pytestmark = pytest.mark.django_db

PAGE = "/operations/incidents/"


def on_its_way(shop, order_id, *, carrier="ParcelNet", customer=ALICE, delivered=False):
    now = timezone.now()
    events = [shop.order_placed(order_id, placed_at=now - timedelta(days=2), customer=customer),
              shop.payment_captured(order_id),
              shop.shipment_created(order_id, f"S{order_id}", shipped_at=now - timedelta(days=1))]
    events[-1]["data"]["carrier"] = carrier
    if delivered:
        events.append(shop.shipment_delivered(f"S{order_id}", at=now - timedelta(hours=1)))
    shop.send(*events)


def declare(client, **changes):
    today = timezone.localdate()
    form = {"kind": "carrier", "value": "parcelnet", "title": "ParcelNet hub in Leeds closed by a fire",
            "note": "ParcelNet is moving parcels to its Sheffield hub.",
            "since": (today - timedelta(days=7)).isoformat(),
            "expect_by": (today + timedelta(days=3)).isoformat(), "credit_percent": "10", "action": "declare",
            **changes}
    return client.post(PAGE, form)


def test_an_incident_tells_every_affected_customer_once_with_the_credit(shop, commit, login, operator, alice):
    on_its_way(shop, "P-1")
    on_its_way(shop, "P-2", customer=BOB)
    on_its_way(shop, "P-3", carrier="SwiftPost")
    on_its_way(shop, "P-4", delivered=True)
    client = login(operator)

    preview = client.post(PAGE, {**declare_form(), "action": "preview"}).content.decode()
    assert "It reaches 2 orders now" in preview and not Incident.objects.exists()

    response = commit(lambda: declare(client))
    incident = Incident.objects.get()
    assert response.status_code == 302 and response.url == f"/operations/incidents/{incident.pk}/"
    assert Promise.objects.get(key=f"incident:{incident.pk}").state == PromiseState.OPEN

    assert commit(lambda: incidents_tell(now=timezone.now())) == 2
    assert commit(lambda: incidents_tell(now=timezone.now())) == 0, "told once, however often the clock ticks"
    told = {n.order.external_id for n in IncidentNotice.objects.select_related("order")}
    assert told == {"P-1", "P-2"}
    email = OutboundEmail.objects.get(order__external_id="P-1", key__startswith="auto:incident:")
    assert "A problem at parcelnet is delaying the parcels it carries." in email.body
    assert "ParcelNet is moving parcels to its Sheffield hub." in email.body
    assert "6.40 GBP of credit" in email.body  # 10% of 64.00
    assert LedgerTransaction.objects.filter(kind="credit").count() == 2

    page = login(alice).get("/orders/P-1/").content.decode()
    assert "Today: we told you: A problem at parcelnet is delaying the parcels it carries." in page

    # A parcel handed to the carrier later is told too; once it is over, nobody more is.
    on_its_way(shop, "P-5")
    assert commit(lambda: incidents_tell(now=timezone.now())) == 1
    commit(lambda: client.post(f"/operations/incidents/{incident.pk}/"))
    on_its_way(shop, "P-6")
    assert commit(lambda: incidents_tell(now=timezone.now())) == 0
    assert Promise.objects.get(key=f"incident:{incident.pk}").state == PromiseState.KEPT
    assert "Over since" in client.get(f"/operations/incidents/{incident.pk}/").content.decode()


def declare_form():
    today = timezone.localdate()
    return {"kind": "carrier", "value": "parcelnet", "title": "Hub closed", "note": "",
            "since": (today - timedelta(days=7)).isoformat(), "expect_by": "", "credit_percent": "0"}


def test_a_declaration_with_mistakes_is_refused_and_names_them(login, operator, associate):
    client = login(operator)
    response = declare(client, value="", credit_percent="150", expect_by="2001-01-01")
    page = response.content.decode()
    assert response.status_code == 422 and not Incident.objects.exists()
    for message in ("Name the carrier, the place or the product", "Enter a share from 0 to 100.",
                    "must be in the future"):
        assert message in page
    assert login(associate).post(PAGE, declare_form()).status_code in (302, 403)
    assert not Incident.objects.exists()


def test_a_product_incident_reaches_its_buyers_delivered_or_not(shop, commit, login, operator):
    on_its_way(shop, "Q-1", delivered=True)  # the default lines hold a desk lamp, LAMP-01
    shop.send(shop.order_placed("Q-2", lines=[{"sku": "MUG-SET", "title": "Ceramic mug set", "quantity": 1,
                                               "unit_price": "12.50"}]))
    commit(lambda: declare(login(operator), kind="product", value="lamp-01", credit_percent="0",
                           title="Desk lamp batch with a loose switch"))
    assert commit(lambda: incidents_tell(now=timezone.now())) == 1
    email = OutboundEmail.objects.get(key__startswith="auto:incident:")
    assert email.order == Order.objects.get(external_id="Q-1") and "a problem with Desk lamp" in email.body
    assert "credit" not in email.body
    assert IncidentNotice.objects.get().credit is None and IncidentNotice.objects.get().credit_amount is None
    assert Decimal(Incident.objects.get().credit_percent) == 0


def test_a_payment_outage_reaches_the_orders_not_paid_yet(shop, commit, login, operator):
    shop.send(shop.order_placed("U-1"), shop.order_placed("U-2"), shop.payment_captured("U-2"))
    response = commit(lambda: declare(login(operator), kind="payment", value="", credit_percent="0",
                                      title="Card payments failing since 9:00"))
    assert response.status_code == 302
    assert commit(lambda: incidents_tell(now=timezone.now())) == 1
    email = OutboundEmail.objects.get(key__startswith="auto:incident:")
    assert email.order.external_id == "U-1" and "You do not need to pay again." in email.body
