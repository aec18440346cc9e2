"""What every domain's API shares: a refusal answered the same way everywhere (the composition root installs
`refused_response` as the API's handler for `Refused`), and the signed-in person's session as a way in."""

from datetime import datetime
from typing import Annotated

from django.conf import settings
from ninja import Path, Schema
from ninja.security import SessionAuth as NinjaSessionAuth
from pydantic import field_validator

from .errors import Refused
from .numbers import DB_INT_MAX

RowId = Annotated[int, Path(ge=1, le=DB_INT_MAX)]  # a row id in a URL: never past what the column holds


class RefusalOut(Schema):
    code: str
    message: str
    when: datetime | None = None
    field: str | None = None


# Every answer that is not a success, as every endpoint may give it, in the one shape: 400 (a header missing or
# malformed, a body that is not JSON), 401 (no way in), 403 (not allowed), 404, 409, 413 (too large), 422.
ERRORS = {status: RefusalOut for status in (400, 401, 403, 404, 409, 413, 422)}

# The `code` of an answer that did not come from a service's refusal.
STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "not_allowed",
                413: "too_large", 422: "invalid", 429: "too_many_requests"}


def error_body(status: int, message: str, *, field: str | None = None) -> dict:
    return {"code": STATUS_CODES.get(status, "error"), "message": message, "when": None, "field": field}


def validation_body(errors: list[dict]) -> dict:
    """ninja's validation errors as one refusal: every field at fault and why, the first one named."""
    parts, fields = [], []
    for error in errors:
        location = ".".join(str(part) for part in error.get("loc", ()))
        fields.append(location)
        parts.append(f"{location}: {error.get('msg', 'invalid')}" if location else str(error.get("msg", "invalid")))
    return error_body(422, "; ".join(parts) or "the request is not well-formed", field=fields[0] if fields else None)


class Input(Schema):
    """A request body: every text is checked to hold no NUL character, which no database column can store
    (PostgreSQL refuses it even in a comparison), so it is refused naming the field, never stored half-way."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value):
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("text must not contain NUL (\\u0000) characters")
        return value


def refused_response(api, request, refused: Refused):
    return api.create_response(request, refused.as_dict(), status=refused.status)


class SessionAuth(NinjaSessionAuth):
    """The signed-in person's session; a write must carry the CSRF token. A request with no session cookie
    is simply not signed in — 401, naming the ways in — rather than failing a CSRF check it could never pass
    (ninja checks the token first, which told a shop's developer who forgot the key "CSRF check Failed")."""

    def _get_key(self, request):
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        return super()._get_key(request)


session_auth = SessionAuth()
