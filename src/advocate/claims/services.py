"""Writes: a customer reports a problem and the decision is carried out at once; returns, guarantee claims,
appeals and a person's decisions move it on. Money moves only through `ledger`.

Every function here is safe to call twice with the same request: a report is found again by the
customer's request key, and every money movement by its ledger key.
"""

import logging
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from advocate.commerce.models import Customer, InstructionKind, Order, OrderState, Payment
from advocate.commerce.selectors import buyer_alias
from advocate.commerce.services import instruct
from advocate.core.db import retrying_write
from advocate.core.references import new_reference
from advocate.notifications.services import email_queue
from advocate.trust.services import promise_keep, promise_make

from . import ledger, rules, selectors
from .hooks import claim_changed
from .models import (
    AppealState,
    ClaimAppeal,
    ClaimState,
    Finding,
    FlagState,
    GuaranteeClaim,
    ProblemItem,
    ProblemPhoto,
    ProblemReport,
    Refund,
    RefundBaseline,
    RefundPatternFlag,
    ReportState,
    Return,
    ReturnState,
)
from .patterns import unusual_refund_pattern
from .photos import clean_photo
from .rules import Outcome, Party, Remedy

log = logging.getLogger(__name__)

REVIEW_WITHIN = timedelta(hours=24)  # the promise made when a person has to decide
APPEAL_WITHIN = timedelta(days=30)

_STATE_AFTER = {
    Outcome.REFUND: ReportState.RESOLVED,
    Outcome.REPLACE: ReportState.RESOLVED,
    Outcome.CANCEL: ReportState.RESOLVED,
    Outcome.RETURN_FIRST: ReportState.AWAITING_RETURN,
    Outcome.CLAIM: ReportState.AWAITING_SELLER,
    Outcome.REVIEW: ReportState.IN_REVIEW,
}


class ActionRefused(Exception):
    """A request that does not fit the current state (a claim already closed, an appeal too late…)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


_retrying = retrying_write


# --- a customer reports a problem --------------------------------------------------------------------


def report_file(*, order: Order, customer: Customer, problem: str, request_key: str, reason: str = "",
                remedy: str = Remedy.REFUND, items=(), comment: str = "", photos: list[bytes] = (),
                filed_by=None, now: datetime | None = None) -> ProblemReport:
    """Report a problem with an order and carry out the decision at once.

    The same `request_key` again (a double click, a retried request) returns the first report and changes
    nothing. Raises rules.NotPossible (with why, and from when) or rules.ReportInvalid (which part of the
    request is wrong) or photos.PhotoRejected; nothing is recorded then.
    """
    if order.customer_id != customer.pk:
        raise ValueError("a customer can report problems only with their own orders")
    if problem not in rules.Problem:
        raise rules.ReportInvalid(rules.Invalid.UNKNOWN_PROBLEM)
    if remedy not in rules.Remedy:
        raise rules.ReportInvalid(rules.Invalid.UNKNOWN_REMEDY)
    cleaned = [clean_photo(photo) for photo in photos]
    report_request = rules.Report(
        problem=rules.Problem(problem), remedy=rules.Remedy(remedy), reason=reason,
        items=tuple((int(line_id), int(qty)) for line_id, qty in items), has_photo=bool(cleaned),
    )

    def work():
        locked = ledger.lock_order(order)
        existing = ProblemReport.objects.filter(customer=customer, request_key=request_key).first()
        if existing is not None:
            return existing
        moment = now or timezone.now()
        situation = selectors.order_situation(locked)
        chosen = {line_id for line_id, _ in report_request.items} or None
        policy = selectors.policy_for(locked, selectors.categories_of(situation, chosen))
        decision = rules.decide(report_request, situation, policy, selectors.to_base_currency(locked.currency),
                                moment)
        report = ProblemReport.objects.create(
            reference=new_reference("P"), order=locked, customer=customer, problem=problem, reason=reason,
            remedy=decision.remedy, comment=comment.strip()[:2000], state=_STATE_AFTER[decision.outcome],
            outcome=decision.outcome, review_reason=decision.review_reason or "", amount=decision.amount,
            currency=locked.currency, liable=decision.liable, returnless=decision.returnless,
            request_key=request_key, filed_by=filed_by, created_at=moment,
            decided_at=None if decision.outcome == Outcome.REVIEW else moment,
        )
        ProblemItem.objects.bulk_create(
            ProblemItem(report=report, line_id=line_id, quantity=qty) for line_id, qty in decision.items
        )
        for index, data in enumerate(cleaned, 1):
            ProblemPhoto.objects.create(report=report, image=ContentFile(data, name=f"{report.reference}-{index}.jpg"))
        _carry_out(report, decision, moment)
        return report

    return _retrying(work)


def _carry_out(report: ProblemReport, decision: rules.Decision, now: datetime) -> None:
    order = report.order
    # A report about returns that were not refunded takes them over, whatever is decided: they must never be
    # refunded again when they are received later.
    for ret in Return.objects.filter(report_id__in=decision.returns).select_related("report"):
        ret.remedied_at = now
        ret.save(update_fields=["remedied_at"])
        ret.report.settled_by = report
        ret.report.save(update_fields=["settled_by"])
        _resolve(ret.report, now)
    match decision.outcome:
        case Outcome.CANCEL:
            order.state, order.cancelled_at, order.cancelled_by = OrderState.CANCELLED, now, "customer"
            order.cancel_reason = "Cancelled by the customer"
            order.save(update_fields=["state", "cancelled_at", "cancelled_by", "cancel_reason"])
            instruct(key=f"report:{report.pk}:cancel", kind=InstructionKind.ORDER_CANCEL, order=order,
                            payload={"order_id": order.external_id})
            refund = _refund_report(report, decision.amount) if decision.amount > 0 else None
            _resolve(report, now)
            _tell_customer(report, "cancelled", refund=refund)
        case Outcome.REFUND:
            refund = _refund_report(report, decision.amount)
            _resolve(report, now)
            _tell_customer(report, "refunded", refund=refund)
        case Outcome.REPLACE:
            _replace(report)
            _resolve(report, now)
            _tell_customer(report, "replaced")
        case Outcome.RETURN_FIRST:
            _authorise_return(report, decision.refund_when, now)
        case Outcome.CLAIM:
            _open_claim(report, decision, now)
        case Outcome.REVIEW:
            _send_to_review(report, now)


def _refund_report(report: ProblemReport, amount: Decimal, *, payer: Party | None = None, by=None, claim=None):
    """Refund a report (under its claim's key when the guarantee pays), and watch the customer's pattern."""
    key = f"claim:{claim.pk}:refund" if claim else f"report:{report.pk}:refund"
    refund = ledger.refund_issue(order=report.order, amount=amount, payer=payer or Party(report.liable), key=key,
                                 report=report, claim=claim, by=by, memo=report.reference)
    _watch_refund_pattern(report.customer, report.created_at)
    return refund


def _replace(report: ProblemReport) -> None:
    items = list(report.items.select_related("line"))
    ledger.replacement_issue(
        order=report.order, report=report, liable=Party(report.liable), key=f"report:{report.pk}:replacement",
        value=sum((item.line.unit_price * item.quantity for item in items), Decimal(0)),
        lines=[{"sku": item.line.sku, "title": item.line.title, "quantity": item.quantity} for item in items],
    )


def _resolve(report: ProblemReport, now: datetime, state: str = ReportState.RESOLVED) -> None:
    report.state, report.resolved_at = state, now
    report.save(update_fields=["state", "resolved_at"])


def _authorise_return(report: ProblemReport, refund_when: rules.RefundWhen, now: datetime) -> Return:
    order = report.order
    ret = Return.objects.create(report=report, code=new_reference("RET"), refund_when=refund_when, authorised_at=now)
    instruct(
        key=f"report:{report.pk}:return", kind=InstructionKind.RETURN_LABEL, order=order,
        payload={"order_id": order.external_id, "return_id": ret.code, "to": report.liable,
                 "lines": [{"sku": i.line.sku, "quantity": i.quantity} for i in report.items.select_related("line")]},
    )
    report.state = ReportState.AWAITING_RETURN
    report.save(update_fields=["state"])
    _tell_customer(report, "return_authorised", ret=ret)
    return ret


def _send_to_review(report: ProblemReport, now: datetime) -> None:
    report.state, report.went_to_person, report.review_due_at = ReportState.IN_REVIEW, True, now + REVIEW_WITHIN
    report.save(update_fields=["state", "went_to_person", "review_due_at"])
    _promise_decision(report, now)
    _tell_customer(report, "in_review")


def _promise_decision(report: ProblemReport, now: datetime) -> None:
    """The customer is told a person decides by `review_due_at`: a promise, tracked until kept."""
    promise_make(key=f"review:{report.reference}", customer=report.customer, due_at=report.review_due_at, now=now,
                 what=f"Decide {report.reference} for {report.customer.name}",
                 link=f"/problems/{report.reference}/")


# --- returns on their way back (events from the shop's carrier integration) ---------------------------


class UnknownReturn(Exception):
    pass


def return_exists(code: str) -> bool:
    return Return.objects.filter(code=code).exists()


@transaction.atomic
def return_scanned(*, code: str, scan: str, at: datetime) -> Return:
    """A carrier scanned a return. The first scan starts the refund where policy says so."""
    ret = _locked_return(code)
    if ret.first_scan_at is None:
        ret.first_scan_at, ret.state = at, ReturnState.IN_TRANSIT
        ret.save(update_fields=["first_scan_at", "state"])
    if ret.refund_when == rules.RefundWhen.FIRST_SCAN:
        _remedy_return(ret, at)
    return ret


@transaction.atomic
def return_received(*, code: str, at: datetime) -> Return:
    ret = _locked_return(code)
    if ret.received_at is None:
        ret.received_at, ret.state = at, ReturnState.RECEIVED
        ret.first_scan_at = ret.first_scan_at or at
        ret.save(update_fields=["received_at", "state", "first_scan_at"])
    _remedy_return(ret, at)
    return ret


def _locked_return(code: str) -> Return:
    ret = Return.objects.select_related("report", "report__order", "report__customer").filter(code=code).first()
    if ret is None:
        raise UnknownReturn(code)
    ledger.lock_order(ret.report.order)
    return Return.objects.select_related("report", "report__order", "report__customer").get(pk=ret.pk)


def _remedy_return(ret: Return, at: datetime) -> None:
    if ret.remedied_at is not None:
        return
    report = ret.report
    ret.remedied_at = at
    ret.save(update_fields=["remedied_at"])
    if report.state != ReportState.AWAITING_RETURN:
        return  # already put right another way (a guarantee claim for a return that was not refunded)
    if report.remedy == Remedy.REPLACEMENT:
        _replace(report)
        _resolve(report, at)
        _tell_customer(report, "replaced")
        return
    amount = _left_to_refund(report)
    _resolve(report, at)
    if amount > 0:  # else everything paid was refunded meanwhile (the shop cancelled the order, say)
        _tell_customer(report, "refunded", refund=_refund_report(report, amount))


# --- guarantee claims --------------------------------------------------------------------------------


def _open_claim(report: ProblemReport, decision: rules.Decision, now: datetime) -> GuaranteeClaim:
    order = report.order
    claim = GuaranteeClaim.objects.create(report=report, seller=order.seller, respond_by=decision.respond_by,
                                          refunded_at_once=decision.refund_at_once,
                                          close_automatically=decision.close_automatically)
    claim_changed(claim)
    refund = None
    if decision.refund_at_once:
        refund = _claim_refund(claim, Party.PLATFORM)
    _tell_customer(report, "claim_opened", claim=claim, refund=refund)
    _tell_seller(claim, "claim_opened")
    return claim


def _left_to_refund(report: ProblemReport) -> Decimal:
    return min(report.amount, ledger.refundable(report.order))


def _claim_refund(claim: GuaranteeClaim, payer: Party, by=None):
    report = claim.report
    amount = _left_to_refund(report)
    existing = report.refunds.filter(key=f"claim:{claim.pk}:refund").first()
    if existing or amount <= 0:
        return existing
    return _refund_report(report, amount, payer=payer, by=by, claim=claim)


def _locked_claim(claim: GuaranteeClaim) -> GuaranteeClaim:
    ledger.lock_order(claim.report.order)
    return GuaranteeClaim.objects.select_related("report", "report__order", "report__customer", "seller").get(
        pk=claim.pk)


def claim_seller_refund(*, claim: GuaranteeClaim, user, now: datetime | None = None) -> GuaranteeClaim:
    """The seller puts it right by refunding the buyer (or, if the marketplace already has, by accepting
    the debit). Closes the claim for the buyer."""

    def work():
        locked = _locked_claim(claim)
        if locked.state != ClaimState.AWAITING_SELLER:
            if locked.state == ClaimState.CLOSED and locked.finding == Finding.BUYER:
                return locked  # already done (a second click)
            raise ActionRefused("claim_not_open")
        moment = now or timezone.now()
        if locked.refunded_at_once:
            _recover_from_seller(locked)
        else:
            _claim_refund(locked, Party.SELLER, by=user)
        _close_claim(locked, Finding.BUYER, moment, by=user, appealable=False)
        if not locked.refunded_at_once:
            _tell_customer(locked.report, "claim_refunded", claim=locked, refund=locked.report.refunds.first())
        return locked

    return _retrying(work)


def claim_seller_dispute(*, claim: GuaranteeClaim, user, statement: str, now: datetime | None = None):
    """The seller disagrees (say, the carrier's proof of delivery): a person decides."""
    statement = statement.strip()
    if not statement:
        raise ActionRefused("statement_required")

    def work():
        locked = _locked_claim(claim)
        if locked.state != ClaimState.AWAITING_SELLER:
            raise ActionRefused("claim_not_open")
        moment = now or timezone.now()
        locked.state, locked.seller_statement, locked.seller_responded_at = ClaimState.DISPUTED, statement, moment
        locked.save(update_fields=["state", "seller_statement", "seller_responded_at"])
        _send_claim_to_person(locked.report, moment)
        return locked

    return _retrying(work)


def _send_claim_to_person(report: ProblemReport, now: datetime) -> None:
    report.went_to_person, report.review_due_at = True, now + REVIEW_WITHIN
    report.save(update_fields=["went_to_person", "review_due_at"])
    _promise_decision(report, now)
    if not report.claim.refunded_at_once:  # a buyer already refunded keeps it, whatever is decided
        _tell_customer(report, "claim_disputed", claim=report.claim)


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
        locked = _locked_claim(claim)
        if locked.state != ClaimState.AWAITING_SELLER or locked.respond_by > now:
            return False
        if locked.close_automatically:
            _decide_for_buyer(locked, now, automatic=True)
        else:
            locked.state = ClaimState.NEEDS_PERSON
            locked.save(update_fields=["state"])
            _send_claim_to_person(locked.report, now)
        return True

    return _retrying(work)


def _decide_for_buyer(claim: GuaranteeClaim, now: datetime, *, by=None, note: str = "", automatic=False):
    refund = _claim_refund(claim, Party.PLATFORM, by=by)
    _recover_from_seller(claim)
    _close_claim(claim, Finding.BUYER, now, by=by, note=note, automatic=automatic)
    if not claim.refunded_at_once:  # otherwise the buyer has had their money, and the email, since they filed
        _tell_customer(claim.report, "claim_refunded", claim=claim, refund=refund)
    _tell_seller(claim, "claim_decided")


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
    _resolve(report, now, ReportState.RESOLVED if paid or finding == Finding.BUYER else ReportState.DECLINED)


def claim_decide(*, claim: GuaranteeClaim, finding: str, by, note: str, now: datetime | None = None):
    """A person decides a disputed claim, with reasons. For the seller: if the marketplace already refunded
    the buyer, the buyer keeps it and the marketplace bears it (the buyer acted in good faith)."""
    note = note.strip()
    if not note:
        raise ActionRefused("reasons_required")
    if finding not in Finding.values:
        raise ActionRefused("unknown_finding")

    def work():
        locked = _locked_claim(claim)
        if locked.state == ClaimState.CLOSED:
            raise ActionRefused("claim_closed")
        moment = now or timezone.now()
        promise_keep(key=f"review:{locked.report.reference}", now=moment)
        if finding == Finding.BUYER:
            _decide_for_buyer(locked, moment, by=by, note=note)
        else:
            _close_claim(locked, Finding.SELLER, moment, by=by, note=note)
            if not locked.refunded_at_once:  # a buyer refunded at once keeps it: nothing changes for them
                _tell_customer(locked.report, "claim_declined", claim=locked)
            _tell_seller(locked, "claim_decided")
        return locked

    return _retrying(work)


def claim_appeal_file(*, claim: GuaranteeClaim, user, statement: str, now: datetime | None = None) -> ClaimAppeal:
    """A seller appeals a claim decided against them, within 30 days, free; a person decides."""
    statement = statement.strip()
    if not statement:
        raise ActionRefused("statement_required")
    if not (user.is_seller and user.seller_id == claim.seller_id):
        raise ActionRefused("not_your_claim")

    def work():
        locked = _locked_claim(claim)
        moment = now or timezone.now()
        existing = locked.appeals.first()
        if existing is not None and existing.state == AppealState.OPEN:
            return existing  # the same appeal sent twice
        if not selectors.appealable(locked, moment):
            if existing is not None:
                raise ActionRefused("appeal_decided")  # one appeal per decision
            late = locked.appeal_until is not None and moment > locked.appeal_until
            raise ActionRefused("appeal_too_late" if late else "not_appealable")
        return ClaimAppeal.objects.create(claim=locked, filed_by=user, statement=statement, filed_at=moment)

    return _retrying(work)


def claim_appeal_decide(*, appeal: ClaimAppeal, reverse: bool, by, note: str,
                        now: datetime | None = None) -> ClaimAppeal:
    """A person decides an appeal, with reasons. Reversing it gives the seller back what was recovered and
    the claim no longer counts against them; the buyer keeps their refund."""
    note = note.strip()
    if not note:
        raise ActionRefused("reasons_required")

    def work():
        claim = _locked_claim(appeal.claim)
        locked = ClaimAppeal.objects.get(pk=appeal.pk)
        if locked.state != AppealState.OPEN:
            raise ActionRefused("appeal_decided")
        moment = now or timezone.now()
        if reverse:
            charged = -ledger.claim_seller_total(claim)
            if charged > 0:
                ledger.seller_credit(claim=claim, amount=charged, key=f"appeal:{locked.pk}:reverse")
            claim.finding = Finding.SELLER
            claim.save(update_fields=["finding"])
            claim_changed(claim)
        locked.state = AppealState.REVERSED if reverse else AppealState.UPHELD
        locked.decided_by, locked.decided_at, locked.decision_note = by, moment, note
        locked.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        _tell_seller(claim, "appeal_decided", key=f"appeal:{locked.pk}:decided", appeal=locked)
        return locked

    return _retrying(work)


# --- a person decides a report outside policy --------------------------------------------------------

REVIEW_ACTIONS = ("refund", "replace", "return", "decline")


def report_review_decide(*, report: ProblemReport, action: str, by, note: str = "",
                         now: datetime | None = None) -> ProblemReport:
    """A service associate decides a report that needed a person: refund, replace, ask for the item back,
    or decline. A decline must give reasons; the customer receives them with what they can do next."""
    note = note.strip()
    if action not in REVIEW_ACTIONS:
        raise ActionRefused("unknown_action")
    if action == "decline" and not note:
        raise ActionRefused("reasons_required")

    def work():
        ledger.lock_order(report.order)
        locked = ProblemReport.objects.select_related("order", "customer").get(pk=report.pk)
        if locked.state != ReportState.IN_REVIEW:
            raise ActionRefused("already_decided")
        moment = now or timezone.now()
        locked.decided_by, locked.decided_at, locked.decision_note = by, moment, note
        locked.save(update_fields=["decided_by", "decided_at", "decision_note"])
        promise_keep(key=f"review:{locked.reference}", now=moment)
        if action == "refund":
            amount = _left_to_refund(locked)
            if amount <= 0:
                raise ActionRefused("nothing_left_to_refund")
            refund = _refund_report(locked, amount, by=by)
            _resolve(locked, moment)
            _tell_customer(locked, "refunded", refund=refund)
        elif action == "replace":
            locked.remedy = Remedy.REPLACEMENT
            locked.save(update_fields=["remedy"])
            _replace(locked)
            _resolve(locked, moment)
            _tell_customer(locked, "replaced")
        elif action == "return":
            situation = selectors.order_situation(locked.order)
            line_ids = set(locked.items.values_list("line_id", flat=True))
            policy = selectors.policy_for(locked.order, selectors.categories_of(situation, line_ids))
            when = rules.RefundWhen.FIRST_SCAN if policy.refund_on_first_scan else rules.RefundWhen.RECEIPT
            _authorise_return(locked, when, moment)
        else:
            _resolve(locked, moment, ReportState.DECLINED)
            _tell_customer(locked, "declined")
        return locked

    return _retrying(work)


# --- shop-initiated cancellations --------------------------------------------------------------------


@transaction.atomic
def cancelled_order_refund(order: Order, *, notify: bool = True):
    """A cancelled order's customer gets back whatever they paid and has not had back yet, without asking.
    Called inside the transaction that applied the cancellation."""
    left = ledger.refundable(order)
    if left <= 0:
        return None
    payer = Party.PLATFORM if order.seller.is_platform else Party.SELLER
    refund = ledger.refund_issue(order=order, amount=left, payer=payer, key=f"order:{order.pk}:cancel-refund",
                                 memo="order cancelled")
    if not notify:
        return refund
    customer = order.customer
    email_queue(key=f"order:{order.pk}:cancel-refund", to=customer.email, template="claims/email/customer.txt",
                context=_email_context(customer, order, event="order_cancelled", refund=refund),
                language=customer.language,
                time_zone=customer.time_zone, order=order)
    return refund


def cancelled_orders_refund_all(*, notify: bool = True, progress=None) -> int:
    """Refund every cancelled order that still holds a customer's money (a safety net, and for data that
    arrived without going through the event intake, such as the demo: `notify=False` for history)."""
    candidates = Order.objects.filter(state=OrderState.CANCELLED).filter(
        Exists(Payment.objects.filter(order=OuterRef("pk"))), ~Exists(Refund.objects.filter(order=OuterRef("pk")))
    )
    done = 0
    for order_id in candidates.values_list("pk", flat=True).iterator():

        def work(order_id=order_id):
            return cancelled_order_refund(ledger.lock_order(Order(pk=order_id)), notify=notify)

        done += _retrying(work) is not None
        if progress:
            progress(1)
    return done


# --- refund patterns ---------------------------------------------------------------------------------


def _watch_refund_pattern(customer: Customer, now: datetime) -> None:
    """Flag a customer for a person to look at when their refunds are far outside the norm. Blocks nothing."""
    if RefundPatternFlag.objects.filter(customer=customer, state=FlagState.OPEN).exists():
        return
    orders, refunded = selectors.refund_counts(customer, now=now)
    pattern = unusual_refund_pattern(orders, refunded, selectors.refund_baseline(now=now))
    if pattern is not None:
        RefundPatternFlag.objects.create(customer=customer, orders=orders, refunded_orders=refunded,
                                         baseline_rate=pattern.baseline_rate, z_score=pattern.z, created_at=now)


def refund_baseline_refresh(*, now: datetime | None = None) -> RefundBaseline:
    now = now or timezone.now()
    orders, refunded = selectors.refund_counts(now=now)
    return RefundBaseline.objects.create(computed_at=now, orders=orders, refunded_orders=refunded)


def refund_flag_review(*, flag: RefundPatternFlag, by, note: str, now: datetime | None = None):
    flag.state, flag.reviewed_by, flag.reviewed_at, flag.note = FlagState.REVIEWED, by, now or timezone.now(), note
    flag.save(update_fields=["state", "reviewed_by", "reviewed_at", "note"])
    return flag


# --- telling people ----------------------------------------------------------------------------------


def _email_context(customer, order, **extra) -> dict:
    return {"customer": customer, "order": order, "support_phone": settings.ADVOCATE_SUPPORT_PHONE,
            "site_url": settings.ADVOCATE_SITE_URL, **extra}


def _tell_customer(report: ProblemReport, event: str, **extra) -> None:
    customer = report.customer
    email_queue(
        key=f"report:{report.pk}:{event}", to=customer.email, template="claims/email/customer.txt",
        context=_email_context(customer, report.order, event=event, report=report, **extra),
        language=customer.language,
        time_zone=customer.time_zone, order=report.order,
    )


def _tell_seller(claim: GuaranteeClaim, event: str, key: str = "", **extra) -> None:
    """Email the seller's people. The buyer appears under their alias: never their name, email or phone."""
    order = claim.report.order
    context = {"claim": claim, "report": claim.report, "order": order, "buyer": buyer_alias(order),
               "event": f"seller_{event}", "site_url": settings.ADVOCATE_SITE_URL, **extra}
    for user in claim.seller.users.filter(is_active=True).exclude(email=""):
        email_queue(key=f"{key or f'claim:{claim.pk}:{event}'}:{user.pk}", to=user.email,
                    template="claims/email/seller.txt", context=context,
                    language=user.language or settings.LANGUAGE_CODE, time_zone=user.time_zone, order=order)


# --- policy ------------------------------------------------------------------------------------------


def policy_layer_save(*, form, by):
    """Save an operator's policy layer (validated by its form); it applies to reports from now on."""
    layer = form.save(commit=False)
    layer.updated_by = by
    layer.save()
    return layer


def policy_layer_delete(*, layer):
    if layer.seller_id is None and layer.category == "":
        raise ActionRefused("default_policy")
    layer.delete()
