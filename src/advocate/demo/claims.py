"""The demo marketplace's returns side: what its history implies, and policies worth seeing."""

from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from advocate.claims import rules, services
from advocate.claims.models import PolicyLayer
from advocate.commerce.models import Order, OrderLine, OrderState
from advocate.core.errors import Refused

from .marketplace import demo_seller
from .models import DemoScenario

DEMO_POLICIES = [
    # Electronics: a photo helps the seller claim from the carrier; a shorter window for change of mind.
    {"category": "electronics", "photo_required_for": ["damaged"], "return_window_days": 14},
    # Food cannot be resold once sent: no returns for a change of mind (a person can still make an exception).
    {"category": "grocery", "change_of_mind_returns": False},
]


def settle_history(*, progress_bar=None) -> int:
    """Refund the demo's cancelled orders (quietly: that happened in the past) and set the demo policies."""
    for values in DEMO_POLICIES:
        PolicyLayer.objects.update_or_create(seller=None, category=values["category"], defaults=values)
    total = Order.objects.filter(state=OrderState.CANCELLED).count()
    if progress_bar is None:
        return services.cancelled_orders_refund_all(notify=False)
    with progress_bar(total) as bar:
        return services.cancelled_orders_refund_all(notify=False, progress=bar.update)


def file_sample_requests(*, now=None, per_kind: int = 3) -> int:
    """A few requests from customers without a demo login, made now: guarantee claims against the demo
    seller (its *Claims* page) and returns long after delivery (the associates' *Needs a person*)."""
    now = now or timezone.now()
    filed = 0
    seller = demo_seller()
    others = Order.objects.filter(customer__user__isnull=True).select_related("customer", "seller").order_by("id")
    claimable = others.filter(seller=seller, pk__in=DemoScenario.objects.filter(
        kind__in=("lost", "not_received", "item_missing")).values("order_id"))
    late_returns = others.filter(shipments__delivered_at__lt=now - timedelta(days=40)).distinct()
    for orders, problem in ((claimable, None), (late_returns, rules.Problem.RETURN)):
        made = 0
        for order in orders[:50]:
            line = order.lines.order_by("id").first()
            kind = problem or {"item_missing": "item_missing"}.get(
                DemoScenario.objects.get(order=order).kind, "not_received")
            items = [(line.id, 1)] if kind in rules.ITEM_PROBLEMS else []
            try:
                services.report_file(order=order, customer=order.customer, problem=kind, items=items,
                                     reason="changed_mind" if kind == rules.Problem.RETURN else "",
                                     request_key=f"demo-{order.pk}", now=now)
            except Refused:
                continue
            made += 1
            if made == per_kind:
                break
        filed += made
    return filed


def plant_spike(*, now=None, reports: int = 6) -> str:
    """A product customers suddenly find "not as described" this week — the spike the insights page catches,
    for a person to follow up (open a defect, take the listing down). Filed through the same service as
    customers' own reports, by customers without a demo login. Returns the product's SKU ("" if the demo is
    too small to have one delivered this often)."""
    now = now or timezone.now()
    recent = (Order.objects.filter(customer__user__isnull=True, state=OrderState.PLACED,
                                   shipments__delivered_at__gte=now - timedelta(days=10),
                                   shipments__delivered_at__lte=now)
              .exclude(problem_reports__isnull=False).distinct())
    busiest = (OrderLine.objects.filter(order__in=recent, product__isnull=False).values("product_id")
               .annotate(n=Count("order_id", distinct=True)).filter(n__gte=reports).order_by("-n", "product_id"))
    for row in busiest[:5]:
        filed = 0
        for line in OrderLine.objects.filter(order__in=recent, product_id=row["product_id"]).select_related(
                "order__customer", "product").order_by("order_id"):
            try:
                services.report_file(order=line.order, customer=line.order.customer, problem="not_as_described",
                                     reason="not_as_described", items=[(line.pk, 1)],
                                     comment="The colour and the material are not what the photos show.",
                                     request_key=f"demo-spike-{line.order_id}", now=now)
            except Refused:
                continue
            filed += 1
            if filed == reports:
                return line.product.sku
    return ""
