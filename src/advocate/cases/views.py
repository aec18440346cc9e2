"""Thin HTML views: the associate's queue and conversation page, and the customer's contact form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from advocate.accounts.decorators import staff_required
from advocate.commerce import selectors as commerce_selectors

from . import selectors, services
from .forms import ContactForm, EscalateForm, MoneyForm, NoteForm, ReplyForm
from .models import Attachment, CustomerNote


def _page_number(request) -> int:
    try:
        return max(int(request.GET.get("page", 1)), 1)
    except ValueError:
        return 1


@staff_required
def queue(request):
    return render(request, "cases/queue.html",
                  selectors.queue_page(request.GET.get("queue", ""), page=_page_number(request)))


@staff_required
def conversation(request, conversation_id: int, forms: dict | None = None):
    found = selectors.conversation_detail(conversation_id)
    forms = forms or {}
    return render(request, "cases/conversation.html", {
        "conversation": found, "timeline": selectors.timeline(found),
        **selectors.customer_context(found, now=timezone.now()),
        "reply_form": forms.get("reply") or ReplyForm(),
        "refund_form": MoneyForm(prefix="refund"), "credit_form": MoneyForm(prefix="credit"),
        "escalate_form": forms.get("escalate") or EscalateForm(), "note_form": NoteForm(prefix="note"),
        "customer_note_form": NoteForm(prefix="customer-note"),
    }, status=400 if forms else 200)


def _act(request, conversation_id: int, form_name: str, form, do):
    """Run one action from the conversation page; a refusal is shown there, and changes nothing."""
    found = selectors.conversation_detail(conversation_id)
    if not form.is_valid():
        if form_name in ("reply", "escalate"):
            return conversation(request, conversation_id, forms={form_name: form})
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("conversation", conversation_id)
    try:
        done = do(found, form.cleaned_data)
    except services.ActionRefused as exc:
        messages.error(request, exc.message)
    else:
        if done:
            messages.success(request, done)
    return redirect("conversation", conversation_id)


@staff_required
@require_POST
def reply(request, conversation_id: int):
    def do(found, data):
        services.reply_send(conversation=found, by=request.user, body=data["body"],
                            request_key=data["request_key"], resolve=data["resolve"])
        return _("Reply sent to %(email)s.") % {"email": found.email}
    return _act(request, conversation_id, "reply", ReplyForm(request.POST), do)


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
    services.conversation_resolve(conversation=found, by=request.user)
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
        if found.customer is None:
            raise services.ActionRefused(_("This sender is not a known customer yet."))
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
    orders = commerce_selectors.order_list(request.user)
    wanted = request.POST.get("order") or request.GET.get("order") or ""
    if wanted and all(order.external_id != wanted for order in orders):  # an older order than the first page's
        orders = [commerce_selectors.order_detail(request.user, wanted), *orders]
    form = ContactForm(request.POST or None, orders=orders, initial={"order": request.GET.get("order", "")})
    if request.method == "POST" and form.is_valid():
        order = next((o for o in orders if o.external_id == form.cleaned_data["order"]), None)
        services.contact_form_send(customer=customer, subject=form.cleaned_data["subject"],
                                   body=form.cleaned_data["body"], order=order,
                                   request_key=form.cleaned_data["request_key"])
        messages.success(request, _("Thank you. A person will answer you by email at %(email)s.")
                         % {"email": customer.email})
        return redirect("order_list")
    return render(request, "cases/contact.html", {"form": form})
