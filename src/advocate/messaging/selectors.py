"""Reads for pages and the API. Each returns only what the asker may see, or raises Http404: a buyer sees the
threads of their own orders, a seller those of their own orders, staff all of them."""

from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from advocate.accounts.decorators import is_staff
from advocate.commerce.models import Order

from .models import FlagState, Message, MessageFlag, Thread
from .rules import Side

THREADS_PER_PAGE = 30
FLAGS_PER_PAGE = 50


def buyer_order(user, external_id: str) -> Order:
    """One of the signed-in customer's own orders; anyone else's is simply not found."""
    if not user.is_authenticated or not user.is_customer:
        raise Http404("No such order")
    order = (Order.objects.select_related("seller", "customer")
             .filter(external_id=external_id, customer__user=user).first())
    if order is None:
        raise Http404("No such order")
    return order


def seller_order(seller, external_id: str) -> Order:
    order = Order.objects.select_related("seller", "customer").filter(external_id=external_id, seller=seller).first()
    if order is None:
        raise Http404("No such order")
    return order


def thread_of(order: Order) -> Thread | None:
    return Thread.objects.filter(order=order).first()


def messages_of(thread: Thread | None) -> list[Message]:
    if thread is None:
        return []
    return list(thread.messages.select_related("author").order_by("created_at", "pk"))


def _with_summary(threads: QuerySet[Thread]) -> QuerySet[Thread]:
    """Each thread with its newest message (masked) and how many buyer messages wait for an answer."""
    newest = Message.objects.filter(thread=OuterRef("pk")).order_by("-created_at", "-pk")
    waiting = (Message.objects.filter(thread=OuterRef("pk"), side=Side.BUYER, answered_at__isnull=True)
               .order_by().values("thread").annotate(n=Count("pk")).values("n"))
    return threads.select_related("order", "seller").annotate(
        last_text=Subquery(newest.values("text")[:1]),
        last_side=Subquery(newest.values("side")[:1]),
        waiting_count=Coalesce(Subquery(waiting[:1]), 0),
    )


def threads_of_seller(seller, *, page: int = 1, waiting_only: bool = False) -> list[Thread]:
    """A page of a seller's threads: those waiting for an answer first, the longest-waiting at the top, then the
    rest by latest message. One more than a page is returned, to tell whether there is a next page."""
    threads = Thread.objects.filter(seller=seller)
    if waiting_only:
        threads = threads.filter(waiting_since__isnull=False)
    offset = (max(page, 1) - 1) * THREADS_PER_PAGE
    ordered = _with_summary(threads).order_by(
        F("waiting_since").asc(nulls_last=True), "-last_message_at", "-pk")
    return list(ordered[offset: offset + THREADS_PER_PAGE + 1])


def waiting_count_of_seller(seller) -> int:
    return Thread.objects.filter(seller=seller, waiting_since__isnull=False).count()


def thread_for_seller(seller, thread_id: int) -> Thread:
    thread = Thread.objects.select_related("order", "order__seller", "order__customer").filter(
        pk=thread_id, seller=seller).first()
    if thread is None:
        raise Http404("No such thread")
    return thread


def thread_for_staff(thread_id: int) -> Thread:
    thread = Thread.objects.select_related("order", "seller", "customer").filter(pk=thread_id).first()
    if thread is None:
        raise Http404("No such thread")
    return thread


def message_visible_to(user, message_id: int) -> tuple[Message, Side | None]:
    """A message the person may read, and which side they are on in its thread (None for staff)."""
    message = Message.objects.select_related("thread", "thread__order", "thread__customer").filter(
        pk=message_id).first()
    if message is not None and user.is_authenticated:
        thread = message.thread
        if user.is_seller and thread.seller_id == user.seller_id:
            return message, Side.SELLER
        if user.is_customer and thread.customer.user_id == user.pk:
            return message, Side.BUYER
        if is_staff(user):
            return message, None
    raise Http404("No such message")


def flags_for_staff(*, state: str = FlagState.OPEN, page: int = 1) -> list[MessageFlag]:
    """Reported messages, oldest first while waiting for review, newest review first once reviewed."""
    order = ("created_at", "pk") if state == FlagState.OPEN else ("-reviewed_at", "-pk")
    offset = (max(page, 1) - 1) * FLAGS_PER_PAGE
    flags = (MessageFlag.objects.filter(state=state)
             .select_related("message", "message__thread", "message__thread__order", "message__thread__seller",
                             "message__thread__customer", "flagged_by", "reviewed_by")
             .order_by(*order))
    return list(flags[offset: offset + FLAGS_PER_PAGE + 1])


def open_flag_count() -> int:
    return MessageFlag.objects.filter(state=FlagState.OPEN).count()


def flag_for_staff(flag_id: int) -> MessageFlag:
    flag = MessageFlag.objects.filter(pk=flag_id).first()
    if flag is None:
        raise Http404("No such report")
    return flag


def flags_in(thread: Thread) -> dict[int, list[MessageFlag]]:
    """Every report in a thread, by message, for staff."""
    found: dict[int, list[MessageFlag]] = {}
    for flag in MessageFlag.objects.filter(message__thread=thread).select_related("flagged_by").order_by("pk"):
        found.setdefault(flag.message_id, []).append(flag)
    return found


def flagged_by(user, thread: Thread) -> set[int]:
    """The messages in this thread this person already reported."""
    return set(MessageFlag.objects.filter(message__thread=thread, flagged_by=user).values_list("message_id",
                                                                                                  flat=True))
