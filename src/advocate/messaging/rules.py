"""Who may write to whom, and the seller's clock for answering a buyer — plain Python, no Django.

Buyers and sellers talk only through the marketplace, one thread per order. A buyer may always write about
their own order. A seller may always answer a buyer who wrote in the thread, but may write first (start a
thread, or write into one the buyer never wrote in) only to a buyer who accepts messages nobody asked for.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from advocate.sellers.health import ANSWER_WITHIN  # 24 hours around the clock, weekends included

MAX_LENGTH = 5000


class Side(StrEnum):
    BUYER = "buyer"
    SELLER = "seller"


class Refusal(StrEnum):
    """Why a message was not sent; nothing is stored then."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    BUYER_OPTED_OUT = "buyer_opted_out"  # the seller would write first to a buyer who said no
    SOLD_BY_PLATFORM = "sold_by_platform"  # the marketplace itself sold it: write to the service team
    OWN_MESSAGE = "own_message"  # flagging what one wrote oneself


def seller_may_write(*, buyer_accepts_unsolicited: bool, buyer_wrote: bool) -> bool:
    """A seller may answer wherever the buyer wrote; elsewhere only if the buyer accepts unsolicited messages."""
    return buyer_wrote or buyer_accepts_unsolicited


def check_text(text: str) -> str:
    """The text as it will be stored, or Refusal when there is nothing to send or too much."""
    text = text.strip()
    if not text:
        raise MessageRefused(Refusal.EMPTY)
    if len(text) > MAX_LENGTH:
        raise MessageRefused(Refusal.TOO_LONG)
    return text


class MessageRefused(Exception):
    def __init__(self, code: Refusal):
        super().__init__(code.value)
        self.code = code


@dataclass(frozen=True)
class AnswerClock:
    """A buyer's message and the time the seller has to answer it."""

    sent_at: datetime
    answered_at: datetime | None

    @property
    def due_at(self) -> datetime:
        return self.sent_at + ANSWER_WITHIN

    @property
    def waiting(self) -> bool:
        return self.answered_at is None

    def overdue(self, now: datetime) -> bool:
        return self.waiting and now >= self.due_at

    def answered_in_time(self) -> bool | None:
        """None while unanswered."""
        return None if self.answered_at is None else self.answered_at <= self.due_at

    def left(self, now: datetime) -> timedelta:
        """What is left of the time to answer (zero once it has run out)."""
        return max(self.due_at - now, timedelta(0))
