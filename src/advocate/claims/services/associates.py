"""What a service associate gives a customer from a conversation, with no approval step up to a generous limit
(`ADVOCATE_ASSOCIATE_LIMIT`, base currency) for each order in total — refunds, goodwill credits and the order
sent again count together, whoever gave them and however many times. Through the same ledger and instruction
feed as self-service, once per key; a refund is watched for unusual patterns like every other."""

from decimal import Decimal

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from advocate.commerce.selectors import order_facts
from advocate.core.errors import Invalid, Refused
from advocate.core.money import format_money

from .. import ledger, selectors
from ..models import Account, LedgerEntry, RefundCause, Replacement
from ..rules import MAX_REPLACEMENTS, Party, may_send_again
from .refund_watch import watch_refund_pattern


def _by_associates(queryset, key_field: str):
    """Leave out what the platform gave by itself (`ledger.AUTOMATIC`): not an associate's decision."""
    return queryset.exclude(**{f"{key_field}__startswith": ledger.AUTOMATIC})


def associate_given(order) -> Decimal:
    """What associates have given on this order so far, in its currency: refunds, goodwill credits and the
    value of the order sent again (not what the platform gave by itself, before anyone asked)."""
    refunds = order.refunds.filter(cause=RefundCause.ASSOCIATE).aggregate(total=Sum("amount"))["total"]
    credits = _by_associates(LedgerEntry.objects.filter(
        transaction__order=order, transaction__kind="credit", account=Account.CUSTOMER_CREDIT),
        "transaction__key").aggregate(total=Sum("amount"))["total"]
    resent = _by_associates(Replacement.objects.filter(order=order, report=None), "key").aggregate(
        total=Sum("value"))["total"]
    return sum((value or Decimal(0) for value in (refunds, credits, resent)), Decimal(0))


def within_associate_limit(order, amount: Decimal) -> None:
    """Associates decide alone up to a generous limit on each order, counting what was already given on it;
    beyond it a specialist does (Refused otherwise). Call with the order locked (`ledger.lock_order`), so two
    associates at once cannot both pass."""
    limit = Decimal(settings.ADVOCATE_ASSOCIATE_LIMIT)
    to_base = selectors.to_base_currency(order.currency)
    given = associate_given(order)
    in_base = to_base(given + amount)
    if in_base is None:
        raise Refused("no_exchange_rate", _(
            "There is no exchange rate for %(currency)s to check this against your limit; an operator can add one.")
            % {"currency": order.currency})
    if in_base <= limit:
        return
    if given:
        raise Refused("over_associate_limit", _(
            "%(given)s has already been given on this order; with this it would be more than one person "
            "decides alone (%(limit)s in all). Escalate it to the refunds team.")
            % {"given": format_money(given, order.currency),
               "limit": format_money(limit, settings.ADVOCATE_BASE_CURRENCY)})
    raise Refused("over_associate_limit", _(
        "That is more than one person decides alone (%(limit)s %(currency)s). Escalate it to the refunds team.")
        % {"limit": limit, "currency": settings.ADVOCATE_BASE_CURRENCY})


def associate_refund(*, order, amount: Decimal, by, key: str, memo: str):
    """Refund (part of) an order at the marketplace's cost, at once. Call inside a transaction."""
    if amount <= 0:
        raise Invalid("amount_not_positive", _("Enter an amount above zero."), field="amount")
    order = ledger.lock_order(order)
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
    order = ledger.lock_order(order)
    within_associate_limit(order, amount)
    return ledger.credit_issue(order=order, amount=amount, key=key, memo=reason.strip()[:200])


def associate_reship(*, order, key: str, memo: str):
    """Send the whole order again at the marketplace's cost (lost, or arrived unusable): the shop ships it —
    only an order that was shipped and not cancelled, and not more than twice in all."""
    order = ledger.lock_order(order)
    if not may_send_again(order_facts(order)):
        raise Refused("not_shipped", _("This order was cancelled or has not shipped yet: there is nothing to send "
                                       "again. Upgrade its shipping, or cancel it, instead."))
    if Replacement.objects.filter(order=order).count() >= MAX_REPLACEMENTS:
        raise Refused("sent_again_enough", _(
            "This order has been sent again %(count)s times already; whether to send it once more is for the "
            "refunds team to decide. Escalate it.") % {"count": MAX_REPLACEMENTS})
    value, lines = ledger.order_contents(order)
    within_associate_limit(order, value)
    return ledger.replacement_issue(order=order, report=None, value=value, liable=Party.PLATFORM, key=key,
                                    memo=memo, lines=lines)
