"""Contacts per order: what a contact counts under, and the rate. Plain Python, no Django.

Every contact is a defect of the experience. Insights counts each one under the reason it was about and
under every way the operators want to slice it (the dimensions below), and divides by the orders in the same
slice, so "contacts per 100 orders" can be compared across sellers, products, carriers and languages of very
different sizes.
"""

import math
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
    products: tuple[str, ...] = ()  # commerce.Product ids (a product is one seller's SKU)

    def slices(self) -> list[tuple[str, str]]:
        """Every (dimension, value) this contact counts under."""
        found = [(Dimension.ALL, ""), (Dimension.CHANNEL, self.channel), (Dimension.LANGUAGE, self.language)]
        if self.seller:
            found += [(Dimension.SELLER, self.seller), (Dimension.FULFILMENT, self.fulfilment)]
        if self.carrier:
            found.append((Dimension.CARRIER, self.carrier))
        found += [(Dimension.PRODUCT, product) for product in self.products]
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



# --- spikes ------------------------------------------------------------------------------------------------
# A reason's rate for one product, seller or carrier is compared with its own baseline (the weeks before),
# shrunk toward the whole marketplace's rate for that reason where the slice's own history is thin. A spike is
# a rate at least `min_ratio` times the baseline, on at least `min_contacts` contacts, that a Poisson count at
# the baseline rate would reach by chance with probability below `alpha` — small, because every slice and
# reason is tested every time.

SPIKE_DIMENSIONS = (Dimension.PRODUCT, Dimension.SELLER, Dimension.CARRIER)


@dataclass(frozen=True)
class SpikeTest:
    window_days: int = 7
    baseline_days: int = 28
    min_contacts: int = 5
    min_ratio: float = 2.0
    alpha: float = 0.001
    prior_orders: float = 50.0  # how many orders' worth of the marketplace's rate the baseline starts from


@dataclass(frozen=True)
class Counts:
    contacts: int
    orders: int


@dataclass(frozen=True)
class SpikeFinding:
    rate: float  # contacts per order in the window
    baseline: float  # contacts per order expected
    expected: float  # contacts expected in the window at the baseline
    p_value: float


DEFAULT_TEST = SpikeTest()


def spike(recent: Counts, before: Counts, marketplace_rate: float,
          test: SpikeTest = DEFAULT_TEST) -> SpikeFinding | None:
    """Whether `recent` is a spike against `before` (see above); None when it is not, or too small to tell."""
    if recent.contacts < test.min_contacts or recent.orders <= 0:
        return None
    baseline = (before.contacts + 0.5 + marketplace_rate * test.prior_orders) / (before.orders + test.prior_orders)
    rate = recent.contacts / recent.orders
    if rate < test.min_ratio * baseline:
        return None
    expected = baseline * recent.orders
    p_value = poisson_at_least(recent.contacts, expected)
    if p_value >= test.alpha:
        return None
    return SpikeFinding(rate=rate, baseline=baseline, expected=expected, p_value=p_value)


def poisson_at_least(k: int, mean: float) -> float:
    """P(X >= k) for X ~ Poisson(mean), summed in log space so large counts neither overflow nor underflow."""
    if k <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    below = 0.0
    log_term = -mean  # log P(X = 0)
    for i in range(k):
        if i:
            log_term += math.log(mean) - math.log(i)
        below += math.exp(log_term)
    return max(0.0, 1.0 - below)


def change_since(before: Counts, after: Counts) -> float | None:
    """How the rate moved after a fix: after's rate over before's (0.4: 60% fewer contacts per order)."""
    if before.orders <= 0 or after.orders <= 0 or before.contacts == 0:
        return None
    return (after.contacts / after.orders) / (before.contacts / before.orders)
