"""What one contact counts under, and how a change moves it (plain Python, no database)."""

from datetime import date

from advocate.insights.rules import Fact, changes, per_hundred

DAY = date(2026, 12, 1)


def test_a_contact_about_an_order_counts_under_every_slice_of_it():
    fact = Fact(day=DAY, reason="damaged_defective", channel="self_service", language="de", seller="northwind",
                fulfilment="seller", carrier="ParcelNet", products=("11", "12"))
    assert sorted(fact.slices()) == sorted([
        ("all", ""), ("channel", "self_service"), ("language", "de"), ("seller", "northwind"),
        ("fulfilment", "seller"), ("carrier", "ParcelNet"), ("product", "11"), ("product", "12")])


def test_a_contact_about_no_order_counts_only_where_it_can():
    fact = Fact(day=DAY, reason="", channel="email", language="en")
    assert sorted(fact.slices()) == [("all", ""), ("channel", "email"), ("language", "en")]


def test_reclassifying_moves_each_slice_from_the_old_reason_to_the_new():
    before = Fact(day=DAY, reason="", channel="email", language="en")
    after = Fact(day=DAY, reason="delivery_late", channel="email", language="en")
    moved = changes(before, after)
    assert moved == {(DAY, "", "all", ""): -1, (DAY, "", "channel", "email"): -1, (DAY, "", "language", "en"): -1,
                     (DAY, "delivery_late", "all", ""): 1, (DAY, "delivery_late", "channel", "email"): 1,
                     (DAY, "delivery_late", "language", "en"): 1}
    assert changes(after, after) == {}
    assert changes(after, None) == {key: -1 for key in changes(None, after)}


def test_the_rate_is_per_hundred_orders_and_undefined_without_orders():
    assert per_hundred(3, 200) == 1.5
    assert per_hundred(3, 0) is None
