"""Routine questions answered at once, in the customer's language, with the live facts: where the order is and
what happens next, where the refund is, a cancellation carried out, a parcel that never came reported for them,
the one-click link to report anything else (with why it cannot be reported yet, when it cannot), membership.

What it does goes through the same self-service rules as the order page (`claims.services.report_file`), so a
decision is the one the customer would have got by clicking. Each answer says it is automatic and that a reply
reaches a person; a conversation gets at most one, to its first message, and only while nobody has taken it.
"""

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from advocate.cases.models import Conversation, ConversationState, Direction
from advocate.cases.services import automatic_answer_send
from advocate.claims import presenters as claim_presenters
from advocate.claims import rules as claim_rules
from advocate.claims.models import ProblemReport, Refund, ReportState
from advocate.claims.selectors import problem_panel
from advocate.claims.services import report_file
from advocate.commerce.models import Customer, Order
from advocate.commerce.presenters import status_sentence
from advocate.commerce.selectors import status_of
from advocate.commerce.signin import signin_url
from advocate.commerce.status import StatusKind
from advocate.core.dates import absolute_days, relative_day
from advocate.core.db import retrying_write
from advocate.core.errors import Invalid, Refused
from advocate.core.money import format_money
from advocate.core.zones import reader
from advocate.trust.guards import customer_closed

from .models import AnswerAction, AutomaticAnswer, OrderFoundBy, Reading

log = logging.getLogger(__name__)

BANK_DAYS = 5  # "banks usually show it within 3 to 5 working days"
# A message not answered within this long (a worker was down) is left to the person who will see it by now.
TOO_LATE = timedelta(hours=1)

# The self-service problem each reason is about; NOT_RECEIVED is reported for the customer (it needs no choice of
# items), the others need the customer to say which item and what happened, so they get the form's link.
_PROBLEMS = {
    "not_received": claim_rules.Problem.NOT_RECEIVED,
    "item_missing": claim_rules.Problem.ITEM_MISSING,
    "damaged_defective": claim_rules.Problem.DAMAGED,
    "not_as_described": claim_rules.Problem.NOT_AS_DESCRIBED,
    "return_request": claim_rules.Problem.RETURN,
}
_ACTS_FOR_THEM = {claim_rules.Problem.NOT_RECEIVED}


@dataclass(frozen=True)
class Link:
    """A sentence that leads to a page: in an email the address follows it, on the contact form a button."""

    sentence: str
    label: str
    path: str


@dataclass
class Composed:
    paragraphs: list[str | Link]
    action: str = AnswerAction.TOLD
    report: ProblemReport | None = None

    @property
    def body(self) -> str:
        parts = [f"{part.sentence}\n{settings.ADVOCATE_SITE_URL}{part.path}" if isinstance(part, Link) else part
                 for part in self.paragraphs]
        return "\n\n".join(part for part in parts if part)


def _signed(body: str, customer: Customer) -> str:
    """The body as emailed: each link to a page of ours signs the customer straight in. The conversation keeps
    the plain links, so nobody who reads it there can sign in as the customer."""
    site = re.escape(settings.ADVOCATE_SITE_URL)
    return re.sub(site + r"(/[^\s]*)", lambda match: signin_url(customer, match.group(1)), body)


def answer(reading: Reading, *, now: datetime | None = None) -> AutomaticAnswer | None:
    """Answer this reading's message automatically if it may be, once: a second call returns the first answer,
    and a conversation that already has one (or a person's reply, or an owner) gets none."""
    existing = AutomaticAnswer.objects.filter(reading=reading).first()
    if existing is not None or not reading.would_auto_answer:
        return existing
    moment = now or timezone.now()

    def work():
        conversation = (Conversation.objects.select_for_update(of=("self",)).select_related("customer", "order")
                        .get(pk=reading.conversation_id))
        if not _may_answer(reading, conversation, moment):
            return None
        customer = conversation.customer
        # As the email will say it: in the conversation's language and the customer's time zone, with dates.
        with reader(conversation.language, customer.time_zone or "UTC"), absolute_days():
            composed = compose(reading, customer=customer, order=reading.order, now=moment)
            message = automatic_answer_send(conversation=conversation, body=composed.body, key=str(reading.pk),
                                            emailed=_signed(composed.body, customer), now=moment)
        return AutomaticAnswer.objects.create(
            reading=reading, conversation=conversation, message=message, reason=reading.reason,
            language=conversation.language, action=composed.action, report=composed.report, created_at=moment)

    return retrying_write(work)


def _may_answer(reading: Reading, conversation: Conversation, moment: datetime) -> bool:
    """Only the first and only message of a conversation nobody has touched or handed to a team, from a customer
    whose account is open, and soon after it came."""
    if AutomaticAnswer.objects.filter(conversation=conversation).exists():
        return False
    if conversation.state != ConversationState.OPEN or conversation.owner_id is not None:
        return False
    if conversation.escalation_reason:  # handed to a team on purpose: an appeal, say, or a person's escalation
        return False
    if conversation.customer is None or customer_closed(conversation.customer):
        return False
    if moment - reading.created_at > TOO_LATE:
        return False
    # Their only message so far: an answer to the first would leave a later one (a follow-up) unanswered.
    inbound = list(conversation.messages.filter(direction=Direction.IN).values_list("pk", flat=True)[:2])
    replied = conversation.messages.filter(direction=Direction.OUT).exists()
    return inbound == [reading.message_id] and not replied


def compose(reading: Reading, *, customer: Customer, order: Order | None, now: datetime) -> Composed:
    """The answer to one message, in the active language and time zone; carries out what it says it did."""
    greeting = _("Hello %(name)s,") % {"name": customer.name} if customer.name else _("Hello,")
    composed = facts(reading.reason, customer=customer, order=order, now=now, act_as=f"triage:{reading.pk}")
    about = [] if order is None else [_about(order, reading.order_found_by, now)]
    composed.paragraphs[:0] = [greeting, *about]
    return composed


def facts(reason: str, *, customer: Customer, order: Order | None, now: datetime, act_as: str = "") -> Composed:
    """What is true about this reason for this customer and order, and what they can do. With `act_as` (the
    request key), what the self-service rules would do without a person is done (a cancellation, a parcel that
    never came reported); without, the customer is pointed to it."""
    match reason:
        case "membership":
            return Composed(_membership(customer, now))
        case "order_status" | "delivery_late":
            return _where(order, now)
        case "refund_status":
            return _refund(order, now)
        case "cancel_order":
            return _cancel(order, customer, act_as, now)
        case reason if reason in _PROBLEMS:
            return _problem(_PROBLEMS[reason], order, customer, act_as, now)
    raise ValueError(f"no automatic answer for {reason}")


def _about(order: Order, found_by: str, now: datetime) -> str:
    values = {"number": order.external_id, "day": relative_day(order.placed_at, now)}
    if found_by == OrderFoundBy.RECENT:
        return _("You did not name an order, so this is about your latest order still under way, %(number)s "
                 "(placed %(day)s). If you meant another one, reply with its number.") % values
    return _("About your order %(number)s, placed %(day)s:") % values


def _options(order: Order, now: datetime) -> tuple[dict, bool]:
    """What the order page would offer now, by problem; and whether the seller ships it."""
    panel = problem_panel(order, now)
    return {option.problem: option for option in panel["options"]}, panel["seller_ships"]


def _where(order: Order, now: datetime) -> Composed:
    status = status_of(order, now)
    parts = [status_sentence(status, fulfilled_by=order.fulfilled_by, now=now) + "."]
    for shipment in order.shipments.filter(delivered_at__isnull=True).exclude(tracking_number=""):
        parts.append(_("%(carrier)s tracking number: %(number)s") % {
            "carrier": shipment.carrier, "number": shipment.tracking_number})
    if status.kind == StatusKind.CANCELLED:
        return Composed(parts + _refunds_told(order, now))
    options, seller_ships = _options(order, now)
    if status.kind in (StatusKind.NOT_SHIPPED, StatusKind.SHIP_OVERDUE):
        if order.promised_latest > now:
            parts.append(_("It should reach you by %(day)s.") % {"day": relative_day(order.promised_latest, now)})
        if options[claim_rules.Problem.CANCEL].available:
            parts.append(_("Until it ships, you can still cancel it on your order page (the link below)."))
    else:
        not_received = options[claim_rules.Problem.NOT_RECEIVED]
        if not_received.available and status.kind == StatusKind.DELIVERED:
            parts.append(_report(order, claim_rules.Problem.NOT_RECEIVED, _(
                "If you cannot find it, report it as not received and we will put it right:")))
        elif not_received.available:
            parts.append(_report(order, claim_rules.Problem.NOT_RECEIVED, _(
                "It is past its delivery time: report it as not received and we will put it right at once:")))
        elif not_received.why == claim_rules.Why.NOT_DUE:
            parts.append(claim_presenters.why_not(not_received, seller_ships=seller_ships, in_email=True))
    return Composed(parts)


def _report(order: Order, problem: str, sentence: str) -> Link:
    """The form for this problem (signed in the email; the order page's link is at the foot of every email)."""
    return Link(sentence, claim_presenters.problem_label(problem),
                reverse("report_new", args=[order.external_id, problem]))


def _refunds_told(order: Order, now: datetime) -> list[str]:
    """Every refund on the order with its day, and when the bank should show it."""
    told = []
    for refund in Refund.objects.filter(order=order).order_by("created_at"):
        told.append(_("%(refund)s (%(day)s) We passed it to the payment provider that day; banks usually show it "
                      "within 3 to 5 working days, so by %(by)s.") % {
            "refund": claim_presenters.refund_sentence(refund), "day": relative_day(refund.created_at, now),
            "by": relative_day(_working_days_after(refund.created_at, BANK_DAYS), now)})
    return told


def _working_days_after(moment: datetime, days: int) -> datetime:
    while days:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            days -= 1
    return moment


def _refund(order: Order, now: datetime) -> Composed:
    parts = _refunds_told(order, now)
    waiting = (ProblemReport.objects.filter(order=order).exclude(state__in=[ReportState.RESOLVED,
                                                                          ReportState.DECLINED])
               .select_related("order__seller").prefetch_related("refunds").order_by("created_at"))
    for report in waiting:
        said = claim_presenters.outcome(report)
        parts.append(_("Your request %(reference)s: %(headline)s %(next)s") % {
            "reference": report.reference, "headline": said["headline"], "next": said["next"]})
    if not parts:
        parts.append(_("Nothing has been refunded on this order (%(amount)s), and no request for a refund is "
                       "open.") % {"amount": format_money(order.total, order.currency)})
        parts.append(_("If something is wrong with it, tell us on your order page (the link below) and you will "
                       "see at once what happens next."))
    return Composed(parts)


def _cancel(order: Order, customer: Customer, act_as: str, now: datetime) -> Composed:
    options, seller_ships = _options(order, now)
    cancel = options[claim_rules.Problem.CANCEL]
    if not cancel.available:
        parts = [claim_presenters.why_not(cancel, seller_ships=seller_ships, in_email=True),
                 status_sentence(status_of(order, now), fulfilled_by=order.fulfilled_by, now=now) + "."]
        if cancel.why == claim_rules.Why.ALREADY_SHIPPED:
            parts.append(_("Once it arrives, you can return it on your order page (the link below)."))
        return Composed(parts)
    if not act_as:
        return Composed([_report(order, claim_rules.Problem.CANCEL, _(
            "It has not shipped yet, so you can still cancel it, and what you paid is refunded at once:"))])
    report = _file(order, customer, claim_rules.Problem.CANCEL, act_as, now)
    if report is None:
        return Composed([_("We could not cancel it automatically; you can do it on your order page (the link "
                           "below).")], action=AnswerAction.LINKED)
    said = claim_presenters.outcome(report)
    return Composed([_("We have cancelled it for you, as you asked."), said["headline"], said["next"]],
                    action=AnswerAction.CANCELLED, report=report)


def _problem(problem: claim_rules.Problem, order: Order, customer: Customer, act_as: str,
             now: datetime) -> Composed:
    options, seller_ships = _options(order, now)
    option = options[problem]
    if not option.available:
        return Composed([claim_presenters.why_not(option, seller_ships=seller_ships, in_email=True)])
    if problem in _ACTS_FOR_THEM and act_as:
        report = _file(order, customer, problem, act_as, now)
        if report is not None:
            said = claim_presenters.outcome(report)
            return Composed([_("We have reported it for you as “%(problem)s” (request %(reference)s).") % {
                "problem": claim_presenters.problem_label(problem), "reference": report.reference},
                said["headline"], said.get("why", ""), said["next"]], action=AnswerAction.REPORTED, report=report)
    return Composed([_report(order, problem, _(
        "Tell us which item and what happened on this page, and you will see at once what happens next:"))],
        action=AnswerAction.LINKED)


def _file(order: Order, customer: Customer, problem: str, key: str, now: datetime) -> ProblemReport | None:
    """File the report as the customer would on the order page (the same rules decide); None if the rules refuse
    it now (a photo is required, say): the answer then links to the form."""
    try:
        with transaction.atomic():
            return report_file(order=order, customer=customer, problem=problem, request_key=key, notify=False,
                               now=now)
    except (Invalid, Refused) as exc:
        log.info("automatic answer could not file %s for order %s: %s", problem, order.external_id, exc)
        return None


def _membership(customer: Customer, now: datetime) -> list[str]:
    membership = customer.memberships.order_by("-started_at").first()
    if membership is None:
        return [_("You do not have a membership with us.")]
    values = {"plan": membership.plan, "since": relative_day(membership.started_at, now)}
    if membership.ended_at is None or membership.ended_at > now:
        parts = [_("Your membership (%(plan)s) is active; it started %(since)s.") % values]
        if membership.ended_at is not None:
            parts.append(_("It ends %(day)s.") % {"day": relative_day(membership.ended_at, now)})
        return parts
    return [_("Your membership (%(plan)s) ended %(day)s.") % {**values, "day": relative_day(membership.ended_at, now)}]
