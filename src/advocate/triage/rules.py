"""When a message may be answered without a person, and where it goes when it may not. Plain Python, no Django.

A person is never kept away from someone who needs one: an abusive message, one asking for a person, one whose
reason the model is not sure of (below the operator's threshold for that reason), and any reason that needs
judgement (a seller dispute, account closures and appeals, feedback, anything "other") go to people.
"""

from dataclasses import dataclass

from .language import OURS
from .model import Reading

# The reasons whose answer is a fact we hold (order, refund, claim, membership) or a decision the self-service
# rules already make.
AUTOMATIC = (
    "order_status", "delivery_late", "not_received", "item_missing", "damaged_defective", "not_as_described",
    "return_request", "refund_status", "cancel_order", "membership",
)
ORDERLESS = ("membership",)  # answered from the customer's facts, with no order needed

# The specialist team for each reason; the rest wait in everyone's queue. Abuse goes to trust and safety.
TEAMS = {
    "order_status": "delivery", "delivery_late": "delivery", "not_received": "delivery", "change_delivery": "delivery",
    "refund_status": "refunds", "payment_problem": "payments", "account_access": "payments", "membership": "payments",
    "seller_unresponsive": "sellers",
}


@dataclass(frozen=True)
class Policy:
    automatic: bool
    threshold: float


class Person:
    """Why a message goes to a person rather than an automatic answer (the panel says which)."""

    ABUSIVE = "abusive"
    ASKS = "asks_for_person"
    JUDGEMENT = "needs_judgement"  # the reason is one a person decides: disputes, closures, appeals, feedback…
    SWITCHED_OFF = "switched_off"
    UNSURE = "unsure"
    LANGUAGE = "language"  # not one of the languages we answer in
    NO_ORDER = "no_order"
    # Known only from the conversation, not the message:
    CONVERSATION = "conversation"  # not the first message: we are already talking (or answered once)
    STRANGER = "stranger"  # not from a customer we know
    SAW_ANSWER = "saw_answer"  # the contact form showed them the answer first, and they still wrote


def person_because(reading: Reading, *, language: str, policy: Policy, has_order: bool = True) -> str | None:
    """Why this message needs a person, from what it says; None when an automatic answer may be given."""
    if reading.abusive:
        return Person.ABUSIVE
    if reading.wants_person:
        return Person.ASKS
    if reading.reason not in AUTOMATIC:
        return Person.JUDGEMENT
    if not policy.automatic:
        return Person.SWITCHED_OFF
    if reading.confidence < policy.threshold:
        return Person.UNSURE
    if language not in OURS:
        return Person.LANGUAGE
    if not has_order and reading.reason not in ORDERLESS:
        return Person.NO_ORDER
    return None


def would_auto_answer(reading: Reading, *, language: str, policy: Policy, has_order: bool = True) -> bool:
    return person_because(reading, language=language, policy=policy, has_order=has_order) is None


def team_for(*, reason: str, confidence: float, abusive: bool, threshold: float) -> str | None:
    """The team a message should wait for, or None for everyone's queue (unsure, or no specialist)."""
    if abusive:
        return "trust"
    return TEAMS.get(reason) if confidence >= threshold else None
