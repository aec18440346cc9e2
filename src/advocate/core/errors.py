"""One vocabulary for "no": every service refuses with `Refused` (or one of its kinds), whatever the door —
a page, the session API or the shop's back end — and nothing has changed when it does.

Plain Python. `message` is what the person reads, in their language (a translated, possibly lazy, string the
raising service chose); `code` names the case for programs and tests; `when` is the moment it is about, where
there is one ("report it from Sunday", "the 30 days ended on…"); `field` names the input at fault, where one
is. Pages show the message (`core.web`); the API answers `{code, message, when, field}` with `status`.
"""

from datetime import datetime


class Refused(Exception):
    """It cannot be done now (or ever): the state does not allow it."""

    status = 409

    def __init__(self, code: str, message: object = "", *, when: datetime | None = None, field: str | None = None):
        super().__init__(code)
        self.code = str(code)
        self.message = message
        self.when = when
        self.field = field

    def __str__(self) -> str:
        return str(self.message) or self.code

    def as_dict(self) -> dict:
        return {"code": self.code, "message": str(self), "when": self.when, "field": self.field}


class Invalid(Refused):
    """The request itself is not well-formed: a value is missing, unknown or out of range."""

    status = 422


class Forbidden(Refused):
    """This person may not do this (an account closed with a statement of reasons, say)."""

    status = 403
