"""A person decides a report outside policy: refund, replace, ask for the item back, or decline with reasons."""

from datetime import datetime

from django.utils import timezone

from advocate.core.db import retrying_write
from advocate.trust.services import promise_keep

from .. import ledger, rules, selectors
from ..models import ProblemReport, ReportState
from ..rules import Remedy
from .common import authorise_return, left_to_refund, refund_report, replace_items, resolve
from .notify import tell_customer
from .refusals import refused

REVIEW_ACTIONS = ("refund", "replace", "return", "decline")


def report_review_decide(*, report: ProblemReport, action: str, by, note: str = "",
                         now: datetime | None = None) -> ProblemReport:
    """A service associate decides a report that needed a person: refund, replace, ask for the item back,
    or decline. A decline must give reasons; the customer receives them with what they can do next."""
    note = note.strip()
    if action not in REVIEW_ACTIONS:
        raise refused("unknown_action")
    if action == "decline" and not note:
        raise refused("reasons_required")

    def work():
        ledger.lock_order(report.order)
        locked = ProblemReport.objects.select_related("order", "customer").get(pk=report.pk)
        if locked.state != ReportState.IN_REVIEW:
            raise refused("already_decided")
        moment = now or timezone.now()
        locked.decided_by, locked.decided_at, locked.decision_note = by, moment, note
        locked.save(update_fields=["decided_by", "decided_at", "decision_note"])
        promise_keep(key=f"review:{locked.reference}", now=moment)
        if action == "refund":
            amount = left_to_refund(locked)
            if amount <= 0:
                raise refused("nothing_left_to_refund")
            refund = refund_report(locked, amount, by=by)
            resolve(locked, moment)
            tell_customer(locked, "refunded", refund=refund)
        elif action == "replace":
            locked.remedy = Remedy.REPLACEMENT
            locked.save(update_fields=["remedy"])
            replace_items(locked)
            resolve(locked, moment)
            tell_customer(locked, "replaced")
        elif action == "return":
            situation = selectors.order_situation(locked.order)
            line_ids = set(locked.items.values_list("line_id", flat=True))
            policy = selectors.policy_for(locked.order, selectors.categories_of(situation, line_ids))
            when = rules.RefundWhen.FIRST_SCAN if policy.refund_on_first_scan else rules.RefundWhen.RECEIPT
            authorise_return(locked, when, moment)
        else:
            resolve(locked, moment, ReportState.DECLINED)
            tell_customer(locked, "declined")
        return locked

    return retrying_write(work)
