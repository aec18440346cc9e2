"""Reads: an order's situation and policy for the rules, and what each person may see of reports and claims."""

from collections import Counter
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, Count, Q, When, prefetch_related_objects
from django.http import Http404
from django.utils import timezone

from advocate.commerce.models import Order
from advocate.commerce.selectors import LINES_WITH_PRODUCTS, order_facts
from advocate.trust.models import Appeal, AppealState

from . import ledger, rules
from .models import (
    APPEAL_KIND,
    ClaimState,
    CurrencyRate,
    Finding,
    FlagState,
    GuaranteeClaim,
    PolicyLayer,
    ProblemReport,
    Refund,
    RefundBaseline,
    RefundCause,
    RefundPatternFlag,
    ReportState,
)

_LAYER_VALUES = ("seller_id", "category", *rules.POLICY_FIELDS)


def seller_ships(order: Order) -> bool:
    """A third-party seller sells and ships it: the marketplace's guarantee stands behind the seller."""
    return rules.guaranteed(sold_by_platform=order.seller.is_platform, fulfilled_by=order.fulfilled_by)


def order_situation(order: Order, reports: list[ProblemReport] | None = None) -> rules.OrderSituation:
    """The facts of an order the rules read: lines (and how much of each is already reported), parcels,
    money paid and refunded, returns waiting for their refund. Uses what the caller has already loaded
    (the order page prefetches lines, payments and parcels; `reports` from `reports_of_order`)."""
    prefetch_related_objects([order], LINES_WITH_PRODUCTS, "payments", "shipments")
    if reports is None:
        reports = reports_of_order(order)
    # Every report covers its items, a declined one too: a decision was made, and it is contested by
    # calling, not by filing the same report again.
    covered = Counter()
    for report in reports:
        for item in report.items.all():
            covered[item.line_id] += item.quantity
    facts = order_facts(order, with_payments=True)
    pending = [
        rules.PendingReturn(report_id=report.pk, first_scan_at=ret.first_scan_at,
                            refund_when=rules.RefundWhen(ret.refund_when), amount=report.amount)
        for report in reports
        if (ret := getattr(report, "parcel_return", None)) is not None and ret.remedied_at is None
    ]
    return rules.OrderSituation(
        fulfilled_by=order.fulfilled_by,
        sold_by_platform=order.seller.is_platform,
        cancelled=facts.cancelled,
        shipped=facts.shipped,
        delivered_at=facts.delivered_at,
        any_delivered_at=facts.any_delivered_at,
        promised_latest=order.promised_latest,
        paid=facts.paid,
        refunded=ledger.refunded_total(order),
        lines=tuple(
            rules.LineFacts(
                line_id=line.id, unit_price=line.unit_price, quantity=line.quantity,
                open_quantity=max(line.quantity - covered.get(line.id, 0), 0),
                in_stock=line.product is not None and line.product.stock >= line.quantity,
                category=line.product.category if line.product else "",
            )
            for line in order.lines.all()
        ),
        pending_returns=tuple(pending),
    )


def policy_for(order: Order, categories: set[str]) -> rules.Policy:
    """The policy for items of these categories sold by this order's seller; the strictest of them if
    several."""
    return rules.strictest(list(policies_by_category(order, categories).values()))


def policies_by_category(order: Order, categories: set[str]) -> dict[str, rules.Policy]:
    """For each category, in one query, the layers from the marketplace's to the seller's own for that
    category, merged."""
    categories = categories or {""}
    rows = list(
        PolicyLayer.objects.filter(Q(seller__isnull=True) | Q(seller_id=order.seller_id))
        .filter(category__in=categories | {""}).values(*_LAYER_VALUES)
    )

    def rank(row):  # general first: marketplace, category, seller, seller + category
        return (row["seller_id"] is not None, row["category"] != "")

    return {category: rules.resolve_policy(sorted((r for r in rows if r["category"] in ("", category)), key=rank))
            for category in categories}


def categories_of(situation: rules.OrderSituation, line_ids=None) -> set[str]:
    return {line.category for line in situation.lines if line_ids is None or line.line_id in line_ids}


def to_base_currency(currency: str):
    """A function converting amounts in `currency` to the base currency, or giving None if no rate is known."""
    if currency == settings.ADVOCATE_BASE_CURRENCY:
        return lambda amount: amount
    rate = CurrencyRate.objects.filter(currency=currency).values_list("per_base", flat=True).first()
    if not rate:
        return lambda amount: None
    return lambda amount: (Decimal(amount) / rate).quantize(Decimal("0.01"))


# --- who sees what -----------------------------------------------------------------------------------


def reports_of_order(order: Order) -> list[ProblemReport]:
    """The order's reports, newest first, with what the rules and the outcome sentences read of them."""
    reports = list(
        ProblemReport.objects.filter(order=order).select_related("claim", "parcel_return", "settled_by")
        .prefetch_related("items", "refunds").order_by("-created_at")
    )
    for report in reports:
        report.order = order  # already loaded: no query per report for its order and seller
    return reports


def report_visible_to(user, reference: str) -> ProblemReport:
    """A report for its customer and for service staff; anyone else: not found (404)."""
    qs = ProblemReport.objects.select_related("order", "order__seller", "customer", "claim", "parcel_return")
    if user.is_anonymous:
        raise Http404("No such report")
    if not (user.is_associate or user.is_operator):
        if not user.is_customer:
            raise Http404("No such report")
        qs = qs.filter(customer__user=user)
    try:
        return qs.prefetch_related("items__line", "refunds", "replacements", "photos").get(reference=reference)
    except ProblemReport.DoesNotExist:
        raise Http404("No such report") from None


def photo_visible_to(user, reference: str, photo_id: int):
    report = report_visible_to(user, reference)
    photo = report.photos.filter(pk=photo_id).first()
    if photo is None:
        raise Http404("No such photo")
    return photo


def claims_of_seller(seller, *, closed: int = 100) -> list[GuaranteeClaim]:
    """Open claims (waiting for the seller first, soonest deadline first; then those a person is deciding),
    then the newest closed ones."""
    claims = GuaranteeClaim.objects.filter(seller=seller).select_related("report", "report__order")
    waiting_first = Case(When(state=ClaimState.AWAITING_SELLER, then=0), default=1)
    open_claims = claims.exclude(state=ClaimState.CLOSED).order_by(waiting_first, "respond_by")
    return [*open_claims, *claims.filter(state=ClaimState.CLOSED).order_by("-report__created_at")[:closed]]


def appeals_of_claim(claim: GuaranteeClaim) -> list[Appeal]:
    """The seller's appeals against this claim (trust's appeal machine keeps them), oldest first."""
    return list(Appeal.objects.filter(subject_kind=APPEAL_KIND, subject_reference=claim.report.reference)
                .order_by("filed_at"))


def appealable(claim: GuaranteeClaim, now, *, appeals: list[Appeal] | None = None) -> bool:
    """A claim decided against the seller (not by their own refund), within 30 days, not yet appealed."""
    if appeals is None:
        appeals = appeals_of_claim(claim)
    return (claim.state == ClaimState.CLOSED and claim.finding == Finding.BUYER and claim.appeal_until is not None
            and now <= claim.appeal_until and not appeals)


def claim_for_seller(seller, reference: str) -> GuaranteeClaim:
    try:
        return (GuaranteeClaim.objects.select_related("report", "report__order", "seller")
                .prefetch_related("report__items__line").get(seller=seller, report__reference=reference))
    except GuaranteeClaim.DoesNotExist:
        raise Http404("No such claim") from None


def review_queue() -> dict:
    """Everything waiting for a person, oldest first."""
    return {
        "reports": list(ProblemReport.objects.filter(state=ReportState.IN_REVIEW, claim__isnull=True)
                        .select_related("order", "customer").order_by("created_at")[:200]),
        "disputes": list(GuaranteeClaim.objects.filter(state__in=(ClaimState.DISPUTED, ClaimState.NEEDS_PERSON))
                         .select_related("report", "report__order", "seller").order_by("report__review_due_at")[:200]),
        "appeals": _with_claims(list(Appeal.objects.filter(subject_kind=APPEAL_KIND, state=AppealState.OPEN)
                                     .order_by("due_at")[:200])),
        "flags": list(RefundPatternFlag.objects.filter(state=FlagState.OPEN).select_related("customer")
                      .order_by("created_at")[:200]),
    }


def _with_claims(appeals: list[Appeal]) -> list[Appeal]:
    claims = {claim.report.reference: claim for claim in GuaranteeClaim.objects.filter(
        report__reference__in=[a.subject_reference for a in appeals]).select_related("report", "report__order",
                                                                                     "seller")}
    for appeal in appeals:
        appeal.claim = claims[appeal.subject_reference]
    return appeals


def appeal_visible_to_staff(appeal_id: int) -> Appeal:
    """A seller's appeal against a guarantee claim, with its claim."""
    appeal = Appeal.objects.filter(pk=appeal_id, subject_kind=APPEAL_KIND).first()
    if appeal is None:
        raise Http404("No such appeal")
    return _with_claims([appeal])[0]


def flag_visible_to_staff(flag_id: int) -> RefundPatternFlag:
    try:
        return RefundPatternFlag.objects.select_related("customer").get(pk=flag_id)
    except RefundPatternFlag.DoesNotExist:
        raise Http404("No such flag") from None


# --- refund patterns ---------------------------------------------------------------------------------

PATTERN_WINDOW = timedelta(days=365)


def refund_counts(customer=None, *, now) -> tuple[int, int]:
    """(orders, orders refunded for any reason but a cancellation — a reported problem, or an associate's refund
    from a conversation) in the last year, for one customer or all."""
    since = now - PATTERN_WINDOW
    orders = Order.objects.filter(placed_at__gte=since)
    refunded = Refund.objects.filter(created_at__gte=since).exclude(cause=RefundCause.CANCELLATION)
    if customer is not None:
        orders, refunded = orders.filter(customer=customer), refunded.filter(order__customer=customer)
    return orders.count(), refunded.aggregate(n=Count("order", distinct=True))["n"]


def refund_baseline_computed_at():
    """When the marketplace's refund baseline was last refreshed (None: never)."""
    return RefundBaseline.objects.order_by("-computed_at").values_list("computed_at", flat=True).first()


def refund_baseline(*, now) -> float:
    latest = RefundBaseline.objects.order_by("-computed_at").first()
    if latest is None:
        orders, refunded = refund_counts(now=now)
        return refunded / orders if orders else 0.0
    return latest.rate


# --- the customer's pages ----------------------------------------------------------------------------


def _options(order: Order, situation: rules.OrderSituation, now) -> tuple[list[rules.Option], bool]:
    """The order's options, each category's items under their own policy (as a report of those items would
    be decided); and whether any of those policies asks for a photo."""
    per_category, photo = [], False
    for category, policy in policies_by_category(order, categories_of(situation)).items():
        lines = tuple(line for line in situation.lines if line.category == category)
        per_category.append(rules.options(replace(situation, lines=lines), policy, now or timezone.now()))
        photo = photo or bool(policy.photo_required_for)
    return rules.merge_options(per_category), photo


def problem_panel(order: Order, now=None) -> dict:
    """What the order page shows under "Something wrong?": the problems that can be reported now, notes on
    those that cannot (and when they can), and the requests already made."""
    reports = reports_of_order(order)
    situation = order_situation(order, reports)
    options, _ = _options(order, situation, now)
    return {"options": options, "available": [o for o in options if o.available],
            "seller_ships": situation.seller_ships, "reports": reports}


def report_by_request_key(customer, request_key: str) -> ProblemReport | None:
    return ProblemReport.objects.filter(customer=customer, request_key=request_key).first()


def report_form_facts(order: Order, problem: str, now=None) -> dict:
    """Everything the report form needs: whether the problem can be reported, the items with how many of
    each are left to report, the remedies on offer, and whether a photo may be asked for (the items the
    customer picks decide whether it is)."""
    situation = order_situation(order)
    options, photo_asked = _options(order, situation, now)
    option = next(o for o in options if o.problem == problem)
    open_qty = {line.line_id: line.open_quantity for line in situation.lines}
    lines = [(line, open_qty[line.id]) for line in order.lines.all() if open_qty.get(line.id)]
    return {"option": option, "lines": lines, "photo_asked": photo_asked, "seller_ships": situation.seller_ships}


def policy_layers() -> list[PolicyLayer]:
    """Marketplace default first, then categories, sellers, and sellers' categories."""
    layers = list(PolicyLayer.objects.select_related("seller", "updated_by"))
    return sorted(layers, key=lambda layer: (layer.seller_id is not None, layer.category != "",
                                             str(layer.seller or ""), layer.category))


def policy_layer(layer_id: int) -> PolicyLayer:
    try:
        return PolicyLayer.objects.select_related("seller").get(pk=layer_id)
    except PolicyLayer.DoesNotExist:
        raise Http404("No such policy") from None
