"""What every domain's API shares: a refusal answered the same way everywhere (the composition root installs
`refused_response` as the API's handler for `Refused`), and the signed-in person's session as a way in."""

from datetime import datetime
from typing import Annotated

from django.conf import settings
from ninja import Path, Schema
from ninja.security import SessionAuth as NinjaSessionAuth

from .errors import Refused
from .numbers import DB_INT_MAX

RowId = Annotated[int, Path(ge=1, le=DB_INT_MAX)]  # a row id in a URL: never past what the column holds


class RefusalOut(Schema):
    code: str
    message: str
    when: datetime | None = None
    field: str | None = None


REFUSALS = {409: RefusalOut, 422: RefusalOut}  # add to an endpoint's `response` so the schema documents them


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
