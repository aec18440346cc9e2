"""What a customer may report about an order, and what happens at once when they do.

Plain Python, no Django: given the facts of an order, the policy that applies and the current time,
say which problems can be reported (and, when one cannot, why and from when), and decide a report:
refund or replace now, return first, ask the seller first under the guarantee, hand it to a person,
or explain why it cannot be done. Services carry the decision out; presenters word it.

Money thresholds in a policy are in the marketplace's base currency; the caller converts.
"""

from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from advocate.commerce.status import FulfilledBy, OrderFacts, refundable


class Problem(StrEnum):
    CANCEL = "cancel"
    RETURN = "return"
    DAMAGED = "damaged"
    NOT_AS_DESCRIBED = "not_as_described"
    ITEM_MISSING = "item_missing"
    NOT_RECEIVED = "not_received"
    RETURN_NOT_REFUNDED = "return_not_refunded"


# The finer reason a customer picks, where the kind of problem has several.
REASONS: dict[Problem, tuple[str, ...]] = {
    Problem.RETURN: ("changed_mind", "does_not_fit"),
    Problem.DAMAGED: ("arrived_damaged", "defective"),
    Problem.NOT_AS_DESCRIBED: ("wrong_item", "not_as_described", "used_as_new"),
}

# Problems about particular items (the customer says which, and how many); the others cover the order.
ITEM_PROBLEMS = frozenset({Problem.RETURN, Problem.DAMAGED, Problem.NOT_AS_DESCRIBED, Problem.ITEM_MISSING})
# A replacement makes sense only where the customer wanted the item and did not get a good one.
REPLACEABLE = frozenset({Problem.DAMAGED, Problem.NOT_AS_DESCRIBED, Problem.ITEM_MISSING, Problem.NOT_RECEIVED})
# Problems that may need the item back when it is worth more than the returnless threshold.
RETURNABLE = frozenset({Problem.RETURN, Problem.DAMAGED, Problem.NOT_AS_DESCRIBED})


class Remedy(StrEnum):
    REFUND = "refund"
    REPLACEMENT = "replacement"


class Party(StrEnum):
    PLATFORM = "platform"
    SELLER = "seller"


class Outcome(StrEnum):
    REFUND = "refund"  # money back now
    REPLACE = "replace"  # a replacement is sent now
    CANCEL = "cancel"  # the order is stopped, and what was paid is refunded
    RETURN_FIRST = "return_first"  # send it back; the remedy follows the carrier's first scan (or receipt)
    CLAIM = "claim"  # guarantee claim: the seller is asked first, the platform steps in at the deadline
    REVIEW = "review"  # outside policy: a person decides


class RefundWhen(StrEnum):
    FIRST_SCAN = "first_scan"
    RECEIPT = "receipt"


# --- policy ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """Return and refund policy. Operators set layers of it (marketplace, category, seller, both); the
    most specific layer that sets a field wins. Amounts are in the base currency."""

    return_window_days: int = 30
    change_of_mind_returns: bool = True
    returnless_under: Decimal = Decimal("25")
    refund_on_first_scan: bool = True
    photo_required_for: frozenset[str] = frozenset()
    auto_approve_up_to: Decimal = Decimal("500")
    problem_window_days: int = 90
    not_received_grace_days: int = 3
    seller_response_hours: int = 48
    refund_at_once_under: Decimal = Decimal("50")
    return_refund_days: int = 7


POLICY_FIELDS = tuple(f.name for f in fields(Policy))


def resolve_policy(layers: list[dict]) -> Policy:
    """Merge policy layers, most general first; a None in a layer means 'not set here'."""
    policy = Policy()
    for layer in layers:
        changes = {name: layer[name] for name in POLICY_FIELDS if layer.get(name) is not None}
        if "photo_required_for" in changes:
            changes["photo_required_for"] = frozenset(changes["photo_required_for"])
        policy = replace(policy, **changes)
    return policy


def strictest(policies: list[Policy]) -> Policy:
    """One policy for items that fall under different ones (say, a kettle and a book): the least generous
    value of every field, so mixing items never gets more than each would alone."""
    if len(policies) == 1:
        return policies[0]
    return Policy(
        return_window_days=min(p.return_window_days for p in policies),
        change_of_mind_returns=all(p.change_of_mind_returns for p in policies),
        returnless_under=min(p.returnless_under for p in policies),
        refund_on_first_scan=all(p.refund_on_first_scan for p in policies),
        photo_required_for=frozenset().union(*(p.photo_required_for for p in policies)),
        auto_approve_up_to=min(p.auto_approve_up_to for p in policies),
        problem_window_days=min(p.problem_window_days for p in policies),
        not_received_grace_days=max(p.not_received_grace_days for p in policies),
        seller_response_hours=max(p.seller_response_hours for p in policies),
        refund_at_once_under=min(p.refund_at_once_under for p in policies),
        return_refund_days=max(p.return_refund_days for p in policies),
    )


# --- the facts of an order ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LineFacts:
    line_id: int
    unit_price: Decimal
    quantity: int
    open_quantity: int  # not yet covered by another report
    in_stock: bool = True
    category: str = ""


@dataclass(frozen=True)
class PendingReturn:
    """A return on its way back whose refund waits for the seller to receive it."""

    report_id: int
    first_scan_at: datetime | None
    refund_when: RefundWhen
    amount: Decimal


MAX_REPLACEMENTS = 2  # an order is sent again at most this often before the refunds team decides


def may_send_again(order: OrderFacts) -> bool:
    """An order can be sent again only once it has shipped, and never after it was cancelled."""
    return order.shipped and not order.cancelled


def guaranteed(*, sold_by_platform: bool, fulfilled_by: str) -> bool:
    """A third-party seller sells and ships it: the marketplace's guarantee stands behind the seller."""
    return not sold_by_platform and fulfilled_by == FulfilledBy.SELLER


@dataclass(frozen=True)
class OrderSituation:
    fulfilled_by: str  # "platform" or "seller"
    sold_by_platform: bool
    cancelled: bool
    shipped: bool
    delivered_at: datetime | None  # when the last parcel was delivered, if every parcel was
    any_delivered_at: datetime | None  # when the first parcel was delivered, if one was
    promised_latest: datetime
    paid: Decimal
    refunded: Decimal
    lines: tuple[LineFacts, ...]
    pending_returns: tuple[PendingReturn, ...] = ()

    @property
    def refundable(self) -> Decimal:
        return refundable(self.paid, self.refunded)

    @property
    def seller_ships(self) -> bool:
        return guaranteed(sold_by_platform=self.sold_by_platform, fulfilled_by=self.fulfilled_by)

    def line(self, line_id: int) -> LineFacts | None:
        return next((line for line in self.lines if line.line_id == line_id), None)


# --- what can be reported ----------------------------------------------------------------------------


class Why(StrEnum):
    """Why a problem cannot be reported now; each comes with what the customer can do instead."""

    CANCELLED = "cancelled"  # the order is cancelled
    NOT_SHIPPED = "not_shipped"  # nothing sent yet: it cannot be missing, damaged or returned (cancel instead)
    ALREADY_SHIPPED = "already_shipped"  # too late to cancel: return it once it arrives
    NOT_DELIVERED = "not_delivered"  # on its way: report once it arrives
    NOT_DUE = "not_due"  # not received, but the grace period has not passed (`when` is when it may be reported)
    WINDOW_CLOSED = "window_closed"  # too long since delivery for this kind of report (`when`: when it closed)
    NOTHING_LEFT = "nothing_left"  # every item is already covered by another report
    NO_RETURN_PENDING = "no_return_pending"  # no return waiting for its refund
    RETURN_NOT_OVERDUE = "return_not_overdue"  # the seller still has time to refund (`when`: from when)
    ALREADY_DELIVERED = "already_delivered"  # too late to cancel: it has arrived (return it instead)
    NOTHING_TO_REFUND = "nothing_to_refund"  # everything paid has been refunded (or nothing was paid yet)
    PARTLY_DELIVERED = "partly_delivered"  # some parcels came: report the missing items instead


@dataclass(frozen=True)
class Option:
    problem: Problem
    available: bool
    why: Why | None = None
    when: datetime | None = None  # what `why` is about (a date the customer can act from, or a deadline)
    remedies: tuple[Remedy, ...] = ()


def options(order: OrderSituation, policy: Policy, now: datetime) -> list[Option]:
    """Every kind of problem, each either available (with the remedies on offer) or with why not."""
    return [option(problem, order, policy, now) for problem in Problem]


def option(problem: Problem, order: OrderSituation, policy: Policy, now: datetime) -> Option:
    def no(why: Why, when: datetime | None = None) -> Option:
        return Option(problem, False, why, when)

    if order.cancelled:
        return no(Why.CANCELLED)
    open_lines = [line for line in order.lines if line.open_quantity > 0]
    if problem == Problem.CANCEL:
        if order.any_delivered_at is not None:
            return no(Why.ALREADY_DELIVERED)
        if order.shipped:
            return no(Why.ALREADY_SHIPPED)
        return Option(problem, True, remedies=(Remedy.REFUND,))
    if problem == Problem.RETURN_NOT_REFUNDED:
        return _return_not_refunded_option(order, policy, now)
    if not order.shipped:
        return no(Why.NOT_SHIPPED)
    if not open_lines:
        return no(Why.NOTHING_LEFT)
    remedies = _remedies(problem, order, open_lines)
    if remedies == (Remedy.REFUND,) and order.refunded > 0 and order.refundable <= 0:
        return no(Why.NOTHING_TO_REFUND)  # refunded in full already (before they asked, say): nothing to report
    if problem == Problem.NOT_RECEIVED:
        if order.delivered_at is None and order.any_delivered_at is not None:
            # Part of it came. Which items did not is for the customer to say (parcels do not list them).
            return no(Why.PARTLY_DELIVERED)
        if order.delivered_at is None:
            may_report_from = order.promised_latest + timedelta(days=policy.not_received_grace_days)
            if now < may_report_from:
                return no(Why.NOT_DUE, may_report_from)
        elif now > order.delivered_at + timedelta(days=policy.problem_window_days):
            return no(Why.WINDOW_CLOSED, order.delivered_at + timedelta(days=policy.problem_window_days))
        return Option(problem, True, remedies=remedies)
    if order.any_delivered_at is None:
        return no(Why.NOT_DELIVERED)
    # A return after its window is not refused: a person looks at it (see `decide`) — until the problem
    # window closes too, after which nothing is reported online any more.
    closes = order.any_delivered_at + timedelta(days=policy.problem_window_days)
    if now > closes:
        return no(Why.WINDOW_CLOSED, closes)
    return Option(problem, True, remedies=remedies)


def merge_options(per_group: list[list[Option]]) -> list[Option]:
    """One list of options for an order whose items fall under different policies (say, electronics and
    books): a problem is available if it is for some of the items, with every remedy on offer for any;
    otherwise the first group's reason stands."""
    merged = []
    for same_problem in zip(*per_group, strict=True):
        available = [o for o in same_problem if o.available]
        if not available:
            merged.append(same_problem[0])
            continue
        remedies = tuple(r for r in Remedy if any(r in o.remedies for o in available))
        merged.append(replace(available[0], remedies=remedies))
    return merged


def overdue_returns(order: OrderSituation, policy: Policy, now: datetime) -> list[PendingReturn]:
    """Returns the carrier picked up long enough ago that the refund should have come by now."""
    wait = timedelta(days=policy.return_refund_days)
    return [r for r in _waiting_returns(order) if r.first_scan_at + wait <= now]


def _waiting_returns(order: OrderSituation) -> list[PendingReturn]:
    return [r for r in order.pending_returns if r.refund_when == RefundWhen.RECEIPT and r.first_scan_at]


def _return_not_refunded_option(order: OrderSituation, policy: Policy, now: datetime) -> Option:
    waiting = _waiting_returns(order)
    if not waiting:
        return Option(Problem.RETURN_NOT_REFUNDED, False, Why.NO_RETURN_PENDING)
    if not overdue_returns(order, policy, now):
        overdue_from = min(r.first_scan_at for r in waiting) + timedelta(days=policy.return_refund_days)
        return Option(Problem.RETURN_NOT_REFUNDED, False, Why.RETURN_NOT_OVERDUE, overdue_from)
    return Option(Problem.RETURN_NOT_REFUNDED, True, remedies=(Remedy.REFUND,))


def _remedies(problem: Problem, order: OrderSituation, lines: list[LineFacts]) -> tuple[Remedy, ...]:
    """A replacement is offered where the marketplace's warehouse ships the order and something is in stock
    (whether the chosen items are is checked when deciding); a seller who ships it refunds."""
    if problem in REPLACEABLE and order.fulfilled_by == FulfilledBy.PLATFORM and any(line.in_stock for line in lines):
        return (Remedy.REFUND, Remedy.REPLACEMENT)
    return (Remedy.REFUND,)


# --- deciding a report -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    problem: Problem
    remedy: Remedy = Remedy.REFUND
    reason: str = ""
    items: tuple[tuple[int, int], ...] = ()  # (line id, quantity); empty for whole-order problems
    has_photo: bool = False


class Invalid(StrEnum):
    """A report that is not well-formed; the customer is told which part and nothing is recorded."""

    UNKNOWN_PROBLEM = "unknown_problem"
    UNKNOWN_REMEDY = "unknown_remedy"
    UNKNOWN_REASON = "unknown_reason"
    NO_ITEMS = "no_items"
    UNKNOWN_ITEM = "unknown_item"
    TOO_MANY = "too_many"
    REMEDY_NOT_OFFERED = "remedy_not_offered"
    OUT_OF_STOCK = "out_of_stock"
    PHOTO_REQUIRED = "photo_required"


class ReportInvalid(Exception):
    def __init__(self, code: Invalid):
        super().__init__(code.value)
        self.code = code


class NotPossible(Exception):
    """The problem cannot be reported now; `option` says why and from when."""

    def __init__(self, option: Option):
        super().__init__(option.why.value if option.why else "not possible")
        self.option = option


class ReviewReason(StrEnum):
    ABOVE_AUTO_LIMIT = "above_auto_limit"
    RETURN_WINDOW_CLOSED = "return_window_closed"
    NOT_RETURNABLE = "not_returnable"
    UNKNOWN_CURRENCY = "unknown_currency"


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    remedy: Remedy
    amount: Decimal  # refunded, or the value of what is replaced, in the order's currency
    liable: Party  # who bears the cost in the end
    items: tuple[tuple[int, int], ...]
    returnless: bool = False
    refund_when: RefundWhen | None = None  # RETURN_FIRST
    respond_by: datetime | None = None  # CLAIM: the seller's deadline
    refund_at_once: bool = False  # CLAIM: the platform refunds now and recovers from the seller later
    close_automatically: bool = True  # CLAIM: at the deadline the platform refunds; else a person decides
    review_reason: ReviewReason | None = None  # REVIEW
    returns: tuple[int, ...] = ()  # RETURN_NOT_REFUNDED: the reports of the returns that were not refunded


def liable_party(problem: Problem, order: OrderSituation) -> Party:
    """Who bears the cost. The marketplace for what it sold, and for what went wrong in its own delivery;
    the seller for returns of their sales, for what they described, and for what they shipped."""
    if order.sold_by_platform:
        return Party.PLATFORM
    if (problem in (Problem.DAMAGED, Problem.ITEM_MISSING, Problem.NOT_RECEIVED)
            and order.fulfilled_by == FulfilledBy.PLATFORM):
        return Party.PLATFORM
    return Party.SELLER


def decide(report: Report, order: OrderSituation, policy: Policy, to_base, now: datetime) -> Decision:
    """Decide a report at once. `to_base(amount)` converts the order's currency to the base currency
    (None if no rate is known). Raises NotPossible or ReportInvalid; records nothing."""
    problem = report.problem
    opt = option(problem, order, policy, now)
    if not opt.available:
        raise NotPossible(opt)
    if report.reason not in REASONS.get(problem, ("",)):
        raise ReportInvalid(Invalid.UNKNOWN_REASON)
    if report.remedy not in opt.remedies:
        raise ReportInvalid(Invalid.REMEDY_NOT_OFFERED)
    items = () if problem == Problem.RETURN_NOT_REFUNDED else _chosen_items(report, order)
    if report.remedy == Remedy.REPLACEMENT and not all(order.line(line_id).in_stock for line_id, _ in items):
        raise ReportInvalid(Invalid.OUT_OF_STOCK)
    if problem.value in policy.photo_required_for and not report.has_photo:
        raise ReportInvalid(Invalid.PHOTO_REQUIRED)

    overdue: tuple[int, ...] = ()
    if problem == Problem.RETURN_NOT_REFUNDED:
        returns = overdue_returns(order, policy, now)
        value = sum((r.amount for r in returns), Decimal(0))
        amount = min(value, order.refundable)
        overdue = tuple(r.report_id for r in returns)
    else:
        value = sum((order.line(line_id).unit_price * qty for line_id, qty in items), Decimal(0))
        amount = _amount(items, value, order)
    if amount <= 0 and report.remedy == Remedy.REFUND and problem != Problem.CANCEL:
        raise NotPossible(Option(problem, False, Why.NOTHING_TO_REFUND))
    liable = liable_party(problem, order)
    base = to_base(value)  # thresholds compare what the goods are worth, not what is left to refund
    common = {"remedy": report.remedy, "amount": amount, "liable": liable, "items": items, "returns": overdue}

    if problem == Problem.CANCEL:
        return Decision(Outcome.CANCEL, **common)
    if base is None:
        return Decision(Outcome.REVIEW, review_reason=ReviewReason.UNKNOWN_CURRENCY, **common)
    if problem == Problem.RETURN:
        if not policy.change_of_mind_returns:
            return Decision(Outcome.REVIEW, review_reason=ReviewReason.NOT_RETURNABLE, **common)
        if now > order.any_delivered_at + timedelta(days=policy.return_window_days):
            return Decision(Outcome.REVIEW, review_reason=ReviewReason.RETURN_WINDOW_CLOSED, **common)

    returnless = problem not in RETURNABLE or base < policy.returnless_under
    if order.seller_ships and problem != Problem.RETURN and returnless:
        # The marketplace's guarantee: the seller is asked to put it right; if they do not in time, the
        # marketplace refunds and recovers from the seller. Small claims are refunded at once.
        # Above the automatic limit the seller is still asked first, but a person decides at the deadline.
        return Decision(
            Outcome.CLAIM,
            returnless=True,
            respond_by=now + timedelta(hours=policy.seller_response_hours),
            refund_at_once=base < policy.refund_at_once_under,
            close_automatically=base <= policy.auto_approve_up_to,
            **{**common, "remedy": Remedy.REFUND},
        )
    if base > policy.auto_approve_up_to:
        return Decision(Outcome.REVIEW, review_reason=ReviewReason.ABOVE_AUTO_LIMIT, **common)
    if not returnless:
        when = RefundWhen.FIRST_SCAN if policy.refund_on_first_scan else RefundWhen.RECEIPT
        return Decision(Outcome.RETURN_FIRST, refund_when=when, **common)
    outcome = Outcome.REPLACE if report.remedy == Remedy.REPLACEMENT else Outcome.REFUND
    return Decision(outcome, returnless=True, **common)


def _chosen_items(report: Report, order: OrderSituation) -> tuple[tuple[int, int], ...]:
    if report.problem not in ITEM_PROBLEMS:
        # The whole order (whatever is not already covered by another report).
        return tuple((line.line_id, line.open_quantity) for line in order.lines if line.open_quantity > 0)
    chosen: dict[int, int] = {}
    for line_id, quantity in report.items:
        if quantity <= 0:
            continue
        line = order.line(line_id)
        if line is None:
            raise ReportInvalid(Invalid.UNKNOWN_ITEM)
        chosen[line_id] = chosen.get(line_id, 0) + quantity
        if chosen[line_id] > line.open_quantity:
            raise ReportInvalid(Invalid.TOO_MANY)
    if not chosen:
        raise ReportInvalid(Invalid.NO_ITEMS)
    return tuple(sorted(chosen.items()))


def _amount(items: tuple[tuple[int, int], ...], value: Decimal, order: OrderSituation) -> Decimal:
    """What the customer gets back: the items' value; everything still refundable when the report covers
    every item of the order (so shipping comes back too); never more than is left to refund."""
    chosen = dict(items)
    if all(chosen.get(line.line_id, 0) == line.quantity for line in order.lines):
        return order.refundable
    return min(value, order.refundable)
