"""One seller as operators weigh them: contacts per order, health, claims, messages, actions and appeals."""

from datetime import timedelta

import pytest
from django.utils import timezone

from advocate.claims import services as claims
from advocate.commerce.models import Order, Seller
from advocate.conftest import NORTHWIND
from advocate.trust import services as trust

pytestmark = pytest.mark.django_db


def test_the_seller_page_gathers_what_matters(shop, commit, login, operator, associate, alice, northwind_user):
    now = timezone.now()
    placed = now - timedelta(days=5)
    shop.send(shop.order_placed("N-1", placed_at=placed),
              shop.shipment_created("N-1", "SN-1", shipped_at=placed + timedelta(days=1)),
              shop.shipment_delivered("SN-1", at=now - timedelta(days=2)), shop.payment_captured("N-1"))
    order = Order.objects.get(external_id="N-1")
    lines = {line.sku: line.pk for line in order.lines.all()}
    report = commit(lambda: claims.report_file(order=order, customer=order.customer, problem="item_missing",
                                               items=[(lines["LAMP-01"], 1)], request_key="missing"))
    seller = Seller.objects.get(external_id=NORTHWIND["id"])
    commit(lambda: trust.action_take(kind="warning", automated=False, by=operator, seller=seller,
                                     statement=trust.Statement("New listings", "Late shipments", "Rule 2")))

    page = login(operator).get(f"/operations/insights/sellers/{NORTHWIND['id']}/")
    html = page.content.decode()
    assert page.status_code == 200 and NORTHWIND["name"] in html
    assert "Item missing" in html and "100.00" in html, "1 contact on 1 order"
    assert report.reference in html and "Warning" in html and "Order defect rate" in html

    listing = login(operator).get("/operations/insights/?by=seller").content.decode()
    assert f'href="/operations/insights/sellers/{NORTHWIND["id"]}/"' in listing
    assert login(associate).get(f"/operations/insights/sellers/{NORTHWIND['id']}/").status_code == 200
    for person in (alice, northwind_user):
        assert login(person).get(f"/operations/insights/sellers/{NORTHWIND['id']}/").status_code == 403
    assert login(operator).get("/operations/insights/sellers/nobody/").status_code == 404
