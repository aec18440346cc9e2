"""What a signed-in customer does from "My requests": add to a conversation of theirs from the web (it behaves
as their emailed reply does: it reopens the conversation and puts it back in the queue), and change the time of
a booked callback or cancel it."""

from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from advocate.commerce.models import Customer
from advocate.core.db import retrying_write
from advocate.core.errors import Invalid, Refused
from advocate.trust.guards import customer_may_act
from advocate.trust.services import promise_keep, promise_move

from ..models import Attachment, Callback, CallbackState, Conversation, ConversationState, Direction, Message
from .callback_requests import callback_windows
from .common import email_customer
from .mail_in import _customer_wrote

MAX_ATTACHMENTS = 5  # as many as a request may carry at all (DATA_UPLOAD_MAX_NUMBER_FILES)
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024  # each; a phone photo or a scanned receipt
# What a customer may attach from the web, by extension, each checked against what the file starts with (the
# browser's content type is the sender's word only). The stored type is ours, never theirs.
ATTACHMENT_TYPES = {
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp",
    "heic": "image/heic", "pdf": "application/pdf", "txt": "text/plain",
}
_MAGIC = {
    "image/jpeg": lambda d: d.startswith(b"\xff\xd8\xff"),
    "image/png": lambda d: d.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/gif": lambda d: d[:6] in (b"GIF87a", b"GIF89a"),
    "image/webp": lambda d: d[:4] == b"RIFF" and d[8:12] == b"WEBP",
    "image/heic": lambda d: d[4:8] == b"ftyp",
    "application/pdf": lambda d: d.startswith(b"%PDF-"),
    "text/plain": lambda d: _is_text(d),
}


def _is_text(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in data


def attachment_type(filename: str, data: bytes) -> str:
    """The content type of a file a customer attaches, or Invalid naming the file: too large, or not a kind
    we accept (its name and its first bytes must agree)."""
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise Invalid("attachment_too_large", _("%(name)s is larger than %(size)s MB.")
                      % {"name": filename, "size": MAX_ATTACHMENT_BYTES // (1024 * 1024)}, field="attachments")
    kind = ATTACHMENT_TYPES.get(filename.rsplit(".", 1)[-1].lower() if "." in filename else "")
    if kind is None or not data or not _MAGIC[kind](data):
        raise Invalid("attachment_type", _("%(name)s cannot be attached: send photos (JPEG, PNG, GIF, WebP, HEIC), "
                                           "PDF or plain text files.") % {"name": filename}, field="attachments")
    return kind


def _own(customer: Customer, conversation: Conversation) -> None:
    # Views find the conversation among the customer's own (404 otherwise); this holds whatever the door.
    if conversation.customer_id != customer.pk:
        raise ValueError("a customer can write only in their own conversations")


def conversation_customer_add(*, customer: Customer, conversation: Conversation, body: str,
                              attachments: list[tuple[str, bytes]] = (), request_key: str,
                              now: datetime | None = None) -> Message:
    """The customer adds to their conversation from the web, as if they had replied to our email: the message
    joins it (with its attachments), and the conversation is open again and waiting for us — resolved or
    not — from the moment they wrote. The same request key again changes nothing."""
    _own(customer, conversation)
    customer_may_act(customer)
    body = body.strip()
    if not body and not attachments:
        raise Invalid("message_required", _("Write your message."), field="body")
    if len(attachments) > MAX_ATTACHMENTS:
        raise Invalid("too_many_attachments", _("Attach at most %(count)s files.") % {"count": MAX_ATTACHMENTS},
                      field="attachments")
    kinds = [attachment_type(name, data) for name, data in attachments]
    message_id = f"web-{customer.pk}-{conversation.pk}-{request_key}@{settings.ADVOCATE_MAIL_DOMAIN}"[:250]

    def work():
        existing = Message.objects.filter(message_id=message_id).first()
        if existing is not None:
            return existing
        moment = now or timezone.now()
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        message = Message.objects.create(
            conversation=locked, direction=Direction.IN, message_id=message_id, from_email=customer.email,
            from_name=customer.name, subject=locked.subject, body=body, full_text=body, thread_rule="web",
            created_at=moment)
        for (name, data), kind in zip(attachments, kinds, strict=True):
            Attachment.objects.create(message=message, filename=name[:255], content_type=kind, size=len(data),
                                      file=ContentFile(data, name=name[-100:]))
        if locked.state != ConversationState.SCHEDULED:
            # A booked callback still waits in the callbacks queue; what they wrote is there for whoever calls.
            _customer_wrote(locked, moment)
        else:
            locked.updated_at = moment
            locked.save(update_fields=["updated_at"])
        return message

    return retrying_write(work)


def _note(conversation: Conversation, text: str, moment: datetime) -> None:
    """For the team's timeline only: internal notes are never shown to the customer."""
    Message.objects.create(conversation=conversation, direction=Direction.NOTE, body=text, created_at=moment)


def _promised(customer: Customer, callback: Callback) -> Callback:
    if callback.conversation.customer_id != customer.pk:
        raise ValueError("a customer can change only their own callbacks")
    customer_may_act(customer)
    locked = Callback.objects.select_for_update().select_related("conversation").get(pk=callback.pk)
    if locked.state != CallbackState.PROMISED:
        raise Refused("callback_closed", _("This callback can no longer be changed."))
    return locked


def callback_move(*, customer: Customer, callback: Callback, window_start: datetime,
                  now: datetime | None = None) -> Callback:
    """The customer chooses another free window for their callback, by the same rules as booking one (their
    hours, time to prepare, windows not full). The promise moves with it, and they get it in writing again."""
    now = now or timezone.now()
    window = next((w for w in callback_windows(customer, now=now) if w.start == window_start), None)

    def work():
        locked = _promised(customer, callback)
        if locked.window_start == window_start:
            return locked
        if window is None:
            raise Refused("window_full", _("That time is no longer free. Please choose another."), field="window")
        was = locked.window_start
        locked.window_start, locked.window_end, locked.raised_at = window.start, window.end, None
        locked.save(update_fields=["window_start", "window_end", "raised_at"])
        promise_move(key=f"callback:{locked.pk}", due_at=window.end)
        conversation = locked.conversation
        conversation.updated_at = now
        conversation.save(update_fields=["updated_at"])
        _note(conversation, f"The customer moved the callback from {was.isoformat(timespec='minutes')} to "
                            f"{window.start.isoformat(timespec='minutes')}.", now)
        email_customer(conversation, key=f"callback:{locked.pk}:moved:{window.start.isoformat()}",
                       template="cases/email/callback.txt", callback=locked, event="promised")
        return locked

    return retrying_write(work)


def callback_cancel(*, customer: Customer, callback: Callback, now: datetime | None = None) -> Callback:
    """The customer no longer wants the call: it leaves the associates' list, the promise is released (not
    broken), and the conversation is resolved unless they have written in it since."""
    now = now or timezone.now()

    def work():
        locked = _promised(customer, callback)
        locked.state = CallbackState.CANCELLED
        locked.save(update_fields=["state"])
        promise_keep(key=f"callback:{locked.pk}", now=now)
        conversation = locked.conversation
        if conversation.state == ConversationState.SCHEDULED:
            conversation.state, conversation.resolved_at = ConversationState.RESOLVED, now
            conversation.waiting_since = None
        conversation.updated_at = now
        conversation.save(update_fields=["state", "resolved_at", "waiting_since", "updated_at"])
        _note(conversation, "The customer cancelled the callback.", now)
        return locked

    return retrying_write(work)
