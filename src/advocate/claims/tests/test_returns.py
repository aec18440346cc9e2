"""Items that go back first: the return code, the carrier's scans arriving as the shop's events, and the refund
that follows at the first scan (or at receipt); a return nobody refunds becomes a claim; an order the shop
cancels is refunded without the customer asking."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from advocate.claims import ledger, services
from advocate.claims.models import GuaranteeClaim, PolicyLayer, ProblemReport, Refund, Return
from advocate.commerce.models import Instruction, Order
from advocate.conftest import ALICE, NORTHWIND, PLATFORM

pytestmark = pytest.mark.django_db

EXPENSIVE = [{"sku": "KETTLE", "title": "Copper kettle", "quantity": 1, "unit_price": "80.00"}]


@pytest.fixture
def now():
    return timezone.now()


def delivered(shop, order_id, *, seller=PLATFORM, fulfilled_by="platform", lines=EXPENSIVE, paid="80.00", now):
    shop.send(
        shop.order_placed(order_id, customer=ALICE, seller=seller, fulfilled_by=fulfilled_by, lines=lines,
                          placed_at=now - timedelta(days=8)),
        shop.payment_captured(order_id, paid),
        shop.shipment_created(order_id, f"{order_id}-S", shipped_at=now - timedelta(days=7)),
        shop.shipment_delivered(f"{order_id}-S", at=now - timedelta(days=5)),
    )
    return Order.objects.get(external_id=order_id)


def return_it(order, key="r1"):
    line = order.lines.get()
    return services.report_file(order=order, customer=order.customer, problem="return", reason="changed_mind",
                                items=[(line.id, 1)], request_key=key)


def scan(shop, post_events, return_id, code="picked_up", **kw):
    response = post_events([shop.event("return.scanned", {"return_id": return_id, "code": code}, **kw)])
    assert response.status_code == 200, response.content
    return response.json()


def test_an_item_worth_more_than_the_threshold_goes_back_first_and_is_refunded_at_the_first_scan(
        shop, alice, post_events, now, mailoutbox, django_capture_on_commit_callbacks):
    order = delivered(shop, "R-1", now=now)
    with django_capture_on_commit_callbacks(execute=True):
        report = return_it(order)

    ret = report.parcel_return
    assert report.state == "awaiting_return" and ret.refund_when == "first_scan"
    assert not Refund.objects.filter(order=order).exists()
    label = Instruction.objects.get(kind="return_label")
    assert label.payload["return_id"] == ret.code and label.payload["lines"] == [{"sku": "KETTLE", "quantity": 1}]
    assert ret.code in mailoutbox[-1].body

    with django_capture_on_commit_callbacks(execute=True):
        outcome = scan(shop, post_events, ret.code)
    assert outcome["applied"] == 1
    ret.refresh_from_db()
    report.refresh_from_db()
    assert ret.state == "in_transit" and report.state == "resolved"
    refund = Refund.objects.get(order=order)
    assert refund.amount == Decimal("80.00") and refund.paid_by == "platform"  # the marketplace sold it
    assert mailoutbox[-1].subject == "Your refund for order R-1"

    # The carrier's later scans, and the same scan sent again, change nothing.
    scan(shop, post_events, ret.code, code="in_transit")
    assert scan(shop, post_events, ret.code, code="delivered", id="same-scan")["applied"] == 1
    assert scan(shop, post_events, ret.code, code="delivered", id="same-scan")["duplicate"] == 1
    assert Refund.objects.filter(order=order).count() == 1


def test_a_scan_of_an_unknown_return_is_rejected_naming_the_field(shop, post_events):
    result = scan(shop, post_events, "RET-NOPE")
    assert result["rejected"] == 1
    assert result["results"][0]["errors"][0]["field"] == "data.return_id"


def test_refund_at_receipt_when_policy_says_so(shop, alice, post_events, now):
    PolicyLayer.objects.filter(seller=None, category="").update(refund_on_first_scan=False)
    order = delivered(shop, "R-2", now=now)
    report = return_it(order)
    code = report.parcel_return.code

    scan(shop, post_events, code)
    assert not Refund.objects.filter(order=order).exists()
    post_events([shop.event("return.received", {"return_id": code})])
    assert Refund.objects.get(order=order).amount == Decimal("80.00")
    assert ProblemReport.objects.get(pk=report.pk).state == "resolved"


def test_a_return_the_seller_never_refunds_becomes_a_guarantee_claim(shop, alice, post_events, now):
    PolicyLayer.objects.filter(seller=None, category="").update(refund_on_first_scan=False)
    order = delivered(shop, "R-3", seller=NORTHWIND, fulfilled_by="seller", now=now)
    report = return_it(order)
    code = report.parcel_return.code
    scan(shop, post_events, code, occurred_at=now - timedelta(days=8))

    claim_report = services.report_file(order=order, customer=order.customer, problem="return_not_refunded",
                                        request_key="rnr")
    claim = GuaranteeClaim.objects.get(report=claim_report)
    assert claim_report.amount == Decimal("80.00") and claim.seller.external_id == NORTHWIND["id"]
    # The claim takes the return over: receiving it later must not refund it a second time.
    services.claims_close_overdue(now=claim.respond_by + timedelta(minutes=1))
    post_events([shop.event("return.received", {"return_id": code})])
    assert Refund.objects.filter(order=order).count() == 1
    assert ledger.refundable(order) == 0
    assert ledger.seller_balance(claim.seller) == Decimal("-80.00")


def test_return_not_refunded_can_be_claimed_only_after_the_wait(shop, alice, post_events, now):
    PolicyLayer.objects.filter(seller=None, category="").update(refund_on_first_scan=False)
    order = delivered(shop, "R-4", seller=NORTHWIND, fulfilled_by="seller", now=now)
    report = return_it(order)
    scan(shop, post_events, report.parcel_return.code, occurred_at=now - timedelta(days=2))
    from advocate.claims.rules import Why
    from advocate.core.errors import Refused

    with pytest.raises(Refused) as refused:
        services.report_file(order=order, customer=order.customer, problem="return_not_refunded", request_key="x")
    assert refused.value.code == Why.RETURN_NOT_OVERDUE
    assert refused.value.when == Return.objects.get().first_scan_at + timedelta(days=7)
    assert str(refused.value).startswith("Your return is on its way back. If the refund has not come by")


def test_an_order_the_shop_cancels_is_refunded_without_the_customer_asking(
        shop, alice, post_events, mailoutbox, django_capture_on_commit_callbacks):
    shop.send(shop.order_placed("R-5", customer=ALICE), shop.payment_captured("R-5", "64.00"))
    with django_capture_on_commit_callbacks(execute=True):
        post_events([shop.order_cancelled("R-5", by="seller", reason="out of stock", id="cancel-1")])
        post_events([shop.order_cancelled("R-5", by="seller", reason="out of stock", id="cancel-1")])  # repeat
        post_events([shop.order_cancelled("R-5", by="seller", reason="out of stock", id="cancel-2")])  # echo

    refund = Refund.objects.get(order__external_id="R-5")
    assert refund.amount == Decimal("64.00") and refund.paid_by == "seller"
    assert Instruction.objects.filter(kind="refund").count() == 1
    assert [m.subject for m in mailoutbox] == ["Your order R-5 was cancelled — refund issued"]


def test_a_customer_cancelling_is_refunded_once_even_when_the_shop_echoes_the_cancellation(
        shop, alice, post_events):
    shop.send(shop.order_placed("R-6", customer=ALICE), shop.payment_captured("R-6", "64.00"))
    order = Order.objects.get(external_id="R-6")
    services.report_file(order=order, customer=order.customer, problem="cancel", request_key="c1")
    post_events([shop.order_cancelled("R-6", by="customer")])

    assert Order.objects.get(pk=order.pk).state == "cancelled"
    assert Refund.objects.filter(order=order).count() == 1
    assert Instruction.objects.filter(kind="order_cancel").count() == 1


def test_return_not_refunded_on_an_order_the_marketplace_ships_refunds_that_return_once(shop, alice, post_events,
                                                                                       now):
    PolicyLayer.objects.filter(seller=None, category="").update(refund_on_first_scan=False)
    lines = [*EXPENSIVE, {"sku": "LAMP", "title": "Desk lamp", "quantity": 1, "unit_price": "39.00"}]
    order = delivered(shop, "R-7", lines=lines, paid="119.00", now=now)
    kettle = order.lines.get(sku="KETTLE")
    report = services.report_file(order=order, customer=order.customer, problem="return", reason="changed_mind",
                                  items=[(kettle.id, 1)], request_key="r7")
    code = report.parcel_return.code
    scan(shop, post_events, code, occurred_at=now - timedelta(days=8))

    claim = services.report_file(order=order, customer=order.customer, problem="return_not_refunded",
                                 request_key="r7-missing")
    assert claim.state == "resolved" and Refund.objects.get(order=order).amount == Decimal("80.00")
    assert not claim.items.exists()  # it is about the kettle's return, not about the lamp
    from advocate.core.errors import Refused

    with pytest.raises(Refused):  # the return is settled: nothing to claim a second time
        services.report_file(order=order, customer=order.customer, problem="return_not_refunded",
                             request_key="r7-again")
    post_events([shop.event("return.received", {"return_id": code})])
    assert Refund.objects.filter(order=order).count() == 1 and ledger.refundable(order) == Decimal("39.00")
    report.refresh_from_db()
    assert report.settled_by == claim and report.state == "resolved"
    lamp = order.lines.get(sku="LAMP")
    assert services.report_file(order=order, customer=order.customer, problem="item_missing",
                                items=[(lamp.id, 1)], request_key="lamp").state == "resolved"


def test_a_payment_captured_after_the_order_was_cancelled_is_refunded(shop, alice, post_events):
    shop.send(shop.order_placed("R-8", customer=ALICE))
    order = Order.objects.get(external_id="R-8")
    services.report_file(order=order, customer=order.customer, problem="cancel", request_key="c8")
    assert not Refund.objects.filter(order=order).exists()  # nothing was paid yet

    post_events([shop.payment_captured("R-8", "64.00")])

    assert Refund.objects.get(order=order).amount == Decimal("64.00")
    assert ledger.refundable(order) == 0
