"""Email through a real mail server: customers' mail goes into Postfix, is read back from Dovecot by IMAP
polling; our replies go out through Postfix and arrive in the customer's mailbox, threaded."""

import email
import email.policy
from datetime import timedelta

import pytest
from django.utils import timezone

from advocate.cases import inbox, services
from advocate.cases.mail.compose import compose
from advocate.cases.models import Conversation, ConversationState, Direction, InboundMail, InboundOutcome
from advocate.conftest import Shop
from advocate.notifications.models import OutboundEmail

CUSTOMER = {"id": "cust-mia", "name": "Mia Lindqvist", "phone": "+46 8 123 456", "language": "en",
            "time_zone": "Europe/Stockholm"}


def parsed(raw: bytes):
    return email.message_from_bytes(raw, policy=email.policy.default)


@pytest.fixture
def mailroom(mail_server, service_mailbox):
    """Our service mailbox on the loopback server, a customer with a mailbox there, and our mail sent through
    that server."""
    service = service_mailbox
    customer = dict(CUSTOMER, email=mail_server.address("mia"))
    shop = Shop()
    shop.send(shop.order_placed("M-1", customer=customer, placed_at=timezone.now() - timedelta(days=3)),
              shop.payment_captured("M-1", "64.00"))
    return service, customer


pytestmark = [pytest.mark.mail]


@pytest.mark.django_db
def test_mail_is_fetched_by_imap_once_and_our_threaded_reply_reaches_the_customer(mail_server, mailroom, commit,
                                                                                  associate):
    service, customer = mailroom
    first = compose(sender=customer["email"], to=service, subject="Order M-1 is late", message_id="m1@mia.example",
                    body="Hello, my order M-1 has not arrived.")
    mail_server.send(first, sender=customer["email"], to=[service])
    mail_server.wait_for(service, 1)

    url = mail_server.imap_url(service)
    assert inbox.mailbox_poll(url).new == 1
    assert inbox.mailbox_poll(url).stored == 0  # the same mailbox again: nothing new, nothing doubled
    conversation = Conversation.objects.get()
    assert conversation.customer.external_id == customer["id"] and conversation.order.external_id == "M-1"

    commit(lambda: services.reply_send(conversation=conversation, by=associate, body="It arrives tomorrow.",
                                       request_key="r1"))
    reply = parsed(mail_server.wait_for(customer["email"], 1)[0])
    assert reply["In-Reply-To"] == "<m1@mia.example>"
    assert reply["References"] == "<m1@mia.example>"
    assert reply["Auto-Submitted"] is None
    assert "It arrives tomorrow." in reply.get_body(("plain",)).get_content()
    reply_to = reply["Reply-To"].addresses[0].addr_spec
    assert reply_to.startswith(service.split("@")[0] + "+c")

    # The customer answers from a mail program that keeps only References, to the reply address.
    answer = compose(sender=customer["email"], to=reply_to, subject=str(reply["Subject"]),
                     references=["m1@mia.example", reply["Message-ID"].strip("<>")], body="Thank you!")
    mail_server.send(answer, sender=customer["email"], to=[reply_to])
    mail_server.wait_for(service, 2)  # the plus-address is delivered to the same mailbox
    assert inbox.mailbox_poll(url).new == 1
    assert Conversation.objects.count() == 1
    assert [m.direction for m in conversation.messages.order_by("created_at", "pk")] == [
        Direction.IN, Direction.OUT, Direction.IN]


@pytest.mark.django_db
def test_a_mailbox_renumbered_by_the_server_is_read_again_without_duplicates(mail_server, mailroom):
    service, customer = mailroom
    mail_server.send(compose(sender=customer["email"], to=service), sender=customer["email"], to=[service])
    mail_server.wait_for(service, 1)
    url = mail_server.imap_url(service)
    assert inbox.mailbox_poll(url).new == 1
    from advocate.cases.models import MailboxCursor

    MailboxCursor.objects.update(uid_validity=1)  # as if the server had rebuilt its index
    tally = inbox.mailbox_poll(url)
    assert (tally.stored, tally.duplicates) == (0, 1)
    assert InboundMail.objects.count() == 1


@pytest.mark.django_db
def test_our_reply_sent_back_to_us_by_the_customers_mailbox_is_kept_but_never_answered(mail_server, mailroom, commit,
                                                                                      associate):
    service, customer = mailroom
    mail_server.send(compose(sender=customer["email"], to=service, message_id="m2@mia.example", subject="Late"),
                     sender=customer["email"], to=[service])
    mail_server.wait_for(service, 1)
    url = mail_server.imap_url(service)
    inbox.mailbox_poll(url)
    conversation = Conversation.objects.get()
    commit(lambda: services.reply_send(conversation=conversation, by=associate, body="On its way.", request_key="r"))
    ours = mail_server.wait_for(customer["email"], 1)[0]
    assert parsed(ours)["X-Loop"] == service  # what marks it ours on the way back

    # A forwarding rule in the customer's mailbox sends our reply straight back to the reply address.
    reply_to = parsed(ours)["Reply-To"].addresses[0].addr_spec
    mail_server.send(ours, sender=customer["email"], to=[reply_to])
    mail_server.wait_for(service, 2)
    sent_before = OutboundEmail.objects.count()
    tally = commit(lambda: inbox.mailbox_poll(url))
    assert (tally.own, tally.new) == (1, 0)
    back = InboundMail.objects.get(outcome=InboundOutcome.OWN)
    assert back.conversation is None and back.message_id == parsed(ours)["Message-ID"].strip("<>")
    assert ours.split(b"\r\n\r\n", 1)[1] in back.raw.read()  # kept as it came back
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.WAITING  # not reopened
    assert conversation.messages.count() == 2 and Conversation.objects.count() == 1
    assert OutboundEmail.objects.count() == sent_before  # nothing answers it


