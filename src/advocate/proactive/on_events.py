"""The rules that act on an event as it arrives, inside the event intake's transaction: a digital item that
played badly, a price that dropped, a seller's cancellation for lack of stock, a loyal customer's new order. Each
acts once per order (and item), and only on events that happened lately: history imported after the fact
changes nobody's money."""

from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import quote

from django.conf import settings as django_settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from advocate.claims import ledger
from advocate.claims.models import ProblemReport, RefundCause
from advocate.claims.rules import Party
from advocate.claims.services.notify import email_context
from advocate.commerce.models import (
    CancelledBy,
    InstructionKind,
    Membership,
    Order,
    OrderLine,
    OrderState,
    Product,
    Shipment,
)
from advocate.commerce.services import instruct
from advocate.notifications.services import email_queue

from . import rules
from .models import Firing
from .switches import settings_current

CANCELLED_FOR_US = (CancelledBy.SELLER, CancelledBy.PLATFORM)  # not by the customer: they did not choose it


def digital_remedy(*, order_number: str, sku: str, quality: Decimal | None, at: datetime) -> int:
    """Digital content that played badly or would not download: refunded at once (once per order and item),
    unless the customer had already reported a problem with the order. Runs inside the event's transaction."""
    if not rules.poor_delivery(quality, settings_current()) or not fresh(at):
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
    if not chosen.price_on or not fresh(at):
        return 0
    return sum(_refund_for(line.order, rules.Rule.PRICE_DROP, line, amount, at, {"price": price})
               for line, amount in price_drop_differences(seller=seller, sku=sku, price=price, at=at, chosen=chosen))


def price_drop_differences(*, seller: str, sku: str, price: Decimal, at: datetime,
                           chosen: rules.Settings) -> list[tuple[OrderLine, Decimal]]:
    """The order lines a price drop gives money back on, with how much (the live rule and the dry run)."""
    lines = OrderLine.objects.filter(
        order__seller__external_id=seller, sku=sku, unit_price__gt=price, order__state=OrderState.PLACED,
        order__placed_at__gte=at - timedelta(days=chosen.price_days), order__placed_at__lte=at,
    ).select_related("order").order_by("pk")
    found = [(line, rules.price_difference(paid=line.unit_price, price=price, quantity=line.quantity,
                                           placed_at=line.order.placed_at, changed_at=at, settings=chosen))
             for line in lines]
    return [(line, amount) for line, amount in found if amount > 0]


def fresh(at: datetime) -> bool:
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
    given = Firing.objects.filter(rule=rules.Rule.DELIGHT, at__gte=rules.month_start(now)).count()
    left = chosen.delight_budget - given
    done = 0
    for order in orders:
        if done >= left:
            break
        if rules.loyal(orders_last_year=counts.get(order.customer_id, 0), member=order.customer_id in members,
                       settings=chosen):
            done += _upgrade(order, now)
    return done


def alternatives(order: Order) -> dict:
    """For each item of a cancelled order: the same item (by SKU, or by the very same title) in stock from
    another seller on the marketplace — the cheapest — or none."""
    found, missing = [], []
    for line in order.lines.all():
        other = (Product.objects.filter(Q(sku=line.sku) | Q(title__iexact=line.title), stock__gt=0)
                 .exclude(seller_id=order.seller_id).select_related("seller").order_by("price", "pk").first())
        if other is None:
            missing.append(line.title)
        else:
            found.append({"title": line.title, "seller": other.seller.name, "sku": other.sku,
                          "url": _product_url(other)})
    return {"found": found, "missing": missing}


def _product_url(product: Product) -> str:
    pattern = django_settings.ADVOCATE_PRODUCT_URL
    return pattern.format(seller=quote(product.seller.external_id), sku=quote(product.sku)) if pattern else ""


def stock_out_tell(*, order_numbers: list[str]) -> int:
    """Orders the seller (or our warehouse) cancelled: where else their items are in stock, recorded once per
    order for its page (the refund email says it too, `elsewhere_note`). Runs inside the event's transaction."""
    if not order_numbers or not settings_current().elsewhere_on:
        return 0
    done = 0
    for order in Order.objects.filter(external_id__in=order_numbers, state=OrderState.CANCELLED,
                                      cancelled_by__in=CANCELLED_FOR_US):
        try:
            with transaction.atomic():
                Firing.objects.create(rule=rules.Rule.STOCK_OUT, step=rules.Step.TELL, order=order,
                                      at=order.cancelled_at, detail=alternatives(order))
            done += 1
        except IntegrityError:
            continue  # told already
    return done


def elsewhere_note(order: Order) -> dict | None:
    """The paragraph for the email about a cancelled order (`claims.hooks.CANCELLATION_NOTES`)."""
    if order.cancelled_by not in CANCELLED_FOR_US or not settings_current().elsewhere_on:
        return None
    firing = Firing.objects.filter(order=order, rule=rules.Rule.STOCK_OUT).first()
    return firing.detail if firing is not None else alternatives(order)


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
