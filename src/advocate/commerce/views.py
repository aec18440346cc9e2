from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from advocate.accounts.decorators import operator_required, staff_required

from . import selectors, services
from .panels import panels_for
from .presenters import status_sentence


def _page_number(request) -> int:
    try:
        return max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1


@login_required
def order_list(request):
    page = _page_number(request)
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


@operator_required
def operations(request):
    new_key = None
    if request.method == "POST":
        name = request.POST.get("name", "").strip()
        try:
            _, new_key = services.integration_create(name=name)
        except ValueError as exc:
            messages.error(request, str(exc))
    return render(request, "commerce/operations.html", {**selectors.operations_overview(), "new_key": new_key})
