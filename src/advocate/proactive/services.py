"""Proactive remedies carried out: the rules (`rules`) asked about the orders that could need them, every few
minutes by `advocate tick`, and each step that is due done once per (rule, step, order) — through the ledger
and the instruction feed, with an email to the customer in their language and a line on the order page.

A step is one transaction: the firing row (unique per rule, step and order), the money, the instruction and the
email all commit together or not at all, so a tick that dies half-way leaves nothing a retry would double.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Min, OuterRef, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from advocate.claims import ledger
from advocate.claims.models import ProblemReport, RefundCause
from advocate.claims.rules import Party
from advocate.claims.selectors import to_base_currency
from advocate.claims.services.notify import email_context
from advocate.commerce.models import (
    Fulfilment,
    InstructionKind,
    Membership,
    Order,
    OrderState,
    Shipment,
    ShipmentState,
    TrackingScan,
)
from advocate.commerce.services import instruct
from advocate.core.errors import Invalid, Refused
from advocate.notifications.services import email_queue
from advocate.trust.services import promise_keep, promise_make

from . import rules
from .models import Firing
from .on_events import CANCELLED_FOR_US, stock_out_tell
from .switches import settings_current

LOOK_BACK = timedelta(days=90)  # orders older than this are not watched (nor replayed)
CHUNK = 2000  # orders read and decided together
TRACE_WATCHED = timedelta(days=7)  # how long past its remedy's time a trace is still looked at
PROMISE_SLACK = timedelta(hours=1)  # the promise to act is due this long after the step falls due (ticks)


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
        # (rule and step both given: the unique index on rule, step, order then finds it at once)
        told = Firing.objects.filter(rule=rules.Rule.LATE, step=rules.Step.TELL)
        late = on_the_way.filter(Q(estimated_delivery__gt=F("order__promised_latest")) | Q(estimated_delivery__lt=now)
                                 | Q(state=ShipmentState.EXCEPTION), order__promised_latest__gte=recent)
        ids |= set(late.exclude(Exists(told.filter(order=OuterRef("order_id")))).values_list("order_id", flat=True))
        unsent = Order.objects.filter(state=OrderState.PLACED, promised_latest__gte=recent,
                                      ship_by__lte=now - chosen.ship_grace).exclude(
            Exists(Shipment.objects.filter(order=OuterRef("pk")))).exclude(
            Exists(told.filter(order=OuterRef("pk"))))
        ids |= set(unsent.values_list("pk", flat=True))
    if chosen.stalled_on:
        quiet_since = now - timedelta(days=chosen.stalled_days)
        heard = TrackingScan.objects.filter(shipment=OuterRef("pk"), occurred_at__gt=quiet_since)
        traced = Firing.objects.filter(rule=rules.Rule.STALLED, step=rules.Step.TRACE)
        stalled = on_the_way.filter(shipped_at__lte=quiet_since).exclude(Exists(heard)).exclude(
            Exists(traced.filter(order=OuterRef("order_id"))))
        ids |= set(stalled.values_list("order_id", flat=True))
        # Traced lately, not settled, and now due its remedy or heard of since (its promise kept by news). (A
        # trace older than its remedy's time plus a week is let go: its promise is counted as broken.)
        lately = now - timedelta(days=chosen.remedy_days) - TRACE_WATCHED
        news = Exists(TrackingScan.objects.filter(shipment__order=OuterRef("order_id"),
                                                  occurred_at__gt=OuterRef("at")))
        arrived = Exists(Shipment.objects.filter(order=OuterRef("order_id"), delivered_at__gt=OuterRef("at")))
        due = Q(at__lte=now - timedelta(days=chosen.remedy_days))
        ids |= set(traced.filter(due | news | arrived, at__gte=lately, settled_at=None)
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
            done["remedies_news"] += _trace_settle(order_id, now)


def _trace_settle(order_id: int, now: datetime) -> int:
    """The trace's promise is kept: the parcel was heard of again, or the order was put right."""
    Firing.objects.filter(order_id=order_id, rule=rules.Rule.STALLED, step=rules.Step.TRACE,
                          settled_at=None).update(settled_at=now)
    return int(promise_keep(key=_promise_key(order_id), now=now))


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
    return Firing.objects.filter(at__gte=rules.month_start(now), credit__isnull=False).aggregate(
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
    context.update(silent_since=silent, remedy=chosen.remedy, act_by=firing.promise_due,
                   may_choose=remedy_choices(order))


def remedy_choices(order: Order) -> bool:
    """Whether the customer may choose how a lost parcel is put right: a refund, or the order sent again from
    our warehouse (a seller who ships it refunds)."""
    return order.fulfilled_by == Fulfilment.PLATFORM


def open_trace(order: Order) -> Firing | None:
    """The trace still waiting for news (or for its remedy) on this order, if there is one."""
    return Firing.objects.filter(order=order, rule=rules.Rule.STALLED, step=rules.Step.TRACE,
                                 settled_at=None).first()


def remedy_choose(*, order: Order, remedy: str) -> Firing:
    """The customer says how they would rather have a lost parcel put right, should there still be no news."""
    trace = open_trace(order)
    if trace is None or not remedy_choices(order):
        raise Refused("nothing_to_choose", _("There is nothing to choose for this order any more."))
    if remedy not in rules.Remedy:
        raise Invalid("remedy", _("Choose a refund or a new parcel."), field="remedy")
    trace.detail = {**trace.detail, "choice": remedy}
    trace.save(update_fields=["detail"])
    return trace


def _remedy(firing: Firing, chosen: rules.Settings, key: str, now: datetime, context: dict) -> None:
    order = firing.order
    left = ledger.refundable(order)
    trace = open_trace(order)
    choice = (trace.detail.get("choice") if trace is not None and remedy_choices(order) else None) or chosen.remedy
    if choice == rules.Remedy.REFUND and left > 0:
        firing.refund = ledger.refund_issue(order=order, amount=left, payer=Party.PLATFORM, key=key,
                                            cause=RefundCause.PROACTIVE, memo=_("Lost in transit"))
    else:
        value, lines = ledger.order_contents(order)
        firing.replacement = ledger.replacement_issue(order=order, report=None, liable=Party.PLATFORM, key=key,
                                                      memo=_("Lost in transit"), value=value, lines=lines)
    _trace_settle(order.pk, now)
    context.update(refund=firing.refund, replacement=firing.replacement)


def replayed(chosen: rules.Settings, start: datetime, end: datetime) -> list[tuple[rules.Firing, int, rules.History]]:
    """What the time rules would have done between `start` and `end` to every order they could have touched
    (`rules.replay`), in the order it would have happened: (firing, order id, its history)."""
    ids = list(Order.objects.filter(placed_at__gte=start - LOOK_BACK, placed_at__lte=end,
                                    promised_latest__gte=start - rules.TOO_OLD).values_list("pk", flat=True))
    due = []
    for first in range(0, len(ids), CHUNK):
        for pk, history in histories(ids[first:first + CHUNK]).items():
            due += [(firing, pk, history) for firing in rules.replay(history, chosen, start, end)]
    due.sort(key=lambda item: (item[0].at, item[1]))
    return due


def remedies_replay(*, since: datetime, now: datetime, notify: bool = False) -> int:
    """Carry out, moment by moment, what the rules would have done since `since` had they been running (the
    demo's history, written after the fact: by default nobody is emailed about the past). Returns the steps."""
    chosen = settings_current()
    done = sum(_fire(pk, history, firing.rule, firing.step, firing.at, chosen, notify=notify)
               for firing, pk, history in replayed(chosen, since, now))
    return done + stock_out_tell(order_numbers=list(Order.objects.filter(
        state=OrderState.CANCELLED, cancelled_by__in=CANCELLED_FOR_US, cancelled_at__gte=since,
        cancelled_at__lte=now).values_list("external_id", flat=True)))


# --- who sees what ----------------------------------------------------------------------------------------


def firings_of(orders) -> list[Firing]:
    """The firings on these orders (a queryset of orders or of their ids), newest first."""
    return list(Firing.objects.filter(order__in=orders).select_related("order", "refund").order_by("-at", "-pk"))

