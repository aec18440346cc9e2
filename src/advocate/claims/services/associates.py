"""What a service associate gives a customer from a conversation, with no approval step up to a generous limit
(`ADVOCATE_ASSOCIATE_LIMIT`, base currency): a refund, a goodwill credit, the order sent again. Through the
same ledger and instruction feed as self-service, once per key; a refund is watched for unusual patterns like
every other."""

from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from advocate.core.errors import Invalid, Refused

from .. import ledger, selectors
from ..models import RefundCause
from ..rules import Party
from .refund_watch import watch_refund_pattern


def within_associate_limit(order, amount: Decimal) -> None:
    """Associates decide alone up to a generous limit; beyond it a specialist does (Refused otherwise)."""
    limit = Decimal(settings.ADVOCATE_ASSOCIATE_LIMIT)
    in_base = selectors.to_base_currency(order.currency)(amount)
    if in_base is None:
        raise Refused("no_exchange_rate", _(
            "There is no exchange rate for %(currency)s to check this against your limit; an operator can add one.")
            % {"currency": order.currency})
    if in_base > limit:
        raise Refused("over_associate_limit", _(
            "That is more than one person decides alone (%(limit)s %(currency)s). Escalate it to the refunds team.")
            % {"limit": limit, "currency": settings.ADVOCATE_BASE_CURRENCY})


def associate_refund(*, order, amount: Decimal, by, key: str, memo: str):
    """Refund (part of) an order at the marketplace's cost, at once. Call inside a transaction."""
    if amount <= 0:
        raise Invalid("amount_not_positive", _("Enter an amount above zero."), field="amount")
    within_associate_limit(order, amount)
    refund = ledger.refund_issue(order=order, amount=amount, payer=Party.PLATFORM, key=key, by=by, memo=memo,
                                 cause=RefundCause.ASSOCIATE)
    watch_refund_pattern(order.customer, refund.created_at or timezone.now())
    return refund


def associate_credit(*, order, amount: Decimal, reason: str, key: str):
    """A goodwill credit for the customer's trouble (not a refund of the order), booked against the order."""
    if amount <= 0:
        raise Invalid("amount_not_positive", _("Enter an amount above zero."), field="amount")
    if not reason.strip():
        raise Invalid("reason_required",
                      _("Say what the credit is for; the customer and your colleagues will see it."), field="reason")
    within_associate_limit(order, amount)
    return ledger.credit_issue(order=order, amount=amount, key=key, memo=reason.strip()[:200])


def associate_reship(*, order, key: str, memo: str):
    """Send the whole order again at the marketplace's cost (lost, or arrived unusable): the shop ships it."""
    lines = list(order.lines.all())
    value = sum((line.unit_price * line.quantity for line in lines), Decimal(0))
    within_associate_limit(order, value)
    return ledger.replacement_issue(
        order=order, report=None, value=value, liable=Party.PLATFORM, key=key, memo=memo,
        lines=[{"sku": line.sku, "title": line.title, "quantity": line.quantity} for line in lines])
