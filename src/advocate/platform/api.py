"""The REST API: one NinjaAPI, each domain contributes a router. Schema at /api/v1/openapi.json."""

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from advocate.claims.api import router as claims_router
from advocate.commerce.api import router as commerce_router
from advocate.core.api import error_body, refused_response, validation_body
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


# Every other answer that is not a success comes in the same shape, so a client reads one kind of error body.


@api.exception_handler(AuthenticationError)
def unauthorized(request, exc: AuthenticationError):
    return api.create_response(request, error_body(401, "sign in, or send Authorization: Bearer <key>"),
                               status=401)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    return api.create_response(request, error_body(exc.status_code, exc.message), status=exc.status_code)


@api.exception_handler(ValidationError)
def invalid(request, exc: ValidationError):
    return api.create_response(request, validation_body(exc.errors), status=422)


@api.exception_handler(Http404)
def not_found(request, exc: Http404):
    return api.create_response(request, error_body(404, "not found"), status=404)
