"""Reads for the agent workspace: the queue, and a conversation with the whole customer beside it.

Every page's query count is fixed, whatever the number of conversations, messages or orders: lists are
cut to a page and related rows come in one query each (see benchmarks/cases.py)."""

from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404

from advocate.claims.models import ProblemReport, Refund
from advocate.commerce.models import Order
from advocate.commerce.presenters import status_sentence
from advocate.commerce.selectors import status_of

from .models import Conversation, ConversationState, CustomerNote, Queue

PAGE_SIZE = 50
ORDERS_SHOWN = 10
PAST_SHOWN = 10


def queue_page(queue: str, *, page: int = 1) -> dict:
    """Open conversations of one queue, longest-waiting first, and how many wait in each queue."""
    if queue not in Queue.values:
        queue = Queue.GENERAL
    waiting = Conversation.objects.filter(state=ConversationState.OPEN)
    counts = dict(waiting.values_list("queue").annotate(n=Count("pk")).order_by())
    rows = (waiting.filter(queue=queue).select_related("customer", "order")
            .order_by("waiting_since", "pk"))
    # The count comes from the per-queue figures above, so the paginator does not count again.
    paginator = Paginator(rows, PAGE_SIZE)
    paginator.count = counts.get(queue, 0)
    return {
        "queue": queue, "page": paginator.get_page(page),
        "queues": [(value, label, counts.get(value, 0)) for value, label in Queue.choices],
    }


def conversation_detail(conversation_id: int) -> Conversation:
    conversation = (Conversation.objects.select_related("customer", "order", "order__seller")
                    .filter(pk=conversation_id).first())
    if conversation is None:
        raise Http404("No such conversation")
    return conversation


def timeline(conversation: Conversation) -> list:
    """Messages, notes and actions in the order they happened."""
    messages = list(conversation.messages.select_related("author", "email").prefetch_related("attachments")
                    .order_by("created_at", "pk"))
    actions = list(conversation.actions.select_related("by").order_by("created_at", "pk"))
    for message in messages:
        message.entry, message.who = "message", _name(message.author)
    for action in actions:
        action.entry, action.who = "action", _name(action.by)
    return sorted(messages + actions, key=lambda entry: entry.created_at)


def _name(user) -> str:
    """How colleagues are named on the page; "" for a removed account."""
    return (user.get_short_name() or user.get_username()) if user else ""


def customer_context(conversation: Conversation, *, now) -> dict:
    """The whole customer beside the conversation: orders with their shipments, problems and refunds; earlier
    conversations; personal notes. A sender we do not know as a customer gets their earlier conversations only."""
    customer = conversation.customer
    past = (Conversation.objects.filter(Q(customer=customer) if customer else Q(email__iexact=conversation.email))
            .exclude(pk=conversation.pk).order_by("-updated_at")[:PAST_SHOWN])
    if customer is None:
        return {"past": list(past), "orders": [], "notes": []}
    orders = list(
        Order.objects.filter(customer=customer).select_related("seller").order_by("-placed_at")
        .prefetch_related(
            "lines", "shipments", "payments",
            Prefetch("problem_reports", queryset=ProblemReport.objects.order_by("-created_at")),
            Prefetch("refunds", queryset=Refund.objects.order_by("created_at")),
        )[:ORDERS_SHOWN]
    )
    if conversation.order_id and conversation.order_id not in {order.pk for order in orders}:
        orders.insert(0, conversation.order)
    for order in orders:
        paid = sum(payment.amount for payment in order.payments.all())
        order.refunded = sum(refund.amount for refund in order.refunds.all())
        order.refundable = max(paid - order.refunded, 0)
        order.status_text = status_sentence(status_of(order, now), fulfilled_by=order.fulfilled_by, now=now)
    notes = list(CustomerNote.objects.filter(customer=customer).select_related("author").order_by("-created_at")[:20])
    for note in notes:
        note.who = _name(note.author)
    return {"past": list(past), "orders": orders, "notes": notes}

