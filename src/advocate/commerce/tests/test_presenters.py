"""Status sentences as a customer reads them: in their language and their time zone. No database."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from advocate.commerce.presenters import status_sentence
from advocate.commerce.status import OrderFacts, OrderStatus, ShipmentFacts, StatusKind, order_status

BERLIN, TOKYO, LONDON = ZoneInfo("Europe/Berlin"), ZoneInfo("Asia/Tokyo"), ZoneInfo("Europe/London")
NOW = datetime(2026, 3, 12, 9, 0, tzinfo=BERLIN)  # Thursday morning in Berlin


def sentence(status: OrderStatus, *, zone=BERLIN, language="en", fulfilled_by="seller", now=NOW) -> str:
    with translation.override(language), timezone.override(zone):
        return status_sentence(status, fulfilled_by=fulfilled_by, now=now)


def test_arriving_on_a_day_this_week_names_the_weekday():
    saturday = datetime(2026, 3, 14, 18, 0, tzinfo=BERLIN)

    assert sentence(OrderStatus(StatusKind.ARRIVING, saturday)) == "Arriving Saturday"


def test_arriving_today_and_tomorrow():
    assert sentence(OrderStatus(StatusKind.ARRIVING, NOW.replace(hour=20))) == "Arriving today"
    assert sentence(OrderStatus(StatusKind.ARRIVING, NOW + timedelta(days=1))) == "Arriving tomorrow"


def test_arriving_more_than_a_week_away_names_the_date():
    assert sentence(OrderStatus(StatusKind.ARRIVING, datetime(2026, 4, 3, 12, 0, tzinfo=BERLIN))) == "Arriving April 3"


def test_the_day_is_the_customers_local_day():
    # 20:00 UTC on Thursday is already Friday morning in Tokyo, still Thursday evening in London.
    evening_utc = datetime(2026, 3, 12, 20, 0, tzinfo=UTC)
    status = OrderStatus(StatusKind.ARRIVING, evening_utc)
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)

    assert sentence(status, zone=LONDON, now=now) == "Arriving Thursday"
    assert sentence(status, zone=TOKYO, now=now) == "Arriving Friday"


def test_late_with_a_new_estimate():
    monday = datetime(2026, 3, 16, 12, 0, tzinfo=BERLIN)

    assert sentence(OrderStatus(StatusKind.LATE, monday)) == "Running late — new estimate Monday"


def test_late_with_no_estimate_promises_to_find_out():
    assert sentence(OrderStatus(StatusKind.LATE, None)) == (
        "Running late — past the promised date, and the carrier has not given a new one yet"
    )


def test_delivered_names_the_local_day_time_and_where_it_was_left():
    delivered_at = datetime(2026, 3, 10, 13, 2, tzinfo=UTC)  # 14:02 in Berlin, on Tuesday

    status = OrderStatus(StatusKind.DELIVERED, delivered_at, "left at front door")

    assert sentence(status) == "Delivered Tuesday 14:02, left at front door"


def test_delivered_in_tokyo_is_told_in_tokyo_time():
    delivered_at = datetime(2026, 3, 10, 13, 2, tzinfo=UTC)  # 22:02 in Tokyo

    status = OrderStatus(StatusKind.DELIVERED, delivered_at, "handed to resident")

    assert sentence(status, zone=TOKYO) == "Delivered Tuesday 22:02, handed to resident"


def test_delivered_without_a_detail_and_with_a_carriers_own_words():
    yesterday = datetime(2026, 3, 11, 9, 15, tzinfo=BERLIN)

    assert sentence(OrderStatus(StatusKind.DELIVERED, yesterday)) == "Delivered yesterday 09:15"
    assert sentence(OrderStatus(StatusKind.DELIVERED, yesterday, "behind the blue bins")) == (
        "Delivered yesterday 09:15, behind the blue bins"
    )


def test_not_shipped_yet_by_the_seller_names_their_deadline():
    saturday = datetime(2026, 3, 14, 18, 0, tzinfo=BERLIN)

    assert sentence(OrderStatus(StatusKind.NOT_SHIPPED, saturday), fulfilled_by="seller") == (
        "Not shipped yet — the seller has until Saturday"
    )


def test_not_shipped_yet_from_our_warehouse():
    saturday = datetime(2026, 3, 14, 18, 0, tzinfo=BERLIN)

    assert sentence(OrderStatus(StatusKind.NOT_SHIPPED, saturday), fulfilled_by="platform") == (
        "Not shipped yet — it leaves our warehouse by Saturday"
    )


def test_ship_overdue_by_the_seller_and_from_our_warehouse():
    monday = datetime(2026, 3, 9, 18, 0, tzinfo=BERLIN)
    status = OrderStatus(StatusKind.SHIP_OVERDUE, monday)

    assert sentence(status, fulfilled_by="seller") == "Not shipped yet — the seller should have sent it by Monday"
    assert sentence(status, fulfilled_by="platform") == (
        "Not shipped yet — it should have left our warehouse by Monday"
    )


def test_cancelled_says_when():
    assert sentence(OrderStatus(StatusKind.CANCELLED, NOW - timedelta(hours=2))) == "Cancelled today"
    assert sentence(OrderStatus(StatusKind.CANCELLED, NOW - timedelta(days=1))) == "Cancelled yesterday"


def test_rules_and_wording_together_for_a_late_parcel():
    promised = datetime(2026, 3, 12, 20, 0, tzinfo=BERLIN)
    new_estimate = datetime(2026, 3, 17, 12, 0, tzinfo=BERLIN)  # next Tuesday
    facts = OrderFacts(
        cancelled_at=None, ship_by=promised - timedelta(days=3), promised_latest=promised,
        shipments=[ShipmentFacts(delivered_at=None, estimated_delivery=new_estimate)],
    )

    assert sentence(order_status(facts, NOW)) == "Running late — new estimate Tuesday"


@pytest.mark.parametrize(("language", "weekday"), [("de", "Samstag"), ("fr", "samedi"), ("es", "sábado")])
def test_day_names_follow_the_readers_language(language, weekday):
    saturday = datetime(2026, 3, 14, 18, 0, tzinfo=BERLIN)

    assert weekday in sentence(OrderStatus(StatusKind.ARRIVING, saturday), language=language)


def test_the_sentence_itself_is_in_the_readers_language():
    delivered_at = datetime(2026, 3, 10, 13, 2, tzinfo=UTC)  # 14:02 in Berlin, on Tuesday
    status = OrderStatus(StatusKind.DELIVERED, delivered_at, "left at front door")

    german = sentence(status, language="de")

    assert german.startswith("Zugestellt") and "Dienstag" in german and "14:02" in german
    assert "left at front door" not in german
