"""The SMTP listener: a real SMTP conversation with aiosmtpd on loopback (no mail server needed)."""

import smtplib
import socket

import pytest

from advocate.cases.inbox import smtp_listener
from advocate.cases.mail.compose import compose
from advocate.cases.models import Conversation, InboundMail

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def listener(settings):
    settings.ADVOCATE_MAIL_DOMAIN = "shop.example"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = smtp_listener("127.0.0.1", port)
    controller.start()
    yield port
    controller.stop()


def test_mail_for_our_domain_is_stored_before_it_is_accepted(listener):
    raw = compose(sender="leo@example.org", to="service+c1-deadbeef@shop.example", subject="Hello",
                  message_id="smtp1@example.org")
    with smtplib.SMTP("127.0.0.1", listener, timeout=30) as smtp:
        smtp.sendmail("leo@example.org", ["service+c1-deadbeef@shop.example"], raw)
        smtp.sendmail("leo@example.org", ["service@shop.example"], raw)  # the same mail again
    assert InboundMail.objects.get().source == "smtp"
    assert Conversation.objects.get().email == "leo@example.org"


def test_the_listener_is_not_a_relay(listener):
    with smtplib.SMTP("127.0.0.1", listener, timeout=30) as smtp, pytest.raises(smtplib.SMTPRecipientsRefused):
        smtp.sendmail("leo@example.org", ["someone@elsewhere.example"], compose(sender="leo@example.org"))
    assert not InboundMail.objects.exists()
