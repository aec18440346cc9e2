"""An automatic answer through a real mail server: an Arabic email goes into Postfix, is read back from Dovecot
by IMAP polling, is answered at once in Arabic, and the answer arrives in the customer's mailbox, threaded."""

import email
import email.policy
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from advocate.cases import inbox
from advocate.cases.mail.compose import compose
from advocate.cases.models import Conversation, ConversationState
from advocate.commerce.models import Order
from advocate.conftest import Shop

pytestmark = [pytest.mark.mail, pytest.mark.django_db]

CUSTOMER = {"id": "cust-layla", "name": "ليلى حداد", "phone": "+971 4 123 4567", "language": "en",
            "time_zone": "Asia/Dubai"}


def test_an_arabic_email_is_answered_automatically_in_arabic_and_threaded(mail_server, service_mailbox, commit):
    service = service_mailbox
    customer = dict(CUSTOMER, email=mail_server.address("layla"))
    shop = Shop()
    shop.send(shop.order_placed("M-7", customer=customer, placed_at=timezone.now() - timedelta(hours=3)),
              shop.payment_captured("M-7", "64.00"))

    first = compose(sender=customer["email"], to=service, subject="إلغاء الطلب", message_id="ar1@layla.example",
                    body="أريد إلغاء الطلب M-7 من فضلكم.")
    mail_server.send(first, sender=customer["email"], to=[service])
    mail_server.wait_for(service, 1)
    assert commit(lambda: inbox.mailbox_poll(mail_server.imap_url(service))).new == 1

    answer = email.message_from_bytes(mail_server.wait_for(customer["email"], 1)[0], policy=email.policy.default)
    assert answer["In-Reply-To"] == "<ar1@layla.example>"
    assert answer["Auto-Submitted"] == "auto-generated"
    assert answer["Content-Language"] == "ar"
    text = answer.get_body(("plain",)).get_content()
    with translation.override("ar"):
        for sentence in ("We have cancelled it for you, as you asked.",
                         "Not what you needed? Just reply and a person will take it."):
            assert _(sentence) != sentence and _(sentence) in text
    assert Order.objects.get(external_id="M-7").cancelled_at is not None
    conversation = Conversation.objects.get()
    assert conversation.state == ConversationState.WAITING and conversation.language == "ar"
