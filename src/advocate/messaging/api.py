"""The REST API for sellers' buyer messages: read threads, answer, write first about one of their orders.

Signed in as one of the seller's people (session cookie, CSRF token on writes). Buyers appear under their alias
and every text is masked: the API never carries a buyer's name, email address or phone number.
"""

from datetime import datetime
from typing import Annotated

from django.http import Http404
from ninja import Field, Header, Query, Router, Schema, Status
from ninja.errors import HttpError

from advocate.commerce.api import SELLER_AUTH
from advocate.commerce.selectors import buyer_alias
from advocate.core.api import ERRORS, Input, RowId
from advocate.core.numbers import page_number

from . import selectors, services
from .models import Message, Thread
from .rules import MAX_LENGTH, AnswerClock, Side

router = Router(tags=["messages"])


class MessageOut(Schema):
    id: int
    side: str = Field(description="`buyer` or `seller`")
    author: str = Field(description="the buyer's alias, or the seller's name")
    text: str = Field(description="as the other side reads it: email addresses, phone numbers and links hidden")
    hidden: list[str] = Field(description="what was hidden from it: `email`, `phone`, `link`")
    created_at: datetime
    answer_by: datetime | None = Field(None, description="a buyer's message: when the 24 hours to answer end")
    answered_at: datetime | None = Field(None, description="a buyer's message: when you first wrote after it")


class ThreadOut(Schema):
    id: int
    order_id: str
    buyer: str = Field(description="the buyer's alias; sellers never see a buyer's name, email or phone")
    started_by: str
    waiting: int = Field(description="buyer messages waiting for your answer")
    answer_by: datetime | None = Field(None, description="when the oldest waiting message's 24 hours end")
    can_write: bool = Field(description="false when the buyer opted out of messages they did not ask for and "
                                        "never wrote in this thread")
    last_message_at: datetime
    messages: list[MessageOut]


class MessageIn(Input):
    text: Annotated[str, Field(min_length=1, max_length=MAX_LENGTH)]


class SentOut(Schema):
    message: MessageOut
    notice: str | None = Field(None, description="what was hidden from your message, if anything")
    thread_id: int


def _seller(request):
    if not request.auth.is_seller:
        raise HttpError(403, "only sellers read and answer buyer messages")
    return request.auth.seller


def _message_out(message: Message, buyer: str, seller_name: str) -> dict:
    buying = message.side == Side.BUYER
    return {"id": message.pk, "side": message.side, "author": buyer if buying else seller_name,
            "text": message.text, "hidden": message.hidden, "created_at": message.created_at,
            "answer_by": AnswerClock(message.created_at, message.answered_at).due_at if buying else None,
            "answered_at": message.answered_at}


def _thread_out(thread: Thread, thread_messages: list[Message]) -> dict:
    order = thread.order
    buyer = buyer_alias(order)
    waiting = [m for m in thread_messages if m.side == Side.BUYER and m.answered_at is None]
    return {"id": thread.pk, "order_id": order.external_id, "buyer": buyer, "started_by": thread.started_by,
            "waiting": len(waiting), "answer_by": AnswerClock(waiting[0].created_at, None).due_at if waiting else None,
            "can_write": services.seller_may_write_to(order, thread), "last_message_at": thread.last_message_at,
            "messages": [_message_out(m, buyer, thread.seller.name) for m in thread_messages]}


def _send(request, order, idempotency_key: str, text: str):
    sent = services.seller_message_send(order=order, text=text, request_key=idempotency_key, author=request.auth)
    thread = sent.message.thread
    return Status(201, {"message": _message_out(sent.message, buyer_alias(order), order.seller.name),
                        "notice": sent.notice or None, "thread_id": thread.pk})


IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=8, max_length=64)]


@router.get("/seller/messages", auth=SELLER_AUTH, response={200: list[ThreadOut], **ERRORS},
            summary="A seller's buyer messages")
def seller_threads(request, page: Annotated[int, Query(description="from 1; out of range reads as the nearest "
                                                                   "page")] = 1, waiting: bool = False):
    """Threads waiting for your answer first (the longest-waiting at the top), then the rest, newest first;
    30 a page."""
    seller = _seller(request)
    threads = selectors.threads_of_seller(seller, page=page_number(page), waiting_only=waiting)
    threads = threads[: selectors.THREADS_PER_PAGE]
    by_thread: dict[int, list[Message]] = {t.pk: [] for t in threads}
    for message in Message.objects.filter(thread__in=threads).order_by("created_at", "pk"):
        by_thread[message.thread_id].append(message)
    return [_thread_out(thread, by_thread[thread.pk]) for thread in threads]


@router.get("/seller/messages/{thread_id}", auth=SELLER_AUTH, response={200: ThreadOut, **ERRORS}, summary="One thread")
def seller_thread(request, thread_id: RowId):
    try:
        thread = selectors.thread_for_seller(_seller(request), thread_id)
    except Http404:
        raise HttpError(404, "no such thread") from None
    return _thread_out(thread, selectors.messages_of(thread))


@router.post("/seller/messages/{thread_id}", auth=SELLER_AUTH, response={201: SentOut, **ERRORS},
             summary="Answer in a thread")
def seller_reply(request, thread_id: RowId, body: MessageIn, idempotency_key: IdempotencyKey):
    """Write in a thread. Email addresses, phone numbers and links are hidden from the buyer (`notice` says
    what). Send a fresh `Idempotency-Key` per message: the same key again returns the first message.
    409 `buyer_opted_out`: the buyer does not accept messages they did not ask for and never wrote here."""
    try:
        thread = selectors.thread_for_seller(_seller(request), thread_id)
    except Http404:
        raise HttpError(404, "no such thread") from None
    return _send(request, thread.order, idempotency_key, body.text)


@router.post("/seller/orders/{order_id}/messages", auth=SELLER_AUTH, response={201: SentOut, **ERRORS},
             summary="Write to the buyer of one of your orders")
def seller_write(request, order_id: str, body: MessageIn, idempotency_key: IdempotencyKey):
    """Start (or continue) the thread about one of your orders. 409 `buyer_opted_out` as above."""
    try:
        order = selectors.seller_order(_seller(request), order_id)
    except Http404:
        raise HttpError(404, "no such order") from None
    return _send(request, order, idempotency_key, body.text)
