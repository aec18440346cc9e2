from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from advocate.accounts import links
from advocate.accounts.decorators import operator_required, staff_required
from advocate.accounts.signin import client_address
from advocate.core.errors import Refused
from advocate.core.numbers import clamped_int, page_number

from . import selectors, services, signin
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


# How customers sign in (`signin.py`): an emailed link, asked for with an email address or an order number.
# The answer never says whether the address is known; only "asked too often" is refused.

def _link_request(request, template: str, fields: tuple[str, ...], send) -> object:
    values = {name: request.POST.get(name, request.GET.get(name, "")).strip()[:254] for name in fields}
    context = {"values": values, "sent": False, "error": "", "minutes": links.link_minutes()}
    status = 200
    if request.method == "POST" and all(values.values()):
        try:
            send(address=client_address(request), **values)
        except Refused as refused:
            context["error"], status = str(refused), 429
        else:
            context["sent"] = True
    return render(request, template, context, status=status)


@csrf_protect
def signin_link_request(request):
    return _link_request(request, "commerce/signin_link.html", ("email",), signin.signin_link_send)


@csrf_protect
def order_lookup(request):
    return _link_request(request, "commerce/order_lookup.html", ("order_number", "email"),
                         signin.order_lookup_send)


@csrf_protect
def signin_link_open(request):
    """The link in the email. Opening it (GET) shows one button; the button (POST) signs in — so a mail
    program or scanner that fetches links to check them does not spend a link meant to work once."""
    source = request.POST if request.method == "POST" else request.GET
    token, first = source.get(links.TOKEN_PARAMETER, ""), source.get(links.FIRST_PARAMETER, "")
    next_path = signin.safe_next(request, source.get("next", ""))
    context = {"token": token, "first": first, "next": next_path, "hint": source.get(links.HINT_PARAMETER, ""),
               "minutes": links.link_minutes()}
    if request.method == "POST" and (token or first):
        user = signin.signin_link_use(request, token=token, first=first)
        if user is not None:
            login(request, user, backend="sesame.backends.ModelBackend")
            return redirect(next_path)
    if request.method == "POST" or not (token or first):
        context["email"] = signin.hinted_email(context["hint"])
        return render(request, "commerce/signin_link_spent.html", context, status=410)
    return render(request, "commerce/signin_link_open.html", context)
