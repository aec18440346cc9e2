"""Mail in: parse, thread, store.

Threading never guesses. A mail joins a conversation by, in turn, its In-Reply-To, its References, the
signed token in the address it was sent to, then the signed token in its subject. By the headers or the
subject token, only when its sender already took part in that conversation; by the signed reply address, from
any address, since only the people we wrote to know it (the sender's address is shown when it is not the
customer's). Anything else starts a new conversation: two conversations that should have been one are a
nuisance, one that mixes two customers is a breach."""

import hashlib
import logging
from dataclasses import dataclass, replace
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from advocate.commerce.models import Customer, Order
from advocate.commerce.selectors import customer_by_email
from advocate.core.db import retrying_write
from advocate.notifications.models import OutboundEmail
from advocate.notifications.replies import reply_received
from advocate.notifications.services import is_own_address, is_own_message_id

from .. import tokens
from ..language import guess_language
from ..mail.parse import ParsedMail, content_digest, parse
from ..models import (
    Attachment,
    Channel,
    Conversation,
    ConversationState,
    Direction,
    InboundMail,
    InboundOutcome,
    Message,
    Queue,
)
from .common import MAX_REFERENCES
from .ownership import conversation_route

log = logging.getLogger(__name__)


def mail_receive(raw: bytes, *, source: str, recipients=(), now: datetime | None = None) -> tuple[InboundMail, bool]:
    """Take one email as it arrived (from IMAP, the SMTP listener, or a file) into its conversation; returns
    the record and whether it was new. `recipients` are the envelope's, which name the plus-address it was
    really sent to when the headers do not.

    The same mail again — a mailbox fetched twice, a mail delivered by IMAP and by SMTP — returns the first
    record and changes nothing: the same Message-ID *and* the same content (`content_digest`). A different mail
    that reuses a Message-ID is kept as a mail of its own (`reused_message_id`). Automatic mail (auto-replies,
    bounces, lists) is kept but never reopens a conversation or starts one, so no robot can talk to us in a
    loop; nor does our own mail come back (`_own_mail`), which is kept for the record only."""
    mail = parse(raw)
    if recipients:
        mail = replace(mail, recipients_hint=tuple(r.lower() for r in recipients) + mail.recipients_hint)
    digest = content_digest(mail)
    # Mail stored before digests were kept (content_hash "") is matched by its Message-ID alone, as it was then.
    same = InboundMail.objects.filter(message_id=mail.message_id, content_hash__in=[digest, ""])
    existing = same.first()
    if existing is not None:
        return existing, False
    moment = now or timezone.now()
    raw_file = ContentFile(raw, name=hashlib.sha256(raw).hexdigest()[:32] + ".eml")

    def work():
        found = same.first()
        if found is not None:
            return found, False
        inbound = InboundMail(message_id=mail.message_id, content_hash=digest, source=source[:40],
                              sender=mail.from_address[:254], subject=mail.subject[:300], automatic=mail.automatic,
                              received_at=moment,
                              reused_message_id=InboundMail.objects.filter(message_id=mail.message_id).exists())
        own = _own_mail(mail)
        if own:
            log.info("our own mail came back (%s): %s, kept, not answered", own, mail.message_id)
            inbound.outcome = InboundOutcome.OWN
            inbound.raw = raw_file
            inbound.save()
            return inbound, True
        conversation, rule, order = _thread(mail)
        inbound.thread_rule, inbound.conversation = rule, conversation
        if mail.automatic:
            inbound.outcome = InboundOutcome.AUTOMATIC
            if conversation is not None:
                _store_message(conversation, mail, moment, rule)
        elif conversation is not None:
            inbound.outcome = InboundOutcome.JOINED
            _store_message(conversation, mail, moment, rule)
            _customer_wrote(conversation, moment)
        else:
            inbound.outcome = InboundOutcome.NEW
            inbound.conversation = conversation = _start_conversation(mail, order, moment)
            _store_message(conversation, mail, moment)
            _routed_by_reply(mail, conversation, moment)
        inbound.raw = raw_file
        inbound.save()
        return inbound, True

    try:
        return retrying_write(work)
    except IntegrityError:
        # Another process stored the same mail between our check and our write (the retries found it too).
        return same.get(), False


def _own_mail(mail: ParsedMail) -> str:
    """Why this mail is our own come back (a customer's server returning it, a forward rule, a copy to our own
    mailbox), or "": from our address (`ADVOCATE_FROM_EMAIL` or a plus-address of it, any letter case), carrying
    our X-Loop header, or with a Message-ID we minted. A bounce is not: it is a report about our mail, and shows
    in its conversation."""
    if mail.automatic == "bounce":
        return ""
    if is_own_address(mail.from_address):
        return "from"
    if any(is_own_address(value) for value in mail.loops):
        return "x-loop"
    if is_own_message_id(mail.message_id) or OutboundEmail.objects.filter(message_id=f"<{mail.message_id}>").exists():
        return "message-id"
    return ""


@dataclass(frozen=True)
class _Earlier:
    """A mail of ours the new one answers: a message in a conversation, or an automatic email about an order."""

    conversation: Conversation | None
    email: OutboundEmail | None


def _thread(mail: ParsedMail) -> tuple[Conversation | None, str, Order | None]:
    """The conversation this mail belongs to, the rule that found it, and failing that, the order it is about
    (a reply to one of our automatic emails, say "Refund issued", starts a conversation about that order)."""
    if mail.automatic == "bounce" and mail.bounced_message_id:
        # A reply of ours that could not be delivered: shown in its conversation, so the associate knows.
        earlier = _earlier(mail.bounced_message_id)
        if earlier.conversation is not None:
            return earlier.conversation, "bounce", None
    about_order = None
    for rule, ids in (("in_reply_to", mail.in_reply_to), ("references", tuple(reversed(mail.references)))):
        for message_id in ids:
            earlier = _earlier(message_id)
            if earlier.conversation is not None and _may_join(earlier.conversation, mail.from_address):
                return earlier.conversation, rule, None
            if earlier.email is not None and earlier.email.to.lower() == mail.from_address and about_order is None:
                about_order = earlier.email.order
    secret = settings.SECRET_KEY
    addressed = mail.recipients_hint + mail.to + mail.cc
    for rule, number in (("address", tokens.from_addresses(addressed, secret)),
                         ("subject", tokens.from_subject(mail.subject, secret))):
        if number is None:
            continue
        conversation = Conversation.objects.filter(pk=number).select_related("customer").first()
        # The signed reply address is only in the mail we sent to the conversation's people: writing to it
        # proves they received it, so it lets them in from another address of theirs (their work address, say).
        # A subject token can be copied anywhere, so it needs a sender already in the conversation.
        if conversation is not None and mail.from_address and (
                rule == "address" or _may_join(conversation, mail.from_address)):
            return conversation, rule, None
    return None, "", about_order


def _routed_by_reply(mail: ParsedMail, conversation: Conversation, moment: datetime) -> None:
    """A reply to an email a domain sent may mean something to that domain (a reply to a statement of reasons
    is an appeal): it acts, and may ask for the conversation to go to one of the teams."""
    routing = reply_received(message_ids=mail.in_reply_to + mail.references, sender=mail.from_address,
                             text=mail.visible_text or mail.subject, now=moment)
    if routing is not None and routing.team in Queue.values:
        conversation.queue, conversation.escalation_reason = routing.team, routing.note[:500]
        conversation.save(update_fields=["queue", "escalation_reason"])


def _earlier(message_id: str) -> _Earlier:
    message = Message.objects.filter(message_id=message_id).select_related("conversation__customer").first()
    if message is not None:
        return _Earlier(message.conversation, None)
    email = OutboundEmail.objects.filter(message_id=f"<{message_id}>").select_related("order").first()
    return _Earlier(None, email)


def _may_join(conversation: Conversation, sender: str) -> bool:
    """Only someone already in the conversation may add to it: the customer, or someone who wrote to us in it
    or was copied on the customer's mail. A stranger quoting someone else's reference starts their own."""
    if not sender:
        return False
    known = {conversation.email.lower(), conversation.customer.email.lower() if conversation.customer else ""}
    if sender in known:
        return True
    inbound = conversation.messages.filter(direction=Direction.IN)
    return inbound.filter(from_email__iexact=sender).exists() or any(
        sender in cc.lower().split() for cc in inbound.exclude(cc="").values_list("cc", flat=True)
    )


def _order_mentioned(customer: Customer | None, mail: ParsedMail) -> Order | None:
    """An order of this customer's whose number appears in the subject or the text they wrote."""
    if customer is None:
        return None
    words = {word.strip(".,;:()[]#<>\"'") for word in f"{mail.subject} {mail.visible_text}".split()}
    candidates = [word for word in words if 2 <= len(word) <= 64][:500]
    return Order.objects.filter(customer=customer, external_id__in=candidates).order_by("-placed_at").first()


def _start_conversation(mail: ParsedMail, order: Order | None, moment: datetime) -> Conversation:
    customer = customer_by_email(mail.from_address)
    if order is not None and (customer is None or order.customer_id != customer.pk):
        order = None
    language = customer.language if customer else (mail.language or guess_language(mail.visible_text))
    conversation = Conversation.objects.create(
        customer=customer, email=mail.from_address, name=mail.from_name[:200] or (customer.name if customer else ""),
        subject=(tokens.without_token(mail.subject) or _("(no subject)"))[:300], language=language,
        order=order or _order_mentioned(customer, mail), channel=Channel.EMAIL, created_at=moment,
        updated_at=moment, waiting_since=moment,
    )
    conversation_route(conversation, moment)
    return conversation


def _store_message(conversation: Conversation, mail: ParsedMail, moment: datetime, rule: str = "") -> Message:
    cc = [address for address in mail.to + mail.cc if not _is_ours(address)]
    # A forged mail may carry the Message-ID of one of ours: keep it, but it must not take over that id.
    taken = Message.objects.filter(message_id=mail.message_id).exists()
    message = Message.objects.create(
        conversation=conversation, direction=Direction.IN, message_id=None if taken else mail.message_id,
        references=" ".join(mail.references[-MAX_REFERENCES:]), from_email=mail.from_address[:254],
        from_name=mail.from_name[:200], cc=" ".join(cc), subject=mail.subject[:300], body=mail.visible_text,
        full_text=mail.text, automatic=mail.automatic, thread_rule=rule,
        created_at=moment,  # arrival: senders' clocks vary
    )
    for attachment in mail.attachments:
        Attachment.objects.create(
            message=message, filename=attachment.filename[:255], content_type=attachment.content_type[:120],
            size=len(attachment.data), file=ContentFile(attachment.data, name=attachment.filename[:100]),
            content_id=attachment.content_id[:250], inline=attachment.inline,
        )
    return message


def _is_ours(address: str) -> bool:
    return address.lower().endswith("@" + settings.ADVOCATE_MAIL_DOMAIN.lower())


def _customer_wrote(conversation: Conversation, moment: datetime) -> None:
    conversation.state = ConversationState.OPEN
    conversation.waiting_since = conversation.waiting_since or moment
    conversation.updated_at = moment
    conversation.resolved_at = None
    conversation.save(update_fields=["state", "waiting_since", "updated_at", "resolved_at"])
