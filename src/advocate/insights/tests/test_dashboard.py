"""The morning dashboard's other tables: self-service and automation shares, money given back by reason and
who paid, what waits for a person, promises kept and broken — built through the real services."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from advocate.cases import services as cases
from advocate.claims import services as claims
from advocate.commerce.models import Order
from advocate.trust import services as trust

pytestmark = pytest.mark.django_db


def delivered(shop, order_id):
    now = timezone.now()
    placed = now - timedelta(days=5)
    shop.send(shop.order_placed(order_id, placed_at=placed),
              shop.shipment_created(order_id, f"S{order_id}", shipped_at=placed + timedelta(days=1)),
              shop.shipment_delivered(f"S{order_id}", at=now - timedelta(days=2)),
              shop.payment_captured(order_id))
    return Order.objects.get(external_id=order_id)


def test_the_dashboard_tells_what_was_self_served_given_back_waiting_and_broken(shop, commit, login, operator):
    order = delivered(shop, "D-1")
    lines = {line.sku: line.pk for line in order.lines.all()}
    commit(lambda: claims.report_file(order=order, customer=order.customer, problem="return", reason="changed_mind",
                                      items=[(lines["MUG-SET"], 1)], request_key="r-1"))
    commit(lambda: cases.contact_form_send(customer=order.customer, subject="A question", body="Hello",
                                           order=order, request_key="w-1"))
    commit(lambda: trust.promise_make(key="test:1", what="Call Alice back", due_at=timezone.now() - timedelta(hours=1),
                                      customer=order.customer))
    trust.promises_check(now=timezone.now())

    client = login(operator)
    page = client.get("/operations/insights/?days=7").content.decode()
    self_service = page[page.index('id="self-service"'):page.index('id="money"')]
    assert "50%" in self_service and "1 of 2 contacts" in self_service
    assert "100%" in self_service and "1 of 1 requests" in self_service, "the return was decided by the rules"
    money = page[page.index('id="money"'):page.index('id="backlog"')]
    assert "Refund: A problem the customer reported — Return an item" in money and "£12.50" in money
    backlog = page[page.index('id="backlog"'):page.index('id="promises"')]
    assert "Conversations: Everyone" in backlog
    promises = page[page.index('id="promises"'):]
    assert "Call Alice back" in promises

    table = list(csv.reader(io.StringIO(client.get("/operations/insights/?days=7&table=money&format=csv")
                                        .content.decode())))
    assert table[0] == ["What", "Who paid", "How many", "Amount", "Currency"]
    assert table[1][2:] == ["1", "12.50", "GBP"]
    waiting = list(csv.reader(io.StringIO(client.get("/operations/insights/?table=backlog&format=csv")
                                          .content.decode())))
    assert ["Conversations: Everyone", "1"] == waiting[1][:2]
    shares = list(csv.reader(io.StringIO(client.get("/operations/insights/?days=7&table=shares&format=csv")
                                         .content.decode())))
    assert shares[-1] == [timezone.now().date().isoformat(), "50.00"]
