"""Sentences about messages, in the reader's language."""

from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .rules import Refusal, Side

HIDDEN_LABELS = {
    "email": gettext_lazy("an email address"),
    "phone": gettext_lazy("a phone number"),
    "link": gettext_lazy("a link"),
}

REFUSED_MESSAGES = {
    Refusal.EMPTY: gettext_lazy("Write a message first."),
    Refusal.TOO_LONG: gettext_lazy("That message is too long: please keep it under 5,000 characters."),
    Refusal.BUYER_OPTED_OUT: gettext_lazy(
        "This buyer has chosen not to receive messages from sellers unless they write first. You can answer "
        "as soon as they write to you about this order. Nothing was sent."),
    Refusal.SOLD_BY_PLATFORM: gettext_lazy(
        "This order was sold by the marketplace itself: write to our service team instead."),
    Refusal.OWN_MESSAGE: gettext_lazy("You can only report messages from the other side."),
}


def refused(code: Refusal) -> str:
    return str(REFUSED_MESSAGES[code])


def hidden_notice(hidden: list[str], sender: str) -> str:
    """What we hid from a message, told to the one who wrote it ("" when nothing was hidden)."""
    labels = [str(HIDDEN_LABELS[kind]) for kind in ("email", "phone", "link") if kind in hidden]
    if not labels:
        return ""
    what = get_text_list(labels, _("and"))
    if sender == Side.BUYER:
        return _("We hid %(what)s from your message: please keep contact on Advocate, so we can help if anything "
                 "goes wrong. The seller sees a placeholder instead.") % {"what": what}
    return _("We hid %(what)s from your message: please keep contact on Advocate. Sharing or asking for contact "
             "details outside the marketplace breaks its rules. The buyer sees a placeholder instead.") % {
        "what": what}


def hidden_summary(hidden: list[str]) -> str:
    """A short note under a message: what was hidden from it."""
    labels = [str(HIDDEN_LABELS[kind]) for kind in ("email", "phone", "link") if kind in hidden]
    return _("Hidden: %(what)s") % {"what": get_text_list(labels, _("and"))} if labels else ""
