"""What the rules did, in the reader's language: one sentence per step — to the customer ("we told you"), or
to staff ("told the customer") on the order page and beside a conversation."""

from datetime import datetime

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from advocate.claims.presenters import refund_sentence
from advocate.core.dates import relative_day
from advocate.core.money import format_money

from . import rules
from .incidents import product_title
from .models import Firing, Incident, IncidentKind, IncidentNotice


def firing_sentence(firing: Firing, now: datetime, *, to_customer: bool, remedied: bool = False) -> str:
    """`remedied`: the order's stalled parcel was put right since (the trace's promise is then not repeated)."""
    return capfirst(_sentence(firing, now, to_customer, remedied))


def _sentence(firing: Firing, now: datetime, to_customer: bool, remedied: bool) -> str:
    values = {"day": relative_day(firing.at, now)}
    if firing.credit_amount:
        values["credit"] = format_money(firing.credit_amount, firing.order.currency)
    if firing.promise_due:
        values["by"] = relative_day(firing.promise_due, now)
    if firing.refund_id:
        values["amount"] = format_money(firing.refund.amount, firing.refund.currency)
    if firing.rule == rules.Rule.STOCK_OUT:
        found = firing.detail.get("found", [])
        values["elsewhere"] = ", ".join(_("%(title)s from %(seller)s") % item for item in found)
        if not to_customer:
            if found:
                return _("%(day)s: cancelled by the seller — pointed the customer to %(elsewhere)s.") % values
            return _("%(day)s: cancelled by the seller — no other seller has it in stock.") % values
        if found:
            return _("%(day)s: the seller could not send it, so we pointed you to other sellers who have it in "
                     "stock: %(elsewhere)s.") % values
        return _("%(day)s: the seller could not send it, and no other seller on our marketplace has it in stock "
                 "right now.") % values
    if firing.rule == rules.Rule.DELIGHT:
        if not to_customer:
            return _("%(day)s: shipping upgraded to the fastest service as a surprise thank-you.") % values
        return _("%(day)s: as a thank-you, we upgraded your shipping to our fastest service, at no cost.") % values
    if firing.rule == rules.Rule.DIGITAL:
        if not to_customer:
            return _("%(day)s: %(item)s played badly or would not download — refunded %(amount)s.") % {
                **values, "item": firing.subject}
        return _("%(day)s: it did not play or download as it should, so we refunded you. %(refund)s") % {
            **values, "refund": refund_sentence(firing.refund)}
    if firing.rule == rules.Rule.PRICE_DROP:
        if not to_customer:
            return _("%(day)s: the price of %(item)s dropped — refunded the difference, %(amount)s.") % {
                **values, "item": firing.subject}
        return _("%(day)s: the price went down soon after you ordered, so we refunded you the difference. "
                 "%(refund)s") % {**values, "refund": refund_sentence(firing.refund)}
    if firing.step == rules.Step.TELL:
        if not to_customer:
            if firing.over_budget:
                return _("%(day)s: told the customer it is running late (no credit: the month's budget was "
                         "spent).") % values
            if firing.credit_amount:
                return _("%(day)s: told the customer it is running late, with %(credit)s of credit.") % values
            return _("%(day)s: told the customer it is running late.") % values
        if firing.credit_amount:
            return _("%(day)s: we told you it was running late, and gave you %(credit)s of credit to make up for "
                     "it.") % values
        return _("%(day)s: we told you it was running late.") % values
    if firing.step == rules.Step.TRACE:
        if not to_customer:
            return _("%(day)s: asked the carrier to trace the parcel; promised the customer to put it right if "
                     "there is no news by %(by)s.") % values
        if remedied:
            return _("%(day)s: we asked the carrier to trace your parcel.") % values
        return _("%(day)s: we asked the carrier to trace your parcel. If they have no news of it by %(by)s, we "
                 "will put it right without you having to ask.") % values
    if firing.refund_id:
        if not to_customer:
            return _("%(day)s: still no news from the carrier — refunded %(amount)s.") % values
        return _("%(day)s: the carrier still had no news of your parcel, so we refunded you. %(refund)s") % {
            **values, "refund": refund_sentence(firing.refund)}
    if not to_customer:
        return _("%(day)s: still no news from the carrier — sent the order again.") % values
    return _("%(day)s: the carrier still had no news of your parcel, so we sent your order again.") % values


def incident_what(incident: Incident, product: str = "") -> str:
    """What happened, to the customer, in their language."""
    match incident.kind:
        case IncidentKind.CARRIER:
            return _("A problem at %(carrier)s is delaying the parcels it carries.") % {"carrier": incident.value}
        case IncidentKind.REGION:
            return _("Deliveries to %(region)s are delayed.") % {"region": incident.value}
        case IncidentKind.WAREHOUSE:
            return _("A problem at our warehouse is delaying the orders we send.")
        case IncidentKind.PAYMENT:
            return _("A problem with our payment provider is holding up payments, so your order's payment has not "
                     "gone through yet. You do not need to pay again.")
    return _("We have found a problem with %(product)s.") % {"product": product or incident.value}


def notice_sentence(notice: IncidentNotice, now: datetime, *, to_customer: bool) -> str:
    values = {"day": relative_day(notice.at, now), "title": notice.incident.title,
              "what": incident_what(notice.incident, product_title(notice.incident, notice.order))}
    if notice.credit_amount:
        values["credit"] = format_money(notice.credit_amount, notice.order.currency)
    if to_customer:
        if notice.credit_amount:
            return capfirst(_("%(day)s: we told you: %(what)s We gave you %(credit)s of credit for the trouble.")
                            % values)
        return capfirst(_("%(day)s: we told you: %(what)s") % values)
    if notice.credit_amount:
        return capfirst(_("%(day)s: told the customer of the incident “%(title)s”, with %(credit)s of credit.")
                        % values)
    return capfirst(_("%(day)s: told the customer of the incident “%(title)s”.") % values)
