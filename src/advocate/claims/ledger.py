"""The only way money moves: append-only, double-entry, once per idempotency key.

Every movement is a transaction whose entries sum to zero, under a unique key that says what it is for
("report:41:refund", "claim:7:recover"). Asking for the same movement again — a double click, a retried
request, a task delivered twice, a worker that died after committing — finds the first one and changes
nothing. Two different movements for one order are serialised by locking the order's row, and a refund
is refused if it would pay back more than the customer paid: the order's balance never goes below zero.

Accounts: `customer_payout` (money paid back to customers), `platform` (the marketplace), `seller`
(adjustments to a seller's payouts: negative means the seller owes it), `replacements` (goods sent),
`customer_credit` (goodwill credit an associate gave; the shop adds it to the customer's account).
Callers hold a transaction; these functions lock what they change.
"""

from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from advocate.commerce import status
from advocate.commerce.models import InstructionKind, Order, Payment
from advocate.commerce.services import instruct
from advocate.core.errors import Refused
from advocate.core.references import new_reference

from .models import (
    Account,
    GuaranteeClaim,
    LedgerEntry,
    LedgerTransaction,
    Refund,
    RefundCause,
    Replacement,
)
from .rules import Party

AUTOMATIC = "auto:"  # the start of the key of whatever the platform gives by itself, before anyone asked


class NothingToRefund(Refused):
    """The refund would pay back more than is left of what the customer paid."""

    def __init__(self, left: Decimal, asked: Decimal, currency: str):
        if left <= 0:
            message = _("Everything paid for this order has already been refunded.")
        else:
            message = _("Only %(left)s %(currency)s of this order is left to refund.") % {
                "left": left, "currency": currency}
        super().__init__("nothing_to_refund", message)
        self.left, self.asked = left, asked


def paid_total(order: Order) -> Decimal:
    return Payment.objects.filter(order=order).aggregate(s=Sum("amount"))["s"] or Decimal(0)


def refunded_total(order: Order) -> Decimal:
    total = LedgerEntry.objects.filter(account=Account.CUSTOMER_PAYOUT, order=order).aggregate(s=Sum("amount"))["s"]
    return total or Decimal(0)


def refundable(order: Order) -> Decimal:
    return status.refundable(paid_total(order), refunded_total(order))


def seller_balance(seller) -> Decimal:
    total = LedgerEntry.objects.filter(account=Account.SELLER, seller=seller).aggregate(s=Sum("amount"))["s"]
    return total or Decimal(0)


def lock_order(order: Order) -> Order:
    """Serialise money movements for one order (PostgreSQL row lock; SQLite writers already take turns)."""
    return Order.objects.select_for_update().select_related("seller").get(pk=order.pk)


def _post(*, key: str, kind: str, order: Order, postings: list[tuple[str, object, Decimal]], memo: str = "",
          refund: Refund | None = None, claim: GuaranteeClaim | None = None) -> LedgerTransaction:
    if sum(amount for _, _, amount in postings) != 0:
        raise ValueError(f"ledger transaction {key} does not balance")
    txn = LedgerTransaction.objects.create(key=key, kind=kind, order=order, refund=refund, claim=claim, memo=memo,
                                           created_at=timezone.now())
    LedgerEntry.objects.bulk_create(
        LedgerEntry(transaction=txn, account=account, seller=seller, order=order, amount=amount,
                    currency=order.currency)
        for account, seller, amount in postings
    )
    return txn


def _payer_account(order: Order, payer: Party) -> tuple[str, object]:
    return (Account.SELLER, order.seller) if payer == Party.SELLER else (Account.PLATFORM, None)


def refund_issue(*, order: Order, amount: Decimal, payer: Party, key: str, report=None, claim=None,
                 by=None, memo: str = "", cause: str = RefundCause.PROBLEM) -> Refund:
    """Pay `amount` back to the customer, to the way they paid, once per key.

    Raises NothingToRefund if the order has less than `amount` left to refund (unless this key already
    paid: then that refund is returned, whatever is left now)."""
    existing = Refund.objects.filter(key=key).first()
    if existing is not None:
        return existing
    order = lock_order(order)
    existing = Refund.objects.filter(key=key).first()  # another request may have paid it while we waited
    if existing is not None:
        return existing
    left = refundable(order)
    if amount <= 0 or amount > left:
        raise NothingToRefund(left, amount, order.currency)
    payment = Payment.objects.filter(order=order).order_by("captured_at").first()
    refund = Refund.objects.create(
        reference=new_reference("RF"), key=key, order=order, report=report, amount=amount, currency=order.currency,
        paid_by=payer, cause=cause, method=payment.method if payment else "", created_at=timezone.now(), created_by=by,
    )
    account, seller = _payer_account(order, payer)
    _post(key=key, kind="refund", order=order, refund=refund, claim=claim, memo=memo,
          postings=[(account, seller, -amount), (Account.CUSTOMER_PAYOUT, None, amount)])
    instruct(key=key, kind=InstructionKind.REFUND, order=order,
             payload={"refund": refund.reference, "order_id": order.external_id, "amount": str(amount),
                      "currency": order.currency, "method": refund.method})
    return refund


def order_contents(order: Order) -> tuple[Decimal, list[dict]]:
    """Sending the whole order again: what it is worth, and its lines as a replacement instruction lists them."""
    lines = list(order.lines.all())
    return (sum((line.unit_price * line.quantity for line in lines), Decimal(0)),
            [{"sku": line.sku, "title": line.title, "quantity": line.quantity} for line in lines])


def replacement_issue(*, order: Order, report, lines: list[dict], value: Decimal, liable: Party,
                      key: str, memo: str = "") -> Replacement:
    """Send the customer a replacement (the shop ships it); its value is charged to whoever is liable. `report`
    is None when an associate sends it from a conversation (`memo` then says which)."""
    existing = Replacement.objects.filter(key=key).first()
    if existing is not None:
        return existing
    order = lock_order(order)
    replacement = Replacement.objects.create(key=key, order=order, report=report, value=value,
                                             currency=order.currency, liable=liable, created_at=timezone.now())
    account, seller = _payer_account(order, liable)
    reference = report.reference if report else memo
    _post(key=key, kind="replacement", order=order, memo=reference,
          postings=[(account, seller, -value), (Account.REPLACEMENTS, None, value)])
    instruct(key=key, kind=InstructionKind.REPLACEMENT, order=order,
             payload={"order_id": order.external_id, "report": reference, "lines": lines})
    return replacement


def credit_issue(*, order: Order, amount: Decimal, key: str, memo: str = "") -> LedgerTransaction:
    """Give the customer goodwill credit (the marketplace pays; it is not a refund of the order), once per key."""
    existing = LedgerTransaction.objects.filter(key=key).first()
    if existing is not None:
        return existing
    order = lock_order(order)
    if amount <= 0:
        raise ValueError("a goodwill credit must be positive")
    txn = _post(key=key, kind="credit", order=order, memo=memo,
                postings=[(Account.PLATFORM, None, -amount), (Account.CUSTOMER_CREDIT, None, amount)])
    instruct(key=key, kind=InstructionKind.CREDIT, order=order,
             payload={"order_id": order.external_id, "customer_id": order.customer.external_id,
                      "amount": str(amount), "currency": order.currency, "reason": memo})
    return txn


def seller_debit(*, claim: GuaranteeClaim, amount: Decimal, key: str) -> LedgerTransaction:
    """Recover from the seller what the marketplace paid on their behalf."""
    return _transfer(claim, key, "seller_debit", -amount)


def seller_credit(*, claim: GuaranteeClaim, amount: Decimal, key: str) -> LedgerTransaction:
    """Give a seller back what was recovered from them (an appeal that reversed the decision)."""
    return _transfer(claim, key, "seller_credit", amount)


def claim_seller_total(claim: GuaranteeClaim) -> Decimal:
    """What the seller has been charged (negative) or given back for this claim, in all."""
    total = LedgerEntry.objects.filter(transaction__claim=claim, account=Account.SELLER).aggregate(s=Sum("amount"))
    return total["s"] or Decimal(0)


def _transfer(claim: GuaranteeClaim, key: str, kind: str, to_seller: Decimal) -> LedgerTransaction:
    existing = LedgerTransaction.objects.filter(key=key).first()
    if existing is not None:
        return existing
    order = lock_order(claim.report.order)
    return _post(key=key, kind=kind, order=order, claim=claim, memo=claim.report.reference,
                 postings=[(Account.SELLER, claim.seller, to_seller), (Account.PLATFORM, None, -to_seller)])
