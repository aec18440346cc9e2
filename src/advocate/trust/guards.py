"""The rule that holds whatever the door: a customer whose account was closed (with a statement of reasons)
may read the decision and appeal it, and nothing else. Every customer-initiated service — reporting a problem,
writing to us, booking a callback, messaging a seller, rating one — calls `customer_may_act` first, so the
shop's back end acting for the customer is refused exactly as the customer's own pages are. The middleware
only makes the pages friendlier (it sends a closed customer to their decisions)."""

from django.utils.translation import gettext_lazy as _

from advocate.core.errors import Forbidden

from .models import AccountAction, ActionKind, ActionState


def _closures():
    return AccountAction.objects.filter(kind=ActionKind.CUSTOMER_CLOSED, state=ActionState.ACTIVE)


def customer_closed(customer) -> bool:
    return customer is not None and _closures().filter(customer=customer).exists()


def user_closed(user) -> bool:
    """For a signed-in customer: one indexed query."""
    return _closures().filter(customer__user=user).exists()


def closed_refusal() -> Forbidden:
    return Forbidden("account_closed", _(
        "This account is closed. You can read our decision and appeal it under Decisions (/account/decisions/), "
        "or call us."))


def customer_may_act(customer) -> None:
    """Refuse (403, `account_closed`) if this customer's account is closed."""
    if customer_closed(customer):
        raise closed_refusal()
