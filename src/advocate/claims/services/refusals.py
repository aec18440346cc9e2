"""Refusals worded for the person who asked: the claims side of the one vocabulary (`core.errors`)."""

from advocate.core import errors
from advocate.core.errors import Refused

from .. import presenters, rules

_INVALID = {"reasons_required", "statement_required", "unknown_action", "unknown_finding"}


def refused(code: str) -> Refused:
    """A request that does not fit the current state (a claim already closed, an appeal too late…), or is
    missing something; worded for the person who made it."""
    kind = (errors.Invalid if code in _INVALID else errors.Forbidden if code == "not_your_claim"
            else errors.Refused)
    return kind(code, presenters.ACTION_REFUSED_MESSAGES[code])


def report_refused(exc: Exception, *, seller_ships: bool = False) -> Refused:
    """What the rules (or the photo check) said about a report, worded for the customer."""
    if isinstance(exc, rules.NotPossible):
        return errors.Refused(exc.option.why.value, presenters.why_not(exc.option, seller_ships=seller_ships),
                              when=exc.option.when)
    code = exc.code.value if isinstance(exc, rules.ReportInvalid) else str(exc)
    field = "photo" if code in ("photo_required", "too_large", "too_many_pixels", "not_an_image") else None
    return errors.Invalid(code, presenters.INVALID_MESSAGES[code], field=field)
