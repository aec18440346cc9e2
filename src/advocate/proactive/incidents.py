"""Incidents: an operator declares what delays or spoils many orders at once (a carrier's hub, a region, our
warehouse, a product batch, a payment outage), and every affected customer is told before they write — once per
order, with the credit the operator chose, through the ledger — by `advocate tick`, a batch at a time, for as long
as the incident is open (an order that becomes affected later is told then). Its order page shows it."""

from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from advocate.claims import ledger
from advocate.claims.services.notify import email_context
from advocate.commerce.models import Fulfilment, Order, OrderLine, OrderState, Payment, Shipment
from advocate.core.errors import Invalid
from advocate.notifications.services import email_queue
from advocate.trust.services import promise_keep, promise_make

from . import rules
from .models import Incident, IncidentKind, IncidentNotice

BATCH = 500  # customers told per incident per tick
VALUE_FREE = (IncidentKind.WAREHOUSE, IncidentKind.PAYMENT)  # the kinds that need no carrier, place or product


def affected(incident: Incident) -> QuerySet[Order]:
    """The orders an incident touches: placed since it began, not cancelled, and — but for a product, which
    matters however it travelled, and a payment outage, which touches orders not paid yet — still to arrive."""
    orders = Order.objects.filter(state=OrderState.PLACED, placed_at__gte=incident.since)
    on_the_way = Shipment.objects.filter(order=OuterRef("pk"), delivered_at=None)
    to_arrive = Exists(on_the_way) | ~Exists(Shipment.objects.filter(order=OuterRef("pk")))
    match incident.kind:
        case IncidentKind.CARRIER:
            return orders.filter(Exists(on_the_way.filter(carrier__iexact=incident.value)))
        case IncidentKind.REGION:
            return orders.filter(to_arrive, ship_to__icontains=incident.value)
        case IncidentKind.WAREHOUSE:
            return orders.filter(to_arrive, fulfilled_by=Fulfilment.PLATFORM)
        case IncidentKind.PRODUCT:
            return orders.filter(Exists(OrderLine.objects.filter(order=OuterRef("pk"), sku__iexact=incident.value)))
        case IncidentKind.PAYMENT:
            return orders.exclude(Exists(Payment.objects.filter(order=OuterRef("pk"))))
    raise ValueError(incident.kind)


def incident_check(*, kind: str, value: str, title: str, since: datetime | None, expect_by: datetime | None,
                   credit_percent: Decimal | None, now: datetime) -> dict[str, str]:
    """What is wrong with a declaration, by field (empty: nothing)."""
    errors = {}
    if kind not in IncidentKind.values:
        errors["kind"] = _("Choose what the incident touches.")
    elif kind not in VALUE_FREE and not value.strip():
        errors["value"] = _("Name the carrier, the place or the product's SKU.")
    if not title.strip():
        errors["title"] = _("Say what happened, in a few words.")
    if since is None or since > now:
        errors["since"] = _("Give the day it began (today or before).")
    if expect_by is not None and expect_by <= now:
        errors["expect_by"] = _("The day you expect it to be over must be in the future (or leave it empty).")
    if credit_percent is None or not 0 <= credit_percent <= 100:
        errors["credit_percent"] = _("Enter a share from 0 to 100.")
    return errors


def incident_declare(*, kind: str, value: str, title: str, note: str, since: datetime | None,
                     expect_by: datetime | None, credit_percent: Decimal | None, by, now: datetime) -> Incident:
    """Declare an incident; its customers are told from the next tick on. Invalid names the first bad field."""
    errors = incident_check(kind=kind, value=value, title=title, since=since, expect_by=expect_by,
                            credit_percent=credit_percent, now=now)
    if errors:
        field, message = next(iter(errors.items()))
        raise Invalid(field, message, field=field)
    with transaction.atomic():
        incident = Incident.objects.create(
            kind=kind, value="" if kind in VALUE_FREE else value.strip()[:200], title=title.strip()[:200],
            note=note.strip()[:2000], since=since, expect_by=expect_by, credit_percent=credit_percent,
            declared_at=now, declared_by=by)
        if expect_by is not None:
            promise_make(key=_promise_key(incident), due_at=expect_by, now=now,
                         what=_("Over by the day customers were told: %(title)s") % {"title": incident.title},
                         link=reverse("incident", args=[incident.pk]))
    return incident


def incident_resolve(*, incident: Incident, by, now: datetime) -> bool:
    """Mark it over: nobody more is told. False when it already was."""
    with transaction.atomic():
        done = Incident.objects.filter(pk=incident.pk, resolved_at=None).update(resolved_at=now, resolved_by=by)
        if done:
            promise_keep(key=_promise_key(incident), now=now)
    return bool(done)


def _promise_key(incident: Incident) -> str:
    return f"incident:{incident.pk}"


def incidents_tell(*, now: datetime, batch: int = BATCH) -> int:
    """Run by `advocate tick`: tell the customers of every open incident not told yet, a batch per incident."""
    told = 0
    for incident in Incident.objects.filter(resolved_at=None):
        told_already = IncidentNotice.objects.filter(incident=incident, order=OuterRef("pk"))
        for order_id in affected(incident).exclude(Exists(told_already)).order_by("pk").values_list(
                "pk", flat=True)[:batch]:
            told += _tell(incident, order_id, now)
    return told


def _tell(incident: Incident, order_id: int, now: datetime) -> int:
    try:
        with transaction.atomic():
            order = ledger.lock_order(Order(pk=order_id))
            notice = IncidentNotice.objects.create(incident=incident, order=order, at=now)
            key = f"{ledger.AUTOMATIC}incident:{incident.pk}:{order.external_id}"
            amount = rules.share(order.total, incident.credit_percent)
            if amount > 0:
                notice.credit = ledger.credit_issue(order=order, amount=amount, key=key,
                                                    memo=_("For the trouble: %(title)s") % {"title": incident.title})
                notice.credit_amount = amount
                notice.save(update_fields=["credit", "credit_amount"])
            customer = order.customer
            email_queue(key=key, to=customer.email, template="proactive/email/incident.txt",
                        context=email_context(customer, order, incident=incident, notice=notice,
                                              product=product_title(incident, order)),
                        language=customer.language, time_zone=customer.time_zone, order=order)
    except IntegrityError:
        return 0  # another tick told them
    return 1


def product_title(incident: Incident, order: Order) -> str:
    if incident.kind != IncidentKind.PRODUCT:
        return ""
    line = order.lines.filter(sku__iexact=incident.value).first()
    return line.title if line else incident.value


def notices_of(orders) -> list[IncidentNotice]:
    """The incident notices on these orders (a queryset of orders or of their ids), newest first."""
    return list(IncidentNotice.objects.filter(order__in=orders).select_related("incident", "order")
                .order_by("-at", "-pk"))


def incident_figures(incident: Incident) -> dict:
    """How far telling has got: told so far (with the credits given), and still to tell while it is open."""
    notices = IncidentNotice.objects.filter(incident=incident)
    told_already = IncidentNotice.objects.filter(incident=incident, order=OuterRef("pk"))
    waiting = 0 if incident.resolved_at else affected(incident).exclude(Exists(told_already)).count()
    return {"told": notices.count(), "waiting": waiting,
            "credited": notices.exclude(credit=None).count()}
