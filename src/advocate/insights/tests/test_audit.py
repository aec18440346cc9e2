"""The audit trail: every money movement and decision, newest first, filtered, paged and exported whole."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from advocate.claims import services as claims
from advocate.commerce.models import Order, Seller
from advocate.conftest import NORTHWIND
from advocate.trust import services as trust

pytestmark = pytest.mark.django_db


def delivered(shop, order_id, *, days_ago=2):
    now = timezone.now()
    placed = now - timedelta(days=days_ago + 3)
    shop.send(shop.order_placed(order_id, placed_at=placed),
              shop.shipment_created(order_id, f"S{order_id}", shipped_at=placed + timedelta(days=1)),
              shop.shipment_delivered(f"S{order_id}", at=now - timedelta(days=days_ago)),
              shop.payment_captured(order_id))
    return Order.objects.get(external_id=order_id)


def table(response) -> str:
    """The trail's table alone (the filters above it name every kind)."""
    html = response.content.decode()
    return html[html.index("<table>"):html.index("</table>")] if "<table>" in html else ""


def a_history(shop, commit, operator):
    """A return refunded at once, an item missing (a guarantee claim the seller must answer), and a warning to
    the seller with its statement of reasons."""
    order = delivered(shop, "A-1")
    lines = {line.sku: line.pk for line in order.lines.all()}
    returned = commit(lambda: claims.report_file(order=order, customer=order.customer, problem="return",
                                                 reason="changed_mind", items=[(lines["MUG-SET"], 1)],
                                                 request_key="ret-1"))
    other = delivered(shop, "A-2")
    commit(lambda: trust.action_take(
        kind="warning", automated=False, by=operator, seller=Seller.objects.get(external_id=NORTHWIND["id"]),
        statement=trust.Statement("All new listings", "Three late shipments this week", "Shipping rules §2")))
    return returned, other


def test_the_trail_lists_money_and_decisions_newest_first_with_who(shop, commit, login, operator):
    returned, _ = a_history(shop, commit, operator)
    page = login(operator).get("/operations/audit/")
    html = table(page)
    assert page.status_code == 200
    assert returned.reference in html and "Request decided" in html and "Money moved" in html
    assert "Account action" in html and "Warning" in html and operator.username in html
    assert html.index("Warning") < html.index(returned.reference), "newest first"


def test_filters_by_kind_order_and_seller(shop, commit, login, operator):
    returned, _ = a_history(shop, commit, operator)
    client = login(operator)
    money = table(client.get("/operations/audit/?kind=money"))
    assert "Money moved" in money and "Account action" not in money and "Request decided" not in money
    by_order = table(client.get("/operations/audit/?order=A-2"))
    assert returned.reference not in by_order and "Warning" not in by_order
    by_seller = client.get("/operations/audit/?seller=nobody").content.decode()
    assert "Nothing in this period." in by_seller


def test_the_whole_trail_downloads_as_csv(shop, commit, login, operator):
    a_history(shop, commit, operator)
    response = login(operator).get("/operations/audit/?format=csv")
    assert response["Content-Type"].startswith("text/csv") and response.streaming
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert table[0] == ["When", "Kind", "What", "Who", "Order", "Seller", "Amount", "Currency", "Reference"]
    kinds = [row[1] for row in table[1:]]
    assert "Money moved" in kinds and "Request decided" in kinds and "Account action" in kinds
    refund_rows = [row for row in table[1:] if row[1] == "Money moved" and row[4] == "A-1"]
    assert refund_rows and refund_rows[0][6] == "12.50" and refund_rows[0][7] == "GBP"


def test_pages_continue_from_the_last_shown(shop, commit, login, operator, settings):
    for n in range(3):
        order = delivered(shop, f"P-{n}")
        commit(lambda order=order, n=n: claims.report_file(
            order=order, customer=order.customer, problem="return", reason="changed_mind",
            items=[(order.lines.first().pk, 1)], request_key=f"ret-{n}"))
    from advocate.insights import audit

    everything = list(audit.records(audit.Filters()))
    first = audit.page(audit.Filters(), size=2)
    rest = audit.page(audit.Filters(before=first[-1].at), size=100)
    assert [r.reference for r in first + rest] == [r.reference for r in everything]


def test_only_operators_read_the_trail(login, alice, associate, northwind_user):
    for person in (alice, associate, northwind_user):
        assert login(person).get("/operations/audit/").status_code == 403
