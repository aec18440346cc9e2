"""Is a customer's refund history far outside the norm? Plain Python, no Django.

Principle: trust customers. A flag only asks a person to look; nothing is ever blocked because of it.
The test is a binomial z-score: if refunds happened to this customer's orders at the marketplace's usual
rate, how many standard deviations above the expected number of refunded orders are they? Few orders
with several refunds stand out; a long history with a few refunds does not.
"""

import math
from dataclasses import dataclass

MIN_REFUNDED_ORDERS = 3  # fewer than this is never unusual, whatever the rate
Z_THRESHOLD = 4.0  # about one customer in 30,000 by chance alone, were refunds binomial
RATE_FLOOR = 0.005  # a marketplace with almost no refunds yet must not flag its first few


@dataclass(frozen=True)
class RefundPattern:
    orders: int
    refunded_orders: int
    baseline_rate: float
    z: float


def refund_z_score(orders: int, refunded_orders: int, baseline_rate: float) -> float:
    rate = min(max(baseline_rate, RATE_FLOOR), 1 - RATE_FLOOR)
    expected = orders * rate
    spread = math.sqrt(orders * rate * (1 - rate))
    return (refunded_orders - expected) / spread if spread else 0.0


def unusual_refund_pattern(orders: int, refunded_orders: int, baseline_rate: float) -> RefundPattern | None:
    """The pattern, when it is far enough outside the norm for a person to look; otherwise None."""
    if orders <= 0 or refunded_orders < MIN_REFUNDED_ORDERS:
        return None
    z = refund_z_score(orders, refunded_orders, baseline_rate)
    if z < Z_THRESHOLD:
        return None
    return RefundPattern(orders, refunded_orders, baseline_rate, round(z, 1))
