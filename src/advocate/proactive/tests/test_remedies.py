"""Proactive remedies on constructed histories, through the real intake, ledger, instruction feed and email queue:
each step fires once, not before its time, not after the customer reported the problem, not twice across
repeated ticks and events; the budget holds; the dry run changes nothing and counts what a live run does."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from advocate.claims import services as claims
from advocate.claims.models import LedgerTransaction, Refund
from advocate.claims.selectors import to_base_currency
from advocate.claims.services.associates import associate_given
from advocate.commerce.models import Instruction, Order
from advocate.conftest import ALICE, BOB, PLATFORM
from advocate.notifications.models import OutboundEmail
from advocate.proactive import rules
from advocate.proactive.dry_run import dry_run
from advocate.proactive.models import Firing, RemedySettings
from advocate.proactive.services import remedies_run
from advocate.proactive.switches import settings_current
from advocate.trust.models import Promise, PromiseState

pytestmark = pytest.mark.django_db

PAGE = "/operations/remedies/"


def late_order(shop, order_id: str, now, *, customer=ALICE, carrier_hours_late: int = 48):
    """Shipped two days ago; the carrier's scan today moves the delivery past the promised day."""
    placed = now - timedelta(days=3)
    promised = now + timedelta(days=1)
    shop.send(shop.order_placed(order_id, customer=customer, placed_at=placed, promised_latest=promised),
              shop.payment_captured(order_id),
              shop.shipment_created(order_id, f"S{order_id}", shipped_at=now - timedelta(days=2)),
              shop.tracking_scan(f"S{order_id}", "delayed", at=now - timedelta(minutes=5),
                                 estimated_delivery=promised + timedelta(hours=carrier_hours_late)))
    return Order.objects.get(external_id=order_id)


def stalled_order(shop, order_id: str, now, *, quiet_days: float = 3.5, promised_in_days: float = 3):
    """Shipped with a first scan, then nothing for `quiet_days`."""
    shipped = now - timedelta(days=quiet_days + 1)
    shop.send(shop.order_placed(order_id, placed_at=shipped - timedelta(hours=5), ship_by=shipped,
                                promised_latest=now + timedelta(days=promised_in_days)),
              shop.payment_captured(order_id),
              shop.shipment_created(order_id, f"S{order_id}", shipped_at=shipped),
              shop.tracking_scan(f"S{order_id}", "in_transit", at=now - timedelta(days=quiet_days)))
    return Order.objects.get(external_id=order_id)


def emails(order):
    return list(OutboundEmail.objects.filter(order=order, key__startswith="auto:proactive:").order_by("pk"))


def test_a_late_order_is_told_once_with_the_new_estimate_and_a_member_gets_a_credit(shop, commit):
    now = timezone.now()
    order = late_order(shop, "L-1", now)
    shop.send(shop.event("membership.started", {"customer_id": ALICE["id"], "plan": "plus"},
                         occurred_at=now - timedelta(days=30)))
    on_time = late_order(shop, "L-2", now, customer=BOB, carrier_hours_late=-12)

    assert commit(lambda: remedies_run(now=now))["remedies_told_late"] == 1
    [told] = emails(order)
    assert told.to == ALICE["email"] and "running late" in told.subject
    assert "The carrier now expects to deliver it on" in told.body
    assert "3.20 GBP of credit" in told.body  # 5% of 64.00, for a member
    credit = LedgerTransaction.objects.get(kind="credit", order=order)
    assert Instruction.objects.get(kind="credit", order=order).payload["amount"] == "3.20"
    assert Firing.objects.get(order=order).credit == credit
    assert associate_given(order) == 0, "what the platform gave by itself leaves associates' limit whole"
    assert not emails(on_time), "an order the carrier still brings on time is left alone"

    # Ticks and the same events again change nothing.
    shop.send(shop.tracking_scan("SL-1", "delayed", estimated_delivery=now + timedelta(days=4)))
    assert commit(lambda: remedies_run(now=now + timedelta(minutes=5)))["remedies_told_late"] == 0
    assert len(emails(order)) == 1 and LedgerTransaction.objects.filter(kind="credit").count() == 1


def test_no_credit_for_non_members_nor_over_the_budget_but_they_are_still_told(shop, commit):
    now = timezone.now()
    RemedySettings.objects.create(credit_for=rules.CreditFor.EVERYONE, monthly_budget=Decimal("4.00"))
    late_order(shop, "L-1", now)
    late_order(shop, "L-2", now, customer=BOB)
    commit(lambda: remedies_run(now=now))
    firings = list(Firing.objects.order_by("order__external_id"))
    assert [f.credit_amount for f in firings] == [Decimal("3.20"), None]
    assert [f.over_budget for f in firings] == [False, True]
    assert "credit" not in emails(firings[1].order)[0].body

    RemedySettings.objects.update(credit_for=rules.CreditFor.MEMBERS, monthly_budget=Decimal(500))
    order = late_order(shop, "L-3", now)
    commit(lambda: remedies_run(now=now))
    assert Firing.objects.get(order=order).credit is None  # Alice is not a member


def test_not_before_its_time_and_not_after_the_customer_reported_it(shop, commit):
    now = timezone.now()
    shop.send(shop.order_placed("N-1", placed_at=now - timedelta(days=1), ship_by=now + timedelta(hours=2)))
    assert commit(lambda: remedies_run(now=now)) == {"remedies_told_late": 0, "remedies_traced": 0,
                                                     "remedies_remedied": 0, "remedies_news": 0}
    # A day past the time to ship, not sent: now it is late.
    assert commit(lambda: remedies_run(now=now + timedelta(hours=27)))["remedies_told_late"] == 1
    assert "It has not been sent yet" in emails(Order.objects.get(external_id="N-1"))[0].body

    # Lost on its way, and the customer reported it before the rules would have traced it.
    reported = stalled_order(shop, "R-1", now, promised_in_days=-4)
    commit(lambda: claims.report_file(order=reported, customer=reported.customer, problem="not_received",
                                      request_key="r-1", now=now - timedelta(minutes=1)))
    commit(lambda: remedies_run(now=now))
    assert not Firing.objects.filter(order=reported).exists()


def test_a_stalled_parcel_is_traced_then_refunded_and_the_promise_is_kept(shop, commit, login, alice):
    now = timezone.now()
    order = stalled_order(shop, "T-1", now)
    assert commit(lambda: remedies_run(now=now))["remedies_traced"] == 1
    trace = Instruction.objects.get(kind="carrier_trace")
    assert trace.payload["shipment_id"] == "ST-1" and trace.payload["tracking_number"] == "PNST-1"
    [told] = emails(order)
    assert "asked them to trace it" in told.body and "we will refund you without you having to ask" in told.body
    promise = Promise.objects.get(customer=order.customer)
    assert promise.state == PromiseState.OPEN and promise.due_at > now + timedelta(days=4)

    assert commit(lambda: remedies_run(now=now + timedelta(days=2)))["remedies_remedied"] == 0  # not yet
    later = now + timedelta(days=4, minutes=1)
    assert commit(lambda: remedies_run(now=later))["remedies_remedied"] == 1
    refund = Refund.objects.get(order=order)
    assert (refund.amount, refund.cause) == (Decimal("64.00"), "proactive")
    assert Instruction.objects.filter(kind="refund", order=order).count() == 1
    promise.refresh_from_db()
    assert promise.state == PromiseState.KEPT
    assert "Refund of" in emails(order)[-1].body
    # Nothing left to report: the order page says why, rather than offering a report that would be refused.
    page = login(alice).get("/orders/T-1/").content.decode()
    assert "Everything you paid for this order has already been refunded." in page
    assert "/orders/T-1/problem/not_received/" not in page
    assert commit(lambda: remedies_run(now=later + timedelta(hours=1))) == {
        "remedies_told_late": 0, "remedies_traced": 0, "remedies_remedied": 0, "remedies_news": 0}


def test_news_after_the_trace_keeps_the_promise_and_nothing_more_is_done(shop, commit):
    now = timezone.now()
    order = stalled_order(shop, "T-2", now)
    commit(lambda: remedies_run(now=now))
    shop.send(shop.tracking_scan("ST-2", "at_depot", at=now + timedelta(days=1)))
    assert commit(lambda: remedies_run(now=now + timedelta(days=1, hours=1)))["remedies_news"] == 1
    assert commit(lambda: remedies_run(now=now + timedelta(days=5)))["remedies_remedied"] == 0
    assert not Refund.objects.filter(order=order).exists()
    assert Promise.objects.get(customer=order.customer).state == PromiseState.KEPT


def test_the_dry_run_changes_nothing_and_counts_what_the_live_run_does(shop, commit):
    now = timezone.now()
    start = now - timedelta(days=12)
    timeline = []
    for n in range(3):  # the carrier falls silent after its first scan
        placed = start + timedelta(days=n)
        timeline += [(placed, shop.order_placed(f"D-{n}", placed_at=placed, promised_latest=now + timedelta(days=9))),
                     (placed, shop.payment_captured(f"D-{n}")),
                     (placed + timedelta(hours=6), shop.shipment_created(f"D-{n}", f"SD-{n}",
                                                                        shipped_at=placed + timedelta(hours=6))),
                     (placed + timedelta(hours=9), shop.tracking_scan(f"SD-{n}", at=placed + timedelta(hours=9)))]
    for n in range(2):  # delivered well past the promise, after four days without a scan
        placed = start + timedelta(days=2 + n)
        timeline += [(placed, shop.order_placed(f"E-{n}", customer=BOB, placed_at=placed,
                                                promised_latest=placed + timedelta(days=4))),
                     (placed + timedelta(days=1), shop.shipment_created(f"E-{n}", f"SE-{n}",
                                                                       shipped_at=placed + timedelta(days=1))),
                     (placed + timedelta(days=2), shop.tracking_scan(f"SE-{n}", at=placed + timedelta(days=2))),
                     (placed + timedelta(days=6), shop.shipment_delivered(f"SE-{n}", at=placed + timedelta(days=6)))]
    timeline += [(start, shop.order_placed("F-0", placed_at=start, promised_latest=start + timedelta(days=5))),
                 (start + timedelta(days=1),
                  shop.shipment_created("F-0", "SF-0", shipped_at=start + timedelta(days=1))),
                 (start + timedelta(days=3), shop.shipment_delivered("SF-0", at=start + timedelta(days=3)))]  # on time

    # The live run, ticking every hour while the shop's events arrive as they happen.
    moment, sent = start, 0
    timeline.sort(key=lambda pair: pair[0])
    while moment <= now:
        due = [event for at, event in timeline[sent:] if at <= moment]
        if due:
            shop.send(*due)
            sent += len(due)
        commit(lambda moment=moment: remedies_run(now=moment))
        moment += timedelta(hours=1)
    live = {}
    for firing in Firing.objects.all():
        live[(firing.rule, firing.step)] = live.get((firing.rule, firing.step), 0) + 1

    def everything():
        return [model.objects.count() for model in (Firing, Instruction, OutboundEmail, Refund, LedgerTransaction)]

    before = everything()
    tried = dry_run(chosen=settings_current(), days=13, now=now)
    assert everything() == before
    # The silent three are traced then refunded; the late two are told, and traced too (four days without a scan).
    assert tried.traced == 5 and tried.remedied == 3 and tried.told == 2, tried.counts
    assert live == tried.counts
    refunds = [refund.amount for refund in Refund.objects.filter(cause="proactive")]
    assert refunds == [Decimal("64.00")] * 3
    assert tried.refunds == sum(map(to_base_currency("GBP"), refunds)), "in the base currency, refund by refund"


def test_operators_try_and_save_the_rules_and_nobody_else_can(shop, commit, login, operator, associate):
    now = timezone.now()
    stalled_order(shop, "T-3", now - timedelta(days=10))
    assert login(associate).get(PAGE).status_code in (302, 403)
    client = login(operator)
    page = client.get(PAGE)
    assert page.status_code == 200 and "Never changed: these are the defaults." in page.content.decode()

    form = {"late_on": "on", "ship_grace_hours": "24", "credit_for": "everyone", "credit_percent": "5",
            "monthly_budget": "100", "stalled_on": "on", "stalled_days": "3", "remedy_days": "4",
            "remedy": "reship", "digital_on": "on", "playback_threshold": "0.5", "price_on": "on",
            "price_days": "14", "loyal_orders": "10", "delight_percent": "10", "delight_budget": "100",
            "action": "try"}
    tried = client.post(PAGE, form).content.decode()
    # Traced, put right, and (past its promised day by then) told it is late.
    assert "Would have fired 3 times" in tried and "T-3" in tried
    assert not RemedySettings.objects.exists() and not Firing.objects.exists()

    bad = client.post(PAGE, {**form, "stalled_days": "zero", "action": "save"})
    assert bad.status_code == 422 and "Enter a whole number from 1 to 30." in bad.content.decode()
    assert not RemedySettings.objects.exists()

    assert client.post(PAGE, {**form, "action": "save"}).status_code == 302
    assert settings_current().remedy == rules.Remedy.RESHIP and settings_current().credit_for == "everyone"


def test_the_customer_sees_on_the_order_page_what_was_done(shop, commit, login, alice, associate, operator):
    now = timezone.now()
    order = late_order(shop, "L-9", now)
    commit(lambda: remedies_run(now=now))
    page = login(alice).get(f"/orders/{order.external_id}/").content.decode()
    assert "What we did without being asked" in page and "Today: we told you it was running late." in page
    staff = login(associate).get(f"/orders/{order.external_id}/").content.decode()
    assert "Today: told the customer it is running late." in staff
    listed = login(operator).get(PAGE).content.decode()
    assert "1 step in the last 30 days." in listed and "Today: told the customer it is running late." in listed


def test_a_customer_chooses_a_new_parcel_over_a_refund_on_the_order_page(shop, commit, login, alice, bob):
    now = timezone.now()
    shipped = now - timedelta(days=4.5)
    shop.send(shop.order_placed("W-1", fulfilled_by="platform", seller=PLATFORM, placed_at=shipped - timedelta(hours=5),
                                ship_by=shipped, promised_latest=now + timedelta(days=3)),
              shop.payment_captured("W-1"), shop.shipment_created("W-1", "SW-1", shipped_at=shipped),
              shop.tracking_scan("SW-1", at=now - timedelta(days=3.5)))
    commit(lambda: remedies_run(now=now))
    traced = emails(Order.objects.get(external_id="W-1"))[0]
    assert "choose between your money back and the order sent again" in traced.body

    client = login(alice)
    page = client.get("/orders/W-1/").content.decode()
    assert 'name="remedy" value="refund" checked' in page, "the operators' default until they choose"
    assert login(bob).post("/orders/W-1/remedy/", {"remedy": "reship"}).status_code == 404, "not Bob's order"
    assert client.post("/orders/W-1/remedy/", {"remedy": "reship"}, headers={"X-CSRFToken": ""}).status_code == 403
    assert client.post("/orders/W-1/remedy/", {"remedy": "reship"}).status_code == 302
    assert 'name="remedy" value="reship" checked' in client.get("/orders/W-1/").content.decode()

    commit(lambda: remedies_run(now=now + timedelta(days=4, minutes=1)))
    assert not Refund.objects.filter(order__external_id="W-1").exists()
    assert Instruction.objects.get(kind="replacement", order__external_id="W-1").payload["lines"]
    assert "we sent your order again" in client.get("/orders/W-1/").content.decode()
    refused = client.post("/orders/W-1/remedy/", {"remedy": "refund"}, follow=True).content.decode()
    assert "There is nothing to choose for this order any more." in refused
