"""Thin HTML views: the associate's queue and conversation page, the answer library, the customer's contact
form and survey, and the managers' measures."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from advocate.accounts.decorators import operator_required, role_required, staff_required
from advocate.commerce import selectors as commerce_selectors
from advocate.core.errors import Refused
from advocate.core.numbers import DB_INT_MAX, clamped_int, page_number
from advocate.core.web import attempt, attempt_on_form

from . import selectors, services
from .forms import (
    AnswerForm,
    AssignForm,
    CallbackLogForm,
    CallbackMoveForm,
    CallbackRequestForm,
    ContactForm,
    CustomerMessageForm,
    DutyForm,
    EscalateForm,
    FixForm,
    MoneyForm,
    NoteForm,
    ReplyForm,
    ResolveForm,
    SearchForm,
    SurveyForm,
)
from .hints import contact_hint
from .models import Attachment, CustomerNote, Survey
from .panels import conversation_panels


def _queue_context(request) -> dict:
    return selectors.queue_page(request.GET.get("queue", ""), after=request.GET.get("after", ""),
                                view=request.GET.get("view", ""), user=request.user)


@staff_required
def queue(request):
    return render(request, "cases/queue.html", _queue_context(request))


@staff_required
def queue_live(request):
    """The queue's list alone, which the page fetches every few seconds (htmx) to stay current."""
    return render(request, "cases/_queue_list.html", _queue_context(request))


@staff_required
def search(request):
    """Every conversation, found by any word of its messages, its subject, the customer or the order number,
    in any language, narrowed by state, queue, owner, language, channel, reason and dates."""
    form = SearchForm(request.GET or None, people=list(selectors.staff_choices()))
    found = selectors.search_conversations(**form.filters(request.user), page=page_number(request.GET.get("page")),
                                           user=request.user) if form.is_bound else {"results": [], "page": 1}
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "cases/search.html", {"form": form, **found, "params": params.urlencode()})


@staff_required
def conversation(request, conversation_id: int, forms: dict | None = None, refused: Refused | None = None):
    """The conversation beside the whole customer. `?q=` searches the answer library; `?use=<answer>` puts an
    answer, filled in for this customer, into the reply box to be edited."""
    found = selectors.conversation_detail(conversation_id)
    now = timezone.now()
    # Presence is the page's heartbeat (conversation_live, from the moment it loads): only a page that beats
    # can say it is still open.
    staff = list(selectors.staff_choices(found, now=now))
    forms = forms or {}
    entries = selectors.timeline(found)
    marks = selectors.timeline_marks(entries)
    query = request.GET.get("q", "").strip()
    reply_form = forms.get("reply")
    if reply_form is None:
        initial = {"reason": found.reason}
        if (use := clamped_int(request.GET.get("use"), default=0, low=0, high=DB_INT_MAX)) > 0:
            answer = selectors.answer_detail(use)
            initial |= {"body": selectors.answer_filled(answer, found), "answer_id": answer.pk,
                        "reason": found.reason or answer.reason}
        reply_form = ReplyForm(initial=initial | {"seen": marks["messages_after"]})
    return render(request, "cases/conversation.html", {
        "conversation": found, "timeline": entries, **marks, "refused": refused,
        "viewers": selectors.viewers(staff, besides=request.user),
        "assign_form": AssignForm(staff=selectors.staff_choices(), initial={"owner": found.owner_id},
                                  people=staff),
        **selectors.customer_context(found, now=now),
        "query": query, "answers": selectors.answers_search(query, language=found.language) if query else None,
        "reply_form": reply_form, "resolve_form": ResolveForm(initial={"reason": found.reason}),
        "refund_form": MoneyForm(prefix="refund"), "credit_form": MoneyForm(prefix="credit"),
        "escalate_form": forms.get("escalate") or EscalateForm(), "note_form": NoteForm(prefix="note"),
        "customer_note_form": NoteForm(prefix="customer-note"), "callback_form": CallbackLogForm(),
        "fix_form": FixForm(), "panels": conversation_panels(request, found, now),
    }, status=refused.status if refused else 400 if forms else 200)


@staff_required
@require_POST
def conversation_live(request, conversation_id: int):
    """What the open page fetches every few seconds (htmx): its heartbeat (who is viewing), and in return
    the entries added since (`?m=` and `?a=`, the last message and action it shows), who else is viewing
    and who has the conversation now."""
    found = selectors.conversation_detail(conversation_id)
    now = timezone.now()
    services.presence_beat(conversation=found, person=request.user, now=now)
    after = {"messages_after": clamped_int(request.GET.get("m"), default=0, low=0, high=DB_INT_MAX),
             "actions_after": clamped_int(request.GET.get("a"), default=0, low=0, high=DB_INT_MAX)}
    entries = selectors.timeline(found, **after)
    return render(request, "cases/_conversation_live.html", {
        "conversation": found, "timeline": entries, **selectors.timeline_marks(entries, **after),
        "viewers": selectors.viewers(selectors.staff_choices(found, now=now), besides=request.user),
        "replied": [e for e in entries if e.entry == "message" and e.direction == "out"
                    and e.author_id != request.user.pk],
    })


@staff_required
@require_POST
def take(request, conversation_id: int):
    found = selectors.conversation_detail(conversation_id)
    services.conversation_take(conversation=found, by=request.user)
    messages.success(request, _("It is yours now."))
    return redirect("conversation", conversation_id)


@staff_required
@require_POST
def assign(request, conversation_id: int):
    found = selectors.conversation_detail(conversation_id)
    form = AssignForm(request.POST, staff=selectors.staff_choices())
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    else:
        try:
            services.conversation_assign(conversation=found, by=request.user, to=form.cleaned_data["owner"])
        except Refused as exc:
            messages.error(request, str(exc))
        else:
            owner = form.cleaned_data["owner"]
            messages.success(request, _("Given to %(name)s.") % {"name": owner.get_short_name() or owner.username}
                             if owner else _("It waits for anyone now."))
    return redirect("conversation", conversation_id)


def _act(request, conversation_id: int, form_name: str, form, do, ask=()):
    """Run one action from the conversation page; a refusal is shown there, and changes nothing. A refusal
    whose code is in `ask` is a question: the page is shown again with the form as it was sent."""
    found = selectors.conversation_detail(conversation_id)
    if not form.is_valid():
        if form_name in ("reply", "escalate"):
            return conversation(request, conversation_id, forms={form_name: form})
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("conversation", conversation_id)
    try:
        done = do(found, form.cleaned_data)
    except Refused as exc:
        if exc.code in ask:
            return conversation(request, conversation_id, forms={form_name: form}, refused=exc)
        messages.error(request, str(exc))
    else:
        if done:
            messages.success(request, done)
    return redirect("conversation", conversation_id)


@staff_required
@require_POST
def reply(request, conversation_id: int):
    def do(found, data):
        services.reply_send(conversation=found, by=request.user, body=data["body"],
                            request_key=data["request_key"], resolve=data["resolve"], reason=data["reason"],
                            answer_id=data["answer_id"], seen=data["seen"], anyway=data["anyway"])
        return _("Reply sent to %(email)s.") % {"email": found.email}
    # A colleague replied since the page was loaded: the page again, the reply kept, with "send anyway".
    return _act(request, conversation_id, "reply", ReplyForm(request.POST), do, ask=("replied_meanwhile",))


@staff_required
@require_POST
def refund(request, conversation_id: int):
    def do(found, data):
        made = services.conversation_refund(conversation=found, by=request.user, order_id=data["order_id"],
                                            amount=data["amount"], request_key=data["request_key"])
        return _("Refund %(reference)s issued: %(amount)s %(currency)s.") % {
            "reference": made.reference, "amount": made.amount, "currency": made.currency}
    return _act(request, conversation_id, "refund", MoneyForm(request.POST, prefix="refund"), do)


@staff_required
@require_POST
def credit(request, conversation_id: int):
    def do(found, data):
        services.conversation_credit(conversation=found, by=request.user, order_id=data["order_id"],
                                     amount=data["amount"], reason=data["reason"], request_key=data["request_key"])
        return _("Goodwill credit given.")
    return _act(request, conversation_id, "credit", MoneyForm(request.POST, prefix="credit"), do)


@staff_required
@require_POST
def fix(request, conversation_id: int, how: str):
    """Send the order again, or upgrade its shipping: one click each, done at once."""
    actions = {"reship": (services.conversation_reship, _("Sent again: the shop ships the order anew.")),
               "upgrade": (services.conversation_upgrade_shipping, _("Shipping upgraded to the fastest service."))}
    if how not in actions:
        raise Http404("No such action")
    act, done = actions[how]

    def do(found, data):
        act(conversation=found, by=request.user, order_id=data["order_id"], request_key=data["request_key"])
        return done
    return _act(request, conversation_id, how, FixForm(request.POST), do)


@staff_required
@require_POST
def escalate(request, conversation_id: int):
    def do(found, data):
        services.conversation_escalate(conversation=found, by=request.user, queue=data["queue"],
                                       reason=data["reason"])
        return _("Handed over, with your reason.")
    return _act(request, conversation_id, "escalate", EscalateForm(request.POST), do)


@staff_required
@require_POST
def resolve(request, conversation_id: int):
    found = selectors.conversation_detail(conversation_id)
    form = ResolveForm(request.POST)
    services.conversation_resolve(conversation=found, by=request.user,
                                  reason=form.cleaned_data["reason"] if form.is_valid() else "")
    messages.success(request, _("Marked resolved. A reply from the customer reopens it."))
    return redirect("queue")


@staff_required
@require_POST
def note(request, conversation_id: int):
    def do(found, data):
        services.internal_note_add(conversation=found, by=request.user, text=data["text"])
        return ""
    return _act(request, conversation_id, "note", NoteForm(request.POST, prefix="note"), do)


@staff_required
@require_POST
def customer_note(request, conversation_id: int):
    def do(found, data):
        services.customer_note_add(customer=found.customer, by=request.user, text=data["text"])
        return ""
    return _act(request, conversation_id, "customer-note", NoteForm(request.POST, prefix="customer-note"), do)


@staff_required
@require_POST
def customer_note_delete(request, conversation_id: int, note_id: int):
    found = selectors.conversation_detail(conversation_id)
    note_row = get_object_or_404(CustomerNote, pk=note_id, customer_id=found.customer_id)
    services.customer_note_delete(note_id=note_row.pk, customer=found.customer)
    return redirect("conversation", conversation_id)


@staff_required
def attachment(request, conversation_id: int, attachment_id: int):
    """Attachments are served only to staff, always as a download: a customer's HTML file must never run
    in our pages' origin."""
    found = Attachment.objects.filter(pk=attachment_id, message__conversation_id=conversation_id).first()
    if found is None:
        raise Http404("No such attachment")
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=found.filename,
                        content_type="application/octet-stream")


@login_required
def contact(request):
    """A signed-in customer writes to us; the answer comes by email and in the conversation."""
    if not request.user.is_customer or not hasattr(request.user, "customer"):
        raise Http404("No such page")
    customer = request.user.customer
    orders = _customer_orders(request)
    form = ContactForm(request.POST or None, orders=orders, initial={"order": request.GET.get("order", "")})
    hint = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        order = next((o for o in orders if o.external_id == data["order"]), None)
        # The likely answer first (once): most people need nothing more. "Send anyway" sends it as written.
        anyway = bool(request.POST.get("anyway"))
        if not anyway:
            hint = contact_hint(customer=customer, subject=data["subject"], body=data["body"], order=order,
                                now=timezone.now())
        if hint is None:
            services.contact_form_send(customer=customer, subject=data["subject"], body=data["body"], order=order,
                                       request_key=data["request_key"], after_hint=anyway)
            messages.success(request, _("Thank you. We will answer you by email at %(email)s.")
                             % {"email": customer.email})
            return redirect("order_list")
    return render(request, "cases/contact.html", {"form": form, "hint": hint})


# --- the answer library --------------------------------------------------------------------------------


@staff_required
def answers(request):
    query = request.GET.get("q", "").strip()
    return render(request, "cases/answers.html", {
        "query": query, "answers": selectors.answers_search(query, language=request.LANGUAGE_CODE, limit=100)})


@staff_required
def answer_edit(request, answer_id: int | None = None):
    answer = selectors.answer_detail(answer_id) if answer_id else None
    form = AnswerForm(request.POST or None, instance=answer,
                      initial=None if answer else {"language": request.LANGUAGE_CODE})
    if request.method == "POST" and form.is_valid() and attempt_on_form(form, lambda: services.answer_save(
            answer=answer, by=request.user, **form.cleaned_data)):
        messages.success(request, _("Answer saved. Everyone on the team can use it now."))
        return redirect("answers")
    return render(request, "cases/answer_edit.html", {"form": form, "answer": answer})


# --- how service is measured ---------------------------------------------------------------------------


def survey(request, token: str):
    """The customer's one-click answer from the email: no sign-in, the unguessable token is the key."""
    found = Survey.objects.filter(token=token).select_related("conversation").first()
    if found is None:
        raise Http404("No such survey")
    initial = {"solved": request.GET.get("solved") or ("yes" if found.solved else "no" if found.solved is False
                                                       else None), "effort": found.effort, "comment": found.comment}
    form = SurveyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_answer(survey=found, solved=form.cleaned_data["solved"],
                                   effort=form.cleaned_data["effort"], comment=form.cleaned_data["comment"])
        except Refused as exc:
            messages.info(request, str(exc))
        else:
            return render(request, "cases/survey_thanks.html", {"survey": found})
    return render(request, "cases/survey.html", {"form": form, "survey": found})


@operator_required
def measures(request):
    days = clamped_int(request.GET.get("days"), default=30, low=1, high=365)
    now = timezone.now()
    return render(request, "cases/measures.html",
                  {"days": days, **selectors.service_measures(since=now - timedelta(days=days), now=now)})


# --- callbacks -----------------------------------------------------------------------------------------


def _customer_orders(request):
    """The customer's recent orders, plus an older one named in the request (?order=), for forms."""
    orders = commerce_selectors.order_list(request.user)
    wanted = request.POST.get("order") or request.GET.get("order") or ""
    if wanted and all(order.external_id != wanted for order in orders):
        orders = [commerce_selectors.order_detail(request.user, wanted), *orders]
    return orders


@login_required
def callback_request(request):
    """A signed-in customer asks to be called back, at a time of their choosing."""
    if not request.user.is_customer or not hasattr(request.user, "customer"):
        raise Http404("No such page")
    customer = request.user.customer
    orders = _customer_orders(request)
    form = CallbackRequestForm(request.POST or None, windows=services.callback_windows(customer), orders=orders,
                               initial={"phone": customer.phone, "order": request.GET.get("order", "")})
    if request.method == "POST" and form.is_valid():
        order = next((o for o in orders if o.external_id == form.cleaned_data["order"]), None)
        window = form.chosen_window()
        if attempt_on_form(form, lambda: services.callback_request(
                customer=customer, phone=form.cleaned_data["phone"], window_start=window.start,
                topic=form.cleaned_data["topic"], order=order, request_key=form.cleaned_data["request_key"])):
            messages.success(request, _callback_booked(window))
            return redirect("order_list")
    return render(request, "cases/callback_request.html", {"form": form})


@staff_required
def callbacks(request):
    return render(request, "cases/callbacks.html", selectors.callbacks_page(now=timezone.now()))


@staff_required
@require_POST
def callback_log(request, conversation_id: int):
    def do(found, data):
        services.callback_log(callback=getattr(found, "callback", None), by=request.user, outcome=data["outcome"],
                              notes=data["notes"])
        return _("Call logged.")
    return _act(request, conversation_id, "callback", CallbackLogForm(request.POST), do)


# --- the service-duty rota -----------------------------------------------------------------------------


@staff_required
def rota(request):
    """Who is due a service-duty shift; operators book and cancel days here."""
    context = selectors.rota(today=timezone.localdate(), required=settings.ADVOCATE_SERVICE_DUTY_DAYS,
                             months=settings.ADVOCATE_SERVICE_DUTY_MONTHS)
    form = DutyForm(request.POST or None, staff=context["staff"])
    if request.method == "POST":
        if not request.user.is_operator:
            raise Http404("No such page")
        if form.is_valid() and attempt_on_form(form, lambda: services.duty_book(
                person=form.cleaned_data["person"], day=form.cleaned_data["day"], note=form.cleaned_data["note"],
                by=request.user)):
            messages.success(request, _("Booked."))
            return redirect("rota")
    return render(request, "cases/rota.html", {**context, "form": form})


@operator_required
@require_POST
def rota_cancel(request, shift_id: int):
    services.duty_cancel(shift_id=shift_id)
    return redirect("rota")


# --- the customer's own requests ("My requests") ----------------------------------------------------------

# Only a customer has requests: staff and sellers get the "not for your account" page (403).
customer_required = role_required(lambda user: user.is_customer and hasattr(user, "customer"))


def _message_form(data=None, files=None) -> CustomerMessageForm:
    return CustomerMessageForm(data, files, max_files=services.MAX_ATTACHMENTS,
                               max_bytes=services.MAX_ATTACHMENT_BYTES,
                               accept=",".join(f".{ext}" for ext in services.ATTACHMENT_TYPES))


@customer_required
def my_requests(request):
    """Everything the customer has asked of us, newest first: conversations, problem reports and guarantee
    claims, booked callbacks, and decisions about their account."""
    customer = request.user.customer
    context = selectors.customer_requests(customer)
    windows = services.callback_windows(customer) if context["booked"] else []
    for callback in context["booked"]:
        callback.move_form = CallbackMoveForm(windows=[w for w in windows if w.start != callback.window_start],
                                              prefix=f"cb{callback.pk}")
    return render(request, "cases/my_requests.html", context)


@customer_required
def my_conversation(request, conversation_id: int):
    """One conversation as the customer reads it — what they wrote and what we answered, never our internal
    notes — and a form to add to it, which reopens it as an emailed reply would."""
    customer = request.user.customer
    found = selectors.customer_conversation(customer, conversation_id)
    form = _message_form(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid() and attempt_on_form(
            form, lambda: services.conversation_customer_add(
                customer=customer, conversation=found, body=form.cleaned_data["body"], attachments=form.files_read(),
                request_key=form.cleaned_data["request_key"])):
        messages.success(request, _("Sent. A person will answer you here and by email at %(email)s.")
                         % {"email": customer.email})
        return redirect("my_conversation", conversation_id)
    return render(request, "cases/my_conversation.html", {"conversation": found, "form": form},
                  status=400 if form.is_bound else 200)


@customer_required
def my_attachment(request, conversation_id: int, attachment_id: int):
    """Always a download, as for staff: a file must never run in our pages' origin."""
    found = selectors.customer_attachment(request.user.customer, conversation_id, attachment_id)
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=found.filename,
                        content_type="application/octet-stream")


@customer_required
@require_POST
def my_callback_move(request, callback_id: int):
    customer = request.user.customer
    callback = selectors.customer_callback(customer, callback_id)
    form = CallbackMoveForm(request.POST, windows=services.callback_windows(customer), prefix=f"cb{callback.pk}")
    if not form.is_valid():
        messages.error(request, _("That time is no longer free. Please choose another."))
        return redirect("my_requests")
    window = form.chosen_window()
    if attempt(request, lambda: services.callback_move(customer=customer, callback=callback,
                                                        window_start=window.start)):
        messages.success(request, _callback_booked(window))
    return redirect("my_requests")


@customer_required
@require_POST
def my_callback_cancel(request, callback_id: int):
    customer = request.user.customer
    callback = selectors.customer_callback(customer, callback_id)
    attempt(request, lambda: services.callback_cancel(customer=customer, callback=callback),
            success=_("Your callback is cancelled. We will not call you."))
    return redirect("my_requests")


def _callback_booked(window) -> str:
    """What the customer is told once a callback is booked or moved: when, in their time zone."""
    return _("We will call you on %(day)s between %(start)s and %(end)s. We have emailed you the details.") % {
        "day": date_format(timezone.localtime(window.start), "MONTH_DAY_FORMAT"),
        "start": time_format(timezone.localtime(window.start), "H:i"),
        "end": time_format(timezone.localtime(window.end), "H:i")}
