"""Proactive remedies carried out: the rules (`rules`) asked about the orders that could need them, every few
minutes by `advocate tick`, and each step that is due done once per (rule, step, order) — through the ledger
and the instruction feed, with an email to the customer in their language and a line on the order page.

A step is one transaction: the firing row (unique per rule, step and order), the money, the instruction and the
email all commit together or not at all, so a tick that dies half-way leaves nothing a retry would double.
"""

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from advocate.claims import ledger
from advocate.claims.models import ProblemReport, RefundCause
from advocate.claims.rules import Party
from advocate.claims.selectors import to_base_currency
from advocate.claims.services.notify import email_context
from advocate.commerce.models import (
    InboundEvent,
    InstructionKind,
    Membership,
    Order,
    OrderLine,
    OrderState,
    Payment,
    Shipment,
    ShipmentState,
    TrackingScan,
)
from advocate.commerce.services import instruct
from advocate.notifications.services import email_queue
from advocate.trust.services import promise_keep, promise_make

from . import rules
from .models import Firing, RemedySettings

STEP_LABELS = dict(Firing._meta.get_field("step").choices)
LOOK_BACK = timedelta(days=90)  # orders older than this are not watched (nor replayed)
CHUNK = 2000  # orders read and decided together
TRACE_WATCHED = timedelta(days=7)  # how long past its remedy's time a trace is still looked at
PROMISE_SLACK = timedelta(hours=1)  # the promise to act is due this long after the step falls due (ticks)


# --- settings ---------------------------------------------------------------------------------------------


def settings_row() -> RemedySettings | None:
    return RemedySettings.objects.select_related("updated_by").first()


def settings_current() -> rules.Settings:
    row = settings_row()
    if row is None:
        return rules.Settings()
    return rules.Settings(**{name: getattr(row, name) for name in _FIELDS})


_FIELDS = [name for name in asdict(rules.Settings())]


def settings_parse(typed: dict[str, str]) -> tuple[rules.Settings, dict[str, str]]:
    """The settings as an operator typed them (checkboxes: "on"), with an error message per bad field."""
    errors: dict[str, str] = {}

    def whole(name: str, low: int, high: int) -> int:
        try:
            value = int(typed.get(name, "").strip())
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            errors[name] = _("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}
            return getattr(rules.Settings, name)
        return value

    def amount(name: str, high: Decimal) -> Decimal:
        try:
            value = Decimal(typed.get(name, "").strip().replace(",", "."))
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or not 0 <= value <= high:
            errors[name] = _("Enter an amount from 0 to %(high)s.") % {"high": high}
            return getattr(rules.Settings, name)
        return value.quantize(Decimal("0.01"))

    credit_for = typed.get("credit_for", "")
    if credit_for not in rules.CreditFor:
        errors["credit_for"] = _("Choose who gets a credit.")
    remedy = typed.get("remedy", "")
    if remedy not in rules.Remedy:
        errors["remedy"] = _("Choose what is done when a parcel stays lost.")
    chosen = rules.Settings(
        late_on=typed.get("late_on") == "on", ship_grace_hours=whole("ship_grace_hours", 0, 240),
        credit_for=rules.CreditFor(credit_for) if not errors.get("credit_for") else rules.Settings.credit_for,
        credit_percent=amount("credit_percent", Decimal(100)), monthly_budget=amount("monthly_budget", Decimal(10**9)),
        stalled_on=typed.get("stalled_on") == "on", stalled_days=whole("stalled_days", 1, 30),
        remedy_days=whole("remedy_days", 1, 30),
        remedy=rules.Remedy(remedy) if not errors.get("remedy") else rules.Settings.remedy,
        digital_on=typed.get("digital_on") == "on", playback_threshold=amount("playback_threshold", Decimal(1)),
        price_on=typed.get("price_on") == "on", price_days=whole("price_days", 1, 365),
        delight_on=typed.get("delight_on") == "on", loyal_orders=whole("loyal_orders", 1, 1000),
        delight_percent=whole("delight_percent", 0, 100), delight_budget=whole("delight_budget", 0, 1_000_000))
    return chosen, errors


def settings_save(*, chosen: rules.Settings, by) -> None:
    RemedySettings.objects.update_or_create(pk=1, defaults={**asdict(chosen), "updated_by": by})


# --- what is known of the orders --------------------------------------------------------------------------


def histories(order_ids: Iterable[int]) -> dict[int, rules.History]:
    """The histories of these orders, read in a few queries."""
    ids = list(order_ids)
    if not ids:
        return {}
    scans = defaultdict(list)
    for shipment_id, at in TrackingScan.objects.filter(shipment__order_id__in=ids).exclude(
            code="delivered").values_list("shipment_id", "occurred_at"):
        scans[shipment_id].append(at)
    troubles = dict(TrackingScan.objects.filter(shipment__order_id__in=ids, code="exception",
                                                shipment__state=ShipmentState.EXCEPTION)
                    .values("shipment_id").annotate(at=Min("occurred_at")).values_list("shipment_id", "at"))
    parcels = defaultdict(list)
    for sid, order_id, shipped, delivered, estimate in Shipment.objects.filter(order_id__in=ids).values_list(
            "pk", "order_id", "shipped_at", "delivered_at", "estimated_delivery"):
        parcels[order_id].append(rules.Parcel(shipped_at=shipped, delivered_at=delivered, estimate=estimate,
                                              scans=tuple(sorted(scans[sid])), trouble_at=troubles.get(sid)))
    reported = dict(ProblemReport.objects.filter(order_id__in=ids).values("order_id")
                    .annotate(at=Min("created_at")).values_list("order_id", "at"))
    rows = list(Order.objects.filter(pk__in=ids).values_list(
        "pk", "customer_id", "ship_by", "promised_latest", "total", "state", "cancelled_at"))
    memberships = defaultdict(list)
    for customer_id, started, ended in Membership.objects.filter(
            customer_id__in={row[1] for row in rows}).values_list("customer_id", "started_at", "ended_at"):
        memberships[customer_id].append((started, ended))
    return {pk: rules.History(ship_by=ship_by, promised_latest=promised, total=total,
                              cancelled_at=cancelled if state == OrderState.CANCELLED else None,
                              parcels=tuple(parcels[pk]), reported_at=reported.get(pk),
                              memberships=tuple(memberships[customer_id]))
            for pk, customer_id, ship_by, promised, total, state, cancelled in rows}


def _candidates(now: datetime, chosen: rules.Settings) -> set[int]:
    """Orders a rule could be due on now — a superset, narrow enough to read every few minutes: it starts from
    the parcels still on their way and the orders whose promise is near (both indexed)."""
    ids: set[int] = set()
    on_the_way = Shipment.objects.filter(delivered_at=None, shipped_at__gte=now - LOOK_BACK,
                                         order__state=OrderState.PLACED)
    if chosen.late_on:
        recent = now - rules.TOO_OLD
        told = Exists(Firing.objects.filter(order=OuterRef("order_id"), rule=rules.Rule.LATE))
        late = on_the_way.filter(Q(estimated_delivery__gt=F("order__promised_latest")) | Q(estimated_delivery__lt=now)
                                 | Q(state=ShipmentState.EXCEPTION), order__promised_latest__gte=recent)
        ids |= set(late.exclude(told).values_list("order_id", flat=True))
        unsent = Order.objects.filter(state=OrderState.PLACED, promised_latest__gte=recent,
                                      ship_by__lte=now - chosen.ship_grace).exclude(
            Exists(Shipment.objects.filter(order=OuterRef("pk")))).exclude(
            Exists(Firing.objects.filter(order=OuterRef("pk"), rule=rules.Rule.LATE)))
        ids |= set(unsent.values_list("pk", flat=True))
    if chosen.stalled_on:
        quiet_since = now - timedelta(days=chosen.stalled_days)
        heard = TrackingScan.objects.filter(shipment=OuterRef("pk"), occurred_at__gt=quiet_since)
        traced = Firing.objects.filter(rule=rules.Rule.STALLED, step=rules.Step.TRACE)
        stalled = on_the_way.filter(shipped_at__lte=quiet_since).exclude(Exists(heard)).exclude(
            Exists(traced.filter(order=OuterRef("order_id"))))
        ids |= set(stalled.values_list("order_id", flat=True))
        # Traced lately and not remedied: due a remedy, or its promise kept by news. (A trace older than its
        # remedy's time plus a week is let go: its promise was kept by news, or is counted as broken.)
        remedied = Firing.objects.filter(rule=rules.Rule.STALLED, step=rules.Step.REMEDY)
        lately = now - timedelta(days=chosen.remedy_days) - TRACE_WATCHED
        ids |= set(traced.filter(at__gte=lately).exclude(order_id__in=remedied.values("order_id"))
                   .values_list("order_id", flat=True))
    return ids


# --- the live run -----------------------------------------------------------------------------------------


def remedies_run(*, now: datetime) -> dict[str, int]:
    """Run by `advocate tick`: carry out every step that is due. Safe to run twice at once or again after a crash."""
    chosen = settings_current()
    done = {"remedies_told_late": 0, "remedies_traced": 0, "remedies_remedied": 0, "remedies_news": 0}
    ids = sorted(_candidates(now, chosen))
    for first in range(0, len(ids), CHUNK):
        _run_chunk(ids[first:first + CHUNK], now, chosen, done)
    return done


def _run_chunk(ids: list[int], now: datetime, chosen: rules.Settings, done: dict[str, int]) -> None:
    known = defaultdict(dict)
    for order_id, rule, step, at in Firing.objects.filter(order_id__in=ids).values_list("order_id", "rule", "step",
                                                                                          "at"):
        known[order_id][(rule, step)] = at
    for order_id, history in histories(ids).items():
        fired = known[order_id]
        if (rules.Rule.LATE, rules.Step.TELL) not in fired and rules.late_due(history, now, chosen):
            done["remedies_told_late"] += _fire(order_id, history, rules.Rule.LATE, rules.Step.TELL, now, chosen)
        if (rules.Rule.STALLED, rules.Step.REMEDY) in fired:
            continue
        traced_at = fired.get((rules.Rule.STALLED, rules.Step.TRACE))
        step = rules.stalled_step(history, now, chosen, traced_at)
        if step == rules.Step.TRACE:
            done["remedies_traced"] += _fire(order_id, history, rules.Rule.STALLED, step, now, chosen)
        elif step == rules.Step.REMEDY:
            done["remedies_remedied"] += _fire(order_id, history, rules.Rule.STALLED, step, now, chosen)
        elif traced_at is not None and rules.news_since(history, now, traced_at):
            done["remedies_news"] += promise_keep(key=_promise_key(order_id), now=now)


def _promise_key(order_id: int) -> str:
    return f"proactive:stalled:{order_id}"


def _fire(order_id: int, history: rules.History, rule: rules.Rule, step: rules.Step, now: datetime,
          chosen: rules.Settings, *, notify: bool = True) -> int:
    """Carry out one step on one order, all of it or nothing (the email too, unless `notify` is off: history
    written after the fact). 0 when another run already did."""
    try:
        with transaction.atomic():
            order = ledger.lock_order(Order(pk=order_id))
            firing = Firing.objects.create(rule=rule, step=step, order=order, at=now)
            key = f"{ledger.AUTOMATIC}proactive:{rule}:{step}:{order.external_id}"
            context = {"step": step, "rule": rule}
            if step == rules.Step.TELL:
                _tell_late(firing, history, now, chosen, key, context)
            elif step == rules.Step.TRACE:
                _trace(firing, history, now, chosen, key, context)
            else:
                _remedy(firing, chosen, key, now, context)
            firing.save()
            customer = order.customer
            if notify:
                email_queue(key=key, to=customer.email, template="proactive/email/customer.txt",
                            context=email_context(customer, order, firing=firing, **context),
                            language=customer.language, time_zone=customer.time_zone, order=order)
    except IntegrityError:
        return 0  # another tick got there first
    return 1


def _tell_late(firing: Firing, history: rules.History, now: datetime, chosen: rules.Settings, key: str,
               context: dict) -> None:
    order = firing.order
    estimates = [s.estimated_delivery for s in _on_the_way(order, now) if s.estimated_delivery]
    firing.estimate = max(estimates) if estimates and max(estimates) > now else None
    amount = rules.credit(history, now, chosen)
    if amount <= 0:
        return
    in_base = to_base_currency(order.currency)(amount)
    if in_base is None or credits_this_month(now) + in_base > chosen.monthly_budget:
        firing.over_budget = True
        return
    firing.credit = ledger.credit_issue(order=order, amount=amount, key=key,
                                        memo=_("Sorry your order is late"))
    firing.credit_amount, firing.credit_in_base = amount, in_base
    context["credit"] = amount


def _on_the_way(order: Order, now: datetime) -> list[Shipment]:
    """The order's parcels on their way at `now` (sent, and not delivered by then)."""
    return list(order.shipments.filter(Q(delivered_at=None) | Q(delivered_at__gt=now), shipped_at__lte=now))


def credits_this_month(now: datetime) -> Decimal:
    return Firing.objects.filter(at__gte=_month_start(now), credit__isnull=False).aggregate(
        total=Sum("credit_in_base"))["total"] or Decimal(0)


def _trace(firing: Firing, history: rules.History, now: datetime, chosen: rules.Settings, key: str,
           context: dict) -> None:
    order = firing.order
    silent = history.silent_since(now)
    parcel = min(_on_the_way(order, now), key=lambda shipment: shipment.shipped_at)
    firing.promise_due = rules.remedy_due_at(now, chosen) + PROMISE_SLACK
    firing.instruction = instruct(key=key, kind=InstructionKind.CARRIER_TRACE, order=order, payload={
        "order_id": order.external_id, "shipment_id": parcel.external_id, "carrier": parcel.carrier,
        "tracking_number": parcel.tracking_number, "last_news_at": silent.isoformat(),
        "answer_by": rules.remedy_due_at(now, chosen).isoformat()})
    promise_make(key=_promise_key(order.pk), customer=order.customer, due_at=firing.promise_due, now=now,
                 what=_("Refund or send again order %(number)s if the carrier has no news of it") % {
                     "number": order.external_id},
                 link=reverse("order_detail", args=[order.external_id]))
    context.update(silent_since=silent, remedy=chosen.remedy, act_by=firing.promise_due)


def _remedy(firing: Firing, chosen: rules.Settings, key: str, now: datetime, context: dict) -> None:
    order = firing.order
    left = ledger.refundable(order)
    if chosen.remedy == rules.Remedy.REFUND and left > 0:
        firing.refund = ledger.refund_issue(order=order, amount=left, payer=Party.PLATFORM, key=key,
                                            cause=RefundCause.PROACTIVE, memo=_("Lost in transit"))
    else:
        lines = list(order.lines.all())
        firing.replacement = ledger.replacement_issue(
            order=order, report=None, liable=Party.PLATFORM, key=key, memo=_("Lost in transit"),
            value=sum((line.unit_price * line.quantity for line in lines), Decimal(0)),
            lines=[{"sku": line.sku, "title": line.title, "quantity": line.quantity} for line in lines])
    promise_keep(key=_promise_key(order.pk), now=now)
    context.update(refund=firing.refund, replacement=firing.replacement)


def remedies_replay(*, since: datetime, now: datetime, notify: bool = False) -> int:
    """Carry out, moment by moment, what the rules would have done since `since` had they been running (the
    demo's history, written after the fact: by default nobody is emailed about the past). Returns the steps."""
    chosen = settings_current()
    ids = list(Order.objects.filter(placed_at__gte=since - LOOK_BACK, placed_at__lte=now,
                                    promised_latest__gte=since - rules.TOO_OLD).values_list("pk", flat=True))
    due = []
    for chunk in range(0, len(ids), 2000):
        for pk, history in histories(ids[chunk:chunk + 2000]).items():
            due += [(firing, pk, history) for firing in rules.replay(history, chosen, since, now)]
    due.sort(key=lambda item: (item[0].at, item[1]))
    return sum(_fire(pk, history, firing.rule, firing.step, firing.at, chosen, notify=notify)
               for firing, pk, history in due)


# --- rules that act on an event as it arrives -------------------------------------------------------------


def digital_remedy(*, order_number: str, sku: str, quality: Decimal | None, at: datetime) -> int:
    """Digital content that played badly or would not download: refunded at once (once per order and item),
    unless the customer had already reported a problem with the order. Runs inside the event's transaction."""
    if not rules.poor_delivery(quality, settings_current()) or not _fresh(at):
        return 0
    order = Order.objects.get(external_id=order_number)
    line = order.lines.filter(sku=sku).first()
    if order.state == OrderState.CANCELLED or ProblemReport.objects.filter(order=order, created_at__lte=at).exists():
        return 0
    return _refund_for(order, rules.Rule.DIGITAL, line, line.unit_price * line.quantity, at,
                       {"quality": quality})


def price_drop_remedy(*, seller: str, sku: str, price: Decimal, at: datetime) -> int:
    """A seller lowered a price: every order of it within the window gets the difference back (once per order
    and item). Runs inside the event's transaction."""
    chosen = settings_current()
    if not chosen.price_on or not _fresh(at):
        return 0
    lines = OrderLine.objects.filter(
        order__seller__external_id=seller, sku=sku, unit_price__gt=price, order__state=OrderState.PLACED,
        order__placed_at__gte=at - timedelta(days=chosen.price_days), order__placed_at__lte=at,
    ).select_related("order").order_by("pk")
    done = 0
    for line in lines:
        amount = rules.price_difference(paid=line.unit_price, price=price, quantity=line.quantity,
                                        placed_at=line.order.placed_at, changed_at=at, settings=chosen)
        if amount > 0:
            done += _refund_for(line.order, rules.Rule.PRICE_DROP, line, amount, at, {"price": price})
    return done


def _fresh(at: datetime) -> bool:
    """An event that happened lately: history imported after the fact changes nobody's money."""
    return at >= timezone.now() - rules.TOO_OLD


def delight(*, order_numbers: list[str], now: datetime) -> int:
    """Some of loyal customers' new orders (placed lately, not shipped, not express) are sent by the fastest
    service as a thank-you — an instruction to the shop, and a note to the customer — within the month's budget.
    Runs inside the event intake's transaction, once per batch."""
    chosen = settings_current()
    if not chosen.delight_on:
        return 0
    orders = [order for order in Order.objects.filter(external_id__in=order_numbers, state=OrderState.PLACED,
                                                      express=False, placed_at__gte=now - rules.TOO_OLD)
              .exclude(Exists(Shipment.objects.filter(order=OuterRef("pk")))).order_by("pk")
              if rules.surprised(order.external_id, chosen)]
    if not orders:
        return 0
    customers = {order.customer_id for order in orders}
    counts = dict(Order.objects.filter(customer_id__in=customers, placed_at__gt=now - timedelta(days=365),
                                       placed_at__lte=now).values("customer_id").annotate(n=Count("pk"))
                  .values_list("customer_id", "n"))
    members = set(Membership.objects.filter(customer_id__in=customers, started_at__lte=now).filter(
        Q(ended_at=None) | Q(ended_at__gt=now)).values_list("customer_id", flat=True))
    left = chosen.delight_budget - Firing.objects.filter(rule=rules.Rule.DELIGHT, at__gte=_month_start(now)).count()
    done = 0
    for order in orders:
        if done >= left:
            break
        if rules.loyal(orders_last_year=counts.get(order.customer_id, 0), member=order.customer_id in members,
                       settings=chosen):
            done += _upgrade(order, now)
    return done


def _month_start(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _upgrade(order: Order, at: datetime) -> int:
    try:
        with transaction.atomic():
            firing = Firing.objects.create(rule=rules.Rule.DELIGHT, step=rules.Step.UPGRADE, order=order, at=at)
            key = f"{ledger.AUTOMATIC}proactive:delight:{order.pk}"
            firing.instruction = instruct(key=key, kind=InstructionKind.UPGRADE_SHIPPING, order=order, payload={
                "order_id": order.external_id, "service": "fastest", "reason": "thank-you"})
            firing.save(update_fields=["instruction"])
            customer = order.customer
            email_queue(key=key, to=customer.email, template="proactive/email/customer.txt",
                        context=email_context(customer, order, firing=firing, rule=firing.rule, step=firing.step),
                        language=customer.language, time_zone=customer.time_zone, order=order)
    except IntegrityError:
        return 0
    return 1


def _refund_for(order: Order, rule: rules.Rule, line: OrderLine, amount: Decimal, at: datetime,
                context: dict) -> int:
    """Refund `amount` (at most what is left to refund) for one item of an order, once, and tell the customer."""
    try:
        with transaction.atomic():
            order = ledger.lock_order(order)
            amount = min(amount, ledger.refundable(order))
            if amount <= 0:
                return 0
            firing = Firing.objects.create(rule=rule, step=rules.Step.REMEDY, order=order, subject=line.sku, at=at)
            key = f"{ledger.AUTOMATIC}proactive:{rule}:{order.pk}:{line.pk}"
            memo = _("Played badly or would not download") if rule == rules.Rule.DIGITAL else _("Price dropped")
            firing.refund = ledger.refund_issue(order=order, amount=amount, payer=Party.PLATFORM, key=key,
                                                cause=RefundCause.PROACTIVE, memo=memo)
            firing.save(update_fields=["refund"])
            customer = order.customer
            email_queue(key=key, to=customer.email, template="proactive/email/customer.txt",
                        context=email_context(customer, order, firing=firing, rule=rule, step=firing.step,
                                              refund=firing.refund, line=line, **context),
                        language=customer.language, time_zone=customer.time_zone, order=order)
    except IntegrityError:
        return 0  # done already for this order and item
    return 1


# --- the dry run over history -----------------------------------------------------------------------------


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
    def delighted(self) -> int:
        return self.counts.get((rules.Rule.DELIGHT, rules.Step.UPGRADE), 0)

    @property
    def money(self) -> Decimal:
        return self.credits + self.refunds + self.resent


def dry_run(*, chosen: rules.Settings, days: int, now: datetime, shown: int = 50) -> Tried:
    """What these settings would have done over the last `days`: the rules asked, moment by moment, what the
    live run would have asked. Changes nothing."""
    start = now - timedelta(days=days)
    ids = list(Order.objects.filter(placed_at__gte=start - LOOK_BACK, placed_at__lte=now,
                                    promised_latest__gte=start - rules.TOO_OLD).values_list("pk", flat=True))
    firings: list[tuple[rules.Firing, int]] = []
    known = {}
    for chunk in range(0, len(ids), 2000):
        found = histories(ids[chunk:chunk + 2000])
        known.update(found)
        firings += [(f, pk) for pk, history in found.items() for f in rules.replay(history, chosen, start, now)]
    firings.sort(key=lambda pair: (pair[0].at, pair[1]))
    orders = Order.objects.in_bulk({pk for _f, pk in firings})
    paid = dict(Payment.objects.filter(order_id__in=orders).values("order_id").annotate(s=Sum("amount"))
                .values_list("order_id", "s"))
    rates = {}
    tried = Tried(days=days, counts=defaultdict(int), credits=Decimal(0), refunds=Decimal(0), resent=Decimal(0),
                  over_budget=0, no_rate=0, orders=[])
    spent: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for firing, pk in firings:
        order = orders[pk]
        tried.counts[(firing.rule, firing.step)] += 1
        to_base = rates.setdefault(order.currency, to_base_currency(order.currency))
        if firing.step == rules.Step.TELL:
            amount = rules.credit(known[pk], firing.at, chosen)
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
            tried.orders.append((firing.at, order, STEP_LABELS[firing.step]))
    _tried_on_events(tried, chosen, start, now, rates, shown)
    _tried_delight(tried, chosen, start, now, shown)
    tried.counts = dict(tried.counts)
    return tried


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
                tried.orders.append((order.placed_at, order, STEP_LABELS[rules.Step.UPGRADE]))


def _tried_on_events(tried: Tried, chosen: rules.Settings, start: datetime, now: datetime, rates: dict,
                     shown: int) -> None:
    """The rules that act on events, asked about the events the shop sent in those days (as stored on arrival):
    once per order and item, at most what the customer paid for it."""
    events = InboundEvent.objects.filter(occurred_at__gte=start, occurred_at__lte=now, type__in=[
        "content.playback_quality", "content.download_failed", "price.changed"]).order_by("occurred_at", "pk")
    done: set[tuple[str, int, int]] = set()
    for kind, data, at in events.values_list("type", "data", "occurred_at"):
        if kind == "price.changed":
            price = Decimal(data["price"])
            lines = OrderLine.objects.filter(
                order__seller__external_id=data["seller_id"], sku=data["sku"], unit_price__gt=price,
                order__state=OrderState.PLACED, order__placed_at__gte=at - timedelta(days=chosen.price_days),
                order__placed_at__lte=at).select_related("order")
            found = [(rules.Rule.PRICE_DROP, line, rules.price_difference(
                paid=line.unit_price, price=price, quantity=line.quantity, placed_at=line.order.placed_at,
                changed_at=at, settings=chosen)) for line in lines]
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
                tried.orders.append((at, line.order, STEP_LABELS[rules.Step.REMEDY]))


# --- who sees what ----------------------------------------------------------------------------------------


def firings_of(orders) -> list[Firing]:
    """The firings on these orders (a queryset of orders or of their ids), newest first."""
    return list(Firing.objects.filter(order__in=orders).select_related(
        "order", "credit", "refund", "replacement").annotate(currency=F("order__currency")).order_by("-at", "-pk"))

