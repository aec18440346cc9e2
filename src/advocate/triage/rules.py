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


def would_auto_answer(reading: Reading, *, language: str, policy: Policy, has_order: bool = True) -> bool:
    return (
        reading.reason in AUTOMATIC and policy.automatic and reading.confidence >= policy.threshold
        and not reading.abusive and not reading.wants_person and language in OURS
        and (has_order or reading.reason in ORDERLESS)
    )


def team_for(*, reason: str, confidence: float, abusive: bool, threshold: float) -> str | None:
    """The team a message should wait for, or None for everyone's queue (unsure, or no specialist)."""
    if abusive:
        return "trust"
    return TEAMS.get(reason) if confidence >= threshold else None
