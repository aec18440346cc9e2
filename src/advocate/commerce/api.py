from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer

from advocate.core.api import ERRORS, session_auth
from advocate.core.errors import Forbidden
from advocate.core.numbers import DB_INT_MAX

from . import selectors, services
from .events import FieldError
from .models import InstructionKind, Scope
from .presenters import status_sentence

router = Router(tags=["commerce"])


class IntegrationKey(HttpBearer):
    """`Authorization: Bearer adv_…` — the key an operator created for one integration, which must carry
    `scope`. A request with a key is judged by the key alone: a wrong or revoked key is 401, a key without
    the scope 403, whatever session cookie comes along."""

    def __init__(self, scope: Scope):
        super().__init__()
        self.scope = scope

    def authenticate(self, request, token):
        integration = services.integration_authenticate(token)
        if integration is None:
            return None
        if not integration.may(self.scope):
            raise Forbidden("scope", f"this key lacks the {self.scope.value!r} scope ({self.scope.label}); "
                                     "an operator can give a key scopes on the Operations page")
        request.integration = integration
        return self.acting(request, integration)

    def acting(self, request, integration):
        """Whom the request acts as (`request.auth`); the integration itself unless a subclass says."""
        return integration


class SellerKey(IntegrationKey):
    """A seller's own system: a key with the `seller` scope acts as the seller login it was made for."""

    def __init__(self):
        super().__init__(Scope.SELLER)

    def acting(self, request, integration):
        login = integration.acts_as
        if login is None or not login.is_active or not login.is_seller:
            raise Forbidden("scope", "the seller login this key acts as is no longer an active seller")
        return login


# Keys first: a request from a system carries no session, and must be judged by its key alone (the session
# check would demand a CSRF token it cannot have). A browser's session request has no key.
SELLER_AUTH = [SellerKey(), session_auth]


class EventOutcomeOut(Schema):
    index: int
    status: str
    source: str | None = None
    id: str | None = None
    errors: list[FieldError] = []


class IntakeOut(Schema):
    applied: int
    duplicate: int
    rejected: int
    results: list[EventOutcomeOut]


@router.post("/events", auth=IntegrationKey(Scope.EVENTS), response={200: IntakeOut, **ERRORS}, summary="Send events")
def post_events(request, items: list[Any]):
    """Send a batch (up to 1,000) of `{"source", "id", "type", "occurred_at", "data"}` events.

    Each is applied exactly once: the same (source, id) again is reported `duplicate` and changes nothing.
    A bad item is `rejected` with errors naming the field; the good items in the batch still apply.
    """
    try:
        outcomes = services.events_ingest(items=items, integration=request.integration)
    except ValueError as exc:
        raise HttpError(413, str(exc)) from None
    counts = {"applied": 0, "duplicate": 0, "rejected": 0}
    for outcome in outcomes:
        counts[outcome.status] += 1
    return {**counts, "results": outcomes}


class LineOut(Schema):
    sku: str
    title: str
    quantity: int
    unit_price: Decimal


class ScanOut(Schema):
    occurred_at: datetime
    code: str
    location: str
    description: str


class ShipmentOut(Schema):
    id: str
    carrier: str
    tracking_number: str
    state: str
    estimated_delivery: datetime | None
    delivered_at: datetime | None
    delivery_detail: str
    scans: list[ScanOut]


class StatusOut(Schema):
    kind: str
    when: datetime | None
    sentence: str


class OrderOut(Schema):
    id: str
    placed_at: datetime
    state: str
    seller: str
    fulfilled_by: str
    currency: str
    total: Decimal
    status: StatusOut
    lines: list[LineOut]
    shipments: list[ShipmentOut]


def _order_out(order, now) -> dict:
    status = selectors.status_of(order, now)
    return {
        "id": order.external_id,
        "placed_at": order.placed_at,
        "state": order.state,
        "seller": order.seller.name,
        "fulfilled_by": order.fulfilled_by,
        "currency": order.currency,
        "total": order.total,
        "status": {
            "kind": status.kind.value,
            "when": status.when,
            "sentence": status_sentence(status, fulfilled_by=order.fulfilled_by, now=now),
        },
        "lines": list(order.lines.all()),
        "shipments": [
            {
                "id": s.external_id,
                "carrier": s.carrier,
                "tracking_number": s.tracking_number,
                "state": s.state,
                "estimated_delivery": s.estimated_delivery,
                "delivered_at": s.delivered_at,
                "delivery_detail": s.delivery_detail,
                "scans": list(s.scans.all()),
            }
            for s in order.shipments.all()
        ],
    }


@router.get("/orders/{order_id}", auth=session_auth, response={200: OrderOut, **ERRORS},
            summary="One order and its status")
def get_order(request, order_id: str):
    """The signed-in person's order (customers see only their own; sellers only theirs).

    The status sentence is in the person's language."""
    return _order_out(selectors.order_detail(request.user, order_id), timezone.now())


# --- the shop's systems ------------------------------------------------------------------------------


class InstructionOut(Schema):
    sequence: int
    kind: str = Field(description=", ".join(InstructionKind.values))
    order_id: str | None = Field(description="empty for instructions about a seller or a listing")
    payload: dict
    created_at: datetime


class InstructionsOut(Schema):
    instructions: list[InstructionOut]
    next_after: int = Field(description="pass as `after` to read on from here")


@router.get("/instructions", auth=IntegrationKey(Scope.INSTRUCTIONS), response={200: InstructionsOut, **ERRORS},
            summary="What the shop must carry out")
def get_instructions(request, after: Annotated[int, Field(ge=0, le=DB_INT_MAX)] = 0,
                     limit: Annotated[int, Field(ge=1, le=1000)] = 100):
    """Refunds to pay, replacements and return labels to send, orders to stop, sellers' selling status and
    listings to take down or put back, parcels to have traced — in the order decided, each once. Keep
    `next_after` and pass it as `after` next time. `kind` is `refund`, `replacement`, `return_label`,
    `order_cancel`, `credit`, `upgrade_shipping`, `seller_status`, `listing` or `carrier_trace`; each payload
    carries a reference unique for that kind."""
    rows = selectors.instructions_after(after, limit=limit)
    return {
        "instructions": [{"sequence": i.sequence, "kind": i.kind, "order_id": i.order.external_id if i.order else None,
                          "payload": i.payload, "created_at": i.created_at} for i in rows],
        "next_after": rows[-1].sequence if rows else after,
    }
