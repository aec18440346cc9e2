"""The REST API for self-service, for the shop's own front end: what can be reported about an order, report
it, follow it; sellers answer claims; the shop's systems read the instructions to carry out (refunds,
replacements, return labels, cancellations).

A customer is either signed in (session cookie, CSRF token on writes) or named by the shop's back end:
the integration's key plus `X-Advocate-Customer: <customer id>`. Answers are in the customer's language.
"""

import base64
import binascii
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from django.http import Http404
from ninja import Field, Header, Router, Schema, Status
from ninja.errors import HttpError

from advocate.commerce.api import SELLER_AUTH, IntegrationKey
from advocate.commerce.models import Customer, Order, Scope
from advocate.commerce.selectors import buyer_alias
from advocate.core.api import ERRORS, Input, session_auth
from advocate.core.errors import Invalid
from advocate.core.zones import reader

from . import presenters, rules, selectors, services
from .models import ProblemReport

router = Router(tags=["self-service"])


class CustomerKey(IntegrationKey):
    """The shop's back end acting for one of its customers: `Authorization: Bearer adv_…` (a key with the
    `customers` scope) plus `X-Advocate-Customer: <the customer's id in the shop>`."""

    def __init__(self):
        super().__init__(Scope.CUSTOMERS)

    def acting(self, request, integration):
        external_id = request.headers.get("X-Advocate-Customer", "").strip()
        if not external_id:
            raise HttpError(400, "X-Advocate-Customer header required: the id of the customer you act for")
        customer = Customer.objects.filter(external_id=external_id).first()
        if customer is None:
            raise HttpError(404, f"no customer with id {external_id!r}")
        return customer


# The key first, as for SELLER_AUTH.
CUSTOMER_AUTH = [CustomerKey(), session_auth]


def _customer(request) -> Customer:
    if isinstance(request.auth, Customer):
        return request.auth
    user = request.auth
    customer = getattr(user, "customer", None) if user.is_customer else None
    if customer is None:
        raise HttpError(403, "only customers report problems with their orders")
    return customer


@contextmanager
def _in_customers_language(request, customer: Customer):
    """A signed-in person's language is already active; for the shop's back end, use the customer's."""
    if not isinstance(request.auth, Customer):
        yield
        return
    with reader(customer.language, customer.time_zone):
        yield


def _order(customer: Customer, order_id: str) -> Order:
    order = Order.objects.select_related("seller").filter(external_id=order_id, customer=customer).first()
    if order is None:
        raise HttpError(404, "no such order")
    return order


# --- schemas -----------------------------------------------------------------------------------------


class OptionOut(Schema):
    problem: str
    label: str
    available: bool
    remedies: list[str]
    reasons: list[str]
    why_not: str | None = Field(None, description="the reason it is not possible now")
    message: str | None = Field(None, description="why not, and what the customer can do, in their language")
    when: datetime | None = Field(None, description="what `why_not` is about: from when it can be reported, or "
                                                   "when the time to report it ended")


class RefundOut(Schema):
    reference: str
    amount: Decimal
    currency: str
    method: str
    created_at: datetime


class ReturnOut(Schema):
    code: str
    state: str
    refund_when: str


class ClaimOut(Schema):
    state: str
    respond_by: datetime
    refunded_at_once: bool
    finding: str


class ReportOut(Schema):
    reference: str
    order_id: str
    problem: str
    reason: str
    remedy: str
    state: str
    outcome: str
    amount: Decimal
    currency: str
    message: str = Field(description="where it stands, in the customer's language")
    why: str = ""
    next: str = Field(description="what happens next")
    refunds: list[RefundOut]
    parcel_return: ReturnOut | None = Field(None, description="when the item is to be sent back")
    claim: ClaimOut | None
    review_due_at: datetime | None
    created_at: datetime


class ProblemsOut(Schema):
    options: list[OptionOut]
    requests: list[ReportOut]


class ItemIn(Input):
    sku: str
    quantity: Annotated[int, Field(ge=1, le=10_000)]


class PhotoIn(Input):
    content_base64: str = Field(description="the image file (JPEG, PNG, WebP or GIF), base64-encoded")


class ReportIn(Input):
    problem: str = Field(description=", ".join(p.value for p in rules.Problem))
    reason: Annotated[str, Field(max_length=24)] = Field("", description="for return, damaged, not_as_described")
    remedy: str = Field("refund", description="refund, or replacement where offered")
    items: list[ItemIn] = Field([], description="for return, damaged, not_as_described, item_missing")
    comment: Annotated[str, Field(max_length=2000)] = ""
    photos: Annotated[list[PhotoIn], Field(max_length=5)] = []


def _report_out(report: ProblemReport) -> dict:
    result = presenters.outcome(report)
    claim = getattr(report, "claim", None)
    ret = getattr(report, "parcel_return", None)
    return {
        "reference": report.reference, "order_id": report.order.external_id, "problem": report.problem,
        "reason": report.reason, "remedy": report.remedy, "state": report.state, "outcome": report.outcome,
        "amount": report.amount, "currency": report.currency, "message": result["headline"],
        "why": result.get("why", ""), "next": result["next"], "refunds": list(report.refunds.all()),
        "parcel_return": ret, "claim": claim, "review_due_at": report.review_due_at, "created_at": report.created_at,
    }


def _option_out(option: rules.Option, seller_ships: bool) -> dict:
    return {
        "problem": option.problem.value, "label": presenters.problem_label(option.problem),
        "available": option.available, "remedies": [r.value for r in option.remedies],
        "reasons": list(rules.REASONS.get(option.problem, ())),
        "why_not": option.why.value if option.why else None, "when": option.when,
        "message": presenters.why_not(option, seller_ships=seller_ships) if not option.available else None,
    }


# --- customers ---------------------------------------------------------------------------------------


@router.get("/orders/{order_id}/problems", auth=CUSTOMER_AUTH, response={200: ProblemsOut, **ERRORS},
            summary="What can be reported about an order")
def get_problems(request, order_id: str):
    """Every kind of problem, each available or with why not (and from when), and the requests made so far."""
    customer = _customer(request)
    order = _order(customer, order_id)
    with _in_customers_language(request, customer):
        panel = selectors.problem_panel(order)
        return {"options": [_option_out(o, panel["seller_ships"]) for o in panel["options"]],
                "requests": [_report_out(r) for r in panel["reports"]]}


@router.post("/orders/{order_id}/problems", auth=CUSTOMER_AUTH, response={201: ReportOut, **ERRORS},
             summary="Report a problem")
def post_problem(request, order_id: str, body: ReportIn,
                 idempotency_key: Annotated[str, Header(alias="Idempotency-Key", min_length=8, max_length=64)]):
    """Report a problem; the decision is made and carried out at once and described in `message`.

    Send a fresh `Idempotency-Key` per report: the same key again returns the first report and changes
    nothing. 409: the problem cannot be reported now (`message` says why and what to do instead, `when` from
    when). 422: the request is not well-formed (`code` names what). 403: the customer's account is closed."""
    customer = _customer(request)
    order = _order(customer, order_id)
    with _in_customers_language(request, customer):
        report = services.report_file(
            order=order, customer=customer, problem=body.problem, request_key=idempotency_key,
            reason=body.reason, remedy=body.remedy, items=_items_by_sku(order, body.items), comment=body.comment,
            photos=[_decode(p.content_base64) for p in body.photos],
            filed_by=None if isinstance(request.auth, Customer) else request.auth,
        )
        return Status(201, _report_out(report))


def _items_by_sku(order: Order, items: list[ItemIn]) -> list[tuple[int, int]]:
    lines = {line.sku: line.id for line in order.lines.all()}
    if any(item.sku not in lines for item in items):
        raise Invalid("unknown_item", presenters.INVALID_MESSAGES["unknown_item"], field="items")
    return [(lines[item.sku], item.quantity) for item in items]


def _decode(data: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("not_an_image", presenters.INVALID_MESSAGES["not_an_image"], field="photos") from None


@router.get("/problems/{reference}", auth=CUSTOMER_AUTH, response={200: ReportOut, **ERRORS},
            summary="One reported problem")
def get_problem(request, reference: str):
    if isinstance(request.auth, Customer):
        report = ProblemReport.objects.filter(reference=reference, customer=request.auth).first()
        if report is None:
            raise HttpError(404, "no such report")
    else:
        try:
            report = selectors.report_visible_to(request.auth, reference)
        except Http404:
            raise HttpError(404, "no such report") from None
    with _in_customers_language(request, report.customer):
        return _report_out(report)


# --- sellers -----------------------------------------------------------------------------------------


class SellerClaimOut(Schema):
    reference: str
    order_id: str
    buyer: str = Field(description="the buyer's alias; sellers never see a buyer's name, email or phone")
    problem: str
    amount: Decimal
    currency: str
    state: str
    respond_by: datetime
    refunded_at_once: bool
    finding: str
    appeal_until: datetime | None
    status: str


class StatementIn(Input):
    statement: Annotated[str, Field(min_length=1, max_length=4000)]


def _seller(request):
    if not request.auth.is_seller:
        raise HttpError(403, "only sellers answer guarantee claims")
    return request.auth.seller


def _claim_out(claim) -> dict:
    report = claim.report
    return {"reference": report.reference, "order_id": report.order.external_id, "buyer": buyer_alias(report.order),
            "problem": report.problem, "amount": report.amount, "currency": report.currency, "state": claim.state,
            "respond_by": claim.respond_by, "refunded_at_once": claim.refunded_at_once, "finding": claim.finding,
            "appeal_until": claim.appeal_until, "status": presenters.claim_seller_sentence(claim)}


def _seller_claim(request, reference: str):
    try:
        return selectors.claim_for_seller(_seller(request), reference)
    except Http404:
        raise HttpError(404, "no such claim") from None


@router.get("/seller/claims", auth=SELLER_AUTH, response={200: list[SellerClaimOut], **ERRORS},
            summary="A seller's guarantee claims")
def seller_claims(request):
    return [_claim_out(claim) for claim in selectors.claims_of_seller(_seller(request))]


@router.post("/seller/claims/{reference}/refund", auth=SELLER_AUTH, response={200: SellerClaimOut, **ERRORS},
             summary="Refund the buyer (or accept the marketplace's refund)")
def seller_claim_refund(request, reference: str):
    claim = _seller_claim(request, reference)
    return _claim_out(services.claim_seller_refund(claim=claim, user=request.auth))


@router.post("/seller/claims/{reference}/dispute", auth=SELLER_AUTH, response={200: SellerClaimOut, **ERRORS},
             summary="Dispute a claim: a person decides")
def seller_claim_dispute(request, reference: str, body: StatementIn):
    claim = _seller_claim(request, reference)
    return _claim_out(services.claim_seller_dispute(claim=claim, user=request.auth, statement=body.statement))


@router.post("/seller/claims/{reference}/appeal", auth=SELLER_AUTH, response={200: SellerClaimOut, **ERRORS},
             summary="Appeal a claim decided against you (within 30 days)")
def seller_claim_appeal(request, reference: str, body: StatementIn):
    claim = _seller_claim(request, reference)
    services.claim_appeal_file(claim=claim, user=request.auth, statement=body.statement)
    return _claim_out(selectors.claim_for_seller(claim.seller, reference))
