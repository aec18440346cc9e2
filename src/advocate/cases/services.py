"""Writes for conversations: mail in (parse, thread, store), replies out, and what an associate does from a
conversation — refund, goodwill credit, escalate, resolve, notes. Money goes through `claims.ledger`, the
same path as self-service.

Threading never guesses. A mail joins a conversation by, in turn, its In-Reply-To, its References, the
signed token in the address it was sent to, then the signed token in its subject; and only when its sender
already took part in that conversation. Anything else starts a new conversation: two conversations that
should have been one are a nuisance, one that mixes two customers is a breach.
"""

import hashlib
import logging
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from advocate.claims import ledger
from advocate.claims import selectors as claim_selectors
from advocate.claims.models import LedgerTransaction, Refund, Replacement
from advocate.claims.rules import Party
from advocate.commerce.models import Customer, Instruction, InstructionKind, Order
from advocate.commerce.selectors import customer_by_email
from advocate.commerce.services import instruct
from advocate.core.db import retrying_write
from advocate.core.reasons import ContactReason
from advocate.core.zones import zone_or_utc
from advocate.notifications.models import OutboundEmail
from advocate.notifications.services import email_queue, new_message_id
from advocate.trust.models import AccountAction
from advocate.trust.services import ActionRefused as TrustRefused
from advocate.trust.services import appeal_file, promise_keep, promise_make

from . import tokens
from .callbacks import CallingHours, Window, windows
from .language import guess_language
from .mail.parse import ParsedMail, parse
from .models import (
    ActionKind,
    Answer,
    Attachment,
    Callback,
    CallbackOutcome,
    CallbackState,
    Channel,
    Conversation,
    ConversationAction,
    ConversationState,
    CustomerNote,
    Direction,
    DutyShift,
    InboundMail,
    InboundOutcome,
    Message,
    Queue,
    Survey,
)

log = logging.getLogger(__name__)
MAX_REFERENCES = 20  # a References header keeps the first and the latest ids, as RFC 5322 suggests


class ActionRefused(Exception):
    """An associate asked for something that cannot be done; `message` says why, in their language."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# --- mail in -------------------------------------------------------------------------------------------


def mail_receive(raw: bytes, *, source: str, recipients=(), now: datetime | None = None) -> tuple[InboundMail, bool]:
    """Take one email as it arrived (from IMAP, the SMTP listener, or a file) into its conversation; returns
    the record and whether it was new. `recipients` are the envelope's, which name the plus-address it was
    really sent to when the headers do not.

    The same mail again — a mailbox fetched twice, a mail delivered by IMAP and by SMTP — returns the first
    record and changes nothing. Automatic mail (auto-replies, bounces, lists) is kept but never reopens a
    conversation or starts one, so no robot can talk to us in a loop."""
    mail = parse(raw)
    if recipients:
        mail = replace(mail, recipients_hint=tuple(r.lower() for r in recipients) + mail.recipients_hint)
    existing = InboundMail.objects.filter(message_id=mail.message_id).first()
    if existing is not None:
        return existing, False
    moment = now or timezone.now()
    raw_file = ContentFile(raw, name=hashlib.sha256(raw).hexdigest()[:32] + ".eml")

    def work():
        found = InboundMail.objects.filter(message_id=mail.message_id).first()
        if found is not None:
            return found, False
        conversation, rule, order = _thread(mail)
        inbound = InboundMail(message_id=mail.message_id, source=source[:40], sender=mail.from_address[:254],
                              subject=mail.subject[:300], automatic=mail.automatic, received_at=moment,
                              thread_rule=rule, conversation=conversation)
        if mail.automatic:
            inbound.outcome = InboundOutcome.AUTOMATIC
            if conversation is not None:
                _store_message(conversation, mail, moment)
        elif conversation is not None:
            inbound.outcome = InboundOutcome.JOINED
            _store_message(conversation, mail, moment)
            _customer_wrote(conversation, moment)
        else:
            inbound.outcome = InboundOutcome.NEW
            inbound.conversation = conversation = _start_conversation(mail, order, moment)
            _store_message(conversation, mail, moment)
            _appeal_by_reply(mail, conversation, moment)
        inbound.raw = raw_file
        inbound.save()
        return inbound, True

    try:
        return retrying_write(work)
    except IntegrityError:
        # Another process stored the same mail between our check and our write (the retries found it too).
        return InboundMail.objects.get(message_id=mail.message_id), False


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
        if conversation is not None and _may_join(conversation, mail.from_address):
            return conversation, rule, None
    return None, "", about_order


def _appeal_by_reply(mail: ParsedMail, conversation: Conversation, moment: datetime) -> None:
    """A reply to a statement of reasons, from the address it was sent to, is an appeal (free, by email, as the
    statement says). It is filed at once and its conversation goes to the trust and safety team."""
    for message_id in mail.in_reply_to + mail.references:
        email = OutboundEmail.objects.filter(message_id=f"<{message_id}>", key__startswith="action:").first()
        if email is None or email.to.lower() != mail.from_address:
            continue
        action = AccountAction.objects.filter(reference=email.key.split(":")[1]).first()
        if action is None:
            return
        try:
            appeal_file(action=action, statement=mail.visible_text or mail.subject, channel="email", now=moment)
        except TrustRefused:
            pass  # an appeal already open, or the time to appeal has passed: a person reads the mail anyway
        conversation.queue, conversation.escalation_reason = Queue.TRUST, f"Appeal against {action.reference}"
        conversation.save(update_fields=["queue", "escalation_reason"])
        return


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
    return Conversation.objects.create(
        customer=customer, email=mail.from_address, name=mail.from_name[:200] or (customer.name if customer else ""),
        subject=(tokens.without_token(mail.subject) or _("(no subject)"))[:300], language=language,
        order=order or _order_mentioned(customer, mail), channel=Channel.EMAIL, created_at=moment,
        updated_at=moment, waiting_since=moment,
    )


def _store_message(conversation: Conversation, mail: ParsedMail, moment: datetime) -> Message:
    cc = [address for address in mail.to + mail.cc if not _is_ours(address)]
    # A forged mail may carry the Message-ID of one of ours: keep it, but it must not take over that id.
    taken = Message.objects.filter(message_id=mail.message_id).exists()
    message = Message.objects.create(
        conversation=conversation, direction=Direction.IN, message_id=None if taken else mail.message_id,
        references=" ".join(mail.references[-MAX_REFERENCES:]), from_email=mail.from_address[:254],
        from_name=mail.from_name[:200], cc=" ".join(cc), subject=mail.subject[:300], body=mail.visible_text,
        full_text=mail.text, automatic=mail.automatic, created_at=moment,  # arrival: senders' clocks vary
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


def contact_form_send(*, customer: Customer, subject: str, body: str, order: Order | None, request_key: str,
                      now: datetime | None = None) -> Conversation:
    """A signed-in customer writes to us from the web; the same request key again changes nothing."""
    if order is not None and order.customer_id != customer.pk:
        raise ValueError("a customer can write only about their own orders")
    message_id = f"web-{customer.pk}-{request_key}@{settings.ADVOCATE_MAIL_DOMAIN}"

    def work():
        existing = Message.objects.filter(message_id=message_id).select_related("conversation").first()
        if existing is not None:
            return existing.conversation
        moment = now or timezone.now()
        conversation = Conversation.objects.create(
            customer=customer, email=customer.email, name=customer.name, subject=subject.strip()[:300],
            language=customer.language, order=order, channel=Channel.WEB, created_at=moment, updated_at=moment,
            waiting_since=moment,
        )
        Message.objects.create(conversation=conversation, direction=Direction.IN, message_id=message_id,
                               from_email=customer.email, from_name=customer.name, subject=conversation.subject,
                               body=body.strip(), full_text=body.strip(), created_at=moment)
        return conversation

    return retrying_write(work)


# --- replies out ---------------------------------------------------------------------------------------


def reply_send(*, conversation: Conversation, by, body: str, request_key: str, resolve: bool = False,
               reason: str = "", answer_id: int | None = None, now: datetime | None = None) -> Message:
    """Answer the customer by email, threaded to what they wrote last; sent after commit, retried on failure.
    The same request key again (a double click) sends nothing more. A reply that resolves the conversation
    asks, at its foot, whether we solved the problem (the survey)."""
    body = body.strip()
    if not body:
        raise ActionRefused(_("Write a reply first."))
    key = f"conversation:{conversation.pk}:reply:{request_key}"[:120]

    def work():
        existing = Message.objects.filter(email__key=key).first()
        if existing is not None:
            return existing
        moment = now or timezone.now()
        last = (conversation.messages.filter(direction__in=[Direction.IN, Direction.OUT], automatic="")
                .exclude(message_id=None).order_by("-created_at", "-pk").first())
        references = [*last.references.split(), last.message_id][-MAX_REFERENCES:] if last else []
        headers = {"References": " ".join(f"<{i}>" for i in references)} if references else {}
        if last is not None:
            headers["In-Reply-To"] = f"<{last.message_id}>"
        message_id = new_message_id()
        survey = _survey_create(conversation, moment) if resolve else None
        email = _email(conversation, key=key, template="cases/email/reply.txt", message_id=message_id,
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
            _record(conversation, ActionKind.RESOLVE, by, "", moment)
        if answer_id:
            Answer.objects.filter(pk=answer_id).update(uses=F("uses") + 1)
        return message

    return retrying_write(work)


def _email(conversation: Conversation, *, key: str, template: str, message_id: str = "", headers=None,
           automatic: bool = True, **context):
    """Mail to the customer in this conversation: in its language, with the conversation's token in the
    subject and the reply address, so whatever they answer finds its way back."""
    secret = settings.SECRET_KEY
    return email_queue(
        key=key, to=conversation.email, template=template, language=conversation.language,
        time_zone=conversation.customer.time_zone if conversation.customer else "UTC",
        context={"conversation": conversation, "site_url": settings.ADVOCATE_SITE_URL,
                 "support_phone": settings.ADVOCATE_SUPPORT_PHONE,
                 "subject": _reply_subject(conversation.subject, tokens.subject_token(conversation.pk, secret)),
                 **context},
        order=conversation.order, message_id=message_id, headers=headers, automatic=automatic,
        reply_to=tokens.reply_address(settings.DEFAULT_FROM_EMAIL, conversation.pk, secret),
    )


def _reply_subject(subject: str, token: str) -> str:
    base = tokens.without_token(subject)
    if not base.lower().startswith(("re:", "aw:", "sv:", "回复:", "答复:")):
        base = f"Re: {base}"
    return f"{base} {token}"


# --- what an associate does ----------------------------------------------------------------------------


def _record(conversation: Conversation, kind: str, by, detail: str, moment: datetime) -> ConversationAction:
    return ConversationAction.objects.create(conversation=conversation, kind=kind, by=by, detail=detail[:500],
                                             created_at=moment)


def _within_limit(order: Order, amount: Decimal) -> None:
    """Associates decide alone, with no approval step, up to a generous limit; beyond it a specialist does."""
    limit = Decimal(settings.ADVOCATE_ASSOCIATE_LIMIT)
    in_base = claim_selectors.to_base_currency(order.currency)(amount)
    if in_base is None:
        raise ActionRefused(_("There is no exchange rate for %(currency)s to check this against your limit; an "
                              "operator can add one.") % {"currency": order.currency})
    if in_base > limit:
        raise ActionRefused(_("That is more than one person decides alone (%(limit)s %(currency)s). Escalate it to "
                              "the refunds team.") % {"limit": limit, "currency": settings.ADVOCATE_BASE_CURRENCY})


def _conversation_order(conversation: Conversation, order_id: str) -> Order:
    order = Order.objects.filter(external_id=order_id, customer_id=conversation.customer_id).first()
    if conversation.customer_id is None or order is None:
        raise ActionRefused(_("That order is not this customer's."))
    return order


def _money_key(conversation: Conversation, kind: str, order: Order, request_key: str) -> str:
    """One ledger key per conversation, kind, order and submitted form (a form may serve several orders)."""
    digest = hashlib.sha256(f"{order.pk}:{request_key}".encode()).hexdigest()[:24]
    return f"conversation:{conversation.pk}:{kind}:{digest}"


def conversation_refund(*, conversation: Conversation, by, order_id: str, amount: Decimal, request_key: str,
                        now: datetime | None = None):
    """Refund (part of) one of the customer's orders from the conversation: the marketplace pays, at once."""
    order = _conversation_order(conversation, order_id)
    if amount <= 0:
        raise ActionRefused(_("Enter an amount above zero."))
    _within_limit(order, amount)
    key = _money_key(conversation, "refund", order, request_key)

    def work():
        done = Refund.objects.filter(key=key).first()
        if done is not None:
            return done
        moment = now or timezone.now()
        try:
            refund = ledger.refund_issue(order=order, amount=amount, payer=Party.PLATFORM, key=key, by=by,
                                         memo=f"conversation {conversation.pk}")
        except ledger.NothingToRefund as exc:
            raise ActionRefused(_("Only %(left)s %(currency)s of this order is left to refund.")
                                % {"left": exc.left, "currency": order.currency}) from None
        _record(conversation, ActionKind.REFUND, by,
                f"{refund.reference} · {order.external_id} · {amount} {order.currency}", moment)
        return refund

    return retrying_write(work)


def conversation_credit(*, conversation: Conversation, by, order_id: str, amount: Decimal, reason: str,
                        request_key: str, now: datetime | None = None):
    """A goodwill credit for the customer's trouble, recorded against the order it was about."""
    order = _conversation_order(conversation, order_id)
    if amount <= 0:
        raise ActionRefused(_("Enter an amount above zero."))
    if not reason.strip():
        raise ActionRefused(_("Say what the credit is for; the customer and your colleagues will see it."))
    _within_limit(order, amount)
    key = _money_key(conversation, "credit", order, request_key)

    def work():
        if LedgerTransaction.objects.filter(key=key).exists():
            return
        ledger.credit_issue(order=order, amount=amount, key=key, memo=reason.strip()[:200])
        _record(conversation, ActionKind.CREDIT, by,
                f"{order.external_id} · {amount} {order.currency} · {reason.strip()}", now or timezone.now())

    retrying_write(work)


def conversation_reship(*, conversation: Conversation, by, order_id: str, request_key: str,
                        now: datetime | None = None):
    """Send the whole order again at the marketplace's cost (lost, or arrived unusable): the shop ships it."""
    order = _conversation_order(conversation, order_id)
    lines = list(order.lines.all())
    value = sum((line.unit_price * line.quantity for line in lines), Decimal(0))
    _within_limit(order, value)
    key = _money_key(conversation, "reship", order, request_key)

    def work():
        if Replacement.objects.filter(key=key).exists():
            return
        ledger.replacement_issue(
            order=order, report=None, value=value, liable=Party.PLATFORM, key=key,
            memo=f"conversation {conversation.pk}",
            lines=[{"sku": line.sku, "title": line.title, "quantity": line.quantity} for line in lines])
        _record(conversation, ActionKind.RESHIP, by, f"{order.external_id} · {value} {order.currency}",
                now or timezone.now())

    retrying_write(work)


def conversation_upgrade_shipping(*, conversation: Conversation, by, order_id: str, request_key: str,
                                  now: datetime | None = None):
    """Ask the shop to send what is still on its way, or not yet shipped, by the fastest service."""
    order = _conversation_order(conversation, order_id)
    if order.state == "cancelled" or (order.shipments.exists()
                                      and not order.shipments.filter(delivered_at=None).exists()):
        raise ActionRefused(_("Everything in this order has been delivered or cancelled."))
    key = _money_key(conversation, "upgrade", order, request_key)

    def work():
        if Instruction.objects.filter(key=key).exists():
            return
        instruct(key=key, kind=InstructionKind.UPGRADE_SHIPPING, order=order,
                        payload={"order_id": order.external_id, "service": "fastest",
                                 "reason": f"conversation {conversation.pk}"})
        _record(conversation, ActionKind.UPGRADE, by, order.external_id, now or timezone.now())

    retrying_write(work)


def conversation_escalate(*, conversation: Conversation, by, queue: str, reason: str,
                          now: datetime | None = None) -> Conversation:
    """Hand the conversation to a specialist team, saying why; it keeps its place in the line."""
    if queue not in Queue.values or queue == Queue.GENERAL:
        raise ActionRefused(_("Choose the team to hand it to."))
    if not reason.strip():
        raise ActionRefused(_("Say why, so the specialist does not have to ask again."))

    def work():
        moment = now or timezone.now()
        conversation.queue, conversation.escalation_reason = queue, reason.strip()[:500]
        if conversation.state != ConversationState.OPEN:
            conversation.state, conversation.waiting_since = ConversationState.OPEN, moment
        conversation.updated_at = moment
        conversation.save(update_fields=["queue", "escalation_reason", "state", "waiting_since", "updated_at"])
        _record(conversation, ActionKind.ESCALATE, by, f"{Queue(queue).label}: {reason.strip()}", moment)
        return conversation

    return retrying_write(work)


def conversation_resolve(*, conversation: Conversation, by, reason: str = "",
                         now: datetime | None = None) -> Conversation:
    """Done, without a reply (the customer said thanks, say). Their next mail reopens it. The customer is
    asked, in a short automatic email, whether we solved their problem."""
    def work():
        moment = now or timezone.now()
        if conversation.state == ConversationState.RESOLVED:
            return conversation
        conversation.state, conversation.waiting_since, conversation.resolved_at = (
            ConversationState.RESOLVED, None, moment)
        conversation.updated_at = moment
        conversation.reason = reason if reason in ContactReason.values else conversation.reason
        conversation.save(update_fields=["state", "waiting_since", "resolved_at", "updated_at", "reason"])
        _record(conversation, ActionKind.RESOLVE, by, "", moment)
        survey = _survey_create(conversation, moment)
        _email(conversation, key=f"survey:{survey.token}", template="cases/email/survey.txt", survey=survey)
        return conversation

    return retrying_write(work)


def internal_note_add(*, conversation: Conversation, by, text: str, now: datetime | None = None) -> Message:
    """A note for colleagues, in the conversation's timeline; the customer never sees it."""
    if not text.strip():
        raise ActionRefused(_("Write the note first."))
    return Message.objects.create(conversation=conversation, direction=Direction.NOTE, body=text.strip(),
                                  author=by, created_at=now or timezone.now())


def customer_note_add(*, customer: Customer, by, text: str, now: datetime | None = None) -> CustomerNote:
    if not text.strip():
        raise ActionRefused(_("Write the note first."))
    return CustomerNote.objects.create(customer=customer, text=text.strip()[:500], author=by,
                                       created_at=now or timezone.now())


def customer_note_delete(*, note_id: int, customer: Customer) -> None:
    CustomerNote.objects.filter(pk=note_id, customer=customer).delete()


# --- how service is measured ---------------------------------------------------------------------------


def _survey_create(conversation: Conversation, moment: datetime) -> Survey:
    return Survey.objects.create(conversation=conversation, token=secrets.token_urlsafe(24), sent_at=moment)


class SurveyClosed(Exception):
    """The survey is older than SURVEY_OPEN_DAYS: answers are no longer taken."""


SURVEY_OPEN_DAYS = 30


def survey_answer(*, survey: Survey, solved: bool, effort: int | None, comment: str = "",
                  now: datetime | None = None) -> Survey:
    """Record the customer's answer; answering again (changing their mind) replaces it."""
    moment = now or timezone.now()
    if moment - survey.sent_at > timedelta(days=SURVEY_OPEN_DAYS):
        raise SurveyClosed
    if effort is not None and not 1 <= effort <= 5:
        raise ValueError("effort is 1 to 5")
    survey.solved, survey.effort, survey.comment, survey.answered_at = solved, effort, comment.strip()[:2000], moment
    survey.save(update_fields=["solved", "effort", "comment", "answered_at"])
    return survey


# --- the answer library --------------------------------------------------------------------------------


def answer_save(*, form, by, now: datetime | None = None) -> Answer:
    """Create or change an answer (any associate may: the library is the team's own)."""
    answer = form.save(commit=False)
    answer.updated_by, answer.updated_at = by, now or timezone.now()
    answer.save()
    return answer


# --- callbacks -----------------------------------------------------------------------------------------

CALLING_HOURS = CallingHours()
RAISE_BEFORE = timedelta(minutes=30)  # a callback not made this close to its window's end is raised


def callback_windows(customer: Customer, *, now: datetime | None = None) -> list[Window]:
    """The windows this customer may choose, in their time zone, leaving out full ones."""
    now = now or timezone.now()
    booked = dict(Callback.objects.filter(state=CallbackState.PROMISED, window_start__gte=now - CALLING_HOURS.length)
                  .values_list("window_start").annotate(n=Count("pk")).order_by())
    return windows(now, zone_or_utc(customer.time_zone), CALLING_HOURS, booked,
                   capacity=settings.ADVOCATE_CALLBACKS_PER_WINDOW)


def callback_request(*, customer: Customer, phone: str, window_start: datetime, topic: str, order: Order | None,
                     request_key: str, now: datetime | None = None) -> Callback:
    """A customer asks to be called back in a window of their choosing. The promise is confirmed by email,
    and the conversation is ready for whoever calls, with the whole customer beside it."""
    now = now or timezone.now()
    if order is not None and order.customer_id != customer.pk:
        raise ValueError("a customer can ask only about their own orders")
    if sum(ch.isdigit() for ch in phone) < 6:
        raise ActionRefused(_("Enter the phone number we should call, with its country code."))
    window = next((w for w in callback_windows(customer, now=now) if w.start == window_start), None)
    message_id = f"callback-{customer.pk}-{request_key}@{settings.ADVOCATE_MAIL_DOMAIN}"[:250]

    def work():
        existing = Message.objects.filter(message_id=message_id).select_related("conversation__callback").first()
        if existing is not None:
            return existing.conversation.callback
        if window is None:
            raise ActionRefused(_("That time is no longer free. Please choose another."))
        # Booked, it waits in the callbacks queue by its promised time, not in the email queue.
        conversation = Conversation.objects.create(
            customer=customer, email=customer.email, name=customer.name, order=order, channel=Channel.PHONE,
            subject=(topic.strip().splitlines() or [str(_("Please call me back"))])[0][:300],
            language=customer.language, state=ConversationState.SCHEDULED, created_at=now, updated_at=now,
        )
        Message.objects.create(conversation=conversation, direction=Direction.IN, message_id=message_id,
                               from_email=customer.email, from_name=customer.name, subject=conversation.subject,
                               body=topic.strip() or str(_("Please call me back")), created_at=now)
        callback = Callback.objects.create(conversation=conversation, phone=phone.strip()[:40],
                                           window_start=window.start, window_end=window.end, created_at=now)
        promise_make(key=f"callback:{callback.pk}", customer=customer, due_at=window.end, now=now,
                     what=f"Call {customer.name} back on {callback.phone}",
                     link=f"/service/conversations/{conversation.pk}/")
        _email(conversation, key=f"callback:{callback.pk}:promised", template="cases/email/callback.txt",
               callback=callback, event="promised")
        return callback

    return retrying_write(work)


def callback_log(*, callback: Callback, by, outcome: str, notes: str = "", now: datetime | None = None) -> Callback:
    """What came of a call. No answer inside the window leaves it to try again; anything else keeps the
    promise. Solved resolves the conversation (and asks the customer); a follow-up puts it in the queue; a
    message left (or no answer when the window is over) waits for the customer."""
    if outcome not in CallbackOutcome.values:
        raise ActionRefused(_("Choose what came of the call."))

    def work():
        moment = now or timezone.now()
        locked = Callback.objects.select_for_update().select_related("conversation").get(pk=callback.pk)
        if locked.state != CallbackState.PROMISED:
            raise ActionRefused(_("This callback is already closed."))
        locked.attempts += 1
        locked.outcome, locked.notes = outcome, "\n".join(filter(None, [locked.notes, notes.strip()]))[:4000]
        if outcome != CallbackOutcome.NO_ANSWER or moment >= locked.window_end:
            locked.state, locked.done_by, locked.done_at = CallbackState.DONE, by, moment
            promise_keep(key=f"callback:{locked.pk}", now=moment)
        locked.save()
        conversation = locked.conversation
        _record(conversation, ActionKind.CALL, by, f"{CallbackOutcome(outcome).label}. {notes.strip()}", moment)
        if outcome == CallbackOutcome.SOLVED:
            conversation_resolve(conversation=conversation, by=by, now=moment)
        elif locked.state == CallbackState.DONE:
            follow_up = outcome == CallbackOutcome.FOLLOW_UP
            conversation.state = ConversationState.OPEN if follow_up else ConversationState.WAITING
            conversation.waiting_since = moment if follow_up else None
            conversation.updated_at = moment
            conversation.save(update_fields=["state", "waiting_since", "updated_at"])
        return locked

    return retrying_write(work)


def callbacks_check(*, now: datetime | None = None) -> dict[str, int]:
    """Run by `advocate tick`: raise callbacks about to be missed (to the team's address, if one is set, and at
    the top of the associates' pages), and mark missed ones — the customer gets an apology with a way to
    choose a new time, and the conversation stays at the front of the queue."""
    now = now or timezone.now()
    promised = Callback.objects.filter(state=CallbackState.PROMISED)
    raised = 0
    for callback in promised.filter(raised_at=None, window_end__gt=now, window_end__lte=now + RAISE_BEFORE):
        if Callback.objects.filter(pk=callback.pk, raised_at=None).update(raised_at=now):
            raised += 1
            if settings.ADVOCATE_TEAM_EMAIL:
                email_queue(key=f"callback:{callback.pk}:raised", to=settings.ADVOCATE_TEAM_EMAIL,
                            template="cases/email/callback_raised.txt", language=settings.LANGUAGE_CODE,
                            context={"callback": callback, "site_url": settings.ADVOCATE_SITE_URL})
    missed = 0
    for callback in promised.filter(window_end__lte=now).select_related("conversation__customer"):
        def work(callback=callback):
            if not Callback.objects.filter(pk=callback.pk, state=CallbackState.PROMISED).update(
                    state=CallbackState.MISSED):
                return 0
            # Back to the front of the queue: the customer has waited since they asked.
            Conversation.objects.filter(pk=callback.conversation_id, state=ConversationState.SCHEDULED).update(
                state=ConversationState.OPEN, waiting_since=callback.created_at, updated_at=now)
            _email(callback.conversation, key=f"callback:{callback.pk}:missed", template="cases/email/callback.txt",
                   callback=callback, event="missed")
            return 1
        missed += retrying_write(work)
    return {"callbacks_raised": raised, "callbacks_missed": missed}


# --- the service-duty rota -----------------------------------------------------------------------------


def duty_book(*, person, day, note: str, by, now: datetime | None = None) -> DutyShift:
    """Book a service-duty day; booking the same person and day again changes nothing."""
    if not (person.is_operator or person.is_associate):
        raise ActionRefused(_("Only service staff, operators and managers are on the rota."))
    if day < timezone.localdate():
        raise ActionRefused(_("Choose today or a day to come."))
    shift, _created = DutyShift.objects.get_or_create(
        person=person, day=day, defaults={"note": note.strip()[:200], "booked_by": by,
                                          "created_at": now or timezone.now()})
    return shift


def duty_cancel(*, shift_id: int) -> None:
    """Days to come can be taken off the rota; days served stay on the record."""
    DutyShift.objects.filter(pk=shift_id, day__gte=timezone.localdate()).delete()
