"""The REST API: one NinjaAPI, each domain contributes a router. Schema at /api/v1/openapi.json."""

from ninja import NinjaAPI

from advocate.claims.api import router as claims_router
from advocate.commerce.api import router as commerce_router
from advocate.core.api import refused_response
from advocate.core.errors import Refused
from advocate.messaging.api import router as messaging_router

api = NinjaAPI(
    title="Advocate API",
    version="1",
    description="Events in from the shop's systems; orders and their status out; self-service problems, "
    "guarantee claims, and the instructions (refunds, replacements, return labels) for the shop to carry out.",
    urls_namespace="api",
)
api.add_router("", commerce_router)
api.add_router("", claims_router)
api.add_router("", messaging_router)


@api.exception_handler(Refused)
def refused(request, exc: Refused):
    """Every refusal, from every domain, answered the same way: `{code, message, when, field}` with 409 (not
    possible now), 422 (the request is wrong) or 403 (not allowed)."""
    return refused_response(api, request, exc)
