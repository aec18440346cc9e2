"""Thin HTML views: a buyer writes to the seller from their order, the seller answers in their portal, either
side reports a message, staff review reports, a buyer chooses whether sellers may write first. Rules live in
`rules` and `services`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from advocate.accounts.decorators import is_staff, seller_required, staff_required
from advocate.commerce.models import Order
from advocate.commerce.selectors import buyer_alias
from advocate.core.errors import Refused
from advocate.core.numbers import page_number
from advocate.core.web import attempt

from . import presenters, selectors, services
from .forms import FlagForm, MessageForm, PreferenceForm, ReviewForm
from .models import FlagState
from .rules import AnswerClock, Refusal, Side


def _posted(request):
    """The form data if this is a post (even an empty one: an unticked box sends nothing), else None."""
    return request.POST if request.method == "POST" else None


def _rows(thread_messages, *, viewer: Side | None, buyer: str, seller: str, now, flagged=frozenset(),
          flags=None) -> list[dict]:
    """Each message as a viewer sees it: who wrote it, whether it is theirs, and for a buyer's message how the
    seller's 24 hours stand."""
    rows = []
    for message in thread_messages:
        clock = AnswerClock(message.created_at, message.answered_at) if message.side == Side.BUYER else None
        rows.append({
            "message": message,
            "mine": viewer is not None and message.side == viewer,
            "who": buyer if message.side == Side.BUYER else seller,
            "clock": clock,
            "overdue": clock is not None and clock.overdue(now),
            "hidden": presenters.hidden_summary(message.hidden),
            "can_flag": viewer is not None and message.side != viewer and message.pk not in flagged,
            "flagged": message.pk in flagged,
            "flags": (flags or {}).get(message.pk, []),
        })
    return rows


def _sent(request, sent: services.Sent, success: str) -> None:
    if sent.notice:
        messages.warning(request, sent.notice)
    else:
        messages.success(request, success)


# --- buyers ------------------------------------------------------------------------------------------


@login_required
def buyer_thread(request, external_id: str):
    """A buyer's messages with the seller about one order (the order page links here). Sellers and staff who
    follow the same link land on their own view of it."""
    user = request.user
    if user.is_seller:
        return redirect("messaging:seller_order_thread", external_id)
    if is_staff(user):
        order = Order.objects.filter(external_id=external_id).first()
        if order is None:
            raise Http404("No such order")
        thread = selectors.thread_of(order)
        if thread is None:
            messages.info(request, _("The buyer and the seller have not written to each other about this order."))
            return redirect("order_detail", external_id)
        return redirect("messaging:staff_thread", thread.pk)
    order = selectors.buyer_order(user, external_id)
    if order.seller.is_platform:
        messages.info(request, presenters.refused(Refusal.SOLD_BY_PLATFORM))
        return redirect(f"{reverse('contact')}?order={order.external_id}")
    form = MessageForm(_posted(request), help_text=_(
        "The seller sees your message, never your name, email address or phone number. Email addresses, phone "
        "numbers and links are hidden from them: please keep contact on Advocate."))
    if request.method == "POST" and form.is_valid():
        try:
            sent = services.buyer_message_send(order=order, customer=order.customer, text=form.cleaned_data["text"],
                                               request_key=form.cleaned_data["request_key"], author=user)
        except Refused as exc:
            form.add_error("text", str(exc))
        else:
            _sent(request, sent, _("Sent. The seller has 24 hours to answer; we will email you when they do."))
            return redirect("messaging:buyer_thread", order.external_id)
    thread = selectors.thread_of(order)
    rows = _rows(selectors.messages_of(thread), viewer=Side.BUYER, buyer=_("You"), seller=order.seller.name,
                 now=timezone.now(), flagged=selectors.flagged_by(user, thread) if thread else frozenset())
    return render(request, "messaging/buyer_thread.html", {
        "order": order, "thread": thread, "rows": rows, "form": form, "flag_form": FlagForm(),
    })


@login_required
def preferences(request):
    """Whether sellers may write to the buyer first. Answers to the buyer's own messages always come through."""
    customer = getattr(request.user, "customer", None) if request.user.is_customer else None
    if customer is None:
        raise Http404("No such page")
    form = PreferenceForm(_posted(request),
                          initial={"accepts_unsolicited": services.accepts_unsolicited(customer.pk)})
    if request.method == "POST" and form.is_valid():
        accepts = form.cleaned_data["accepts_unsolicited"]
        services.preference_set(customer=customer, accepts_unsolicited=accepts)
        messages.success(request, _("Saved. Sellers may write to you first.") if accepts else _(
            "Saved. Sellers can now only answer when you write to them; messages about your own questions still "
            "reach you."))
        return redirect("messaging:preferences")
    return render(request, "messaging/preferences.html", {"form": form})


@csrf_exempt  # the signed token in the link is the proof, not a session; mail programs post here (RFC 8058)
def opt_out(request, token: str):
    """The one-click link in our email: no sign-in needed. Opening it asks to confirm; the button (or the mail
    program's own unsubscribe button) says no to messages sellers start."""
    customer = services.opt_out_customer(token)
    if customer is None:
        raise Http404("No such link")
    done = request.method == "POST"
    if done:
        services.preference_set(customer=customer, accepts_unsolicited=False)
    return render(request, "messaging/opt_out.html", {"done": done, "token": token})


# --- sellers -----------------------------------------------------------------------------------------


@seller_required
def seller_threads(request):
    """The seller's conversations with buyers: those waiting for an answer first, with the time left."""
    seller = request.user.seller
    page = page_number(request.GET.get("page"))
    waiting_only = request.GET.get("waiting") == "1"
    threads = selectors.threads_of_seller(seller, page=page, waiting_only=waiting_only)
    now = timezone.now()
    rows = []
    for thread in threads[: selectors.THREADS_PER_PAGE]:
        clock = AnswerClock(thread.waiting_since, None) if thread.waiting_since else None
        rows.append({"thread": thread, "buyer": buyer_alias(thread.order), "clock": clock,
                     "overdue": clock is not None and clock.overdue(now)})
    return render(request, "messaging/seller_threads.html", {
        "rows": rows, "now": now, "page": page, "waiting_only": waiting_only,
        "has_next": len(threads) > selectors.THREADS_PER_PAGE,
        "waiting": selectors.waiting_count_of_seller(seller),
    })


@seller_required
def seller_thread(request, thread_id: int):
    thread = selectors.thread_for_seller(request.user.seller, thread_id)
    return _seller_page(request, thread.order, thread)


@seller_required
def seller_order_thread(request, external_id: str):
    """The seller's thread about one of their orders, or the form to start one."""
    order = selectors.seller_order(request.user.seller, external_id)
    thread = selectors.thread_of(order)
    if thread is not None:
        return redirect("messaging:seller_thread", thread.pk)
    return _seller_page(request, order, None)


def _seller_page(request, order: Order, thread):
    user = request.user
    may_write = services.seller_may_write_to(order, thread)
    form = MessageForm(_posted(request), help_text=_(
        "Email addresses, phone numbers and links are hidden from the buyer: keep all contact on Advocate."))
    if request.method == "POST" and form.is_valid():
        try:
            sent = services.seller_message_send(order=order, text=form.cleaned_data["text"],
                                                request_key=form.cleaned_data["request_key"], author=user)
        except Refused as exc:
            form.add_error(None, str(exc))
        else:
            _sent(request, sent, _("Sent. We have emailed the buyer."))
            return redirect("messaging:seller_thread", sent.message.thread_id)
    now = timezone.now()
    rows = _rows(selectors.messages_of(thread), viewer=Side.SELLER, buyer=buyer_alias(order), seller=_("You"),
                 now=now, flagged=selectors.flagged_by(user, thread) if thread else frozenset())
    return render(request, "messaging/seller_thread.html", {
        "order": order, "thread": thread, "rows": rows, "form": form, "flag_form": FlagForm(), "now": now,
        "buyer": buyer_alias(order), "may_write": may_write,
        "opted_out_notice": None if may_write else presenters.refused(Refusal.BUYER_OPTED_OUT),
    })


# --- either side reports a message -------------------------------------------------------------------


@require_POST
@login_required
def flag(request, message_id: int):
    message, side = selectors.message_visible_to(request.user, message_id)
    if side is None:
        raise Http404("No such message")  # staff review reports; they do not make them
    back = (reverse("messaging:buyer_thread", args=[message.thread.order.external_id]) if side == Side.BUYER
            else reverse("messaging:seller_thread", args=[message.thread_id]))
    form = FlagForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose what is wrong with the message."))
        return redirect(back)
    attempt(request, lambda: services.message_flag(message=message, by=request.user, side=side,
                                                   reason=form.cleaned_data["reason"], note=form.cleaned_data["note"]),
            success=_("Thank you for telling us. Our trust and safety team will look at it."))
    return redirect(back)


# --- staff -------------------------------------------------------------------------------------------


@staff_required
def staff_flags(request):
    state = FlagState.REVIEWED if request.GET.get("state") == FlagState.REVIEWED else FlagState.OPEN
    page = page_number(request.GET.get("page"))
    flags = selectors.flags_for_staff(state=state, page=page)
    return render(request, "messaging/staff_flags.html", {
        "flags": flags[: selectors.FLAGS_PER_PAGE], "has_next": len(flags) > selectors.FLAGS_PER_PAGE,
        "page": page, "state": state, "review_form": ReviewForm(), "open_count": selectors.open_flag_count(),
    })


@require_POST
@staff_required
def staff_flag_review(request, flag_id: int):
    flag_ = selectors.flag_for_staff(flag_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please write a short note on what you found or did."))
    else:
        services.flag_review(flag=flag_, by=request.user, note=form.cleaned_data["note"])
        messages.success(request, _("Marked as reviewed."))
    return redirect("messaging:staff_flags")


@staff_required
def staff_thread(request, thread_id: int):
    """The whole thread for trust and safety: what each side wrote exactly, and what the other side read."""
    thread = selectors.thread_for_staff(thread_id)
    rows = _rows(selectors.messages_of(thread), viewer=None,
                 buyer=f"{thread.customer.name} ({buyer_alias(thread.order)})", seller=thread.seller.name,
                 now=timezone.now(), flags=selectors.flags_in(thread))
    return render(request, "messaging/staff_thread.html", {
        "thread": thread, "order": thread.order, "rows": rows,
        "accepts_unsolicited": services.accepts_unsolicited(thread.customer_id),
    })
