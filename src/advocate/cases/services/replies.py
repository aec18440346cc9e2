"""An associate's reply, by email, threaded to what the customer wrote last."""

from datetime import datetime

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from advocate.core.db import retrying_write
from advocate.core.errors import Invalid, Refused
from advocate.core.reasons import ContactReason
from advocate.notifications.services import new_message_id

from ..models import AUTOMATIC_ANSWER, ActionKind, Answer, Conversation, ConversationState, Direction, Message
from .common import MAX_REFERENCES, email_customer, record_action, survey_create


def reply_send(*, conversation: Conversation, by, body: str, request_key: str, resolve: bool = False,
               reason: str = "", answer_id: int | None = None, seen: int | None = None, anyway: bool = False,
               now: datetime | None = None) -> Message:
    """Answer the customer by email, threaded to what they wrote last; sent after commit, retried on failure.
    The same request key again (a double click) sends nothing more. A reply that resolves the conversation
    asks, at its foot, whether we solved the problem (the survey).

    `seen` is the last message the associate had on their page: if a colleague has replied since, the reply
    is refused ("replied_meanwhile", naming who and when) unless they say to send it `anyway`."""
    body = body.strip()
    if not body:
        raise Invalid("empty_reply", _("Write a reply first."), field="body")
    key = f"conversation:{conversation.pk}:reply:{request_key}"[:120]

    def work():
        existing = Message.objects.filter(email__key=key).first()
        if existing is not None:
            return existing
        if seen is not None and not anyway:
            _refuse_if_replied_meanwhile(conversation, by, seen)
        moment = now or timezone.now()
        references, headers = _threading(conversation)
        message_id = new_message_id()
        survey = survey_create(conversation, moment) if resolve else None
        email = email_customer(conversation, key=key, template="cases/email/reply.txt", message_id=message_id,
                               headers=headers, automatic=False, body=body, survey=survey,
                               author=by.get_short_name() or by.get_username())
        message = Message.objects.create(
            conversation=conversation, direction=Direction.OUT, message_id=message_id.strip("<>"),
            references=" ".join(references), from_email=settings.DEFAULT_FROM_EMAIL, subject=email.subject,
            body=body, full_text=email.body, author=by, email=email, created_at=moment,
        )
        conversation.state = ConversationState.RESOLVED if resolve else ConversationState.WAITING
        conversation.waiting_since = None
        conversation.updated_at = moment
        conversation.resolved_at = moment if resolve else None
        conversation.reason = reason if reason in ContactReason.values else conversation.reason
        conversation.save(update_fields=["state", "waiting_since", "updated_at", "resolved_at", "reason"])
        if resolve:
            record_action(conversation, ActionKind.RESOLVE, by, "", moment)
        if answer_id:
            Answer.objects.filter(pk=answer_id).update(uses=F("uses") + 1)
        return message

    return retrying_write(work)


def automatic_answer_send(*, conversation: Conversation, body: str, key: str, emailed: str = "",
                          now: datetime | None = None) -> Message:
    """Answer the customer's first message automatically, threaded like a reply: the email says it is automatic
    and that a reply reaches a person. `emailed` is the body as the email gives it (with sign-in links), when it
    differs from what the conversation keeps. The conversation then waits for the customer. The same key again
    sends nothing more. The caller decides whether an automatic answer may be given, and holds the transaction."""
    key = f"conversation:{conversation.pk}:automatic:{key}"[:120]
    existing = Message.objects.filter(email__key=key).first()
    if existing is not None:
        return existing
    moment = now or timezone.now()
    references, headers = _threading(conversation)
    message_id = new_message_id()
    email = email_customer(conversation, key=key, template="cases/email/automatic_answer.txt",
                           message_id=message_id, headers=headers, body=emailed or body)
    message = Message.objects.create(
        conversation=conversation, direction=Direction.OUT, message_id=message_id.strip("<>"),
        references=" ".join(references), from_email=settings.DEFAULT_FROM_EMAIL, subject=email.subject, body=body,
        automatic=AUTOMATIC_ANSWER, email=email, created_at=moment,
    )
    conversation.state, conversation.waiting_since = ConversationState.WAITING, None
    conversation.updated_at = moment
    conversation.save(update_fields=["state", "waiting_since", "updated_at"])
    return message


def _threading(conversation: Conversation) -> tuple[list[str], dict[str, str]]:
    """The References and In-Reply-To of a mail that answers what was said last in the conversation."""
    last = (conversation.messages.filter(direction__in=[Direction.IN, Direction.OUT], automatic="")
            .exclude(message_id=None).order_by("-created_at", "-pk").first())
    references = [*last.references.split(), last.message_id][-MAX_REFERENCES:] if last else []
    headers = {"References": " ".join(f"<{i}>" for i in references)} if references else {}
    if last is not None:
        headers["In-Reply-To"] = f"<{last.message_id}>"
    return references, headers


def _refuse_if_replied_meanwhile(conversation: Conversation, by, seen: int) -> None:
    other = (conversation.messages.filter(direction=Direction.OUT, pk__gt=seen).exclude(author=by)
             .select_related("author").order_by("-pk").first())
    if other is None:
        return
    name = (other.author.get_short_name() or other.author.get_username()) if other.author else _("A colleague")
    raise Refused("replied_meanwhile", _("%(name)s replied at %(time)s — send anyway?") % {
        "name": name, "time": timezone.localtime(other.created_at).strftime("%H:%M")}, when=other.created_at)
