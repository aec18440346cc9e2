"""What every domain's API shares: a refusal answered the same way everywhere (the composition root installs
`refused_response` as the API's handler for `Refused`)."""

from datetime import datetime

from ninja import Schema

from .errors import Refused


class RefusalOut(Schema):
    code: str
    message: str
    when: datetime | None = None
    field: str | None = None


REFUSALS = {409: RefusalOut, 422: RefusalOut}  # add to an endpoint's `response` so the schema documents them


def refused_response(api, request, refused: Refused):
    return api.create_response(request, refused.as_dict(), status=refused.status)
