"""What the rules would have done over the last days, had they been running with these switches: the same rule
functions the live run asks, at every moment of each order's history an answer could have changed; the rules
that act on events, on the events as stored on arrival. Changes nothing."""

import bisect
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Sum

from advocate.claims.selectors import to_base_currency
from advocate.commerce.models import InboundEvent, Membership, Order, OrderLine, OrderState, Payment

from . import rules
from .models import Firing
from .on_events import CANCELLED_FOR_US, price_drop_differences
from .services import replayed

STEP_LABELS = dict(Firing._meta.get_field("step").choices)
RULE_LABELS = dict(Firing._meta.get_field("rule").choices)


@dataclass
class Tried:
    days: int
    counts: dict[tuple[str, str], int]
    credits: Decimal  # base currency
    refunds: Decimal  # base currency
    resent: Decimal  # base currency, the value of orders sent again
    over_budget: int
    no_rate: int  # firings in a currency with no exchange rate: counted, not added up
    orders: list[tuple[datetime, Order, str]]  # the first firings (with what the step is), to look at

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def told(self) -> int:
        return self.counts.get((rules.Rule.LATE, rules.Step.TELL), 0)

    @property
    def traced(self) -> int:
        return self.counts.get((rules.Rule.STALLED, rules.Step.TRACE), 0)

    @property
    def remedied(self) -> int:
        return self.counts.get((rules.Rule.STALLED, rules.Step.REMEDY), 0)

    @property
    def digital(self) -> int:
        return self.counts.get((rules.Rule.DIGITAL, rules.Step.REMEDY), 0)

    @property
    def price_dropped(self) -> int:
        return self.counts.get((rules.Rule.PRICE_DROP, rules.Step.REMEDY), 0)

    @property
    def pointed(self) -> int:
        return self.counts.get((rules.Rule.STOCK_OUT, rules.Step.TELL), 0)

    @property
    def delighted(self) -> int:
        return self.counts.get((rules.Rule.DELIGHT, rules.Step.UPGRADE), 0)

    @property
    def money(self) -> Decimal:
        return self.credits + self.refunds + self.resent


def dry_run(*, chosen: rules.Settings, days: int, now: datetime, shown: int = 50) -> Tried:
    """What these settings would have done over the last `days`: the rules asked, moment by moment, what the
    live run would have asked. Changes nothing."""
    start = now - timedelta(days=days)
    firings = replayed(chosen, start, now)
    orders = Order.objects.in_bulk({pk for _f, pk, _history in firings})
    paid = dict(Payment.objects.filter(order_id__in=orders).values("order_id").annotate(s=Sum("amount"))
                .values_list("order_id", "s"))
    rates = {}
    tried = Tried(days=days, counts=defaultdict(int), credits=Decimal(0), refunds=Decimal(0), resent=Decimal(0),
                  over_budget=0, no_rate=0, orders=[])
    spent: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for firing, pk, history in firings:
        order = orders[pk]
        tried.counts[(firing.rule, firing.step)] += 1
        to_base = rates.setdefault(order.currency, to_base_currency(order.currency))
        if firing.step == rules.Step.TELL:
            amount = rules.credit(history, firing.at, chosen)
            if amount > 0:
                in_base = to_base(amount)
                month = (firing.at.year, firing.at.month)
                if in_base is None:
                    tried.no_rate += 1
                elif spent[month] + in_base > chosen.monthly_budget:
                    tried.over_budget += 1
                else:
                    spent[month] += in_base
                    tried.credits += in_base
        elif firing.step == rules.Step.REMEDY:
            value = (paid.get(pk) or Decimal(0)).quantize(Decimal("0.01"))
            resend = chosen.remedy == rules.Remedy.RESHIP or value <= 0
            in_base = to_base(order.total if resend else value)
            if in_base is None:
                tried.no_rate += 1
            elif resend:
                tried.resent += in_base
            else:
                tried.refunds += in_base
        if len(tried.orders) < shown:
            tried.orders.append((firing.at, order, _label(firing.rule, firing.step)))
    _tried_on_events(tried, chosen, start, now, rates, shown)
    _tried_delight(tried, chosen, start, now, shown)
    _tried_stock_out(tried, chosen, start, now, shown)
    tried.orders = sorted(tried.orders, key=lambda row: row[0])[:shown]
    tried.counts = dict(tried.counts)
    return tried


def _label(rule: str, step: str) -> str:
    return f"{RULE_LABELS[rule]}: {STEP_LABELS[step]}"


def _tried_stock_out(tried: Tried, chosen: rules.Settings, start: datetime, now: datetime, shown: int) -> None:
    """The orders a seller (or our warehouse) cancelled in those days: each customer pointed elsewhere."""
    if not chosen.elsewhere_on:
        return
    for order in Order.objects.filter(state=OrderState.CANCELLED, cancelled_by__in=CANCELLED_FOR_US,
                                      cancelled_at__gte=start, cancelled_at__lte=now).order_by("cancelled_at", "pk"):
        tried.counts[(rules.Rule.STOCK_OUT, rules.Step.TELL)] += 1
        if len(tried.orders) < shown:
            tried.orders.append((order.cancelled_at, order, _label(rules.Rule.STOCK_OUT, rules.Step.TELL)))


def _tried_delight(tried: Tried, chosen: rules.Settings, start: datetime, now: datetime, shown: int) -> None:
    """Which of the orders placed in those days the surprise would have gone to: loyal when placed, chosen by
    their number, not express, within each month's budget."""
    if not chosen.delight_on:
        return
    year = timedelta(days=365)
    placed = defaultdict(list)
    for customer_id, at in Order.objects.filter(placed_at__gt=start - year, placed_at__lte=now).values_list(
            "customer_id", "placed_at"):
        placed[customer_id].append(at)
    for times in placed.values():
        times.sort()
    memberships = defaultdict(list)
    for customer_id, started, ended in Membership.objects.values_list("customer_id", "started_at", "ended_at"):
        memberships[customer_id].append((started, ended))
    used: dict[tuple[int, int], int] = defaultdict(int)
    for order in Order.objects.filter(placed_at__gte=start, placed_at__lte=now, express=False).order_by(
            "placed_at", "pk").only("pk", "external_id", "customer_id", "placed_at"):
        month = (order.placed_at.year, order.placed_at.month)
        if used[month] >= chosen.delight_budget or not rules.surprised(order.external_id, chosen):
            continue
        times = placed[order.customer_id]
        last_year = bisect.bisect_right(times, order.placed_at) - bisect.bisect_right(times, order.placed_at - year)
        member = any(s <= order.placed_at and (e is None or e > order.placed_at)
                     for s, e in memberships[order.customer_id])
        if rules.loyal(orders_last_year=last_year, member=member, settings=chosen):
            used[month] += 1
            tried.counts[(rules.Rule.DELIGHT, rules.Step.UPGRADE)] += 1
            if len(tried.orders) < shown:
                tried.orders.append((order.placed_at, order, _label(rules.Rule.DELIGHT, rules.Step.UPGRADE)))


def _tried_on_events(tried: Tried, chosen: rules.Settings, start: datetime, now: datetime, rates: dict,
                     shown: int) -> None:
    """The rules that act on events, asked about the events the shop sent in those days (as stored on arrival):
    once per order and item, at most what the customer paid for it."""
    events = InboundEvent.objects.filter(occurred_at__gte=start, occurred_at__lte=now, type__in=[
        "content.playback_quality", "content.download_failed", "price.changed"]).order_by("occurred_at", "pk")
    done: set[tuple[str, int, int]] = set()
    for kind, data, at in events.values_list("type", "data", "occurred_at"):
        if kind == "price.changed":
            found = [(rules.Rule.PRICE_DROP, line, amount) for line, amount in price_drop_differences(
                seller=data["seller_id"], sku=data["sku"], price=Decimal(data["price"]), at=at, chosen=chosen)]
        else:
            quality = Decimal(data["quality"]) if kind == "content.playback_quality" else None
            if not rules.poor_delivery(quality, chosen):
                continue
            lines = OrderLine.objects.filter(order__external_id=data["order_id"], sku=data["sku"]).select_related(
                "order")
            found = [(rules.Rule.DIGITAL, line, line.unit_price * line.quantity) for line in lines]
        for rule, line, amount in found:
            if amount <= 0 or (rule, line.order_id, line.pk) in done:
                continue
            done.add((rule, line.order_id, line.pk))
            tried.counts[(rule, rules.Step.REMEDY)] += 1
            in_base = rates.setdefault(line.order.currency, to_base_currency(line.order.currency))(amount)
            if in_base is None:
                tried.no_rate += 1
            else:
                tried.refunds += in_base
            if len(tried.orders) < shown:
                tried.orders.append((at, line.order, _label(rule, rules.Step.REMEDY)))
