"""An order cancelled (by the shop, or history imported without events) is refunded without the customer asking."""

from django.db.models import Exists, OuterRef

from advocate.commerce.models import Order, OrderState, Payment
from advocate.core.db import retrying_write
from advocate.notifications.services import email_queue

from .. import ledger
from ..hooks import cancellation_notes
from ..models import Refund, RefundCause
from ..rules import Party
from .notify import email_context


def cancelled_order_refund(order: Order, *, notify: bool = True):
    """A cancelled order's customer gets back whatever they paid and has not had back yet, without asking.
    Called inside the transaction that applied the cancellation."""
    left = ledger.refundable(order)
    if left <= 0:
        return None
    payer = Party.PLATFORM if order.seller.is_platform else Party.SELLER
    refund = ledger.refund_issue(order=order, amount=left, payer=payer, key=f"order:{order.pk}:cancel-refund",
                                 memo="order cancelled", cause=RefundCause.CANCELLATION)
    if not notify:
        return refund
    customer = order.customer
    email_queue(key=f"order:{order.pk}:cancel-refund", to=customer.email, template="claims/email/customer.txt",
                context=email_context(customer, order, event="order_cancelled", refund=refund,
                                     notes=cancellation_notes(order)),
                language=customer.language, time_zone=customer.time_zone, order=order)
    return refund


def cancelled_orders_refund_all(*, notify: bool = True, progress=None) -> int:
    """Refund every cancelled order that still holds a customer's money (a safety net, and for data that
    arrived without going through the event intake, such as the demo: `notify=False` for history)."""
    candidates = Order.objects.filter(state=OrderState.CANCELLED).filter(
        Exists(Payment.objects.filter(order=OuterRef("pk"))), ~Exists(Refund.objects.filter(order=OuterRef("pk")))
    )
    done = 0
    for order_id in candidates.values_list("pk", flat=True).iterator():

        def work(order_id=order_id):
            return cancelled_order_refund(ledger.lock_order(Order(pk=order_id)), notify=notify)

        done += retrying_write(work) is not None
        if progress:
            progress(1)
    return done
