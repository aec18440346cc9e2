"""A signed-in customer writes to us from the web."""

from datetime import datetime

from django.conf import settings
from django.utils import timezone

from advocate.commerce.models import Customer, Order
from advocate.core.db import retrying_write
from advocate.trust.guards import customer_may_act

from ..mail.parse import normalise_subject
from ..models import Channel, Conversation, Direction, Message
from .ownership import conversation_route


def contact_form_send(*, customer: Customer, subject: str, body: str, order: Order | None, request_key: str,
                      after_hint: bool = False, now: datetime | None = None) -> Conversation:
    """A signed-in customer writes to us from the web; the same request key again changes nothing. The subject
    is made one line as an emailed one is: it becomes the subject of our replies. `after_hint`: they saw the
    likely answer on the form and sent it anyway."""
    if order is not None and order.customer_id != customer.pk:
        raise ValueError("a customer can write only about their own orders")
    customer_may_act(customer)
    message_id = f"web-{customer.pk}-{request_key}@{settings.ADVOCATE_MAIL_DOMAIN}"

    def work():
        existing = Message.objects.filter(message_id=message_id).select_related("conversation").first()
        if existing is not None:
            return existing.conversation
        moment = now or timezone.now()
        conversation = Conversation.objects.create(
            customer=customer, email=customer.email, name=customer.name, subject=normalise_subject(subject)[:300],
            language=customer.language, order=order, channel=Channel.WEB, created_at=moment, updated_at=moment,
            waiting_since=moment,
        )
        conversation_route(conversation, moment)
        Message.objects.create(conversation=conversation, direction=Direction.IN, message_id=message_id,
                               from_email=customer.email, from_name=customer.name, subject=conversation.subject,
                               body=body.strip(), full_text=body.strip(), after_hint=after_hint,
                               created_at=moment)
        return conversation

    return retrying_write(work)
