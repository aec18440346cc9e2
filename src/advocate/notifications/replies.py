"""Replies to email we sent: the domain that wrote an email may act on the answer to it (trust: a reply to a
statement of reasons is an appeal). Whoever receives mail (conversations) asks `reply_received`; the domains
register a handler for the keys of the email they send, from their `AppConfig.ready`. What an email's key means
stays the business of the domain that wrote it."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from advocate.core.registry import Registry

from .models import OutboundEmail


@dataclass(frozen=True)
class Reply:
    email: OutboundEmail  # ours, which the person answered
    sender: str  # their address, lowercased
    text: str  # what they wrote, without the quoted history
    received_at: datetime


@dataclass(frozen=True)
class Routing:
    """What a handler asks of whoever keeps the conversation the reply starts: which team should see it, and why."""

    team: str
    note: str


@dataclass(frozen=True)
class ReplyHandler:
    name: str
    key_prefix: str  # the handler answers for our email whose key starts with this
    handle: Callable[[Reply], Routing | None]
    order: int = 100


REPLY_HANDLERS: Registry[ReplyHandler] = Registry("reply handler")


def reply_received(*, message_ids, sender: str, text: str, now: datetime) -> Routing | None:
    """A mail that answers one of ours (by its In-Reply-To or References) from the address we wrote to: the
    handler registered for that email acts on it. Runs in the transaction that stores the mail."""
    for message_id in message_ids:
        email = OutboundEmail.objects.filter(message_id=f"<{message_id}>").first()
        if email is None or email.to.lower() != sender:
            continue  # only the person we wrote to may answer for it
        handler = next((h for h in REPLY_HANDLERS if email.key.startswith(h.key_prefix)), None)
        if handler is not None:
            return handler.handle(Reply(email=email, sender=sender, text=text, received_at=now))
    return None
