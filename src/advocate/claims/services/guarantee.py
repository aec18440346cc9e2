"""Guarantee claims: the seller is asked to put it right by a deadline; if they do not, the marketplace refunds
the buyer and recovers the money from the seller (or, above the automatic limit, a person decides)."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from advocate.core.db import retrying_write
from advocate.trust.services import promise_keep

from .. import ledger, rules
from ..hooks import claim_changed
from ..models import ClaimState, Finding, GuaranteeClaim, ProblemReport, ReportState
from ..rules import Party
from .common import REVIEW_WITHIN, left_to_refund, promise_decision, refund_report, resolve
from .notify import tell_customer, tell_seller
from .refusals import refused

APPEAL_WITHIN = timedelta(days=30)


def open_claim(report: ProblemReport, decision: rules.Decision, now: datetime) -> GuaranteeClaim:
    order = report.order
    claim = GuaranteeClaim.objects.create(report=report, seller=order.seller, respond_by=decision.respond_by,
                                          refunded_at_once=decision.refund_at_once,
                                          close_automatically=decision.close_automatically)
    claim_changed(claim)
    refund = None
    if decision.refund_at_once:
        refund = _claim_refund(claim, Party.PLATFORM)
    tell_customer(report, "claim_opened", claim=claim, refund=refund)
    tell_seller(claim, "claim_opened")
    return claim


def _claim_refund(claim: GuaranteeClaim, payer: Party, by=None):
    report = claim.report
    amount = left_to_refund(report)
    existing = report.refunds.filter(key=f"claim:{claim.pk}:refund").first()
    if existing or amount <= 0:
        return existing
    return refund_report(report, amount, payer=payer, by=by, claim=claim)


def locked_claim(claim: GuaranteeClaim) -> GuaranteeClaim:
    ledger.lock_order(claim.report.order)
    return GuaranteeClaim.objects.select_related("report", "report__order", "report__customer", "seller").get(
        pk=claim.pk)


def claim_seller_refund(*, claim: GuaranteeClaim, user, now: datetime | None = None) -> GuaranteeClaim:
    """The seller puts it right by refunding the buyer (or, if the marketplace already has, by accepting
    the debit). Closes the claim for the buyer."""

    def work():
        locked = locked_claim(claim)
        if locked.state != ClaimState.AWAITING_SELLER:
            if locked.state == ClaimState.CLOSED and locked.finding == Finding.BUYER:
                return locked  # already done (a second click)
            raise refused("claim_not_open")
        moment = now or timezone.now()
        if locked.refunded_at_once:
            _recover_from_seller(locked)
        else:
            _claim_refund(locked, Party.SELLER, by=user)
        _close_claim(locked, Finding.BUYER, moment, by=user, appealable=False)
        if not locked.refunded_at_once:
            tell_customer(locked.report, "claim_refunded", claim=locked, refund=locked.report.refunds.first())
        return locked

    return retrying_write(work)


def claim_seller_dispute(*, claim: GuaranteeClaim, user, statement: str, now: datetime | None = None):
    """The seller disagrees (say, the carrier's proof of delivery): a person decides."""
    statement = statement.strip()
    if not statement:
        raise refused("statement_required")

    def work():
        locked = locked_claim(claim)
        if locked.state != ClaimState.AWAITING_SELLER:
            raise refused("claim_not_open")
        moment = now or timezone.now()
        locked.state, locked.seller_statement, locked.seller_responded_at = ClaimState.DISPUTED, statement, moment
        locked.save(update_fields=["state", "seller_statement", "seller_responded_at"])
        _send_claim_to_person(locked.report, moment)
        return locked

    return retrying_write(work)


def _send_claim_to_person(report: ProblemReport, now: datetime) -> None:
    report.went_to_person, report.review_due_at = True, now + REVIEW_WITHIN
    report.save(update_fields=["went_to_person", "review_due_at"])
    promise_decision(report, now)
    if not report.claim.refunded_at_once:  # a buyer already refunded keeps it, whatever is decided
        tell_customer(report, "claim_disputed", claim=report.claim)


def claims_close_overdue(*, now: datetime | None = None) -> int:
    """Every claim whose seller let the deadline pass: the marketplace refunds the buyer (if it has not
    already) and recovers the money from the seller — or, above the automatic limit, a person decides.
    Run by `advocate tick`; safe to run twice at once."""
    now = now or timezone.now()
    due = GuaranteeClaim.objects.filter(state=ClaimState.AWAITING_SELLER, respond_by__lte=now)
    return sum(claim_close_overdue(claim, now=now) for claim in due.order_by("respond_by")[:500])


def claim_close_overdue(claim: GuaranteeClaim, *, now: datetime) -> bool:
    """Close one claim if its seller let the deadline pass; False if it was not (or no longer) waiting."""

    def work():
        locked = locked_claim(claim)
        if locked.state != ClaimState.AWAITING_SELLER or locked.respond_by > now:
            return False
        if locked.close_automatically:
            _decide_for_buyer(locked, now, automatic=True)
        else:
            locked.state = ClaimState.NEEDS_PERSON
            locked.save(update_fields=["state"])
            _send_claim_to_person(locked.report, now)
        return True

    return retrying_write(work)


def _decide_for_buyer(claim: GuaranteeClaim, now: datetime, *, by=None, note: str = "", automatic=False):
    refund = _claim_refund(claim, Party.PLATFORM, by=by)
    _recover_from_seller(claim)
    _close_claim(claim, Finding.BUYER, now, by=by, note=note, automatic=automatic)
    if not claim.refunded_at_once:  # otherwise the buyer has had their money, and the email, since they filed
        tell_customer(claim.report, "claim_refunded", claim=claim, refund=refund)
    tell_seller(claim, "claim_decided")


def _recover_from_seller(claim: GuaranteeClaim) -> None:
    paid = sum((r.amount for r in claim.report.refunds.filter(paid_by=Party.PLATFORM)), Decimal(0))
    if paid > 0:
        ledger.seller_debit(claim=claim, amount=paid, key=f"claim:{claim.pk}:recover")


def _close_claim(claim, finding, now, *, by=None, note="", automatic=False, appealable=True):
    claim.state, claim.finding, claim.decided_at = ClaimState.CLOSED, finding, now
    claim.decided_by, claim.decision_note, claim.decided_automatically = by, note, automatic
    claim.appeal_until = now + APPEAL_WITHIN if appealable and finding == Finding.BUYER else None
    claim.save(update_fields=["state", "finding", "decided_at", "decided_by", "decision_note",
                              "decided_automatically", "appeal_until"])
    claim_changed(claim)
    report = claim.report
    paid = report.refunds.exists()
    resolve(report, now, ReportState.RESOLVED if paid or finding == Finding.BUYER else ReportState.DECLINED)


def claim_decide(*, claim: GuaranteeClaim, finding: str, by, note: str, now: datetime | None = None):
    """A person decides a disputed claim, with reasons. For the seller: if the marketplace already refunded
    the buyer, the buyer keeps it and the marketplace bears it (the buyer acted in good faith)."""
    note = note.strip()
    if not note:
        raise refused("reasons_required")
    if finding not in Finding.values:
        raise refused("unknown_finding")

    def work():
        locked = locked_claim(claim)
        if locked.state == ClaimState.CLOSED:
            raise refused("claim_closed")
        moment = now or timezone.now()
        promise_keep(key=f"review:{locked.report.reference}", now=moment)
        if finding == Finding.BUYER:
            _decide_for_buyer(locked, moment, by=by, note=note)
        else:
            _close_claim(locked, Finding.SELLER, moment, by=by, note=note)
            if not locked.refunded_at_once:  # a buyer refunded at once keeps it: nothing changes for them
                tell_customer(locked.report, "claim_declined", claim=locked)
            tell_seller(locked, "claim_decided")
        return locked

    return retrying_write(work)
