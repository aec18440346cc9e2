"""Callbacks: a promise to call a customer back within a window of their choosing, raised when about to be
missed, apologised for when missed."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from advocate.commerce.models import Customer, Order
from advocate.core.db import retrying_write
from advocate.core.errors import Invalid, Refused
from advocate.core.zones import zone_or_utc
from advocate.notifications.services import email_queue
from advocate.trust.guards import customer_may_act
from advocate.trust.services import promise_keep, promise_make

from ..callbacks import CallingHours, Window, windows
from ..mail.parse import normalise_subject
from ..models import (
    ActionKind,
    Callback,
    CallbackOutcome,
    CallbackState,
    Channel,
    Conversation,
    ConversationState,
    Direction,
    Message,
)
from .actions import conversation_resolve
from .common import email_customer, record_action
from .ownership import conversation_route

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
    customer_may_act(customer)
    if sum(ch.isdigit() for ch in phone) < 6:
        raise Invalid("phone_required", _("Enter the phone number we should call, with its country code."),
                      field="phone")
    window = next((w for w in callback_windows(customer, now=now) if w.start == window_start), None)
    message_id = f"callback-{customer.pk}-{request_key}@{settings.ADVOCATE_MAIL_DOMAIN}"[:250]

    def work():
        existing = Message.objects.filter(message_id=message_id).select_related("conversation__callback").first()
        if existing is not None:
            return existing.conversation.callback
        if window is None:
            raise Refused("window_full", _("That time is no longer free. Please choose another."), field="window")
        # Booked, it waits in the callbacks queue by its promised time, not in the email queue.
        conversation = Conversation.objects.create(
            customer=customer, email=customer.email, name=customer.name, order=order, channel=Channel.PHONE,
            subject=normalise_subject((topic.strip().splitlines() or [str(_("Please call me back"))])[0])[:300],
            language=customer.language, state=ConversationState.SCHEDULED, created_at=now, updated_at=now,
        )
        conversation_route(conversation, now)
        Message.objects.create(conversation=conversation, direction=Direction.IN, message_id=message_id,
                               from_email=customer.email, from_name=customer.name, subject=conversation.subject,
                               body=topic.strip() or str(_("Please call me back")), created_at=now)
        callback = Callback.objects.create(conversation=conversation, phone=phone.strip()[:40],
                                           window_start=window.start, window_end=window.end, created_at=now)
        promise_make(key=f"callback:{callback.pk}", customer=customer, due_at=window.end, now=now,
                     what=f"Call {customer.name} back on {callback.phone}",
                     link=f"/service/conversations/{conversation.pk}/")
        email_customer(conversation, key=f"callback:{callback.pk}:promised", template="cases/email/callback.txt",
                       callback=callback, event="promised")
        return callback

    return retrying_write(work)


def callback_log(*, callback: Callback | None, by, outcome: str, notes: str = "",
                 now: datetime | None = None) -> Callback:
    """What came of a call. No answer inside the window leaves it to try again; anything else keeps the
    promise. Solved resolves the conversation (and asks the customer); a follow-up puts it in the queue; a
    message left (or no answer when the window is over) waits for the customer."""
    if callback is None:
        raise Refused("no_callback", _("No callback was asked for in this conversation."))
    if outcome not in CallbackOutcome.values:
        raise Invalid("outcome_required", _("Choose what came of the call."), field="outcome")

    def work():
        moment = now or timezone.now()
        locked = Callback.objects.select_for_update().select_related("conversation").get(pk=callback.pk)
        if locked.state != CallbackState.PROMISED:
            raise Refused("callback_closed", _("This callback is already closed."))
        locked.attempts += 1
        locked.outcome, locked.notes = outcome, "\n".join(filter(None, [locked.notes, notes.strip()]))[:4000]
        if outcome != CallbackOutcome.NO_ANSWER or moment >= locked.window_end:
            locked.state, locked.done_by, locked.done_at = CallbackState.DONE, by, moment
            promise_keep(key=f"callback:{locked.pk}", now=moment)
        locked.save()
        conversation = locked.conversation
        record_action(conversation, ActionKind.CALL, by, f"{CallbackOutcome(outcome).label}. {notes.strip()}", moment)
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
            email_customer(callback.conversation, key=f"callback:{callback.pk}:missed",
                           template="cases/email/callback.txt", callback=callback, event="missed")
            return 1
        missed += retrying_write(work)
    return {"callbacks_raised": raised, "callbacks_missed": missed}
