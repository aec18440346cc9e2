"""What the conversation services share: the timeline of what associates did, and mail to the customer in a
conversation (its language, its token in the subject and the reply address)."""

import secrets
from datetime import datetime

from django.conf import settings

from advocate.commerce.signin import order_link_context
from advocate.notifications.services import email_queue

from .. import tokens
from ..models import Conversation, ConversationAction, Survey

MAX_REFERENCES = 20  # a References header keeps the first and the latest ids, as RFC 5322 suggests


def email_customer(conversation: Conversation, *, key: str, template: str, message_id: str = "", headers=None,
                   automatic: bool = True, **context):
    """Mail to the customer in this conversation: in its language, with the conversation's token in the
    subject and the reply address, so whatever they answer finds its way back."""
    secret = settings.SECRET_KEY
    return email_queue(
        key=key, to=conversation.email, template=template, language=conversation.language,
        time_zone=conversation.customer.time_zone if conversation.customer else "UTC",
        context={"conversation": conversation, "site_url": settings.ADVOCATE_SITE_URL,
                 "support_phone": settings.ADVOCATE_SUPPORT_PHONE,
                 "subject": reply_subject(conversation.subject, tokens.subject_token(conversation.pk, secret)),
                 **order_link_context(conversation.order), **context},
        order=conversation.order, message_id=message_id, headers=headers, automatic=automatic,
        reply_to=tokens.reply_address(settings.DEFAULT_FROM_EMAIL, conversation.pk, secret),
    )


def reply_subject(subject: str, token: str) -> str:
    base = tokens.without_token(subject)
    if not base.lower().startswith(("re:", "aw:", "sv:", "回复:", "答复:")):
        base = f"Re: {base}"
    return f"{base} {token}"


def record_action(conversation: Conversation, kind: str, by, detail: str, moment: datetime) -> ConversationAction:
    return ConversationAction.objects.create(conversation=conversation, kind=kind, by=by, detail=detail[:500],
                                             created_at=moment)


def survey_create(conversation: Conversation, moment: datetime) -> Survey:
    return Survey.objects.create(conversation=conversation, token=secrets.token_urlsafe(24), sent_at=moment)
