"""Writes for account actions, appeals, promises and the audit log (one module per topic, all re-exported
here).

Every action against a seller, a listing or a customer is taken here, and only with its statement of
reasons: what was done, its scope and duration, the facts, whether it was decided automatically, the rule it
rests on, and how to appeal. The affected person receives the statement when the action takes effect (or,
for a termination, when notice is given). Appeals — against an action, or against a decision another domain
registered (`subjects`) — are free, open for at least six months for actions, and decided by a person with
reasons; a reversal restores the account at once.
"""

from .actions import (
    APPEAL_OPEN,
    TERMINATION_NOTICE,
    Statement,
    StatementIncomplete,
    action_lift,
    action_take,
    actions_start_due,
)
from .appeals import appeal_decide, appeal_file
from .notices import audit
from .promises import RAISE_SHARE, promise_keep, promise_make, promise_move, promises_check

__all__ = [
    "APPEAL_OPEN", "RAISE_SHARE", "TERMINATION_NOTICE", "Statement", "StatementIncomplete", "action_lift",
    "action_take", "actions_start_due", "appeal_decide", "appeal_file", "audit", "promise_keep", "promise_make",
    "promise_move", "promises_check",
]
