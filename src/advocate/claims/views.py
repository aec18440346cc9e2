"""Thin HTML views: customers report problems, sellers answer claims, associates decide what needs a person,
operators set policy. Rules live in `rules` and `services`."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from advocate.accounts.decorators import is_staff, operator_required, seller_required, staff_required
from advocate.commerce import selectors as commerce_selectors
from advocate.commerce.selectors import buyer_alias
from advocate.core.errors import Invalid, Refused
from advocate.core.web import attempt, attempt_on_form, refusal_on_form

from . import presenters, rules, selectors, services
from .forms import DecisionForm, PolicyLayerForm, ReportForm, StatementForm

# --- customers ---------------------------------------------------------------------------------------


@login_required
def report_new(request, external_id: str, problem: str):
    """Step 2 of 3 (the order page is step 1, the outcome step 3): say what went wrong, and submit."""
    if not request.user.is_customer or problem not in rules.Problem:
        raise Http404("No such page")
    order = commerce_selectors.order_detail(request.user, external_id)
    if request.method == "POST":
        # The same form sent again (a double click, a reload): show what the first one decided.
        sent = selectors.report_by_request_key(order.customer, request.POST.get("request_key", ""))
        if sent is not None and sent.order_id == order.pk:
            return redirect("problem_detail", sent.reference)
    facts = selectors.report_form_facts(order, problem)
    option = facts["option"]
    if not option.available:
        messages.info(request, presenters.why_not(option, seller_ships=facts["seller_ships"]))
        return redirect("order_detail", external_id)
    form = ReportForm(request.POST or None, request.FILES or None, problem=rules.Problem(problem), facts=facts)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.report_file(
                order=order, customer=order.customer, problem=problem, request_key=form.cleaned_data["request_key"],
                reason=form.cleaned_data.get("reason", ""), remedy=form.cleaned_data.get("remedy", "refund"),
                items=form.items(), comment=form.cleaned_data["comment"], filed_by=request.user,
                photos=form.photos(),
            )
        except Invalid as exc:
            refusal_on_form(form, exc)
        except Refused as exc:  # it cannot be reported now: back to the order, which says why and from when
            messages.info(request, str(exc))
            return redirect("order_detail", external_id)
        else:
            return redirect("problem_detail", report.reference)
    return render(request, "claims/report_new.html", {
        "order": order, "problem": problem, "form": form, "hint": presenters.PROBLEM_HINTS[rules.Problem(problem)],
    })


@login_required
def problem_detail(request, reference: str):
    report = selectors.report_visible_to(request.user, reference)
    return render(request, "claims/problem_detail.html", {
        "report": report, "order": report.order, "result": presenters.outcome(report),
        "is_staff": is_staff(request.user),
    })


@login_required
def problem_photo(request, reference: str, photo_id: int):
    photo = selectors.photo_visible_to(request.user, reference, photo_id)
    response = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- sellers -----------------------------------------------------------------------------------------


@seller_required
def seller_claims(request):
    claims = selectors.claims_of_seller(request.user.seller)
    rows = [{"claim": c, "buyer": buyer_alias(c.report.order)} for c in claims]
    return render(request, "claims/seller_claims.html", {"rows": rows})


@seller_required
def seller_claim_detail(request, reference: str):
    claim = selectors.claim_for_seller(request.user.seller, reference)
    statement_form = StatementForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action")
        statement = statement_form.cleaned_data["statement"] if statement_form.is_valid() else ""
        done = {
            "refund": (lambda: services.claim_seller_refund(claim=claim, user=request.user),
                       _("Thank you: the buyer has been refunded.")),
            "dispute": (lambda: services.claim_seller_dispute(claim=claim, user=request.user, statement=statement),
                        _("Thank you: a person will look at it and decide.")),
            "appeal": (lambda: services.claim_appeal_file(claim=claim, user=request.user, statement=statement),
                       _("Your appeal is filed; a person will decide and tell you why.")),
        }.get(action)
        if done is not None and attempt(request, done[0], success=done[1]):
            return redirect("seller_claim_detail", reference)
    appeals = selectors.appeals_of_claim(claim)
    return render(request, "claims/seller_claim_detail.html", {
        "claim": claim, "report": claim.report, "order": claim.report.order, "buyer": buyer_alias(claim.report.order),
        "form": statement_form, "appealable": selectors.appealable(claim, timezone.now(), appeals=appeals),
        "open_appeal": next((a for a in appeals if a.state == "open"), None),
        "decided_appeals": [a for a in appeals if a.state != "open"],
    })


# --- service associates and operators ----------------------------------------------------------------


@staff_required
def review_queue(request):
    return render(request, "claims/review_queue.html", selectors.review_queue())


def _decide(request, decide, redirect_to: str):
    """Run a decision from a form post; show why it was refused, if it was."""
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please check the form."))
        return redirect(redirect_to)
    if not attempt(request, lambda: decide(form.cleaned_data["note"]),
                   success=_("Decided. Everyone concerned has been told.")):
        return redirect(redirect_to)
    return redirect("review_queue")


@require_POST
@staff_required
def review_report(request, reference: str):
    report = selectors.report_visible_to(request.user, reference)
    action = request.POST.get("action", "")
    return _decide(request, lambda note: services.report_review_decide(report=report, action=action, by=request.user,
                                                                        note=note),
                   reverse("problem_detail", args=[reference]))


@require_POST
@staff_required
def review_claim(request, reference: str):
    report = selectors.report_visible_to(request.user, reference)
    claim = getattr(report, "claim", None)
    if claim is None:
        raise Http404("No such claim")
    finding = request.POST.get("finding", "")
    return _decide(request, lambda note: services.claim_decide(claim=claim, finding=finding, by=request.user,
                                                                note=note), reverse("problem_detail", args=[reference]))


@staff_required
def review_appeal(request, appeal_id: int):
    appeal = selectors.appeal_visible_to_staff(appeal_id)
    if request.method == "POST":
        reversing = request.POST.get("decision") == "reverse"
        return _decide(request, lambda note: services.claim_appeal_decide(appeal=appeal, reverse=reversing,
                                                                          by=request.user, note=note),
                       request.path)
    claim = appeal.claim
    return render(request, "claims/review_appeal.html", {
        "appeal": appeal, "claim": claim, "report": claim.report, "order": claim.report.order,
        "form": DecisionForm(),
    })


@require_POST
@staff_required
def review_flag(request, flag_id: int):
    flag = selectors.flag_visible_to_staff(flag_id)
    services.refund_flag_review(flag=flag, by=request.user, note=request.POST.get("note", "")[:2000])
    messages.success(request, _("Marked as reviewed."))
    return redirect("review_queue")


@operator_required
def policies(request, layer_id: int | None = None):
    """Operators set return and refund policy for the marketplace, per category and per seller."""
    layer = selectors.policy_layer(layer_id) if layer_id else None
    if request.method == "POST" and request.POST.get("action") == "delete" and layer is not None:
        if not attempt(request, lambda: services.policy_layer_delete(layer=layer),
                       success=_("Policy removed; the more general layers apply again.")):
            return redirect("policy_edit", layer.pk)
        return redirect("policies")
    form = PolicyLayerForm(request.POST or None, instance=layer)
    saved = []
    if request.method == "POST" and form.is_valid() and attempt_on_form(form, lambda: saved.append(
            services.policy_layer_save(layer=layer, by=request.user, **form.policy_values()))):
        messages.success(request, _("Policy saved. It applies to problems reported from now on."))
        return redirect("policy_edit", saved[0].pk)
    return render(request, "claims/policies.html", {
        "layers": selectors.policy_layers(), "form": form, "layer": layer,
        "BASE_CURRENCY": settings.ADVOCATE_BASE_CURRENCY,
    })
