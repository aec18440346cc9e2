"""Seller account health: each figure on constructed histories, its window edges, and the promise the
database side relies on — applying one order's differences keeps the day counters exactly equal to a
recount from scratch, at a cost that does not grow with the seller's history. Plain Python: no database."""

import json
import random
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from advocate.sellers.health import (
    DEFAULT_TARGETS,
    Basis,
    Counter,
    Figure,
    MessageRecord,
    Metric,
    OrderRecord,
    Target,
    apply_changes,
    counted_orders_window,
    decode,
    difference,
    encode,
    figures,
    message_contributions,
    message_next_change,
    next_change,
    order_contributions,
    tally,
)

TODAY = date(2026, 11, 28)
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def at(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def order(placed_at: datetime = NOW - 10 * DAY, **changes) -> OrderRecord:
    """A good order by default: shipped the day after it was placed with tracking, delivered in four days."""
    facts = {
        "placed_at": placed_at,
        "ship_by": placed_at + 2 * DAY,
        "promised_latest": placed_at + 6 * DAY,
        "cancelled_before_shipping_by_seller": False,
        "cancelled": False,
        "first_shipped_at": placed_at + DAY,
        "tracking_valid": True,
        "delivered_at": placed_at + 4 * DAY,
        "negative_feedback": False,
        "claim_against_seller": False,
        "chargeback": False,
    }
    return OrderRecord(**(facts | changes))


def unshipped(placed_at: datetime = NOW - 10 * DAY, **changes) -> OrderRecord:
    return order(placed_at, **({"first_shipped_at": None, "tracking_valid": False, "delivered_at": None} | changes))


def seller_figures(orders=(), messages=(), now: datetime = NOW, targets=DEFAULT_TARGETS) -> dict[Metric, Figure]:
    contributions = [order_contributions(each, now) for each in orders]
    contributions += [message_contributions(each, now) for each in messages]
    return figures(tally(contributions), now.date(), targets)


def share(figure: Figure) -> tuple[int, int]:
    return figure.numerator, figure.denominator


# --- each figure ---------------------------------------------------------------------------------------


def test_order_defect_rate_counts_an_order_with_several_defects_once():
    orders = [
        order(negative_feedback=True, claim_against_seller=True, chargeback=True),
        order(negative_feedback=True),
        order(chargeback=True),
        *[order() for _ in range(7)],
    ]

    odr = seller_figures(orders)[Metric.ORDER_DEFECT_RATE]

    assert share(odr) == (3, 10)
    assert odr.rate == 0.3
    assert not odr.ok
    counters = tally(order_contributions(each, NOW) for each in orders)
    placed_day = (NOW - 10 * DAY).date()
    # The seller's breakdown still shows every kind of defect.
    assert counters[(Counter.NEGATIVE_FEEDBACK, placed_day)] == 2
    assert counters[(Counter.CLAIM_AGAINST_SELLER, placed_day)] == 1
    assert counters[(Counter.CHARGEBACK, placed_day)] == 2


def test_a_claim_decided_for_the_seller_is_not_a_defect():
    clean = [order() for _ in range(99)]
    claim = order(claim_against_seller=True)

    decided_for_seller = seller_figures([*clean, replace(claim, claim_against_seller=False)])
    upheld = seller_figures([*clean, claim])

    assert share(decided_for_seller[Metric.ORDER_DEFECT_RATE]) == (0, 100)
    assert decided_for_seller[Metric.ORDER_DEFECT_RATE].ok
    # 1 in 100 is 1%, and the target is *under* 1%.
    assert share(upheld[Metric.ORDER_DEFECT_RATE]) == (1, 100)
    assert not upheld[Metric.ORDER_DEFECT_RATE].ok


def test_cancellation_rate_counts_only_the_sellers_cancellations_before_shipping():
    recent = NOW - 2 * DAY
    orders = [
        unshipped(recent, cancelled=True, cancelled_before_shipping_by_seller=True),
        unshipped(recent, cancelled=True),  # the buyer changed their mind: not the seller's doing
        unshipped(NOW - 8 * DAY, cancelled=True, cancelled_before_shipping_by_seller=True),  # outside 7 days
        *[order(recent) for _ in range(38)],
    ]

    rate = seller_figures(orders)[Metric.PRE_FULFILMENT_CANCELLATION_RATE]

    assert share(rate) == (1, 40)
    assert not rate.ok  # 2.5% is not under 2.5%
    assert seller_figures(orders[1:])[Metric.PRE_FULFILMENT_CANCELLATION_RATE].ok


def test_late_shipment_rate_judges_orders_by_ship_by_date_over_ten_and_thirty_days():
    ship_by = NOW - 2 * DAY
    orders = [
        order(ship_by=ship_by, first_shipped_at=ship_by + 3 * HOUR),  # late
        order(ship_by=ship_by, first_shipped_at=ship_by),  # on the dot: on time
        order(ship_by=ship_by, first_shipped_at=ship_by - DAY),
        unshipped(ship_by=NOW - HOUR),  # its time has passed: late
        unshipped(ship_by=NOW + 5 * HOUR),  # still has time: not judged yet
        unshipped(ship_by=NOW - DAY, cancelled=True),  # cancelled: leaves the figure
        order(NOW - 25 * DAY, ship_by=NOW - 20 * DAY, first_shipped_at=NOW - 19 * DAY),  # late, 20 days ago
    ]

    result = seller_figures(orders)

    assert share(result[Metric.LATE_SHIPMENT_RATE_10]) == (2, 4)
    assert share(result[Metric.LATE_SHIPMENT_RATE_30]) == (3, 5)
    assert not result[Metric.LATE_SHIPMENT_RATE_10].ok


def test_an_unshipped_order_is_late_from_its_ship_by_time_until_it_ships_late_or_is_cancelled():
    waiting = unshipped(NOW - DAY, ship_by=NOW + HOUR)
    assert next_change(waiting, NOW) == NOW + HOUR
    assert share(seller_figures([waiting])[Metric.LATE_SHIPMENT_RATE_10]) == (0, 0)

    overdue_at = NOW + 2 * HOUR
    overdue = order_contributions(waiting, overdue_at)
    ship_by_day = TODAY
    assert overdue[(Counter.UNSHIPPED_LATE, ship_by_day)] == 1
    assert share(seller_figures([waiting], now=overdue_at)[Metric.LATE_SHIPMENT_RATE_10]) == (1, 1)

    shipped_late = replace(waiting, first_shipped_at=NOW + 3 * HOUR, tracking_valid=True)
    later = NOW + 4 * HOUR
    change = difference(overdue, order_contributions(shipped_late, later))
    # It moves from "still not shipped" to "shipped late": late either way.
    assert change[(Counter.UNSHIPPED_LATE, ship_by_day)] == -1
    assert change[(Counter.SHIPPED_LATE, ship_by_day)] == 1
    assert (Counter.SHIP_DUE, ship_by_day) not in change
    assert share(seller_figures([shipped_late], now=later)[Metric.LATE_SHIPMENT_RATE_10]) == (1, 1)

    cancelled = replace(waiting, cancelled=True)
    assert share(seller_figures([cancelled], now=later)[Metric.LATE_SHIPMENT_RATE_10]) == (0, 0)
    assert next_change(cancelled, later) is None


def test_valid_tracking_rate_counts_shipped_orders_by_first_ship_date():
    orders = [
        *[order(NOW - 5 * DAY) for _ in range(19)],
        order(NOW - 5 * DAY, tracking_valid=False),
        order(NOW - 40 * DAY, first_shipped_at=NOW - 31 * DAY, tracking_valid=False),  # shipped before the window
        unshipped(NOW - DAY, ship_by=NOW + DAY),  # nothing shipped: nothing to track
    ]

    meets = seller_figures(orders)[Metric.VALID_TRACKING_RATE]
    falls_short = seller_figures([*orders, order(NOW - 5 * DAY, tracking_valid=False)])[Metric.VALID_TRACKING_RATE]

    assert share(meets) == (19, 20)
    assert meets.ok  # at least 95%
    assert share(falls_short) == (19, 21)
    assert not falls_short.ok


def test_on_time_delivery_rate_counts_delivered_orders_and_those_past_their_promise():
    promised = NOW - 3 * DAY
    placed = promised - 6 * DAY
    orders = [
        order(placed, promised_latest=promised, delivered_at=promised - DAY),
        order(placed, promised_latest=promised, delivered_at=promised),  # at the promised time: on time
        order(placed, promised_latest=promised, delivered_at=promised + HOUR),
        order(placed, promised_latest=promised, delivered_at=None),  # some parcels still missing: late
        unshipped(placed, promised_latest=promised),  # never arrived: late
        unshipped(placed, promised_latest=promised, cancelled=True),  # cancelled: leaves the figure
        order(NOW - 2 * DAY, promised_latest=NOW + DAY, delivered_at=None),  # not due yet
        # Arrived early, but it is judged by its promised day, which is tomorrow.
        order(NOW - 2 * DAY, promised_latest=NOW + DAY, delivered_at=NOW - HOUR),
    ]

    rate = seller_figures(orders)[Metric.ON_TIME_DELIVERY_RATE]

    assert share(rate) == (2, 5)
    assert not rate.ok
    assert share(seller_figures(orders, now=NOW + DAY)[Metric.ON_TIME_DELIVERY_RATE]) == (3, 7)


def test_message_response_rate_gives_24_hours_weekends_included():
    friday_evening = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
    messages = [
        MessageRecord(NOW - 3 * DAY, answered_at=NOW - 3 * DAY + 23 * HOUR),
        MessageRecord(NOW - 3 * DAY, answered_at=NOW - 2 * DAY),  # exactly 24 hours: in time
        MessageRecord(friday_evening, answered_at=friday_evening + 2 * DAY + 15 * HOUR),  # Monday morning: late
        MessageRecord(NOW - 25 * HOUR, answered_at=None),  # unanswered after 24 hours: late
        MessageRecord(NOW - 2 * HOUR, answered_at=None),  # still has time: not judged yet
    ]

    rate = seller_figures(messages=messages)[Metric.MESSAGE_RESPONSE_RATE]

    assert share(rate) == (2, 4)
    assert not rate.ok
    assert message_next_change(messages[4], NOW) == NOW + 22 * HOUR
    assert message_next_change(messages[3], NOW) is None
    assert message_next_change(messages[0], NOW) is None


# --- windows ---------------------------------------------------------------------------------------------


def test_a_window_covers_whole_utc_days_up_to_and_including_today():
    first_day = TODAY - timedelta(days=59)
    orders = [
        order(at(first_day, 23, 59), negative_feedback=True),  # last minute of the window's first day: in
        order(at(first_day - DAY, 23, 59), chargeback=True),  # a day earlier: out
        order(at(TODAY), negative_feedback=True),  # today: in
    ]

    odr = seller_figures(orders)[Metric.ORDER_DEFECT_RATE]

    assert share(odr) == (2, 2)
    assert tuple(counted_orders_window(Metric.ORDER_DEFECT_RATE, TODAY)) == (date(2026, 9, 30), TODAY)
    assert tuple(counted_orders_window(Metric.PRE_FULFILMENT_CANCELLATION_RATE, TODAY)) == (date(2026, 11, 22), TODAY)


def test_days_are_utc_days_whatever_zone_a_time_arrives_in():
    first_day = date(2026, 9, 30)
    berlin = timezone(timedelta(hours=2))
    new_york = timezone(timedelta(hours=-5))
    orders = [
        order(datetime(2026, 9, 30, 1, 30, tzinfo=berlin), chargeback=True),  # 29 September, 23:30 UTC: out
        order(datetime(2026, 9, 29, 20, 0, tzinfo=new_york), chargeback=True),  # 30 September, 01:00 UTC: in
    ]

    assert counted_orders_window(Metric.ORDER_DEFECT_RATE, TODAY).first_day == first_day
    assert share(seller_figures(orders)[Metric.ORDER_DEFECT_RATE]) == (1, 1)


def test_each_figure_names_the_date_its_orders_are_judged_by():
    bases = {metric: counted_orders_window(metric, TODAY).basis for metric in Metric}

    assert bases == {
        Metric.ORDER_DEFECT_RATE: Basis.PLACED,
        Metric.PRE_FULFILMENT_CANCELLATION_RATE: Basis.PLACED,
        Metric.LATE_SHIPMENT_RATE_10: Basis.SHIP_BY,
        Metric.LATE_SHIPMENT_RATE_30: Basis.SHIP_BY,
        Metric.VALID_TRACKING_RATE: Basis.FIRST_SHIPPED,
        Metric.ON_TIME_DELIVERY_RATE: Basis.PROMISED,
        Metric.MESSAGE_RESPONSE_RATE: Basis.MESSAGE,
    }
    first_day, last_day = counted_orders_window(Metric.LATE_SHIPMENT_RATE_10, TODAY)
    assert (first_day, last_day) == (date(2026, 11, 19), TODAY)
    assert date(2026, 11, 19) in counted_orders_window(Metric.LATE_SHIPMENT_RATE_10, TODAY)
    assert date(2026, 11, 18) not in counted_orders_window(Metric.LATE_SHIPMENT_RATE_10, TODAY)


# --- targets ---------------------------------------------------------------------------------------------


def test_an_operator_can_set_a_metrics_window_and_limit():
    orders = [order(NOW - 80 * DAY, negative_feedback=True), *[order() for _ in range(29)]]
    lenient = {Metric.ORDER_DEFECT_RATE: Target(Metric.ORDER_DEFECT_RATE, window_days=90, limit=0.05, at_least=False)}

    by_default = seller_figures(orders)
    by_operator = seller_figures(orders, targets=lenient)

    assert share(by_default[Metric.ORDER_DEFECT_RATE]) == (0, 29)
    assert share(by_operator[Metric.ORDER_DEFECT_RATE]) == (1, 30)
    assert by_operator[Metric.ORDER_DEFECT_RATE].ok
    # Metrics the operator left alone keep their defaults.
    assert by_operator[Metric.VALID_TRACKING_RATE].target == DEFAULT_TARGETS[Metric.VALID_TRACKING_RATE]


@pytest.mark.parametrize(
    ("choice", "reason"),
    [
        ({"window_days": 0, "limit": 0.01}, "whole number of days, at least 1"),
        ({"window_days": 7.5, "limit": 0.01}, "whole number of days, at least 1"),
        ({"window_days": 60, "limit": 1.5}, "fraction between 0 and 1"),
        ({"window_days": 60, "limit": -0.01}, "fraction between 0 and 1"),
    ],
)
def test_unusable_target_settings_are_refused_with_a_reason(choice, reason):
    with pytest.raises(ValueError, match=reason):
        Target(Metric.ORDER_DEFECT_RATE, at_least=False, **choice)


def test_a_target_given_under_the_wrong_metric_is_refused():
    mixed_up = {Metric.ORDER_DEFECT_RATE: DEFAULT_TARGETS[Metric.LATE_SHIPMENT_RATE_10]}

    with pytest.raises(ValueError, match="order_defect_rate is for late_shipment_rate_10"):
        figures({}, TODAY, mixed_up)


def test_a_seller_with_nothing_to_judge_is_in_good_standing():
    result = figures({}, TODAY)

    assert all(figure.ok and figure.rate is None and figure.denominator == 0 for figure in result.values())


def test_limits_are_compared_exactly_at_their_edges():
    def figure(metric: Metric, numerator: int, denominator: int) -> Figure:
        return Figure(metric, numerator, denominator, DEFAULT_TARGETS[metric])

    assert not figure(Metric.ORDER_DEFECT_RATE, 1, 100).ok
    assert figure(Metric.ORDER_DEFECT_RATE, 9, 901).ok
    assert not figure(Metric.LATE_SHIPMENT_RATE_30, 1, 25).ok
    assert figure(Metric.VALID_TRACKING_RATE, 19, 20).ok
    assert figure(Metric.ON_TIME_DELIVERY_RATE, 97, 100).ok
    assert not figure(Metric.ON_TIME_DELIVERY_RATE, 96, 99).ok
    assert figure(Metric.MESSAGE_RESPONSE_RATE, 9, 10).ok


# --- revisiting on time ----------------------------------------------------------------------------------


def test_the_clock_revisits_an_order_at_each_deadline_it_might_miss():
    fresh = unshipped(NOW - DAY, ship_by=NOW + DAY, promised_latest=NOW + 5 * DAY)
    shipped = replace(fresh, first_shipped_at=NOW + HOUR)
    delivered = replace(shipped, delivered_at=NOW + 3 * DAY)

    assert next_change(fresh, NOW) == NOW + DAY
    assert next_change(fresh, NOW + 2 * DAY) == NOW + 5 * DAY  # already late to ship; delivery still ahead
    assert next_change(shipped, NOW + 2 * HOUR) == NOW + 5 * DAY
    assert next_change(delivered, NOW + 3 * DAY) is None
    assert next_change(fresh, NOW + 6 * DAY) is None


# --- storing and applying contributions -----------------------------------------------------------------


def test_contributions_survive_a_round_trip_through_json():
    contributions = order_contributions(order(negative_feedback=True), NOW)

    stored = json.loads(json.dumps(encode(contributions)))

    assert stored[f"orders|{(NOW - 10 * DAY).date().isoformat()}"] == 1
    assert decode(stored) == contributions


@pytest.mark.parametrize("key", ["parcels|2026-11-28", "orders|28/11/2026", "orders"])
def test_a_damaged_stored_contribution_is_refused_with_a_reason(key):
    with pytest.raises(ValueError, match=re.escape("is not 'counter|YYYY-MM-DD'")):
        decode({key: 1})


def test_an_event_that_changes_nothing_writes_nothing():
    contributions = order_contributions(order(), NOW)

    assert difference(contributions, dict(contributions)) == {}
    assert difference({}, contributions) == contributions
    assert difference(contributions, {}) == {key: -1 for key in contributions}


def test_times_without_a_zone_are_refused():
    with pytest.raises(ValueError, match=r"OrderRecord\.placed_at must carry a time zone"):
        order(datetime(2026, 11, 28, 9, 0))
    with pytest.raises(ValueError, match=r"MessageRecord\.answered_at must carry a time zone"):
        MessageRecord(NOW, answered_at=datetime(2026, 11, 28, 9, 0))


# --- incremental upkeep ------------------------------------------------------------------------------------


def new_order(rng: random.Random, now: datetime) -> OrderRecord:
    placed_at = now - timedelta(hours=rng.randint(0, 96))
    ship_by = placed_at + timedelta(hours=rng.randint(1, 72))
    return unshipped(placed_at, ship_by=ship_by, promised_latest=ship_by + timedelta(hours=rng.randint(24, 240)))


def next_event(rng: random.Random, record: OrderRecord, now: datetime) -> OrderRecord:
    """Something that can happen to an order next, as the shop's systems would report it."""
    happenings = [
        {"negative_feedback": not record.negative_feedback},
        {"claim_against_seller": not record.claim_against_seller},  # opened, or decided for the seller
        {"chargeback": True},
    ]
    if record.first_shipped_at is None and not record.withdrawn:
        happenings += [
            {"first_shipped_at": now, "tracking_valid": rng.random() < 0.8},
            {"cancelled": True, "cancelled_before_shipping_by_seller": True},
            {"cancelled": True},
        ]
    if record.first_shipped_at is not None and record.delivered_at is None:
        happenings += [{"delivered_at": now}, {"tracking_valid": True}]
    return replace(record, **rng.choice(happenings))


@pytest.mark.parametrize("seed", range(6))
def test_applying_each_events_difference_keeps_the_counters_equal_to_a_full_recount(seed):
    rng = random.Random(seed)
    now = NOW - 40 * DAY
    orders: list[OrderRecord] = []
    messages: list[MessageRecord] = []
    stored: dict[tuple[str, int], dict[str, int]] = {}  # as the database keeps them: encoded JSON
    revisit_at: dict[tuple[str, int], datetime | None] = {}
    day_counters: dict = {}

    def recompute(kind: str, index: int) -> None:
        if kind == "order":
            new, when = order_contributions(orders[index], now), next_change(orders[index], now)
        else:
            new, when = message_contributions(messages[index], now), message_next_change(messages[index], now)
        change = difference(decode(stored.get((kind, index), {})), new)
        assert len(change) <= len(Counter)
        apply_changes(day_counters, change)
        stored[(kind, index)] = json.loads(json.dumps(encode(new)))
        revisit_at[(kind, index)] = when

    for _ in range(500):
        roll = rng.random()
        if roll < 0.15 or not orders:
            orders.append(new_order(rng, now))
            recompute("order", len(orders) - 1)
        elif roll < 0.25:
            messages.append(MessageRecord(now - timedelta(hours=rng.randint(0, 30)), answered_at=None))
            recompute("message", len(messages) - 1)
        elif roll < 0.32:
            index = rng.randrange(len(messages)) if messages else None
            if index is not None and messages[index].answered_at is None:
                messages[index] = replace(messages[index], answered_at=now)
                recompute("message", index)
        elif roll < 0.85:
            index = rng.randrange(len(orders))
            orders[index] = next_event(rng, orders[index], now)
            recompute("order", index)
        else:
            now += timedelta(hours=rng.randint(1, 72))
            for kind, index in [key for key, when in revisit_at.items() if when is not None and when <= now]:
                recompute(kind, index)

        from_scratch = tally(
            [order_contributions(each, now) for each in orders]
            + [message_contributions(each, now) for each in messages]
        )
        assert day_counters == from_scratch
        assert figures(day_counters, now.date()) == figures(from_scratch, now.date())

    assert sum(figure.denominator for figure in figures(day_counters, now.date()).values()) > 0


def test_one_event_touches_a_few_counters_however_long_the_sellers_history():
    rng = random.Random(7)
    before = unshipped(NOW - 3 * DAY, ship_by=NOW - 2 * DAY, promised_latest=NOW - DAY)
    # The widest change one event can make: the order is found shipped late, delivered late, and defective.
    after = replace(
        before,
        first_shipped_at=NOW - HOUR,
        tracking_valid=True,
        delivered_at=NOW,
        negative_feedback=True,
        claim_against_seller=True,
        chargeback=True,
    )
    sizes = []
    for history in (10, 5000):
        day_counters = tally(
            order_contributions(new_order(rng, NOW - rng.randint(0, 60) * DAY), NOW) for _ in range(history)
        )
        day_counters_before = dict(day_counters)
        old = order_contributions(before, NOW)
        apply_changes(day_counters, old)

        change = difference(old, order_contributions(after, NOW))
        apply_changes(day_counters, change)

        sizes.append(len(change))
        touched = {
            key
            for key in day_counters.keys() | day_counters_before.keys()
            if day_counters.get(key) != day_counters_before.get(key)
        }
        assert touched <= old.keys() | change.keys()
    assert sizes[0] == sizes[1] <= 8


class CountingMapping(Mapping):
    """Day counters that remember how many of them were read."""

    def __init__(self, counters: dict):
        self.counters = counters
        self.reads = 0

    def __getitem__(self, key):
        self.reads += 1
        return self.counters[key]

    def __iter__(self) -> Iterator:
        raise AssertionError("the figures must not walk the whole history")

    def __len__(self) -> int:
        return len(self.counters)


def test_reading_the_figures_looks_only_at_the_windows_days():
    years_of_orders = [order(NOW - timedelta(days=day), negative_feedback=day % 50 == 0) for day in range(0, 1500)]
    day_counters = CountingMapping(tally(order_contributions(each, NOW) for each in years_of_orders))

    result = figures(day_counters, TODAY)

    assert share(result[Metric.ORDER_DEFECT_RATE]) == (2, 60)
    most_reads = sum(
        target.window_days * (len(measure_counters) + 1)
        for target, measure_counters in [
            (DEFAULT_TARGETS[Metric.ORDER_DEFECT_RATE], [Counter.DEFECTIVE]),
            (DEFAULT_TARGETS[Metric.PRE_FULFILMENT_CANCELLATION_RATE], [Counter.CANCELLED_BEFORE_SHIPPING]),
            (DEFAULT_TARGETS[Metric.LATE_SHIPMENT_RATE_10], [Counter.SHIPPED_LATE, Counter.UNSHIPPED_LATE]),
            (DEFAULT_TARGETS[Metric.LATE_SHIPMENT_RATE_30], [Counter.SHIPPED_LATE, Counter.UNSHIPPED_LATE]),
            (DEFAULT_TARGETS[Metric.VALID_TRACKING_RATE], [Counter.TRACKING_VALID]),
            (DEFAULT_TARGETS[Metric.ON_TIME_DELIVERY_RATE], [Counter.DELIVERED_ON_TIME]),
            (DEFAULT_TARGETS[Metric.MESSAGE_RESPONSE_RATE], [Counter.ANSWERED_IN_TIME]),
        ]
    )
    assert day_counters.reads <= most_reads
