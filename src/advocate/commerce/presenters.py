"""Status sentences in the reader's language and time zone (the situation itself comes from `status`)."""

from datetime import datetime

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from advocate.core.dates import local_time, relative_day

from .masking import Kind, Masked, mask
from .status import FulfilledBy, OrderStatus, StatusKind

# Carriers describe where they left a parcel in a handful of standard ways; those we translate.
_KNOWN_DETAILS = {
    "left at front door": gettext_lazy("left at front door"),
    "handed to resident": gettext_lazy("handed to resident"),
    "left with neighbour": gettext_lazy("left with neighbour"),
    "in parcel locker": gettext_lazy("in parcel locker"),
    "at pick-up point": gettext_lazy("at pick-up point"),
    "signed for": gettext_lazy("signed for"),
}


_PAYMENT_METHODS = {
    "card": gettext_lazy("card"),
    "paypal": "PayPal",
    "bank transfer": gettext_lazy("bank transfer"),
    "gift card": gettext_lazy("gift card"),
    "store credit": gettext_lazy("store credit"),
}


def carrier_phrase(text: str) -> str:
    """A carrier's description in the reader's language when it is one of the standard phrases."""
    known = _KNOWN_DETAILS.get(text.strip().lower())
    return str(known) if known else text


def payment_method(method: str) -> str:
    known = _PAYMENT_METHODS.get(method.strip().lower())
    return str(known) if known else method


def status_sentence(status: OrderStatus, *, fulfilled_by: str, now: datetime) -> str:
    by_seller = fulfilled_by == FulfilledBy.SELLER
    when = relative_day(status.when, now) if status.when else ""
    match status.kind:
        case StatusKind.CANCELLED:
            return _("Cancelled %(day)s") % {"day": when}
        case StatusKind.NOT_SHIPPED if by_seller:
            return _("Not shipped yet — the seller has until %(day)s") % {"day": when}
        case StatusKind.NOT_SHIPPED:
            return _("Not shipped yet — it leaves our warehouse by %(day)s") % {"day": when}
        case StatusKind.SHIP_OVERDUE if by_seller:
            return _("Not shipped yet — the seller should have sent it by %(day)s") % {"day": when}
        case StatusKind.SHIP_OVERDUE:
            return _("Not shipped yet — it should have left our warehouse by %(day)s") % {"day": when}
        case StatusKind.ARRIVING:
            return _("Arriving %(day)s") % {"day": when}
        case StatusKind.LATE if status.when:
            return _("Running late — new estimate %(day)s") % {"day": when}
        case StatusKind.LATE:
            return _("Running late — past the promised date, and the carrier has not given a new one yet")
        case StatusKind.DELIVERED if status.detail:
            return _("Delivered %(day)s %(time)s, %(detail)s") % {
                "day": when,
                "time": local_time(status.when),
                "detail": carrier_phrase(status.detail),
            }
        case StatusKind.DELIVERED:
            return _("Delivered %(day)s %(time)s") % {"day": when, "time": local_time(status.when)}
    raise ValueError(status.kind)


def mask_for(text: str, language: str | None = None) -> Masked:
    """Contact details hidden as the reader will see them (`masking.mask`), with the placeholders in `language`
    (or the active one)."""
    with translation.override(language or translation.get_language()):
        return mask(text, {Kind.EMAIL: _("[email hidden]"), Kind.PHONE: _("[phone hidden]"),
                           Kind.LINK: _("[link hidden]")})


def delivery_address_for(reader, order) -> str:
    """The order's delivery address as `reader` may see it ("" for nothing to show).

    The buyer and the service see it whole. A seller who ships the order themselves needs the address but
    never a way around the marketplace: e-mail addresses, phone numbers and links in it are masked as in
    messages. When the marketplace ships, the seller has no need for it and sees none of it.
    """
    if not reader.is_seller:
        return order.ship_to
    if order.fulfilled_by == FulfilledBy.PLATFORM:
        return ""
    return mask_for(order.ship_to).text
