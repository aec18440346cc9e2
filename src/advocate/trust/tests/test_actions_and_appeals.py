"""No action without a statement of reasons; every affected person told at once; appeals decided by a person,
with reasons; a reversal restores the account at once; promises counted."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from advocate.commerce.models import Customer, Instruction, Seller
from advocate.conftest import ALICE, NORTHWIND
from advocate.core.errors import Refused
from advocate.trust import services
from advocate.trust.models import AccountAction, ActionKind, ActionState, AppealState, AuditEntry, Promise

pytestmark = pytest.mark.django_db

STATEMENT = services.Statement(scope="New listings", facts="Order defect rate 4.1% (5 of 122 orders) over 60 days.",
                               rule="Seller standards §2: order defect rate under 1%")


@pytest.fixture
def seller(northwind_user):
    northwind_user.email = "ops@northwind.example"
    northwind_user.save()
    return Seller.objects.get(external_id=NORTHWIND["id"])


@pytest.mark.parametrize("missing", ["scope", "facts", "rule"])
def test_an_action_without_its_statement_of_reasons_is_refused(seller, operator, missing):
    statement = services.Statement(**{**STATEMENT.__dict__, missing: "  "})
    with pytest.raises(services.StatementIncomplete) as refused:
        services.action_take(kind=ActionKind.RESTRICTION, statement=statement, automated=False, by=operator,
                             seller=seller)
    assert refused.value.missing == [missing]
    assert not AccountAction.objects.exists()


def test_a_persons_decision_must_say_who_decided(seller):
    with pytest.raises(services.StatementIncomplete) as refused:
        services.action_take(kind=ActionKind.WARNING, statement=STATEMENT, automated=False, seller=seller)
    assert refused.value.missing == ["decided_by"]


def test_the_database_refuses_an_action_without_reasons_too(seller):
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        AccountAction.objects.create(reference="AA-X", seller=seller, kind="warning", state="active", scope="x",
                                     facts="", rule="r", automated=True, effective_at=now,
                                     appeal_until=now + timedelta(days=200), statement="s", created_at=now)


def test_the_seller_is_told_everything_the_moment_it_takes_effect(seller, operator, commit, mailoutbox):
    action = commit(lambda: services.action_take(kind=ActionKind.RESTRICTION, statement=STATEMENT,
                                                 automated=False, by=operator, seller=seller))
    assert action.state == ActionState.ACTIVE
    assert action.appeal_until - action.effective_at >= timedelta(days=182)  # at least six months
    [notice] = mailoutbox
    assert notice.to == ["ops@northwind.example"]
    for part in ("Restriction", "New listings", "Order defect rate 4.1%", "Seller standards §2",
                 "by a person on our team", "How to appeal", "free of charge"):
        assert part in notice.body, part
    assert action.statement in notice.body  # the statement as sent is kept word for word
    assert Instruction.objects.get(kind="seller_status").payload["status"] == "restriction"
    assert AuditEntry.objects.get(action=action).actor == operator


def test_an_automatic_decision_says_so(seller):
    action = services.action_take(kind=ActionKind.WARNING, statement=STATEMENT, automated=True, seller=seller)
    assert "automatically" in action.statement and action.decided_by is None


def test_a_termination_needs_thirty_days_notice(seller, operator):
    with pytest.raises(Refused):
        services.action_take(kind=ActionKind.TERMINATION, statement=STATEMENT, automated=False, by=operator,
                             seller=seller, effective_at=timezone.now() + timedelta(days=29))
    later = timezone.now() + timedelta(days=31)
    action = services.action_take(kind=ActionKind.TERMINATION, statement=STATEMENT, automated=False, by=operator,
                                  seller=seller, effective_at=later)
    assert action.state == ActionState.SCHEDULED
    assert services.actions_start_due(now=later + timedelta(minutes=1)) == 1
    action.refresh_from_db()
    assert action.state == ActionState.ACTIVE


def test_an_appeal_is_decided_by_a_person_with_reasons_and_a_reversal_restores_at_once(
        seller, northwind_user, operator, login, commit, mailoutbox):
    action = services.action_take(kind=ActionKind.SUSPENSION, statement=STATEMENT, automated=True, seller=seller)
    client = login(northwind_user)
    page = client.get("/account/decisions/").content.decode()
    assert "Order defect rate 4.1%" in page and "Appeal this decision" in page
    commit(lambda: client.post(f"/account/decisions/{action.reference}/appeal/", {
        "statement": "The defects were one carrier's lost parcels.", "plan": "We changed carrier on 1 December."}))
    appeal = action.appeals.get()
    assert appeal.plan == "We changed carrier on 1 December."
    assert Promise.objects.get(key=f"appeal:{appeal.pk}").due_at == appeal.due_at
    with pytest.raises(Refused):  # never the automation alone
        services.appeal_decide(appeal=appeal, by=None, reverse=True, reasons="x")
    with pytest.raises(Refused):
        services.appeal_decide(appeal=appeal, by=operator, reverse=True, reasons=" ")

    commit(lambda: login(operator).post(f"/operations/appeals/{appeal.pk}/", {
        "decision": "reverse", "reasons": "The carrier's losses are not the seller's defects."}))
    appeal.refresh_from_db()
    action.refresh_from_db()
    assert (appeal.state, appeal.decided_by, action.state) == (AppealState.REVERSED, operator, ActionState.REVERSED)
    restored = Instruction.objects.filter(kind="seller_status").order_by("sequence").last()
    assert restored.payload["status"] == "active"
    assert Promise.objects.get(key=f"appeal:{appeal.pk}").state == "kept"
    assert "The carrier's losses are not the seller's defects." in mailoutbox[-1].body


def test_a_closed_customer_can_only_read_the_decision_until_a_reversal_restores_access(shop, alice, login,
                                                                                      operator):
    shop.send(shop.order_placed("A-1"))
    customer = Customer.objects.get(external_id=ALICE["id"])
    client = login(alice)
    assert client.get("/orders/A-1/").status_code == 200
    action = services.action_take(
        kind=ActionKind.CUSTOMER_CLOSED, customer=customer, automated=False, by=operator,
        statement=services.Statement(scope="Your customer account", facts="Repeated threats against our staff "
                                     "in calls on 2 and 9 November.", rule="Terms of service §9: respect for staff"))
    response = client.get("/orders/A-1/")
    assert response.status_code == 302 and response["Location"] == "/account/decisions/"
    assert "Repeated threats" in client.get("/account/decisions/").content.decode()
    client.post(f"/account/decisions/{action.reference}/appeal/", {"statement": "I apologise; it will not happen."})
    services.appeal_decide(appeal=action.appeals.get(), by=operator, reverse=True, reasons="Apology accepted.")
    assert client.get("/orders/A-1/").status_code == 200


def test_one_open_appeal_at_a_time_and_none_after_the_window(seller):
    action = services.action_take(kind=ActionKind.WARNING, statement=STATEMENT, automated=True, seller=seller)
    services.appeal_file(action=action, statement="Please look again.")
    with pytest.raises(Refused):
        services.appeal_file(action=action, statement="And again.")
    with pytest.raises(Refused):
        services.appeal_file(action=action, statement="Late.", now=action.appeal_until + timedelta(minutes=1))


def test_promises_about_to_be_broken_are_raised_and_broken_ones_counted(operator, login):
    now = timezone.now()
    services.promise_make(key="callback:1", what="Call Alice back", due_at=now + timedelta(hours=2),
                          now=now - timedelta(hours=10))
    services.promise_make(key="review:P-1", what="Decide P-1", due_at=now - timedelta(minutes=1),
                          now=now - timedelta(hours=24))
    services.promise_make(key="kept:1", what="Decide P-2", due_at=now + timedelta(hours=2), now=now)
    assert services.promise_keep(key="kept:1")
    assert services.promises_check(now=now) == {"promises_raised": 1, "promises_broken": 1}
    page = login(operator).get("/operations/actions/").content.decode()
    assert "Call Alice back" in page and "Decide P-1" in page


def test_only_operators_take_actions_and_decide_appeals(login, associate, alice, northwind_user):
    for user in (associate, alice, northwind_user):
        assert login(user).get("/operations/actions/").status_code == 403


def test_replying_to_the_statement_by_email_files_the_appeal(seller, commit, mailoutbox):
    from advocate.cases.mail.compose import compose
    from advocate.cases.services import mail_receive

    action = commit(lambda: services.action_take(kind=ActionKind.WARNING, statement=STATEMENT, automated=True,
                                                 seller=seller))
    notice_id = mailoutbox[0].extra_headers["Message-ID"].strip("<>")
    mail_receive(compose(sender="someone@else.example", in_reply_to=notice_id, subject="Re: x",
                                       body="Not me."), source="t")
    assert not action.appeals.exists()  # only the address the statement went to
    inbound, _ = mail_receive(compose(sender="ops@northwind.example", in_reply_to=notice_id, subject="Re: warning",
                                      body="Most of those orders were lost by the carrier."), source="t")
    appeal = action.appeals.get()
    assert (appeal.channel, appeal.statement) == ("email", "Most of those orders were lost by the carrier.")
    assert inbound.conversation.queue == "trust"


def test_every_service_a_customer_starts_refuses_a_closed_account_whatever_the_door(shop, alice, operator):
    """The rule lives in the services, so no door — a page, the session API, the shop's back end — goes round it."""
    from advocate.cases import services as cases
    from advocate.claims import services as claims
    from advocate.commerce.models import Order
    from advocate.messaging import services as messaging
    from advocate.sellers import services as sellers

    now = timezone.now()
    shop.send(shop.order_placed("A-1", placed_at=now - timedelta(days=5)), shop.payment_captured("A-1"),
              shop.shipment_created("A-1", "S-1", shipped_at=now - timedelta(days=4)),
              shop.shipment_delivered("S-1", at=now - timedelta(days=2)))
    order = Order.objects.select_related("seller").get(external_id="A-1")
    customer = order.customer
    action = services.action_take(
        kind=ActionKind.CUSTOMER_CLOSED, customer=customer, automated=False, by=operator,
        statement=services.Statement(scope="Your customer account", facts="Threats against staff.",
                                     rule="Terms of service §9"))
    attempts = {
        "report": lambda: claims.report_file(order=order, customer=customer, problem="return", reason="changed_mind",
                                             items=[(order.lines.first().pk, 1)], request_key="r"),
        "contact": lambda: cases.contact_form_send(customer=customer, subject="Hi", body="Hello", order=order,
                                                   request_key="c"),
        "callback": lambda: cases.callback_request(customer=customer, phone="+44 20 7946 0011",
                                                   window_start=now + timedelta(days=1), topic="", order=order,
                                                   request_key="b"),
        "message": lambda: messaging.buyer_message_send(order=order, customer=customer, text="Hello", request_key="m"),
        "rating": lambda: sellers.rating_save(order=order, customer=customer, stars=1),
    }
    for door, attempt in attempts.items():
        with pytest.raises(Refused) as refused:
            attempt()
        assert (refused.value.code, refused.value.status) == ("account_closed", 403), door

    services.appeal_file(action=action, statement="I apologise.")
    services.appeal_decide(appeal=action.appeals.get(), by=operator, reverse=True, reasons="Apology accepted.")
    assert claims.report_file(order=order, customer=customer, problem="return", reason="changed_mind",
                              items=[(order.lines.first().pk, 1)], request_key="r").reference
