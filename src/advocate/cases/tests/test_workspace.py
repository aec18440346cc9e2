"""The agent workspace: who may see it, the customer beside the conversation, and acting from it through the
same ledger as self-service."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from advocate.cases import services
from advocate.cases.mail.compose import compose
from advocate.cases.models import ActionKind, Conversation, ConversationState, CustomerNote, Direction, Queue
from advocate.claims import ledger
from advocate.claims.models import Account, LedgerEntry, Refund
from advocate.commerce.models import Instruction, Order
from advocate.conftest import ALICE, BOB
from advocate.notifications.models import OutboundEmail

pytestmark = pytest.mark.django_db

# Triage sends a mail about a parcel to the delivery team; these tests are about everyone's queue.
UNROUTED = "Hello, I have a question."


@pytest.fixture
def conversation(shop):
    """Alice (a paid order A-1 of £64.00) wrote to us by email about it."""
    shop.send(shop.order_placed("A-1"), shop.payment_captured("A-1", "64.00"))
    inbound, _ = services.mail_receive(
        compose(sender=ALICE["email"], subject="A-1: the lamp arrived broken", body="The lamp is broken.\n\n"
                "On Mon, 23 Nov 2026 at 10:00, Alice <alice@example.com> wrote:\n> earlier text"), source="test")
    return inbound.conversation


def post(client, conversation, action, data):
    return client.post(f"/service/conversations/{conversation.pk}/{action}/", data)


def test_only_service_staff_see_conversations(conversation, login, alice, northwind_user, associate, operator):
    for user in (alice, northwind_user):
        response = login(user).get(f"/service/conversations/{conversation.pk}/")
        assert response.status_code == 403 and "not for your account" in response.content.decode()
        assert login(user).get("/service/conversations/").status_code == 403
    for user in (associate, operator):
        assert login(user).get(f"/service/conversations/{conversation.pk}/").status_code == 200


def test_the_conversation_shows_the_whole_customer(conversation, login, associate):
    CustomerNote.objects.create(customer=conversation.customer, text="Getting married in June", author=associate,
                                created_at=conversation.created_at)
    page = login(associate).get(f"/service/conversations/{conversation.pk}/").content.decode()
    assert "The lamp is broken." in page
    assert "Getting married in June" in page
    assert "A-1" in page and "Desk lamp" in page  # the order and what was in it
    assert ALICE["phone"] in page


def test_the_queue_lists_who_is_waiting_longest_first(shop, login, associate):
    for n, sender in enumerate(["first@x.example", "second@x.example"]):
        services.mail_receive(compose(sender=sender, subject=f"Question {n}", body=UNROUTED), source="test")
    page = login(associate).get("/service/conversations/").content.decode()
    assert page.index("Question 0") < page.index("Question 1")


def test_an_associate_refunds_from_the_conversation_through_the_ledger(conversation, login, associate, commit):
    client = login(associate)
    data = {"refund-order_id": "A-1", "refund-amount": "25.00", "refund-request_key": "k1"}
    commit(lambda: post(client, conversation, "refund", data))
    commit(lambda: post(client, conversation, "refund", data))  # a double click
    order = Order.objects.get(external_id="A-1")
    refund = Refund.objects.get(order=order)
    assert refund.amount == Decimal("25.00") and refund.created_by == associate
    assert ledger.refundable(order) == Decimal("39.00")
    assert Instruction.objects.filter(kind="refund", order=order).count() == 1
    assert conversation.actions.filter(kind=ActionKind.REFUND).count() == 1
    page = client.get(f"/service/conversations/{conversation.pk}/").content.decode()
    assert refund.reference in page


def test_a_refund_above_what_is_left_or_the_limit_is_refused_and_changes_nothing(conversation, login, associate,
                                                                                 settings):
    client = login(associate)
    response = post(client, conversation, "refund", {"refund-order_id": "A-1", "refund-amount": "99.00",
                                                     "refund-request_key": "k2"})
    assert "left to refund" in client.get(response["Location"]).content.decode()
    settings.ADVOCATE_ASSOCIATE_LIMIT = "10"
    response = post(client, conversation, "refund", {"refund-order_id": "A-1", "refund-amount": "20.00",
                                                     "refund-request_key": "k3"})
    assert "Escalate it" in client.get(response["Location"]).content.decode()
    assert not Refund.objects.exists()


def test_refunds_from_conversations_are_watched_for_unusual_patterns_like_every_refund(
        conversation, shop, login, associate, commit):
    """A conversation's refund goes through claims' services, so the refund-pattern watch sees it: here the
    marketplace refunds half a percent of orders, and every one of Alice's three orders is refunded."""
    from django.utils import timezone

    from advocate.claims.models import RefundBaseline, RefundCause, RefundPatternFlag

    RefundBaseline.objects.create(computed_at=timezone.now(), orders=10_000, refunded_orders=50)
    shop.send(shop.order_placed("A-2"), shop.payment_captured("A-2", "64.00"),
              shop.order_placed("A-3"), shop.payment_captured("A-3", "64.00"))
    client = login(associate)
    for n, order_id in enumerate(["A-1", "A-2", "A-3"]):
        commit(lambda order_id=order_id, n=n: post(client, conversation, "refund", {
            "refund-order_id": order_id, "refund-amount": "20.00", "refund-request_key": f"pattern-{n}"}))
        assert RefundPatternFlag.objects.exists() == (n == 2)
    flag = RefundPatternFlag.objects.get()
    assert (flag.customer, flag.orders, flag.refunded_orders) == (conversation.customer, 3, 3)
    assert set(Refund.objects.values_list("cause", flat=True)) == {RefundCause.ASSOCIATE}
    assert "Orders refunded in the last year: 3 of 3." in client.get("/service/reviews/").content.decode()


def test_an_associate_cannot_refund_another_customers_order(conversation, shop, login, associate):
    shop.send(shop.order_placed("B-1", customer=BOB), shop.payment_captured("B-1", "64.00"))
    post(login(associate), conversation, "refund", {"refund-order_id": "B-1", "refund-amount": "5.00",
                                                    "refund-request_key": "k4"})
    assert not Refund.objects.exists()


def test_a_goodwill_credit_is_booked_once_and_needs_a_reason(conversation, login, associate):
    client = login(associate)
    post(client, conversation, "credit", {"credit-order_id": "A-1", "credit-amount": "10", "credit-reason": "",
                                          "credit-request_key": "c1"})
    data = {"credit-order_id": "A-1", "credit-amount": "10", "credit-reason": "Late for the wedding",
            "credit-request_key": "c2"}
    post(client, conversation, "credit", data)
    post(client, conversation, "credit", data)
    entries = LedgerEntry.objects.filter(account=Account.CUSTOMER_CREDIT)
    assert [e.amount for e in entries] == [Decimal("10.00")]
    assert ledger.refundable(Order.objects.get(external_id="A-1")) == Decimal("64.00")  # credit is not a refund


def test_escalating_needs_a_reason_and_moves_it_to_the_specialists(conversation, login, associate):
    client = login(associate)
    response = post(client, conversation, "escalate", {"queue": Queue.PAYMENTS, "reason": ""})
    assert response.status_code == 400
    post(client, conversation, "escalate", {"queue": Queue.PAYMENTS, "reason": "Charged twice by the bank"})
    conversation.refresh_from_db()
    assert conversation.queue == Queue.PAYMENTS and conversation.state == ConversationState.OPEN
    page = client.get(f"/service/conversations/?queue={Queue.PAYMENTS}").content.decode()
    assert "Charged twice by the bank" in page


def test_replying_sends_threaded_mail_after_commit_and_waits_for_the_customer(conversation, login, associate,
                                                                              commit, mailoutbox):
    client = login(associate)
    commit(lambda: post(client, conversation, "reply", {"body": "So sorry — refunded.", "request_key": "r1",
                                                        "resolve": "on"}))
    commit(lambda: post(client, conversation, "reply", {"body": "So sorry — refunded.", "request_key": "r1"}))
    assert len(mailoutbox) == 1
    sent = mailoutbox[0]
    first = conversation.messages.get(direction=Direction.IN)
    assert sent.to == [ALICE["email"]]
    assert sent.extra_headers["In-Reply-To"] == f"<{first.message_id}>"
    assert "Auto-Submitted" not in sent.extra_headers
    assert "So sorry — refunded." in sent.body
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.RESOLVED
    assert conversation.actions.filter(kind=ActionKind.RESOLVE).exists()
    # Her answer reopens it.
    out = conversation.messages.get(direction=Direction.OUT)
    services.mail_receive(compose(sender=ALICE["email"], in_reply_to=out.message_id, body="Thanks!"), source="t")
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.OPEN


def test_an_empty_reply_is_refused(conversation, login, associate):
    response = post(login(associate), conversation, "reply", {"body": "  ", "request_key": "r2"})
    assert response.status_code == 400
    assert not OutboundEmail.objects.exists()


def test_quoted_history_is_hidden_but_kept(conversation):
    message = conversation.messages.get()
    assert message.body == "The lamp is broken."
    assert "> earlier text" in message.full_text


def test_personal_notes_are_kept_with_the_customer(conversation, login, associate, shop):
    client = login(associate)
    post(client, conversation, "customer-note", {"customer-note-text": "Getting married in June"})
    later, _ = services.mail_receive(compose(sender=ALICE["email"], subject="Another question"), source="t")
    page = client.get(f"/service/conversations/{later.conversation_id}/").content.decode()
    assert "Getting married in June" in page
    assert "A-1: the lamp arrived broken" in page  # her earlier conversation


def test_a_customer_writes_from_the_contact_form(shop, login, alice):
    shop.send(shop.order_placed("A-5"))
    client = login(alice)
    assert client.get("/contact/").status_code == 200
    data = {"order": "A-5", "subject": "Gift wrap", "body": "Can you wrap it?", "request_key": "f1"}
    client.post("/contact/", data)
    client.post("/contact/", data)
    conversation = Conversation.objects.get()
    assert conversation.order.external_id == "A-5" and conversation.customer.external_id == ALICE["id"]
    assert conversation.messages.count() == 1


def test_a_contact_form_subject_is_made_one_line_like_an_emailed_one(shop, login, alice, associate, commit,
                                                                   mailoutbox):
    shop.send(shop.order_placed("A-6"))
    data = {"order": "A-6", "subject": "Gift wrap\r\nBcc: evil@example.com\u2028\tplease",
            "body": "Can you wrap it?", "request_key": "f2"}
    assert login(alice).post("/contact/", data).status_code == 302
    conversation = Conversation.objects.get()
    assert conversation.subject == "Gift wrap Bcc: evil@example.com please"
    assert conversation.messages.get().subject == conversation.subject
    commit(lambda: services.reply_send(conversation=conversation, by=associate, body="Gladly.", request_key="r"))
    raw = mailoutbox[-1].message().as_bytes()
    assert b"\nBcc:" not in raw and b"Subject: Re: Gift wrap Bcc: evil@example.com please [#" in raw


def test_attachments_are_served_only_to_staff_and_only_as_downloads(shop, login, associate, alice):
    from email.message import EmailMessage

    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = ALICE["email"], "service@advocate.localhost", "Photo"
    mail.set_content("See the photo.")
    mail.add_attachment(b"<script>alert(1)</script>", maintype="text", subtype="html", filename="evil.html")
    inbound, _ = services.mail_receive(mail.as_bytes(), source="t")
    attachment = inbound.conversation.messages.get().attachments.get()
    url = f"/service/conversations/{inbound.conversation_id}/attachments/{attachment.pk}/"
    assert login(alice).get(url).status_code == 403
    response = login(associate).get(url)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_page_queries_do_not_grow_with_messages_orders_or_conversations(conversation, shop, login, associate):
    client = login(associate)
    url = f"/service/conversations/{conversation.pk}/"
    before = (_queries(client, url), _queries(client, "/service/conversations/"))
    for n in range(5):
        shop.send(shop.order_placed(f"A-1{n}"), shop.payment_captured(f"A-1{n}", "10.00"))
        services.mail_receive(compose(sender=ALICE["email"], subject=f"More {n}", body=UNROUTED), source="t")
        services.internal_note_add(conversation=conversation, by=associate, text=f"note {n}")
    after = (_queries(client, url), _queries(client, "/service/conversations/"))
    assert after == before
    # 15, and eight for the panels other domains add: insights' WOW stories; triage's reading, its corrections, the
    # conversation's automatic answer, and for suggested answers the last message and the answer library;
    # proactive's remedies and incident notices on the customer's orders
    assert max(after) <= 23


def test_an_associate_sends_the_order_again_or_upgrades_its_shipping_once(conversation, shop, login, associate):
    from advocate.claims.models import Replacement

    shop.send(shop.shipment_created("A-1", "S-1"))
    client = login(associate)
    for _ in range(2):  # a double click
        post(client, conversation, "fix/reship", {"order_id": "A-1", "request_key": "s1"})
        post(client, conversation, "fix/upgrade", {"order_id": "A-1", "request_key": "u1"})
    replacement = Replacement.objects.get()
    assert (replacement.value, replacement.liable, replacement.report) == (Decimal("64.00"), "platform", None)
    assert Instruction.objects.filter(kind="replacement").count() == 1
    upgrade = Instruction.objects.get(kind="upgrade_shipping")
    assert upgrade.payload["order_id"] == "A-1"
    assert conversation.actions.filter(kind__in=["reship", "upgrade"]).count() == 2


def test_shipping_cannot_be_upgraded_once_everything_arrived(conversation, shop, login, associate):
    shop.send(shop.shipment_created("A-1", "P1"), shop.shipment_delivered("P1"))
    client = login(associate)
    response = post(client, conversation, "fix/upgrade", {"order_id": "A-1", "request_key": "u2"})
    assert "has been delivered" in client.get(response["Location"]).content.decode()
    assert not Instruction.objects.filter(kind="upgrade_shipping").exists()


def test_the_reply_is_wrapped_in_the_customers_language(shop, associate, commit, mailoutbox):
    from django.utils import translation

    german = dict(BOB, id="cust-greta", email="greta@example.de", language="de", time_zone="Europe/Berlin")
    shop.send(shop.order_placed("G-1", customer=german))
    inbound, _ = services.mail_receive(compose(sender=german["email"], subject="Bestellung G-1"), source="t")
    commit(lambda: services.reply_send(conversation=inbound.conversation, by=associate, body="Ist unterwegs.",
                                       request_key="g"))
    source = "Reply to this email to continue the conversation; your reply reaches the same person's team."
    with translation.override("de"):
        footer = translation.gettext(source)
    assert footer != source
    assert footer in mailoutbox[0].body and mailoutbox[0].extra_headers["Content-Language"] == "de"


def test_an_older_order_the_conversation_is_about_costs_no_extra_queries(shop, login, associate):
    from datetime import timedelta

    from django.utils import timezone

    shop.send(shop.order_placed("OLD-1", placed_at=timezone.now() - timedelta(days=90)))
    for n in range(12):  # more recent orders than the page shows
        shop.send(shop.order_placed(f"NEW-{n}"))
    about_old, _ = services.mail_receive(compose(sender=ALICE["email"], subject="OLD-1 broke"), source="t")
    about_new, _ = services.mail_receive(compose(sender=ALICE["email"], subject="NEW-3 broke"), source="t")
    client = login(associate)
    assert about_old.conversation.order.external_id == "OLD-1"
    old_page = _queries(client, f"/service/conversations/{about_old.conversation_id}/")
    assert old_page == _queries(client, f"/service/conversations/{about_new.conversation_id}/")
    assert "OLD-1" in client.get(f"/service/conversations/{about_old.conversation_id}/").content.decode()


def test_the_queue_continues_from_the_last_conversation_shown(login, associate, settings):
    from advocate.cases import selectors

    for n in range(selectors.PAGE_SIZE + 3):
        services.mail_receive(compose(sender=f"c{n}@x.example", subject=f"Question {n:03d}", body=UNROUTED),
                              source="t")
    client = login(associate)
    first = client.get("/service/conversations/")
    page = first.content.decode()
    assert "Question 000" in page and f"Question {selectors.PAGE_SIZE:03d}" not in page
    later = client.get("/service/conversations/", {"after": first.context["next"]}).content.decode()
    assert f"Question {selectors.PAGE_SIZE:03d}" in later and "Question 000" not in later
    assert "Earlier" in later
    assert client.get("/service/conversations/", {"after": "nonsense"}).status_code == 200


def _message_after(client, response) -> str:
    return client.get(response["Location"]).content.decode()


def test_what_associates_give_on_one_order_counts_together_against_the_limit(conversation, shop, login, associate,
                                                                             operator, settings):
    """The limit holds for the order in total, whoever gives and in whatever form: £64 sent again plus £30 of
    credit is within £100; £10 more is not, for this associate or a colleague."""
    from advocate.claims.models import Replacement

    settings.ADVOCATE_ASSOCIATE_LIMIT, settings.ADVOCATE_BASE_CURRENCY = "100", "GBP"
    shop.send(shop.shipment_created("A-1", "S-1"))
    client = login(associate)
    post(client, conversation, "fix/reship", {"order_id": "A-1", "request_key": "r1"})
    post(client, conversation, "credit", {"credit-order_id": "A-1", "credit-amount": "30", "credit-reason": "Sorry",
                                          "credit-request_key": "c1"})
    assert Replacement.objects.count() == 1 and LedgerEntry.objects.filter(account=Account.CUSTOMER_CREDIT).count() == 1

    for person, key in ((associate, "c2"), (operator, "c3")):
        colleague = login(person)
        response = post(colleague, conversation, "credit", {"credit-order_id": "A-1", "credit-amount": "10",
                                                            "credit-reason": "More sorry", "credit-request_key": key})
        assert "£94.00 has already been given on this order" in _message_after(colleague, response)
    refused = post(client, conversation, "refund", {"refund-order_id": "A-1", "refund-amount": "10.00",
                                                    "refund-request_key": "k1"})
    assert "Escalate it" in _message_after(client, refused)
    assert LedgerEntry.objects.filter(account=Account.CUSTOMER_CREDIT).count() == 1
    assert not Refund.objects.exists()


def test_a_third_send_it_again_is_for_the_refunds_team(conversation, shop, login, associate):
    from advocate.claims.models import Replacement

    shop.send(shop.shipment_created("A-1", "S-1"))
    client = login(associate)
    for key in ("r1", "r2"):
        post(client, conversation, "fix/reship", {"order_id": "A-1", "request_key": key})

    third = post(client, conversation, "fix/reship", {"order_id": "A-1", "request_key": "r3"})

    assert "sent again 2 times already" in _message_after(client, third)
    assert Replacement.objects.count() == 2
    assert Instruction.objects.filter(kind="replacement").count() == 2


def test_an_order_that_has_not_shipped_or_was_cancelled_is_never_sent_again(conversation, shop, login, associate):
    from advocate.claims.models import Replacement

    client = login(associate)
    page = client.get(f"/service/conversations/{conversation.pk}/").content.decode()
    assert "Send it again" not in page
    refused = post(client, conversation, "fix/reship", {"order_id": "A-1", "request_key": "r1"})
    assert "has not shipped yet" in _message_after(client, refused)

    shop.send(shop.shipment_created("A-1", "S-1"))
    assert "Send it again" in client.get(f"/service/conversations/{conversation.pk}/").content.decode()
    shop.send(shop.order_cancelled("A-1"))
    assert "Send it again" not in client.get(f"/service/conversations/{conversation.pk}/").content.decode()
    post(client, conversation, "fix/reship", {"order_id": "A-1", "request_key": "r2"})
    assert not Replacement.objects.exists()
