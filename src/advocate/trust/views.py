"""Thin HTML views: the affected person's decisions and appeals; operators' actions, appeals, promises and
audit log; the associates' andon cord (pull a listing)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from advocate.accounts.decorators import operator_required, staff_required
from advocate.commerce.models import Product
from advocate.core.web import attempt, attempt_on_form

from . import selectors, services
from .forms import ActionForm, AppealForm, DecisionForm, LiftForm, PullListingForm
from .models import AccountAction, ActionKind


@login_required
def account_actions(request):
    """Every decision about this person's account, with its statement of reasons and a way to appeal."""
    actions = selectors.actions_of(request.user)
    now = timezone.now()
    return render(request, "trust/account_actions.html", {
        "rows": [{"action": action, "appealable": selectors.appealable(action, now)} for action in actions],
        "form": AppealForm(),
    })


@login_required
@require_POST
def appeal(request, reference: str):
    action = selectors.action_of(request.user, reference)
    form = AppealForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {"statement": "", "plan": ""}
    attempt(request, lambda: services.appeal_file(action=action, statement=data["statement"], plan=data["plan"],
                                                  by=request.user),
            success=_("Your appeal is with us. A person will decide and tell you why."))
    return redirect("account_actions")


@operator_required
def operations(request):
    form = ActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        taken = []
        if attempt_on_form(form, lambda: taken.append(services.action_take(
                kind=data["kind"], statement=services.Statement(data["scope"], data["facts"], data["rule"]),
                automated=False, by=request.user, seller=data["seller"], customer=data["customer"],
                effective_at=data["effective_at"], ends_at=data["ends_at"]))):
            messages.success(request, _("Decision %(reference)s taken; the statement of reasons has been sent.")
                             % {"reference": taken[0].reference})
            return redirect("trust_operations")
    return render(request, "trust/operations.html", {**selectors.operations(now=timezone.now()), "form": form,
                                                     "lift_form": LiftForm()})


@operator_required
def appeal_decide(request, appeal_id: int):
    found = selectors.appeal_for_staff(appeal_id)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and attempt_on_form(form, lambda: services.appeal_decide(
            appeal=found, by=request.user, reverse=form.cleaned_data["decision"] == "reverse",
            reasons=form.cleaned_data["reasons"])):
        messages.success(request, _("Decided. The reasons have been sent."))
        return redirect("trust_operations")
    return render(request, "trust/appeal_decide.html", {"appeal": found, "action": found.action, "form": form})


@staff_required
@require_POST
def action_lift(request, reference: str):
    action = AccountAction.objects.filter(reference=reference).first()
    if action is None:
        raise Http404("No such decision")
    if action.kind != ActionKind.LISTING_PULLED and not request.user.is_operator:
        raise Http404("No such decision")  # associates put back listings they pulled; the rest is operators'
    form = LiftForm(request.POST)
    attempt(request, lambda: services.action_lift(action=action, by=request.user,
                                                  reason=form.cleaned_data["reason"] if form.is_valid() else ""),
            success=_("Lifted; they have been told."))
    return redirect("pull_listing" if request.POST.get("next") == "pull_listing" else "trust_operations")


@staff_required
def pull_listing(request):
    """The andon cord: an associate takes a listing down at once when customers keep reporting the same defect.
    The seller is told why; the listing returns when the cause is fixed."""
    # Other pages (a spike on the insights page) link here with the seller, SKU and evidence filled in.
    form = PullListingForm(request.POST or None, initial={k: request.GET[k] for k in ("seller", "sku", "facts")
                                                          if k in request.GET})
    if request.method == "POST" and form.is_valid():
        seller, sku = form.cleaned_data["seller"], form.cleaned_data["sku"]
        product = Product.objects.filter(seller=seller, sku=sku).first()
        if product is None:
            form.add_error("sku", _("This seller has no product with that SKU."))
        else:
            action = services.action_take(
                kind=ActionKind.LISTING_PULLED, seller=seller, product=product, automated=False, by=request.user,
                statement=services.Statement(
                    scope=_("The listing %(title)s (SKU %(sku)s)") % {"title": product.title, "sku": product.sku},
                    facts=form.cleaned_data["facts"],
                    rule=_("Marketplace rules: a listing customers keep reporting defective is paused until the "
                           "cause is fixed.")))
            messages.success(request, _("Listing taken down (%(reference)s). The seller has been told why.")
                             % {"reference": action.reference})
            return redirect("pull_listing")
    pulled = AccountAction.objects.filter(kind=ActionKind.LISTING_PULLED, state__in=selectors.IN_EFFECT)
    return render(request, "trust/pull_listing.html", {
        "form": form, "pulled": pulled.select_related("seller", "product").order_by("-effective_at"),
        "lift_form": LiftForm()})
