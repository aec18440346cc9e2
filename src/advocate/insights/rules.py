"""Contacts per order: what a contact counts under, and the rate. Plain Python, no Django.

Every contact is a defect of the experience. Insights counts each one under the reason it was about and
under every way the operators want to slice it (the dimensions below), and divides by the orders in the same
slice, so "contacts per 100 orders" can be compared across sellers, products, carriers and languages of very
different sizes.
"""

from dataclasses import dataclass
from enum import StrEnum


class Dimension(StrEnum):
    ALL = "all"
    SELLER = "seller"
    FULFILMENT = "fulfilment"
    PRODUCT = "product"
    CARRIER = "carrier"
    LANGUAGE = "language"
    CHANNEL = "channel"


# What the orders of a slice are counted by. A channel is a property of the contact, not of the order: a
# channel's rate is its contacts per 100 of all orders.
ORDERS_COUNTED_BY = {
    Dimension.ALL: Dimension.ALL,
    Dimension.SELLER: Dimension.SELLER,
    Dimension.FULFILMENT: Dimension.FULFILMENT,
    Dimension.PRODUCT: Dimension.PRODUCT,
    Dimension.CARRIER: Dimension.CARRIER,
    Dimension.LANGUAGE: Dimension.LANGUAGE,
    Dimension.CHANNEL: Dimension.ALL,
}

SELF_SERVICE = "self_service"  # the channel of a problem reported on the order page or through the API

# The contact reason of a self-service report, by the kind of problem (claims.rules.Problem).
PROBLEM_REASONS = {
    "cancel": "cancel_order",
    "return": "return_request",
    "damaged": "damaged_defective",
    "not_as_described": "not_as_described",
    "item_missing": "item_missing",
    "not_received": "not_received",
    "return_not_refunded": "refund_status",
}


@dataclass(frozen=True)
class Fact:
    """What one contact is counted under."""

    day: object  # a date
    reason: str  # "" until someone (or something) says why
    channel: str
    language: str
    seller: str = ""  # the seller's id as the shop knows it; "" when the contact is about no order
    fulfilment: str = ""
    carrier: str = ""
    skus: tuple[str, ...] = ()

    def slices(self) -> list[tuple[str, str]]:
        """Every (dimension, value) this contact counts under."""
        found = [(Dimension.ALL, ""), (Dimension.CHANNEL, self.channel), (Dimension.LANGUAGE, self.language)]
        if self.seller:
            found += [(Dimension.SELLER, self.seller), (Dimension.FULFILMENT, self.fulfilment)]
        if self.carrier:
            found.append((Dimension.CARRIER, self.carrier))
        found += [(Dimension.PRODUCT, sku) for sku in self.skus]
        return [(str(dimension), value) for dimension, value in found]

    def counters(self, sign: int = 1) -> list[tuple[object, str, str, str, int]]:
        """(day, reason, dimension, value, ±1) for each slice."""
        return [(self.day, self.reason, dimension, value, sign) for dimension, value in self.slices()]


def changes(before: Fact | None, after: Fact | None) -> dict[tuple, int]:
    """The counter changes that turn `before`'s contributions into `after`'s (either may be None)."""
    total: dict[tuple, int] = {}
    for fact, sign in ((before, -1), (after, 1)):
        if fact is None:
            continue
        for *key, amount in fact.counters(sign):
            total[tuple(key)] = total.get(tuple(key), 0) + amount
    return {key: amount for key, amount in total.items() if amount}


def per_hundred(contacts: int, orders: int) -> float | None:
    """Contacts per 100 orders, or None where there were no orders to divide by."""
    return None if orders <= 0 else 100.0 * contacts / orders

