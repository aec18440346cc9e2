"""Writes: buyers and sellers message each other about an order; either side reports a message; staff review
reports; a buyer chooses whether sellers may write first.

Every write is safe to repeat: a message is found again by its request key, a report by who made it. Email
goes out only after the transaction that decided it commits, in the reader's language, and never carries the
other side's contact details: sellers see the buyer's alias, and every message is masked both ways.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from advocate.accounts.models import User
from advocate.accounts.selectors import seller_reader
from advocate.commerce.models import Customer, Order
from advocate.commerce.presenters import mask_for
from advocate.commerce.selectors import buyer_alias
from advocate.commerce.signin import order_link_context
from advocate.core.db import retrying_write
from advocate.core.errors import Invalid, Refused
from advocate.notifications.services import email_queue
from advocate.sellers import services as seller_services
from advocate.trust.guards import customer_may_act

from . import presenters
from .models import FlagState, Message, MessageFlag, MessagePreference, Thread
from .rules import AnswerClock, MessageRefused, Refusal, Side, check_text, seller_may_write

OPT_OUT_SALT = "advocate.messaging.opt-out"


@dataclass(frozen=True)
class Sent:
    message: Message
    notice: str  # what was hidden, told to the sender; "" when nothing was


# --- what a message becomes --------------------------------------------------------------------------


def _kind_name(kind) -> str:
    return kind.value


def _seller_users(seller_id: int):
    return User.objects.filter(seller_id=seller_id, is_active=True).exclude(email="").order_by("pk")


def accepts_unsolicited(customer_id: int) -> bool:
    """Whether sellers may write to this buyer first (yes, unless they said no)."""
    chosen = MessagePreference.objects.filter(customer_id=customer_id).values_list("accepts_unsolicited", flat=True)
    return next(iter(chosen), True)


def seller_may_write_to(order: Order, thread: Thread | None) -> bool:
    if thread is not None and thread.buyer_wrote:
        return True  # an answer is always allowed: no need to look up the buyer's choice
    return seller_may_write(buyer_accepts_unsolicited=accepts_unsolicited(order.customer_id), buyer_wrote=False)


# --- sending -----------------------------------------------------------------------------------------


def buyer_message_send(*, order: Order, customer: Customer, text: str, request_key: str, author=None,
                       now: datetime | None = None) -> Sent:
    """The buyer writes to the seller about one of their orders. The seller's people are emailed; the seller
    has 24 hours to answer."""
    if order.customer_id != customer.pk:
        raise ValueError("a buyer writes only about their own orders")
    customer_may_act(customer)
    if order.seller.is_platform:
        raise _refused(Refusal.SOLD_BY_PLATFORM)
    return _send(order=order, side=Side.BUYER, text=text, request_key=request_key, author=author, now=now)


def seller_message_send(*, order: Order, text: str, request_key: str, author, now: datetime | None = None) -> Sent:
    """A seller writes about one of their orders: an answer wherever the buyer wrote, or a first message if the
    buyer accepts those. Answering records `answered_at` on every buyer message still waiting in the thread."""
    if author is None or author.seller_id != order.seller_id:
        raise ValueError("a seller writes only about their own orders")
    return _send(order=order, side=Side.SELLER, text=text, request_key=request_key, author=author, now=now)


def _refused(code: Refusal) -> Refused:
    kind = Invalid if code in (Refusal.EMPTY, Refusal.TOO_LONG) else Refused
    return kind(code.value, presenters.refused(code), field="text" if kind is Invalid else None)


def _send(*, order: Order, side: Side, text: str, request_key: str, author, now: datetime | None) -> Sent:
    try:
        text = check_text(text)
    except MessageRefused as exc:
        raise _refused(exc.code) from None
    request_key = request_key[:64]

    def work():
        thread = Thread.objects.select_for_update().filter(order=order).first()
        if thread is not None:
            existing = thread.messages.filter(side=side, request_key=request_key).first()
            if existing is not None:
                return Sent(existing, presenters.hidden_notice(existing.hidden, existing.side))
        if side == Side.SELLER and not seller_may_write_to(order, thread):
            raise _refused(Refusal.BUYER_OPTED_OUT)
        moment = now or timezone.now()
        if thread is None:
            # Two first messages at once: one insert loses on the unique order, and the retry finds the thread.
            thread = Thread.objects.create(order=order, seller_id=order.seller_id, customer_id=order.customer_id,
                                           started_by=side, created_at=moment, last_message_at=moment)
        reader_language = (seller_reader(order.seller_id)[0] if side == Side.BUYER
                           else order.customer.language or settings.LANGUAGE_CODE)
        masked = mask_for(text, reader_language)
        hidden = sorted({_kind_name(kind) for kind in masked.kinds})
        message = Message.objects.create(thread=thread, side=side, author=author, text=masked.text,
                                         original_text=text, hidden=hidden, request_key=request_key,
                                         created_at=moment)
        thread.last_message_at = moment
        if side == Side.BUYER:
            thread.buyer_wrote = True
            thread.waiting_since = thread.waiting_since or moment
            _health(thread, message)
            _tell_seller(order, thread, message)
        else:
            answered = list(thread.messages.filter(side=Side.BUYER, answered_at__isnull=True, created_at__lte=moment))
            for waiting in answered:
                waiting.answered_at = moment
                waiting.save(update_fields=["answered_at"])
                _health(thread, waiting)
            thread.waiting_since = (thread.messages.filter(side=Side.BUYER, answered_at__isnull=True)
                                    .order_by("created_at").values_list("created_at", flat=True).first())
            _tell_buyer(order, thread, message)
        thread.save(update_fields=["last_message_at", "buyer_wrote", "waiting_since"])
        return Sent(message, presenters.hidden_notice(hidden, side))

    return retrying_write(work)


def _health(thread: Thread, message: Message) -> None:
    """Seller health counts each buyer message once answered, or once 24 hours pass without an answer."""
    seller_services.health_message_changed(seller_id=thread.seller_id, key=f"message:{message.pk}",
                                           sent_at=message.created_at, answered_at=message.answered_at)


# --- reports and staff review --------------------------------------------------------------------------


def message_flag(*, message: Message, by, side: Side, reason: str, note: str = "",
                 now: datetime | None = None) -> MessageFlag:
    """Report a message from the other side for staff to review. Reporting the same message again changes
    nothing. Nothing is blocked: a person looks."""
    if message.side == side:
        raise _refused(Refusal.OWN_MESSAGE)

    def work():
        existing = MessageFlag.objects.filter(message=message, flagged_by=by).first()
        if existing is not None:
            return existing
        return MessageFlag.objects.create(message=message, side=side, flagged_by=by, reason=reason,
                                          note=note.strip()[:1000], created_at=now or timezone.now())

    return retrying_write(work)


def flag_review(*, flag: MessageFlag, by, note: str, now: datetime | None = None) -> MessageFlag:
    """A member of staff has looked at a reported message; their note says what they found or did."""

    def work():
        locked = MessageFlag.objects.select_for_update().get(pk=flag.pk)
        if locked.state == FlagState.REVIEWED:
            return locked
        locked.state, locked.reviewed_by, locked.reviewed_at = FlagState.REVIEWED, by, now or timezone.now()
        locked.review_note = note.strip()[:2000]
        locked.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_note"])
        return locked

    return retrying_write(work)


# --- the buyer's choice --------------------------------------------------------------------------------


def preference_set(*, customer: Customer, accepts_unsolicited: bool, now: datetime | None = None):
    def work():
        preference, _ = MessagePreference.objects.update_or_create(
            customer=customer, defaults={"accepts_unsolicited": accepts_unsolicited,
                                         "updated_at": now or timezone.now()})
        return preference

    return retrying_write(work)


def opt_out_token(customer: Customer) -> str:
    """For the one-click link in our email: names the customer, cannot be guessed or altered."""
    return signing.dumps(customer.pk, salt=OPT_OUT_SALT, compress=True)


def opt_out_customer(token: str) -> Customer | None:
    try:
        customer_id = signing.loads(token, salt=OPT_OUT_SALT)
    except signing.BadSignature:
        return None
    return Customer.objects.filter(pk=customer_id).first()


# --- telling people ------------------------------------------------------------------------------------


def _tell_seller(order: Order, thread: Thread, message: Message) -> None:
    """Email the seller's people. The buyer appears under their alias: never their name, email or phone."""
    context = {"order": order, "seller": order.seller, "buyer": buyer_alias(order), "message": message,
               "clock": AnswerClock(message.created_at, None), "site_url": settings.ADVOCATE_SITE_URL,
               "link": settings.ADVOCATE_SITE_URL + reverse("messaging:seller_thread", args=[thread.pk])}
    for user in _seller_users(thread.seller_id):
        email_queue(key=f"message:{message.pk}:seller:{user.pk}", to=user.email,
                    template="messaging/email/to_seller.txt", context=context,
                    language=user.language or settings.LANGUAGE_CODE, time_zone=user.time_zone, order=order)


def _tell_buyer(order: Order, thread: Thread, message: Message) -> None:
    """Email the buyer: the seller answered them, or wrote first (with a one-click way to say no more)."""
    customer = order.customer
    opt_out = settings.ADVOCATE_SITE_URL + reverse("messaging:opt_out", args=[opt_out_token(customer)])
    context = {"order": order, "seller": order.seller, "customer": customer, "message": message,
               "answering": thread.buyer_wrote, "site_url": settings.ADVOCATE_SITE_URL, "opt_out": opt_out,
               "link": settings.ADVOCATE_SITE_URL + reverse("messaging:buyer_thread", args=[order.external_id]),
               "support_phone": settings.ADVOCATE_SUPPORT_PHONE, **order_link_context(order)}
    # RFC 8058: mail programs offer their own one-click "unsubscribe" button, which posts to the same link.
    headers = {"List-Unsubscribe": f"<{opt_out}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    email_queue(key=f"message:{message.pk}:buyer", to=customer.email, template="messaging/email/to_buyer.txt",
                context=context, language=customer.language or settings.LANGUAGE_CODE,
                time_zone=customer.time_zone, order=order, headers=headers)
