from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from advocate.accounts.decorators import operator_required, staff_required
from advocate.core.errors import Refused
from advocate.core.numbers import clamped_int, page_number

from . import selectors, services
from .models import Integration, Scope
from .panels import panels_for
from .presenters import delivery_address_for, status_sentence


@login_required
def order_list(request):
    page = page_number(request.GET.get("page"))
    orders = selectors.order_list(request.user, page=page)
    has_next = len(orders) > selectors.ORDERS_PER_PAGE
    now = timezone.now()
    rows = []
    for order in orders[: selectors.ORDERS_PER_PAGE]:
        status = selectors.status_of(order, now)
        sentence = status_sentence(status, fulfilled_by=order.fulfilled_by, now=now)
        rows.append({"order": order, "status": status, "sentence": sentence})
    if request.user.is_seller:
        for row in rows:
            row["buyer"] = selectors.buyer_alias(row["order"])
    return render(request, "commerce/order_list.html", {"rows": rows, "page": page, "has_next": has_next})


@login_required
def order_detail(request, external_id: str):
    order = selectors.order_detail(request.user, external_id)
    now = timezone.now()
    status = selectors.status_of(order, now)
    context = {
        "order": order,
        "ship_to": delivery_address_for(request.user, order),
        "status": status,
        "sentence": status_sentence(status, fulfilled_by=order.fulfilled_by, now=now),
        "shipments": [
            {
                "shipment": s,
                "sentence": status_sentence(
                    selectors.shipment_status_of(s, order, now), fulfilled_by=order.fulfilled_by, now=now
                ),
            }
            for s in order.shipments.all()
        ],
    }
    if request.user.is_seller:
        context["buyer"] = selectors.buyer_alias(order)
    context["panels"] = panels_for(request, order, now)
    return render(request, "commerce/order_detail.html", context)


@staff_required
def customer_lookup(request):
    query = request.GET.get("q", "")
    customers = selectors.customer_search(query)
    recent = selectors.recent_orders_of(customers)
    results = [{"customer": c, "orders": recent[c.id]} for c in customers]
    return render(request, "commerce/customer_lookup.html", {"query": query, "results": results})


GRACE_CHOICES = [(str(int(g.total_seconds())), label) for g, label in zip(services.ROTATION_GRACE_CHOICES, (
    gettext_lazy("stops at once"), gettext_lazy("keeps working for an hour"),
    gettext_lazy("keeps working for 24 hours"), gettext_lazy("keeps working for 7 days")), strict=True)]


# A new key is shown once, on the page the operator is sent to after the change (so reloading it never
# creates or rotates again). It waits in the server-side session, never in a cookie, until that page pops it.
_NEW_KEY = "operations.new_key"


def _show_new_key_once(request, new_key: str):
    request.session[_NEW_KEY] = new_key
    return redirect("operations")


def _operations_page(request, *, form_error: str = "", status: int = 200):
    new_key = request.session.pop(_NEW_KEY, "") if request.method == "GET" else ""
    context = {**selectors.operations_overview(), "new_key": new_key, "form_error": form_error,
               "scopes": Scope.choices, "grace_choices": GRACE_CHOICES, "now": timezone.now(),
               # after a refusal the form shows what was typed; after success it is empty again
               "posted": request.POST if form_error else {},
               "checked_scopes": request.POST.getlist("scopes") if form_error else []}
    return render(request, "commerce/operations.html", context, status=status)


@operator_required
def operations(request):
    """The marketplace at a glance, and the integrations' keys: create one with its scopes (its key is shown
    once), rotate or revoke one."""
    if request.method != "POST":
        return _operations_page(request)
    try:
        _, new_key = services.integration_create(name=request.POST.get("name", ""),
                                                 scopes=request.POST.getlist("scopes"),
                                                 acts_as=request.POST.get("acts_as", ""))
    except Refused as refused:
        return _operations_page(request, form_error=str(refused), status=422)
    return _show_new_key_once(request, new_key)


@operator_required
@require_POST
def integration_rotate(request, integration_id: int):
    integration = get_object_or_404(Integration, pk=integration_id)
    seconds = clamped_int(request.POST.get("grace"), default=-1, low=-1, high=365 * 86400)
    try:
        new_key = services.integration_rotate(integration, grace=timedelta(seconds=seconds))
    except Refused as refused:
        messages.error(request, str(refused))
        return redirect("operations")
    return _show_new_key_once(request, new_key)


@operator_required
@require_POST
def integration_revoke(request, integration_id: int):
    integration = get_object_or_404(Integration, pk=integration_id)
    services.integration_revoke(integration)
    messages.success(request, _("The key of “%(name)s” is revoked: it no longer works.") % {"name": integration.name})
    return redirect("operations")
