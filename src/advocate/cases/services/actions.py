"""What an associate does from a conversation: money (through claims' services, the same ledger and limits as
every refund), shipping upgrades, escalation, resolving, notes."""

import hashlib
from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from advocate.claims.models import LedgerTransaction, Refund, Replacement
from advocate.claims.services import associate_credit, associate_refund, associate_reship
from advocate.commerce.models import Customer, Instruction, InstructionKind, Order
from advocate.commerce.selectors import order_facts
from advocate.commerce.services import instruct
from advocate.core.db import retrying_write
from advocate.core.errors import Invalid, Refused
from advocate.core.reasons import ContactReason

from ..models import ActionKind, Conversation, ConversationState, CustomerNote, Direction, Message, Queue
from .common import email_customer, record_action, survey_create


def conversation_order(conversation: Conversation, order_id: str) -> Order:
    order = Order.objects.filter(external_id=order_id, customer_id=conversation.customer_id).first()
    if conversation.customer_id is None or order is None:
        raise Refused("not_their_order", _("That order is not this customer's."))
    return order


def money_key(conversation: Conversation, kind: str, order: Order, request_key: str) -> str:
    """One ledger key per conversation, kind, order and submitted form (a form may serve several orders)."""
    digest = hashlib.sha256(f"{order.pk}:{request_key}".encode()).hexdigest()[:24]
    return f"conversation:{conversation.pk}:{kind}:{digest}"


def conversation_refund(*, conversation: Conversation, by, order_id: str, amount: Decimal, request_key: str,
                        now: datetime | None = None):
    """Refund (part of) one of the customer's orders from the conversation: the marketplace pays, at once."""
    order = conversation_order(conversation, order_id)
    key = money_key(conversation, "refund", order, request_key)

    def work():
        done = Refund.objects.filter(key=key).first()
        if done is not None:
            return done
        refund = associate_refund(order=order, amount=amount, by=by, key=key, memo=f"conversation {conversation.pk}")
        record_action(conversation, ActionKind.REFUND, by,
                      f"{refund.reference} · {order.external_id} · {amount} {order.currency}", now or timezone.now())
        return refund

    return retrying_write(work)


def conversation_credit(*, conversation: Conversation, by, order_id: str, amount: Decimal, reason: str,
                        request_key: str, now: datetime | None = None):
    """A goodwill credit for the customer's trouble, recorded against the order it was about."""
    order = conversation_order(conversation, order_id)
    key = money_key(conversation, "credit", order, request_key)

    def work():
        if LedgerTransaction.objects.filter(key=key).exists():
            return
        associate_credit(order=order, amount=amount, reason=reason, key=key)
        record_action(conversation, ActionKind.CREDIT, by,
                      f"{order.external_id} · {amount} {order.currency} · {reason.strip()}", now or timezone.now())

    retrying_write(work)


def conversation_reship(*, conversation: Conversation, by, order_id: str, request_key: str,
                        now: datetime | None = None):
    """Send the whole order again at the marketplace's cost (lost, or arrived unusable): the shop ships it."""
    order = conversation_order(conversation, order_id)
    key = money_key(conversation, "reship", order, request_key)

    def work():
        if Replacement.objects.filter(key=key).exists():
            return
        replacement = associate_reship(order=order, key=key, memo=f"conversation {conversation.pk}")
        record_action(conversation, ActionKind.RESHIP, by,
                      f"{order.external_id} · {replacement.value} {order.currency}", now or timezone.now())

    retrying_write(work)


def conversation_upgrade_shipping(*, conversation: Conversation, by, order_id: str, request_key: str,
                                  now: datetime | None = None):
    """Ask the shop to send what is still on its way, or not yet shipped, by the fastest service."""
    order = conversation_order(conversation, order_id)
    if order_facts(order).finished:
        raise Refused("nothing_to_upgrade", _("Everything in this order has been delivered or cancelled."))
    key = money_key(conversation, "upgrade", order, request_key)

    def work():
        if Instruction.objects.filter(key=key).exists():
            return
        instruct(key=key, kind=InstructionKind.UPGRADE_SHIPPING, order=order,
                 payload={"order_id": order.external_id, "service": "fastest",
                          "reason": f"conversation {conversation.pk}"})
        record_action(conversation, ActionKind.UPGRADE, by, order.external_id, now or timezone.now())

    retrying_write(work)


def conversation_escalate(*, conversation: Conversation, by, queue: str, reason: str,
                          now: datetime | None = None) -> Conversation:
    """Hand the conversation to a specialist team, saying why; it keeps its place in the line."""
    if queue not in Queue.values or queue == Queue.GENERAL:
        raise Invalid("team_required", _("Choose the team to hand it to."), field="queue")
    if not reason.strip():
        raise Invalid("reason_required", _("Say why, so the specialist does not have to ask again."), field="reason")

    def work():
        moment = now or timezone.now()
        conversation.queue, conversation.escalation_reason = queue, reason.strip()[:500]
        if conversation.state != ConversationState.OPEN:
            conversation.state, conversation.waiting_since = ConversationState.OPEN, moment
        conversation.updated_at = moment
        conversation.save(update_fields=["queue", "escalation_reason", "state", "waiting_since", "updated_at"])
        record_action(conversation, ActionKind.ESCALATE, by, f"{Queue(queue).label}: {reason.strip()}", moment)
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
        record_action(conversation, ActionKind.RESOLVE, by, "", moment)
        survey = survey_create(conversation, moment)
        email_customer(conversation, key=f"survey:{survey.token}", template="cases/email/survey.txt", survey=survey)
        return conversation

    return retrying_write(work)


def internal_note_add(*, conversation: Conversation, by, text: str, now: datetime | None = None) -> Message:
    """A note for colleagues, in the conversation's timeline; the customer never sees it."""
    if not text.strip():
        raise Invalid("empty_note", _("Write the note first."), field="text")
    return Message.objects.create(conversation=conversation, direction=Direction.NOTE, body=text.strip(),
                                  author=by, created_at=now or timezone.now())


def customer_note_add(*, customer: Customer | None, by, text: str, now: datetime | None = None) -> CustomerNote:
    """Something personal worth remembering, for whoever serves this customer next."""
    if customer is None:
        raise Refused("unknown_customer", _("This sender is not a known customer yet."))
    if not text.strip():
        raise Invalid("empty_note", _("Write the note first."), field="text")
    return CustomerNote.objects.create(customer=customer, text=text.strip()[:500], author=by,
                                       created_at=now or timezone.now())


def customer_note_delete(*, note_id: int, customer: Customer) -> None:
    CustomerNote.objects.filter(pk=note_id, customer=customer).delete()
