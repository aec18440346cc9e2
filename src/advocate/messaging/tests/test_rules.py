"""Who may write first, and the seller's 24 hours — plain Python, no database."""

from datetime import UTC, datetime, timedelta

import pytest

from advocate.messaging.rules import AnswerClock, MessageRefused, Refusal, check_text, seller_may_write

MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("accepts", "wrote", "allowed"), [
    (True, False, True),  # the buyer accepts messages nobody asked for
    (False, True, True),  # an answer where the buyer wrote is always allowed
    (False, False, False),  # writing first to a buyer who said no
    (True, True, True),
])
def test_a_seller_writes_first_only_to_buyers_who_accept_it(accepts, wrote, allowed):
    assert seller_may_write(buyer_accepts_unsolicited=accepts, buyer_wrote=wrote) is allowed


def test_the_answer_is_due_24_hours_later_weekends_included():
    friday_18 = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
    clock = AnswerClock(friday_18, None)
    assert clock.due_at == datetime(2026, 11, 28, 18, 0, tzinfo=UTC)  # Saturday: no pause for the weekend
    assert clock.waiting and clock.left(friday_18 + timedelta(hours=20)) == timedelta(hours=4)
    assert not clock.overdue(friday_18 + timedelta(hours=23, minutes=59))
    assert clock.overdue(friday_18 + timedelta(hours=24))
    assert clock.left(friday_18 + timedelta(hours=30)) == timedelta(0)
    assert clock.answered_in_time() is None


def test_answered_in_time_or_late():
    assert AnswerClock(MONDAY_9, MONDAY_9 + timedelta(hours=24)).answered_in_time() is True
    late = AnswerClock(MONDAY_9, MONDAY_9 + timedelta(hours=24, seconds=1))
    assert late.answered_in_time() is False and not late.overdue(MONDAY_9 + timedelta(days=3))


def test_empty_and_overlong_messages_are_refused():
    assert check_text("  Hello \n") == "Hello"
    with pytest.raises(MessageRefused) as empty:
        check_text(" \n ")
    assert empty.value.code == Refusal.EMPTY
    with pytest.raises(MessageRefused) as long:
        check_text("x" * 5001)
    assert long.value.code == Refusal.TOO_LONG
