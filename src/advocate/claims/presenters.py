"""What the customer reads about their problem: in their language and time zone, always saying what happened,
why, and what happens next. Every "no" says why and what they can do instead."""

from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from advocate.commerce.presenters import mask_for
from advocate.core.dates import local_time, relative_day
from advocate.core.money import format_money

from . import rules
from .models import PROBLEM_LABELS, ClaimState, Finding, ProblemReport, ReportState
from .rules import Option, Outcome, Problem, RefundWhen, ReviewReason, Why

PROBLEM_LABELS_SHORT = {
    Problem.DAMAGED: gettext_lazy("damaged or defective"),
    Problem.NOT_AS_DESCRIBED: gettext_lazy("wrong item or not as described"),
    Problem.ITEM_MISSING: gettext_lazy("something missing"),
    Problem.NOT_RECEIVED: gettext_lazy("not received"),
}

PROBLEM_HINTS = {
    Problem.CANCEL: gettext_lazy("Not sent yet: stop it and get your money back."),
    Problem.RETURN: gettext_lazy("Changed your mind, or it does not fit."),
    Problem.DAMAGED: gettext_lazy("Broken in transit, or it does not work."),
    Problem.NOT_AS_DESCRIBED: gettext_lazy("A different item, not what the listing said, or used when sold as new."),
    Problem.ITEM_MISSING: gettext_lazy("The parcel came, but something in it did not."),
    Problem.NOT_RECEIVED: gettext_lazy("The parcel has not reached you."),
    Problem.RETURN_NOT_REFUNDED: gettext_lazy("You sent it back and the refund has not come."),
}

REASON_LABELS = {
    "changed_mind": gettext_lazy("I changed my mind"),
    "does_not_fit": gettext_lazy("It does not fit"),
    "arrived_damaged": gettext_lazy("It arrived damaged"),
    "defective": gettext_lazy("It does not work properly"),
    "wrong_item": gettext_lazy("I received a different item"),
    "not_as_described": gettext_lazy("It is not as described"),
    "used_as_new": gettext_lazy("It was sold as new but is used"),
}

INVALID_MESSAGES = {
    "unknown_problem": gettext_lazy("Please choose what went wrong."),
    "unknown_remedy": gettext_lazy("Please choose what you would like: your money back or a replacement."),
    "unknown_reason": gettext_lazy("Please choose a reason."),
    "no_items": gettext_lazy("Please choose at least one item."),
    "unknown_item": gettext_lazy("That item is not part of this order."),
    "too_many": gettext_lazy("That is more than you ordered, or than is left to report."),
    "remedy_not_offered": gettext_lazy("That option is not available for this problem."),
    "out_of_stock": gettext_lazy("A replacement is not in stock right now. Please choose a refund."),
    "photo_required": gettext_lazy("Please add a photo of the problem."),
    "too_large": gettext_lazy("That photo is too large (15 MB at most)."),
    "not_an_image": gettext_lazy("That file is not a photo we can read (JPEG, PNG, WebP or GIF)."),
    "too_many_pixels": gettext_lazy("These photos are too large: please send smaller ones."),
    "key_reused": gettext_lazy("This request key was already used for a different report. Send a new key for a "
                               "new report."),
}

ACTION_REFUSED_MESSAGES = {
    "claim_not_open": gettext_lazy("This claim is no longer waiting for you."),
    "claim_closed": gettext_lazy("This claim has already been decided."),
    "statement_required": gettext_lazy("Please explain in a few words."),
    "reasons_required": gettext_lazy("Please give the reasons for the decision; the customer will read them."),
    "not_appealable": gettext_lazy("Only a claim decided against you can be appealed."),
    "appeal_too_late": gettext_lazy("The 30 days for appealing this decision have passed."),
    "appeal_decided": gettext_lazy("This appeal has already been decided."),
    "already_decided": gettext_lazy("Someone has already decided this request."),
    "nothing_left_to_refund": gettext_lazy("Everything paid for this order has already been refunded."),
    "unknown_action": gettext_lazy("Unknown action."),
    "unknown_finding": gettext_lazy("Unknown decision."),
    "not_your_claim": gettext_lazy("This claim is not about your shop."),
    "default_policy": gettext_lazy("The marketplace's default policy cannot be removed."),
}


def problem_label(problem: str) -> str:
    return str(PROBLEM_LABELS[Problem(problem)])


def _day(moment: datetime) -> str:
    return relative_day(moment, timezone.now())


def _day_time(moment: datetime) -> str:
    return _("%(day)s at %(time)s") % {"day": _day(moment), "time": local_time(moment)}


def why_not(option: Option, *, seller_ships: bool = False, in_email: bool = False) -> str:
    """Why a problem cannot be reported now, and what the customer can do instead: on the order page ("here"),
    or `in_email`, which points to the order page's link."""
    if in_email:
        match option.why:
            case Why.NOT_DELIVERED:
                return _("Once your parcel arrives, you can return items or report a problem with them on your "
                         "order page (the link below).")
            case Why.NOT_DUE if seller_ships:
                return _("It is still within its delivery time. If it has not arrived by %(when)s, report it on "
                         "your order page (the link below): the marketplace guarantees you get your money back.") % {
                    "when": _day_time(option.when)}
            case Why.NOT_DUE:
                return _("It is still within its delivery time. If it has not arrived by %(when)s, report it on "
                         "your order page (the link below) and we will put it right at once.") % {
                    "when": _day_time(option.when)}
            case Why.RETURN_NOT_OVERDUE:
                return _("Your return is on its way back. If the refund has not come by %(day)s, you can claim it "
                         "on your order page (the link below).") % {"day": _day(option.when)}
    match option.why:
        case Why.CANCELLED:
            return _("This order was cancelled.")
        case Why.NOT_SHIPPED:
            return _("Nothing has been sent yet. You can cancel the order instead.")
        case Why.ALREADY_SHIPPED:
            return _("It is already on its way, so it can no longer be cancelled.")
        case Why.ALREADY_DELIVERED:
            return _("It has already arrived, so it can no longer be cancelled; you can return it instead.")
        case Why.NOT_DELIVERED:
            return _("Once your parcel arrives, you can return items or report a problem with them here.")
        case Why.NOT_DUE if seller_ships:
            return _("It is still within its delivery time. If it has not arrived by %(when)s, report it here: "
                     "the marketplace guarantees you get your money back.") % {"when": _day_time(option.when)}
        case Why.NOT_DUE:
            return _("It is still within its delivery time. If it has not arrived by %(when)s, report it here "
                     "and we will put it right at once.") % {"when": _day_time(option.when)}
        case Why.PARTLY_DELIVERED:
            return _("Part of your order has arrived. Tell us what did not with “Something is missing from the "
                     "parcel”.")
        case Why.WINDOW_CLOSED:
            return _("The time for reporting “%(problem)s” online ended %(day)s. Please call us — a person will "
                     "look at it.") % {"problem": problem_label(option.problem), "day": _day(option.when)}
        case Why.NO_RETURN_PENDING:
            return _("There is no return on its way back for this order.")
        case Why.RETURN_NOT_OVERDUE:
            return _("Your return is on its way back. If the refund has not come by %(day)s, you can claim it "
                     "here.") % {"day": _day(option.when)}
        case Why.NOTHING_LEFT:
            return _("Every item in this order is already covered by one of your requests.")
        case Why.NOTHING_TO_REFUND:
            return _("Everything you paid for this order has already been refunded.")
    raise ValueError(option.why)


# On the order page, only the notes that tell the customer something they can act on (or when).
_NOTES_ON_ORDER_PAGE = {Why.ALREADY_SHIPPED, Why.NOT_DELIVERED, Why.NOT_DUE, Why.PARTLY_DELIVERED,
                        Why.WINDOW_CLOSED, Why.RETURN_NOT_OVERDUE, Why.NOTHING_LEFT, Why.NOTHING_TO_REFUND}


def option_notes(options: list[Option], *, seller_ships: bool) -> list[str]:
    notes: list[str] = []
    for option in options:
        if not option.available and option.why in _NOTES_ON_ORDER_PAGE:
            note = why_not(option, seller_ships=seller_ships)
            if note not in notes:
                notes.append(note)
    return notes


def _refund_to(method: str) -> str:
    return {
        "card": _("your card"),
        "paypal": _("your PayPal account"),
        "bank transfer": _("your bank account"),
        "gift card": _("your gift card"),
        "store credit": _("your store credit"),
    }.get(method.strip().lower(), _("the way you paid"))


def refund_sentence(refund, *, returnless: bool = False) -> str:
    values = {"amount": format_money(refund.amount, refund.currency), "to": _refund_to(refund.method)}
    if returnless:
        return _("Refund of %(amount)s issued to %(to)s — you do not need to send the item back.") % values
    return _("Refund of %(amount)s issued to %(to)s.") % values


REVIEW_REASONS = {
    ReviewReason.ABOVE_AUTO_LIMIT: gettext_lazy("Requests of this value are decided by a person."),
    ReviewReason.RETURN_WINDOW_CLOSED: gettext_lazy("It is past the usual return window, so a person decides."),
    ReviewReason.NOT_RETURNABLE: gettext_lazy("Items of this kind are not normally returnable, so a person decides."),
    ReviewReason.UNKNOWN_CURRENCY: gettext_lazy("A person decides requests in this currency."),
}


PERSON_DECIDES = (ClaimState.DISPUTED, ClaimState.NEEDS_PERSON)


def _could_send_back(report: ProblemReport) -> bool:
    """Whether "you do not need to send the item back" means anything: not for a parcel that never came."""
    return report.problem in rules.RETURNABLE


def _return_headline(report: ProblemReport, ret, amount: str) -> str:
    values = {"code": ret.code, "amount": amount}
    first_scan = ret.refund_when == RefundWhen.FIRST_SCAN
    if report.remedy == "replacement" and first_scan:
        return _("Return accepted. Send it back with return code %(code)s; we will send a replacement as soon as "
                 "the carrier scans the parcel.") % values
    if report.remedy == "replacement":
        return _("Return accepted. Send it back with return code %(code)s; we will send a replacement as soon as "
                 "it is received.") % values
    if first_scan:
        return _("Return accepted. Send it back with return code %(code)s; your refund of %(amount)s will be "
                 "issued as soon as the carrier scans the parcel.") % values
    return _("Return accepted. Send it back with return code %(code)s; your refund of %(amount)s will be issued "
             "as soon as it is received.") % values


def outcome(report: ProblemReport) -> dict:
    """The headline of where a report stands, and what happens next: {"headline", "next", "done"}."""
    refund = next(iter(report.refunds.all()), None)
    claim = getattr(report, "claim", None)
    ret = getattr(report, "parcel_return", None)
    seller = report.order.seller.name
    amount = format_money(report.amount, report.currency)
    nothing_to_do = _("You do not need to do anything.")

    if report.settled_by_id:
        return {"headline": _("This return is settled under your later request %(reference)s.")
                % {"reference": report.settled_by.reference}, "next": nothing_to_do, "done": True}
    if report.state == ReportState.DECLINED:
        note = report.decision_note or (claim.decision_note if claim else "")
        return {"headline": _("We could not agree to this request."), "why": note,
                "next": _("If you disagree, call us on %(phone)s and a person will look at it again.")
                % {"phone": settings.ADVOCATE_SUPPORT_PHONE}, "done": True}
    if claim and claim.refunded_at_once and refund is not None and report.state != ReportState.RESOLVED:
        # The buyer has their money; whatever the seller does now is between the seller and us.
        return {"headline": refund_sentence(refund, returnless=_could_send_back(report)),
                "next": _("%(seller)s has been asked to settle this with us; you do not need to do anything.")
                % {"seller": seller}, "done": True}
    if report.state == ReportState.IN_REVIEW or (claim and claim.state in PERSON_DECIDES):
        due = report.review_due_at
        if claim and claim.state == ClaimState.DISPUTED:
            headline = _("%(seller)s disagrees, so a person will look at it and decide by %(when)s.") % {
                "seller": seller, "when": _day_time(due)}
        elif claim:
            headline = _("%(seller)s did not put it right in time, so a person will look at it and decide by "
                         "%(when)s.") % {"seller": seller, "when": _day_time(due)}
        else:
            headline = _("A person will look at this and decide by %(when)s.") % {"when": _day_time(due)}
        why = str(REVIEW_REASONS.get(ReviewReason(report.review_reason), "")) if report.review_reason else ""
        return {"headline": headline, "why": why, "next": _("We will email you the decision."), "done": False}
    if report.outcome == Outcome.CANCEL:
        headline = (_("Order cancelled. %(refund)s") % {"refund": refund_sentence(refund)} if refund
                    else _("Order cancelled. You have not been charged."))
        return {"headline": headline, "next": nothing_to_do, "done": True}
    if report.state == ReportState.AWAITING_RETURN and ret is not None:
        return {"headline": _return_headline(report, ret, amount),
                "next": _("Write the code on the parcel and hand it to any carrier drop-off point."), "done": False}
    if report.state == ReportState.AWAITING_SELLER and claim is not None:
        return {"headline": _("We have asked %(seller)s to put this right by %(when)s. If they have not, we will "
                              "refund you %(amount)s ourselves then.")
                % {"seller": seller, "when": _day_time(claim.respond_by), "amount": amount},
                "next": nothing_to_do, "done": False}
    if report.outcome == Outcome.REPLACE or (report.remedy == "replacement" and report.state == ReportState.RESOLVED):
        return {"headline": _("We are sending you a replacement — you do not need to send anything back.")
                if report.returnless else _("We are sending you a replacement."),
                "next": _("You will get its tracking details as soon as it leaves the warehouse."), "done": True}
    if refund is not None:
        return {"headline": refund_sentence(refund, returnless=report.returnless and _could_send_back(report)),
                "next": _("Banks usually show it within 3 to 5 working days."), "done": True}
    return {"headline": _("Done."), "next": nothing_to_do, "done": True}


def claim_seller_sentence(claim) -> str:
    """For the seller: where a guarantee claim stands."""
    if claim.state == ClaimState.AWAITING_SELLER:
        return _("Respond by %(when)s: refund the buyer, or explain why not.") % {"when": _day_time(claim.respond_by)}
    if claim.state == ClaimState.DISPUTED:
        return _("You disputed this claim; a person is deciding.")
    if claim.state == ClaimState.NEEDS_PERSON:
        return _("You did not respond in time; a person is deciding.")
    if claim.finding == Finding.SELLER:
        return _("Decided in your favour; it does not count against your account.")
    return _("Decided for the buyer; it counts against your account.")


EMAIL_SUBJECTS = {
    "cancelled": gettext_lazy("Your order %(order)s is cancelled"),
    "order_cancelled": gettext_lazy("Your order %(order)s was cancelled — refund issued"),
    "refunded": gettext_lazy("Your refund for order %(order)s"),
    "claim_refunded": gettext_lazy("Your refund for order %(order)s"),
    "replaced": gettext_lazy("We are sending you a replacement for order %(order)s"),
    "return_authorised": gettext_lazy("How to send back your item from order %(order)s"),
    "in_review": gettext_lazy("A person is looking at your request about order %(order)s"),
    "claim_opened": gettext_lazy("We are on it: your order %(order)s"),
    "claim_disputed": gettext_lazy("An update on your request about order %(order)s"),
    "claim_declined": gettext_lazy("Our decision on your request about order %(order)s"),
    "declined": gettext_lazy("Our decision on your request about order %(order)s"),
    "seller_claim_opened": gettext_lazy("Guarantee claim %(reference)s: please respond by %(when)s"),
    "seller_claim_decided": gettext_lazy("Guarantee claim %(reference)s has been decided"),
    "seller_appeal_decided": gettext_lazy("Your appeal about claim %(reference)s has been decided"),
}


def email_subject(event: str, *, order=None, claim=None) -> str:
    values = {"order": order.external_id if order else ""}
    if claim is not None:
        values.update(reference=claim.report.reference, when=_day_time(claim.respond_by))
    return str(EMAIL_SUBJECTS[event]) % values


def mask_contact_details(text: str) -> str:
    """A buyer's words as a seller may read them: email addresses, phone numbers and links replaced by a notice,
    so buyer and seller stay in touch through the marketplace only (see `sellers.masking`)."""
    return mask_for(text).text


_LAYER_COLUMNS = {"return_window_days", "returnless_under", "auto_approve_up_to", "seller_response_hours",
                  "refund_at_once_under"}


def layer_other_settings(layer) -> list[str]:
    """What a policy layer sets besides the policy table's columns, e.g. "Photo required for: damaged or
    defective"."""
    settings_ = []
    for field in layer._meta.get_fields():
        name = getattr(field, "attname", "")
        if name not in rules.POLICY_FIELDS or name in _LAYER_COLUMNS or getattr(layer, name) is None:
            continue
        value = getattr(layer, name)
        if isinstance(value, bool):
            value = _("yes") if value else _("no")
        elif isinstance(value, list):
            value = ", ".join(str(PROBLEM_LABELS_SHORT.get(Problem(p), p)) for p in value) or _("nothing")
        settings_.append(f"{capfirst(field.verbose_name)}: {value}")
    return settings_
