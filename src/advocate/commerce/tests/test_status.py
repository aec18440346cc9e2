"""The plain-Python rules deciding where an order stands. No database, no Django: plain datetimes."""

from datetime import UTC, datetime, timedelta

from advocate.commerce.status import (
    OrderFacts,
    OrderStatus,
    ShipmentFacts,
    StatusKind,
    order_status,
    shipment_status,
)

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # a Tuesday
SHIP_BY = datetime(2026, 3, 12, 18, 0, tzinfo=UTC)
PROMISED = datetime(2026, 3, 14, 20, 0, tzinfo=UTC)


def order(*shipments: ShipmentFacts, cancelled_at=None, ship_by=SHIP_BY, promised_latest=PROMISED) -> OrderFacts:
    return OrderFacts(cancelled_at=cancelled_at, ship_by=ship_by, promised_latest=promised_latest,
                      shipments=list(shipments))


def in_transit(estimate=None, *, in_trouble=False) -> ShipmentFacts:
    return ShipmentFacts(delivered_at=None, estimated_delivery=estimate, in_trouble=in_trouble)


def delivered(at: datetime, detail: str = "left at front door") -> ShipmentFacts:
    return ShipmentFacts(delivered_at=at, estimated_delivery=None, delivery_detail=detail)


def test_on_its_way_and_on_time_is_arriving_at_the_estimate():
    estimate = datetime(2026, 3, 12, 20, 0, tzinfo=UTC)

    assert order_status(order(in_transit(estimate)), NOW) == OrderStatus(StatusKind.ARRIVING, estimate)


def test_on_its_way_without_a_carrier_estimate_is_arriving_by_the_promise():
    assert order_status(order(in_transit(None)), NOW) == OrderStatus(StatusKind.ARRIVING, PROMISED)


def test_carrier_estimate_after_the_promise_is_late_with_the_new_estimate():
    new_estimate = PROMISED + timedelta(days=2)

    status = order_status(order(in_transit(new_estimate)), NOW)

    assert status == OrderStatus(StatusKind.LATE, new_estimate)
    assert status.needs_attention


def test_estimate_already_passed_is_late_with_no_estimate():
    status = order_status(order(in_transit(NOW - timedelta(hours=1))), NOW)

    assert status == OrderStatus(StatusKind.LATE, None)
    assert status.needs_attention


def test_promise_passed_without_any_estimate_is_late_with_no_estimate():
    after_the_promise = PROMISED + timedelta(hours=1)

    assert order_status(order(in_transit(None)), after_the_promise) == OrderStatus(StatusKind.LATE, None)


def test_a_carrier_exception_is_late_with_no_estimate_even_before_the_promise():
    estimate = datetime(2026, 3, 12, 20, 0, tzinfo=UTC)

    assert order_status(order(in_transit(estimate, in_trouble=True)), NOW) == OrderStatus(StatusKind.LATE, None)


def test_delivered_carries_the_moment_and_where_it_was_left():
    at = datetime(2026, 3, 10, 14, 2, tzinfo=UTC)

    status = order_status(order(delivered(at, "left at front door")), NOW)

    assert status == OrderStatus(StatusKind.DELIVERED, at, "left at front door")
    assert not status.needs_attention


def test_delivered_after_the_promise_is_still_delivered():
    late_delivery = PROMISED + timedelta(days=1)

    status = order_status(order(delivered(late_delivery)), late_delivery + timedelta(hours=1))

    assert status.kind == StatusKind.DELIVERED


def test_not_shipped_before_the_ship_by_time_waits_for_it():
    status = order_status(order(), NOW)

    assert status == OrderStatus(StatusKind.NOT_SHIPPED, SHIP_BY)
    assert not status.needs_attention


def test_not_shipped_after_the_ship_by_time_is_overdue():
    status = order_status(order(), SHIP_BY + timedelta(minutes=1))

    assert status == OrderStatus(StatusKind.SHIP_OVERDUE, SHIP_BY)
    assert status.needs_attention


def test_exactly_at_the_ship_by_time_is_not_yet_overdue():
    assert order_status(order(), SHIP_BY).kind == StatusKind.NOT_SHIPPED


def test_cancelled_wins_over_everything_else():
    cancelled_at = NOW - timedelta(hours=3)

    status = order_status(order(in_transit(NOW - timedelta(days=1)), cancelled_at=cancelled_at), NOW)

    assert status == OrderStatus(StatusKind.CANCELLED, cancelled_at)
    assert not status.needs_attention


def test_the_least_advanced_parcel_speaks_for_the_order():
    estimate = datetime(2026, 3, 13, 12, 0, tzinfo=UTC)
    parcels = order(delivered(NOW - timedelta(hours=2)), in_transit(estimate))

    assert order_status(parcels, NOW) == OrderStatus(StatusKind.ARRIVING, estimate)


def test_one_late_parcel_makes_the_order_late():
    late_estimate = PROMISED + timedelta(days=3)
    parcels = order(in_transit(datetime(2026, 3, 11, 12, 0, tzinfo=UTC)), in_transit(late_estimate))

    assert order_status(parcels, NOW) == OrderStatus(StatusKind.LATE, late_estimate)


def test_among_arriving_parcels_the_last_expected_decides_when():
    early, later = datetime(2026, 3, 11, 9, 0, tzinfo=UTC), datetime(2026, 3, 13, 17, 0, tzinfo=UTC)

    assert order_status(order(in_transit(later), in_transit(early)), NOW).when == later


def test_a_late_parcel_with_no_estimate_outweighs_one_with_a_new_estimate():
    parcels = order(in_transit(PROMISED + timedelta(days=2)), in_transit(NOW - timedelta(hours=1)))

    assert order_status(parcels, NOW) == OrderStatus(StatusKind.LATE, None)


def test_all_parcels_delivered_is_delivered_when_the_last_arrived():
    first, last = NOW - timedelta(days=1), NOW - timedelta(hours=2)

    status = order_status(order(delivered(last, "signed for"), delivered(first)), NOW)

    assert status == OrderStatus(StatusKind.DELIVERED, last, "signed for")


def test_shipment_status_on_its_own():
    estimate = datetime(2026, 3, 13, 12, 0, tzinfo=UTC)

    assert shipment_status(in_transit(estimate), PROMISED, NOW) == OrderStatus(StatusKind.ARRIVING, estimate)
    assert shipment_status(in_transit(PROMISED + timedelta(days=1)), PROMISED, NOW).kind == StatusKind.LATE
