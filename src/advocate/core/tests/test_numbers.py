"""Numbers from a query string or a form: clamped into range, never passed on as something no column holds."""

import pytest

from advocate.core.numbers import DB_INT_MAX, MAX_PAGE, clamped_int, page_number


@pytest.mark.parametrize(("raw", "page"), [
    (None, 1), ("", 1), ("1", 1), ("7", 7), (" 7 ", 7), ("0", 1), ("-5", 1), ("abc", 1), ("1.5", 1), ("1e3", 1),
    ("999999999999", MAX_PAGE), ("9" * 40, MAX_PAGE), ("9" * 5000, 1), ("²", 1), (3, 3), (-(10**30), 1),
])
def test_a_page_number_is_clamped_to_the_pages_there_can_be(raw, page):
    assert page_number(raw) == page


def test_clamped_int_keeps_within_its_bounds():
    assert clamped_int("12345678901234567890", default=0, low=0, high=DB_INT_MAX) == DB_INT_MAX
    assert clamped_int("nope", default=30, low=1, high=365) == 30
    assert clamped_int("400", default=30, low=1, high=365) == 365
