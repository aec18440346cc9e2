"""A customer reports a problem, and the decision of the rules is carried out at once."""

import hashlib
import json
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from advocate.commerce.models import CancelledBy, Customer, InstructionKind, Order, OrderState
from advocate.commerce.services import instruct
from advocate.core.db import retrying_write
from advocate.core.errors import Invalid
from advocate.core.references import new_reference
from advocate.trust.guards import customer_may_act

from .. import ledger, presenters, rules, selectors
from ..hooks import report_filed
from ..models import ProblemItem, ProblemPhoto, ProblemReport, ReportState, Return
from ..photos import PhotoRejected, clean_photos
from ..rules import Outcome, Remedy
from .common import REVIEW_WITHIN, authorise_return, promise_decision, refund_report, replace_items, resolve
from .guarantee import open_claim
from .notify import tell_customer
from .refusals import report_refused

_STATE_AFTER = {
    Outcome.REFUND: ReportState.RESOLVED,
    Outcome.REPLACE: ReportState.RESOLVED,
    Outcome.CANCEL: ReportState.RESOLVED,
    Outcome.RETURN_FIRST: ReportState.AWAITING_RETURN,
    Outcome.CLAIM: ReportState.AWAITING_SELLER,
    Outcome.REVIEW: ReportState.IN_REVIEW,
}


# Refusals that are about the request itself (a missing reason, an unknown choice), not the state.
def report_file(*, order: Order, customer: Customer, problem: str, request_key: str, reason: str = "",
                remedy: str = Remedy.REFUND, items=(), comment: str = "", photos: list[bytes] = (),
                filed_by=None, notify: bool = True, now: datetime | None = None) -> ProblemReport:
    """Report a problem with an order and carry out the decision at once.

    The same `request_key` again with the same request (a double click, a retried request) returns the first
    report and changes nothing, without looking at the photos again; the same key with another order or
    other answers is Invalid (`key_reused`). Refused when it cannot be reported now (`when`: from when, or
    when the time ended), Invalid when part of the request is wrong; nothing is recorded then. With `notify`
    false, the customer is not emailed about an outcome decided at once: the caller tells them itself.
    """
    if order.customer_id != customer.pk:
        raise ValueError("a customer can report problems only with their own orders")
    customer_may_act(customer)
    fingerprint = request_fingerprint(order=order, problem=problem, reason=reason, remedy=remedy, items=items,
                                      comment=comment, photos=photos)
    sent = _replayed(customer, request_key, fingerprint)
    if sent is not None:
        return sent
    try:
        if problem not in rules.Problem:
            raise rules.ReportInvalid(rules.Invalid.UNKNOWN_PROBLEM)
        if remedy not in rules.Remedy:
            raise rules.ReportInvalid(rules.Invalid.UNKNOWN_REMEDY)
        cleaned = clean_photos(photos, max_pixels=settings.ADVOCATE_PHOTO_MAX_PIXELS,
                               max_total=settings.ADVOCATE_REPORT_MAX_PIXELS)
    except (rules.ReportInvalid, PhotoRejected) as exc:
        raise report_refused(exc) from None
    report_request = rules.Report(
        problem=rules.Problem(problem), remedy=rules.Remedy(remedy), reason=reason,
        items=tuple((int(line_id), int(qty)) for line_id, qty in items), has_photo=bool(cleaned),
    )

    def work():
        locked = ledger.lock_order(order)
        existing = _replayed(customer, request_key, fingerprint)
        if existing is not None:
            return existing
        moment = now or timezone.now()
        situation = selectors.order_situation(locked)
        chosen = {line_id for line_id, _ in report_request.items} or None
        policy = selectors.policy_for(locked, selectors.categories_of(situation, chosen))
        try:
            decision = rules.decide(report_request, situation, policy,
                                    selectors.to_base_currency(locked.currency), moment)
        except (rules.NotPossible, rules.ReportInvalid) as exc:
            raise report_refused(exc, seller_ships=situation.seller_ships) from None
        report = ProblemReport.objects.create(
            reference=new_reference("P"), order=locked, customer=customer, problem=problem, reason=reason,
            remedy=decision.remedy, comment=comment.strip()[:2000], state=_STATE_AFTER[decision.outcome],
            outcome=decision.outcome, review_reason=decision.review_reason or "", amount=decision.amount,
            currency=locked.currency, liable=decision.liable, returnless=decision.returnless,
            request_key=request_key, request_fingerprint=fingerprint, filed_by=filed_by, created_at=moment,
            decided_at=None if decision.outcome == Outcome.REVIEW else moment,
        )
        ProblemItem.objects.bulk_create(
            ProblemItem(report=report, line_id=line_id, quantity=qty) for line_id, qty in decision.items
        )
        for index, data in enumerate(cleaned, 1):
            ProblemPhoto.objects.create(report=report, image=ContentFile(data, name=f"{report.reference}-{index}.jpg"))
        _carry_out(report, decision, moment, notify=notify)
        report_filed(report)
        return report

    return retrying_write(work)


def request_fingerprint(*, order: Order, problem: str, reason: str, remedy: str, items, comment: str,
                        photos: list[bytes]) -> str:
    """A hash of everything a report asks: the order, the answers (items in any order) and each photo's bytes."""
    canonical = json.dumps({
        "order": order.pk, "problem": problem, "reason": reason, "remedy": remedy, "comment": comment.strip(),
        "items": sorted([int(line_id), int(qty)] for line_id, qty in items),
        "photos": [hashlib.sha256(photo).hexdigest() for photo in photos],
    }, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replayed(customer: Customer, request_key: str, fingerprint: str) -> ProblemReport | None:
    """The report this request key already filed, if the request is the same one; Invalid if it is not."""
    existing = selectors.report_by_request_key(customer, request_key)
    if existing is None:
        return None
    if existing.request_fingerprint and existing.request_fingerprint != fingerprint:
        raise Invalid("key_reused", presenters.INVALID_MESSAGES["key_reused"], field="Idempotency-Key")
    return existing


def _carry_out(report: ProblemReport, decision: rules.Decision, now: datetime, *, notify: bool = True) -> None:
    order = report.order
    tell = tell_customer if notify else (lambda *args, **kwargs: None)
    # A report about returns that were not refunded takes them over, whatever is decided: they must never be
    # refunded again when they are received later.
    for ret in Return.objects.filter(report_id__in=decision.returns).select_related("report"):
        ret.remedied_at = now
        ret.save(update_fields=["remedied_at"])
        ret.report.settled_by = report
        ret.report.save(update_fields=["settled_by"])
        resolve(ret.report, now)
    match decision.outcome:
        case Outcome.CANCEL:
            order.state, order.cancelled_at, order.cancelled_by = OrderState.CANCELLED, now, CancelledBy.CUSTOMER
            order.cancel_reason = "Cancelled by the customer"
            order.save(update_fields=["state", "cancelled_at", "cancelled_by", "cancel_reason"])
            instruct(key=f"report:{report.pk}:cancel", kind=InstructionKind.ORDER_CANCEL, order=order,
                     payload={"order_id": order.external_id})
            refund = refund_report(report, decision.amount) if decision.amount > 0 else None
            resolve(report, now)
            tell(report, "cancelled", refund=refund)
        case Outcome.REFUND:
            refund = refund_report(report, decision.amount)
            resolve(report, now)
            tell(report, "refunded", refund=refund)
        case Outcome.REPLACE:
            replace_items(report)
            resolve(report, now)
            tell(report, "replaced")
        case Outcome.RETURN_FIRST:
            authorise_return(report, decision.refund_when, now)
        case Outcome.CLAIM:
            open_claim(report, decision, now)
        case Outcome.REVIEW:
            _send_to_review(report, now, notify=notify)


def _send_to_review(report: ProblemReport, now: datetime, *, notify: bool = True) -> None:
    report.state, report.went_to_person, report.review_due_at = ReportState.IN_REVIEW, True, now + REVIEW_WITHIN
    report.save(update_fields=["state", "went_to_person", "review_due_at"])
    promise_decision(report, now)
    if notify:
        tell_customer(report, "in_review")
