"""Reads for seller health: a seller's figures now and over time, the orders behind each figure, and the
marketplace-wide view for operators. A seller's figures read at most the longest window's day counters
(one query), whatever the size of their history."""

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Q
from django.http import Http404

from advocate.commerce.models import Order, Seller

from . import health
from .models import METRIC_LABELS, HealthDay, HealthTarget, OrderHealth

CHART_WEEKS = 12
BEHIND_SHOWN = 100


def targets() -> dict[health.Metric, health.Target]:
    """The operator's targets, defaults where none is set."""
    chosen = dict(health.DEFAULT_TARGETS)
    for row in HealthTarget.objects.all():
        metric = health.Metric(row.metric)
        chosen[metric] = health.Target(metric=metric, window_days=row.window_days, limit=float(row.limit) / 100,
                                       at_least=health.DEFAULT_TARGETS[metric].at_least)
    return chosen


def _counters(seller_ids, first_day: date, last_day: date) -> dict[int, dict]:
    counters: dict[int, dict] = defaultdict(dict)
    rows = HealthDay.objects.filter(seller_id__in=seller_ids, day__gte=first_day, day__lte=last_day)
    for seller_id, day, counter, value in rows.values_list("seller_id", "day", "counter", "value"):
        counters[seller_id][(health.Counter(counter), day)] = value
    return counters


def figures_of(seller: Seller, today: date, chosen=None) -> dict[health.Metric, health.Figure]:
    chosen = chosen or targets()
    longest = max(target.window_days for target in chosen.values())
    counters = _counters([seller.pk], today - timedelta(days=longest - 1), today)[seller.pk]
    return health.figures(counters, today, chosen)


def dashboard(seller: Seller, today: date) -> dict:
    """Each figure with its target and weekly history (each point the figure as it stood that day)."""
    chosen = targets()
    longest = max(target.window_days for target in chosen.values())
    first = today - timedelta(weeks=CHART_WEEKS - 1, days=longest - 1)
    counters = _counters([seller.pk], first, today)[seller.pk]
    days = [today - timedelta(weeks=week) for week in reversed(range(CHART_WEEKS))]
    history = [health.figures(counters, day, chosen) for day in days]
    now = history[-1]
    return {
        "figures": [{
            "metric": metric, "label": METRIC_LABELS[metric], "figure": now[metric],
            "points": [(day, figures[metric].rate) for day, figures in zip(days, history, strict=True)],
        } for metric in health.Metric],
        "failing": [metric for metric in health.Metric if not now[metric].ok],
    }


# Which orders stand behind each order-based figure: (flag on OrderHealth, the order date its window judges).
_BEHIND = {
    health.Metric.ORDER_DEFECT_RATE: ("defective", "placed_at"),
    health.Metric.PRE_FULFILMENT_CANCELLATION_RATE: ("cancelled_before_shipping", "placed_at"),
    health.Metric.LATE_SHIPMENT_RATE_10: ("late_shipment", "order__ship_by"),
    health.Metric.LATE_SHIPMENT_RATE_30: ("late_shipment", "order__ship_by"),
    health.Metric.ON_TIME_DELIVERY_RATE: ("late_delivery", "order__promised_latest"),
    health.Metric.VALID_TRACKING_RATE: ("tracking_invalid", "order__shipments__shipped_at"),
}


def orders_behind(seller: Seller, metric: health.Metric, today: date) -> list[Order]:
    """The seller's orders that count against a figure, in its window, newest first."""
    if metric not in _BEHIND:
        raise Http404("No orders behind this figure")
    flag, basis = _BEHIND[metric]
    window = health.counted_orders_window(metric, today, targets()[metric])
    # Windows are whole UTC days.
    in_window = {f"{basis}__gte": datetime.combine(window.first_day, time(), UTC),
                 f"{basis}__lt": datetime.combine(window.last_day + timedelta(days=1), time(), UTC)}
    # Newest first through the (seller, placed_at) index: the walk stops at the hundredth match.
    rows = (OrderHealth.objects.filter(seller=seller, **{flag: True}, **in_window)
            .select_related("order").order_by("-placed_at").distinct()[:BEHIND_SHOWN])
    orders = []
    for row in rows:
        row.order.health = row
        orders.append(row.order)
    return orders


def marketplace(today: date) -> list[dict]:
    """Every third-party seller's figures, those failing most first (operators)."""
    chosen = targets()
    longest = max(target.window_days for target in chosen.values())
    sellers = list(Seller.objects.filter(Q(is_platform=False)).order_by("name"))
    counters = _counters([s.pk for s in sellers], today - timedelta(days=longest - 1), today)
    rows = []
    for seller in sellers:
        figures = health.figures(counters[seller.pk], today, chosen)
        rows.append({"seller": seller, "figures": [figures[m] for m in health.Metric],
                     "failing": sum(not f.ok for f in figures.values())})
    rows.sort(key=lambda row: (-row["failing"], row["seller"].name))
    return rows
