"""Seller account health: the figures a seller is held to, kept up to date one event at a time.

Plain Python, no Django. Every order (and every buyer message) contributes 1 to a few day counters,
each keyed by a counter and a UTC date of that order; a seller's figures are sums of those counters over
the days of a window. The database side stores, per order, the contributions it last made; on any event
about the order it recomputes them, adds `difference(old, new)` to the seller's day counters and stores
the new ones. The cost of an event is a handful of counters whatever the seller's history, and reading
the figures sums at most a window's days.

Contributions depend on the present moment only where a deadline passes with nothing done (an order
unshipped at its ship-by time, undelivered at its promised time, a message unanswered after 24 hours);
`next_change` and `message_next_change` say when that will happen so a clock can revisit the order then.
The windows themselves slide without touching any counter: a counter is keyed by the date of the order,
not by the day it was counted.

Windows count whole UTC days ending today inclusive: N days cover today-(N-1) … today.
"""

from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from fractions import Fraction


class Metric(StrEnum):
    ORDER_DEFECT_RATE = "order_defect_rate"
    PRE_FULFILMENT_CANCELLATION_RATE = "pre_fulfilment_cancellation_rate"
    LATE_SHIPMENT_RATE_10 = "late_shipment_rate_10"
    LATE_SHIPMENT_RATE_30 = "late_shipment_rate_30"
    VALID_TRACKING_RATE = "valid_tracking_rate"
    ON_TIME_DELIVERY_RATE = "on_time_delivery_rate"
    MESSAGE_RESPONSE_RATE = "message_response_rate"


class Counter(StrEnum):
    """Day counters. The values are stored (in counter rows and in encoded contributions): never rename."""

    # Keyed by the day the order was placed.
    ORDERS = "orders"
    DEFECTIVE = "defective"  # any of the three below; an order with several defects counts once here
    NEGATIVE_FEEDBACK = "negative_feedback"
    CLAIM_AGAINST_SELLER = "claim_against_seller"
    CHARGEBACK = "chargeback"
    CANCELLED_BEFORE_SHIPPING = "cancelled_before_shipping"  # by the seller
    # Keyed by the order's ship-by day.
    SHIP_DUE = "ship_due"  # shipped, or not shipped (nor cancelled) when its ship-by time came
    SHIPPED_LATE = "shipped_late"
    UNSHIPPED_LATE = "unshipped_late"  # still not shipped after its ship-by time
    # Keyed by the day the order first shipped.
    SHIPPED = "shipped"
    TRACKING_VALID = "tracking_valid"
    # Keyed by the order's promised latest delivery day.
    DELIVERY_DUE = "delivery_due"  # delivered, or not delivered (nor cancelled) when its promised time came
    DELIVERED_ON_TIME = "delivered_on_time"
    # Keyed by the day the buyer's message was sent.
    MESSAGES_DUE = "messages_due"  # answered, or unanswered when its time to answer ran out
    ANSWERED_IN_TIME = "answered_in_time"


class Basis(StrEnum):
    """Which date of an order (or message) places it in a metric's window."""

    PLACED = "placed"
    SHIP_BY = "ship_by"
    FIRST_SHIPPED = "first_shipped"
    PROMISED = "promised"
    MESSAGE = "message"


@dataclass(frozen=True)
class Measure:
    """How a metric is counted: the share of `denominator` that is in any of `numerator` (counters that
    never overlap on one order, so their sum counts each order once)."""

    numerator: tuple[Counter, ...]
    denominator: Counter
    basis: Basis


_LATE_SHIPMENT = Measure((Counter.SHIPPED_LATE, Counter.UNSHIPPED_LATE), Counter.SHIP_DUE, Basis.SHIP_BY)

MEASURES: dict[Metric, Measure] = {
    Metric.ORDER_DEFECT_RATE: Measure((Counter.DEFECTIVE,), Counter.ORDERS, Basis.PLACED),
    Metric.PRE_FULFILMENT_CANCELLATION_RATE: Measure(
        (Counter.CANCELLED_BEFORE_SHIPPING,), Counter.ORDERS, Basis.PLACED
    ),
    Metric.LATE_SHIPMENT_RATE_10: _LATE_SHIPMENT,
    Metric.LATE_SHIPMENT_RATE_30: _LATE_SHIPMENT,
    Metric.VALID_TRACKING_RATE: Measure((Counter.TRACKING_VALID,), Counter.SHIPPED, Basis.FIRST_SHIPPED),
    Metric.ON_TIME_DELIVERY_RATE: Measure((Counter.DELIVERED_ON_TIME,), Counter.DELIVERY_DUE, Basis.PROMISED),
    Metric.MESSAGE_RESPONSE_RATE: Measure((Counter.ANSWERED_IN_TIME,), Counter.MESSAGES_DUE, Basis.MESSAGE),
}

ANSWER_WITHIN = timedelta(hours=24)  # around the clock: weekends and holidays count

type DayKey = tuple[Counter, date]
type Contributions = dict[DayKey, int]


# --- what one order or message contributes -----------------------------------------------------------


def _require_aware(record) -> None:
    # A naive time would be read in the server's zone and land on the wrong UTC day without a trace.
    for each in fields(record):
        value = getattr(record, each.name)
        if isinstance(value, datetime) and value.utcoffset() is None:
            raise ValueError(f"{type(record).__name__}.{each.name} must carry a time zone, got {value!r}")


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


@dataclass(frozen=True)
class OrderRecord:
    placed_at: datetime
    ship_by: datetime
    promised_latest: datetime
    cancelled_before_shipping_by_seller: bool  # the seller cancelled it before anything shipped
    cancelled: bool  # cancelled by anyone
    first_shipped_at: datetime | None
    tracking_valid: bool  # every shipment has a tracking number and at least one carrier scan
    delivered_at: datetime | None  # when the last parcel arrived; None until all arrived
    negative_feedback: bool  # a 1–2 star rating
    claim_against_seller: bool  # a guarantee claim not decided for the seller
    chargeback: bool

    def __post_init__(self) -> None:
        _require_aware(self)

    @property
    def withdrawn(self) -> bool:
        """Cancelled: nothing more is expected of the seller for it. (A seller's cancellation is one.)"""
        return self.cancelled or self.cancelled_before_shipping_by_seller


@dataclass(frozen=True)
class MessageRecord:
    sent_at: datetime
    answered_at: datetime | None

    def __post_init__(self) -> None:
        _require_aware(self)


def order_contributions(order: OrderRecord, now: datetime) -> Contributions:
    """The day counters this order adds 1 to, as things stand at `now`.

    Cancelling withdraws what was still expected, never what happened: a cancelled order that never
    shipped leaves the late-shipment figures (even if its ship-by time had passed), one never delivered
    leaves the delivery figure; what did ship or arrive is still judged.
    """
    placed_day = utc_day(order.placed_at)
    ship_by_day = utc_day(order.ship_by)
    promised_day = utc_day(order.promised_latest)
    counted: list[DayKey] = [(Counter.ORDERS, placed_day)]

    defects = {
        Counter.NEGATIVE_FEEDBACK: order.negative_feedback,
        Counter.CLAIM_AGAINST_SELLER: order.claim_against_seller,
        Counter.CHARGEBACK: order.chargeback,
    }
    counted += [(counter, placed_day) for counter, present in defects.items() if present]
    if any(defects.values()):
        counted.append((Counter.DEFECTIVE, placed_day))
    if order.cancelled_before_shipping_by_seller:
        counted.append((Counter.CANCELLED_BEFORE_SHIPPING, placed_day))

    if order.first_shipped_at is not None:
        counted.append((Counter.SHIP_DUE, ship_by_day))
        if order.first_shipped_at > order.ship_by:
            counted.append((Counter.SHIPPED_LATE, ship_by_day))
        first_shipped_day = utc_day(order.first_shipped_at)
        counted.append((Counter.SHIPPED, first_shipped_day))
        if order.tracking_valid:
            counted.append((Counter.TRACKING_VALID, first_shipped_day))
    elif not order.withdrawn and now >= order.ship_by:
        counted += [(Counter.SHIP_DUE, ship_by_day), (Counter.UNSHIPPED_LATE, ship_by_day)]

    if order.delivered_at is not None:
        counted.append((Counter.DELIVERY_DUE, promised_day))
        if order.delivered_at <= order.promised_latest:
            counted.append((Counter.DELIVERED_ON_TIME, promised_day))
    elif not order.withdrawn and now >= order.promised_latest:
        counted.append((Counter.DELIVERY_DUE, promised_day))

    return dict.fromkeys(counted, 1)


def next_change(order: OrderRecord, now: datetime) -> datetime | None:
    """When time alone will change this order's contributions (a deadline passing with nothing done),
    always later than `now`; None when only an event about the order can change them."""
    deadlines = []
    if order.first_shipped_at is None and not order.withdrawn and now < order.ship_by:
        deadlines.append(order.ship_by)
    if order.delivered_at is None and not order.withdrawn and now < order.promised_latest:
        deadlines.append(order.promised_latest)
    return min(deadlines, default=None)


def message_contributions(
    message: MessageRecord, now: datetime, *, answer_within: timedelta = ANSWER_WITHIN
) -> Contributions:
    """A buyer message counts once answered, or once its time to answer has run out unanswered."""
    sent_day = utc_day(message.sent_at)
    deadline = message.sent_at + answer_within
    if message.answered_at is not None:
        if message.answered_at <= deadline:
            return {(Counter.MESSAGES_DUE, sent_day): 1, (Counter.ANSWERED_IN_TIME, sent_day): 1}
        return {(Counter.MESSAGES_DUE, sent_day): 1}
    if now >= deadline:
        return {(Counter.MESSAGES_DUE, sent_day): 1}
    return {}


def message_next_change(
    message: MessageRecord, now: datetime, *, answer_within: timedelta = ANSWER_WITHIN
) -> datetime | None:
    deadline = message.sent_at + answer_within
    if message.answered_at is None and now < deadline:
        return deadline
    return None


# --- keeping day counters ----------------------------------------------------------------------------


def difference(old: Mapping[DayKey, int], new: Mapping[DayKey, int]) -> Contributions:
    """What to add to the day counters when an order's contributions go from `old` to `new`; only the
    counters that change, so an event that changes nothing writes nothing."""
    changes = {key: new.get(key, 0) - old.get(key, 0) for key in old.keys() | new.keys()}
    return {key: change for key, change in changes.items() if change}


def apply_changes(day_counters: MutableMapping[DayKey, int], changes: Mapping[DayKey, int]) -> None:
    """Add `changes` to `day_counters` in place, dropping counters that fall to zero."""
    for key, change in changes.items():
        total = day_counters.get(key, 0) + change
        if total:
            day_counters[key] = total
        else:
            day_counters.pop(key, None)


def tally(all_contributions: Iterable[Mapping[DayKey, int]]) -> Contributions:
    """Day counters rebuilt from scratch: to start, or to check the incremental ones."""
    day_counters: Contributions = {}
    for contributions in all_contributions:
        apply_changes(day_counters, contributions)
    return day_counters


_KEY_SEPARATOR = "|"


def encode(contributions: Mapping[DayKey, int]) -> dict[str, int]:
    """For storing an order's last contributions as JSON: {"orders|2026-11-28": 1, ...}."""
    return {
        f"{counter.value}{_KEY_SEPARATOR}{day.isoformat()}": count
        for (counter, day), count in sorted(contributions.items())
    }


def decode(stored: Mapping[str, int]) -> Contributions:
    contributions: Contributions = {}
    for key, count in stored.items():
        name, _, day = key.partition(_KEY_SEPARATOR)
        try:
            contributions[(Counter(name), date.fromisoformat(day))] = int(count)
        except ValueError:
            raise ValueError(
                f"Stored contribution {key!r}: {count!r} is not 'counter|YYYY-MM-DD' with a known counter "
                "and a whole number"
            ) from None
    return contributions


# --- targets and figures -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What a seller is held to: the rate over the last `window_days` days must be at least `limit`
    (at_least=True) or stay under it (at_least=False). Limits are fractions: 0.01 is 1%."""

    metric: Metric
    window_days: int
    limit: float
    at_least: bool

    def __post_init__(self) -> None:
        if isinstance(self.window_days, bool) or not isinstance(self.window_days, int) or self.window_days < 1:
            raise ValueError(f"The window for {self.metric} must be a whole number of days, at least 1.")
        if not 0 <= self.limit <= 1:
            raise ValueError(f"The limit for {self.metric} must be a fraction between 0 and 1 (0.01 is 1%).")


DEFAULT_TARGETS: dict[Metric, Target] = {
    target.metric: target
    for target in (
        Target(Metric.ORDER_DEFECT_RATE, window_days=60, limit=0.01, at_least=False),
        Target(Metric.PRE_FULFILMENT_CANCELLATION_RATE, window_days=7, limit=0.025, at_least=False),
        Target(Metric.LATE_SHIPMENT_RATE_10, window_days=10, limit=0.04, at_least=False),
        Target(Metric.LATE_SHIPMENT_RATE_30, window_days=30, limit=0.04, at_least=False),
        Target(Metric.VALID_TRACKING_RATE, window_days=30, limit=0.95, at_least=True),
        Target(Metric.ON_TIME_DELIVERY_RATE, window_days=30, limit=0.97, at_least=True),
        Target(Metric.MESSAGE_RESPONSE_RATE, window_days=30, limit=0.90, at_least=True),
    )
}


@dataclass(frozen=True)
class Figure:
    metric: Metric
    numerator: int
    denominator: int
    rate: float | None = field(init=False)  # None when there is nothing to judge yet
    target: Target

    def __post_init__(self) -> None:
        object.__setattr__(self, "rate", self.numerator / self.denominator if self.denominator else None)

    @property
    def ok(self) -> bool:
        """Meets its target; a seller with nothing to judge is not in breach."""
        if not self.denominator:
            return True
        # Exact, so that 1 defect in 100 orders is not "under 1%" by a rounding error.
        rate = Fraction(self.numerator, self.denominator)
        limit = Fraction(str(self.target.limit))
        return rate >= limit if self.target.at_least else rate < limit


@dataclass(frozen=True)
class CountedWindow:
    """The days a figure covers, and which date of an order (or message) falls in them. Only some of
    the orders dated inside are counted (see MEASURES and order_contributions): for instance an order
    whose ship-by time is still ahead is not yet in the late-shipment figure. Unpacks as
    (first_day, last_day)."""

    first_day: date
    last_day: date
    basis: Basis

    def __iter__(self) -> Iterator[date]:
        return iter((self.first_day, self.last_day))

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first_day <= day <= self.last_day

    def days(self) -> list[date]:
        length = (self.last_day - self.first_day).days + 1
        return [self.first_day + timedelta(days=offset) for offset in range(length)]


def _target_for(metric: Metric, targets: Mapping[Metric, Target]) -> Target:
    target = targets.get(metric, DEFAULT_TARGETS[metric])
    if target.metric != metric:
        raise ValueError(f"The target given for {metric} is for {target.metric}.")
    return target


def counted_orders_window(metric: Metric, today: date, target: Target | None = None) -> CountedWindow:
    target = target or DEFAULT_TARGETS[metric]
    if target.metric != metric:
        raise ValueError(f"The target given for {metric} is for {target.metric}.")
    first_day = today - timedelta(days=target.window_days - 1)
    return CountedWindow(first_day, today, MEASURES[metric].basis)


def figures(
    day_counters: Mapping[DayKey, int], today: date, targets: Mapping[Metric, Target] = DEFAULT_TARGETS
) -> dict[Metric, Figure]:
    """Every metric for one seller, from its day counters; a metric missing from `targets` uses its
    default. Looks up only the window's days, never the whole history."""
    result = {}
    for metric in Metric:
        target = _target_for(metric, targets)
        measure = MEASURES[metric]
        days = counted_orders_window(metric, today, target).days()
        numerator = sum(day_counters.get((counter, day), 0) for counter in measure.numerator for day in days)
        denominator = sum(day_counters.get((measure.denominator, day), 0) for day in days)
        result[metric] = Figure(metric, numerator, denominator, target)
    return result
