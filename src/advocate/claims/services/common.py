"""What reports, returns, claims and a person's decisions share: refunding or replacing what a report covers,
resolving it, authorising a return, promising a person's decision."""

from datetime import datetime, timedelta
from decimal import Decimal

from advocate.commerce.models import InstructionKind
from advocate.commerce.services import instruct
from advocate.core.references import new_reference
from advocate.trust.services import promise_make

from .. import ledger, rules
from ..models import ProblemReport, RefundCause, ReportState, Return
from ..rules import Party
from .notify import tell_customer
from .refund_watch import watch_refund_pattern

REVIEW_WITHIN = timedelta(hours=24)  # the promise made when a person has to decide


def refund_report(report: ProblemReport, amount: Decimal, *, payer: Party | None = None, by=None, claim=None):
    """Refund a report (under its claim's key when the guarantee pays), and watch the customer's pattern."""
    key = f"claim:{claim.pk}:refund" if claim else f"report:{report.pk}:refund"
    cause = RefundCause.CANCELLATION if report.problem == rules.Problem.CANCEL else RefundCause.PROBLEM
    refund = ledger.refund_issue(order=report.order, amount=amount, payer=payer or Party(report.liable), key=key,
                                 report=report, claim=claim, by=by, memo=report.reference, cause=cause)
    watch_refund_pattern(report.customer, report.created_at)
    return refund


def replace_items(report: ProblemReport) -> None:
    items = list(report.items.select_related("line"))
    ledger.replacement_issue(
        order=report.order, report=report, liable=Party(report.liable), key=f"report:{report.pk}:replacement",
        value=sum((item.line.unit_price * item.quantity for item in items), Decimal(0)),
        lines=[{"sku": item.line.sku, "title": item.line.title, "quantity": item.quantity} for item in items],
    )


def resolve(report: ProblemReport, now: datetime, state: str = ReportState.RESOLVED) -> None:
    report.state, report.resolved_at = state, now
    report.save(update_fields=["state", "resolved_at"])


def authorise_return(report: ProblemReport, refund_when: rules.RefundWhen, now: datetime) -> Return:
    order = report.order
    ret = Return.objects.create(report=report, code=new_reference("RET"), refund_when=refund_when, authorised_at=now)
    instruct(
        key=f"report:{report.pk}:return", kind=InstructionKind.RETURN_LABEL, order=order,
        payload={"order_id": order.external_id, "return_id": ret.code, "to": report.liable,
                 "lines": [{"sku": i.line.sku, "quantity": i.quantity} for i in report.items.select_related("line")]},
    )
    report.state = ReportState.AWAITING_RETURN
    report.save(update_fields=["state"])
    tell_customer(report, "return_authorised", ret=ret)
    return ret


def promise_decision(report: ProblemReport, now: datetime) -> None:
    """The customer is told a person decides by `review_due_at`: a promise, tracked until kept."""
    promise_make(key=f"review:{report.reference}", customer=report.customer, due_at=report.review_due_at, now=now,
                 what=f"Decide {report.reference} for {report.customer.name}",
                 link=f"/problems/{report.reference}/")


def left_to_refund(report: ProblemReport) -> Decimal:
    return min(report.amount, ledger.refundable(report.order))
