"""What a customer may report about an order and what happens at once when they do; the refund-pattern flag.
Plain Python: no database, no Django."""

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from advocate.claims.patterns import refund_z_score, unusual_refund_pattern
from advocate.claims.rules import (
    Decision,
    Invalid,
    LineFacts,
    NotPossible,
    Option,
    OrderSituation,
    Outcome,
    Party,
    PendingReturn,
    Policy,
    Problem,
    RefundWhen,
    Remedy,
    Report,
    ReportInvalid,
    ReviewReason,
    Why,
    decide,
    liable_party,
    option,
    options,
    overdue_returns,
    resolve_policy,
    strictest,
)

NOW = datetime(2026, 3, 12, 9, 0, tzinfo=UTC)
DELIVERED = NOW - timedelta(days=5)
PROMISED = NOW - timedelta(days=6)
SECOND = timedelta(seconds=1)
DEFAULT = Policy()

ITEM_PROBLEMS = (Problem.RETURN, Problem.DAMAGED, Problem.NOT_AS_DESCRIBED, Problem.ITEM_MISSING)
CLOSING_PROBLEMS = (Problem.DAMAGED, Problem.NOT_AS_DESCRIBED, Problem.ITEM_MISSING)
# A reason the customer may pick for each problem that asks for one.
REASON = {Problem.RETURN: "changed_mind", Problem.DAMAGED: "arrived_damaged",
          Problem.NOT_AS_DESCRIBED: "wrong_item"}


# --- builders ----------------------------------------------------------------------------------------


def line(line_id=1, price="10", quantity=1, *, open_quantity=None, in_stock=True, category="") -> LineFacts:
    return LineFacts(line_id=line_id, unit_price=Decimal(price), quantity=quantity,
                     open_quantity=quantity if open_quantity is None else open_quantity,
                     in_stock=in_stock, category=category)


# Two mugs at 10 and a lamp at 30, plus 4.95 shipping.
LINES = (line(1, "10", 2), line(2, "30", 1))
PAID = Decimal("54.95")


def situation(**overrides) -> OrderSituation:
    """A platform order, sold and shipped by the marketplace, delivered five days ago and fully paid."""
    facts = {
        "fulfilled_by": "platform", "sold_by_platform": True, "cancelled": False, "shipped": True,
        "delivered_at": DELIVERED, "any_delivered_at": DELIVERED, "promised_latest": PROMISED,
        "paid": PAID, "refunded": Decimal("0"), "lines": LINES,
    }
    if "delivered_at" in overrides and "any_delivered_at" not in overrides:
        overrides["any_delivered_at"] = overrides["delivered_at"]
    facts.update(overrides)
    return OrderSituation(**facts)


def not_shipped(**overrides) -> OrderSituation:
    return situation(shipped=False, delivered_at=None, **overrides)


def in_transit(**overrides) -> OrderSituation:
    return situation(delivered_at=None, **overrides)


def third_party(**overrides) -> OrderSituation:
    """Sold and shipped by a third-party seller: the marketplace's guarantee stands behind them."""
    return situation(sold_by_platform=False, fulfilled_by="seller", **overrides)


def pending(report_id, *, scanned_days_ago=None, refund_when=RefundWhen.RECEIPT, amount="10") -> PendingReturn:
    scanned = None if scanned_days_ago is None else NOW - timedelta(days=scanned_days_ago)
    return PendingReturn(report_id=report_id, first_scan_at=scanned, refund_when=refund_when,
                         amount=Decimal(amount))


def same(amount: Decimal) -> Decimal:
    return amount


def halved(amount: Decimal) -> Decimal:
    return amount / 2


def doubled(amount: Decimal) -> Decimal:
    return amount * 2


def no_rate(amount: Decimal) -> None:
    return None


def offered(problem, order=None, policy=DEFAULT, now=NOW) -> Option:
    return option(problem, order or situation(), policy, now)


def decided(problem, items=(), *, order=None, policy=DEFAULT, to_base=same, now=NOW, reason=None,
            remedy=Remedy.REFUND, has_photo=False) -> Decision:
    report = Report(problem=problem, remedy=remedy, reason=REASON.get(problem, "") if reason is None else reason,
                    items=tuple(items), has_photo=has_photo)
    return decide(report, order or situation(), policy, to_base, now)


def refused(problem, items=(), **kwargs) -> Invalid:
    with pytest.raises(ReportInvalid) as caught:
        decided(problem, items, **kwargs)
    return caught.value.code


# --- cancelling --------------------------------------------------------------------------------------


def test_cancel_is_offered_before_anything_ships_with_a_refund():
    opt = offered(Problem.CANCEL, not_shipped())

    assert opt.available and opt.why is None
    assert opt.remedies == (Remedy.REFUND,)


def test_cancel_is_too_late_once_something_has_shipped():
    opt = offered(Problem.CANCEL, in_transit())
    assert not opt.available
    assert opt.why == Why.ALREADY_SHIPPED


def test_cancel_of_a_delivered_order_says_it_has_arrived():
    opt = offered(Problem.CANCEL, situation())
    assert not opt.available
    assert opt.why == Why.ALREADY_DELIVERED


def test_a_cancelled_order_offers_nothing():
    order = situation(cancelled=True, pending_returns=(pending(1, scanned_days_ago=30),))

    listed = options(order, DEFAULT, NOW)

    assert [opt.problem for opt in listed] == list(Problem)
    assert all(not opt.available and opt.why == Why.CANCELLED for opt in listed)


def test_before_shipping_nothing_can_be_missing_damaged_or_returned():
    listed = {opt.problem: opt for opt in options(not_shipped(), DEFAULT, NOW + timedelta(days=30))}

    assert listed[Problem.CANCEL].available
    for problem in (*ITEM_PROBLEMS, Problem.NOT_RECEIVED):
        assert listed[problem].why == Why.NOT_SHIPPED
    assert listed[Problem.RETURN_NOT_REFUNDED].why == Why.NO_RETURN_PENDING


def test_cancelling_refunds_everything_still_paid_including_shipping():
    decision = decided(Problem.CANCEL, order=not_shipped(refunded=Decimal("4.95")))

    assert decision.outcome == Outcome.CANCEL
    assert decision.amount == Decimal("50.00")
    assert decision.items == ((1, 2), (2, 1))
    assert decision.liable == Party.PLATFORM


def test_cancel_works_even_when_the_currency_has_no_rate():
    decision = decided(Problem.CANCEL, order=not_shipped(), to_base=no_rate)

    assert decision.outcome == Outcome.CANCEL
    assert decision.review_reason is None
    assert decision.amount == PAID


def test_deciding_a_report_that_is_not_possible_says_why():
    with pytest.raises(NotPossible) as caught:
        decided(Problem.CANCEL, order=in_transit())

    assert caught.value.option.why == Why.ALREADY_SHIPPED


# --- not received ------------------------------------------------------------------------------------


def test_not_received_cannot_be_reported_before_the_grace_after_the_latest_promise():
    may_report_from = PROMISED + timedelta(days=DEFAULT.not_received_grace_days)

    opt = offered(Problem.NOT_RECEIVED, in_transit(), now=may_report_from - SECOND)

    assert not opt.available
    assert opt.why == Why.NOT_DUE
    assert opt.when == may_report_from


def test_not_received_can_be_reported_from_the_moment_the_grace_ends():
    may_report_from = PROMISED + timedelta(days=DEFAULT.not_received_grace_days)

    opt = offered(Problem.NOT_RECEIVED, in_transit(), now=may_report_from)

    assert opt.available
    assert opt.remedies == (Remedy.REFUND, Remedy.REPLACEMENT)


def test_not_received_grace_comes_from_the_policy():
    policy = Policy(not_received_grace_days=10)

    opt = offered(Problem.NOT_RECEIVED, in_transit(), policy=policy, now=PROMISED + timedelta(days=5))

    assert opt.why == Why.NOT_DUE
    assert opt.when == PROMISED + timedelta(days=10)


def test_not_received_on_a_delivered_order_is_open_for_the_problem_window():
    closes = DELIVERED + timedelta(days=DEFAULT.problem_window_days)

    assert offered(Problem.NOT_RECEIVED, now=DELIVERED).available
    assert offered(Problem.NOT_RECEIVED, now=closes).available
    late = offered(Problem.NOT_RECEIVED, now=closes + SECOND)
    assert not late.available
    assert late.why == Why.WINDOW_CLOSED
    assert late.when == closes


def test_not_received_refunds_the_whole_order_including_shipping():
    decision = decided(Problem.NOT_RECEIVED, order=in_transit(), to_base=halved)

    assert decision.outcome == Outcome.REFUND
    assert decision.returnless
    assert decision.amount == PAID
    assert decision.items == ((1, 2), (2, 1))
    assert decision.liable == Party.PLATFORM


def test_not_received_covers_only_what_no_other_report_covers():
    order = in_transit(lines=(line(1, "10", 2, open_quantity=1), line(2, "30", 1)))

    decision = decided(Problem.NOT_RECEIVED, order=order)

    assert decision.items == ((1, 1), (2, 1))
    assert decision.amount == Decimal("40")


def test_nothing_can_be_reported_when_every_item_is_covered_by_another_report():
    order = situation(lines=(line(1, "10", 2, open_quantity=0), line(2, "30", 1, open_quantity=0)))

    for problem in (*ITEM_PROBLEMS, Problem.NOT_RECEIVED):
        assert offered(problem, order).why == Why.NOTHING_LEFT


# --- problems with items -----------------------------------------------------------------------------


@pytest.mark.parametrize("problem", ITEM_PROBLEMS)
def test_item_problems_wait_for_a_parcel_to_arrive(problem):
    opt = offered(problem, in_transit(), now=NOW + timedelta(days=60))

    assert not opt.available
    assert opt.why == Why.NOT_DELIVERED


@pytest.mark.parametrize("problem", ITEM_PROBLEMS)
def test_item_problems_can_be_reported_once_the_first_parcel_arrived(problem):
    order = situation(delivered_at=None, any_delivered_at=DELIVERED)

    assert offered(problem, order).available


@pytest.mark.parametrize("problem", CLOSING_PROBLEMS)
def test_damage_missing_and_wrong_items_close_after_the_problem_window(problem):
    closes = DELIVERED + timedelta(days=DEFAULT.problem_window_days)

    assert offered(problem, now=closes).available
    late = offered(problem, now=closes + SECOND)
    assert not late.available
    assert late.why == Why.WINDOW_CLOSED
    assert late.when == closes


def test_the_problem_window_comes_from_the_policy():
    policy = Policy(problem_window_days=14)

    late = offered(Problem.DAMAGED, policy=policy, now=DELIVERED + timedelta(days=14) + SECOND)

    assert late.why == Why.WINDOW_CLOSED
    assert late.when == DELIVERED + timedelta(days=14)


def test_a_late_return_is_not_refused_but_goes_to_a_person_until_the_problem_window_closes_too():
    late = DELIVERED + timedelta(days=DEFAULT.return_window_days) + SECOND
    problem_window_closes = DELIVERED + timedelta(days=DEFAULT.problem_window_days)

    assert offered(Problem.RETURN, now=problem_window_closes).available
    closed = offered(Problem.RETURN, now=problem_window_closes + SECOND)
    assert not closed.available and (closed.why, closed.when) == (Why.WINDOW_CLOSED, problem_window_closes)
    decision = decided(Problem.RETURN, [(1, 1)], now=late)
    assert decision.outcome == Outcome.REVIEW
    assert decision.review_reason == ReviewReason.RETURN_WINDOW_CLOSED
    assert decision.amount == Decimal("10")


def test_a_return_on_the_last_day_of_its_window_is_refunded():
    last_moment = DELIVERED + timedelta(days=DEFAULT.return_window_days)

    decision = decided(Problem.RETURN, [(1, 1)], now=last_moment)

    assert decision.outcome == Outcome.REFUND
    assert decision.review_reason is None


def test_without_change_of_mind_returns_a_return_goes_to_a_person():
    decision = decided(Problem.RETURN, [(1, 1)], policy=Policy(change_of_mind_returns=False))

    assert decision.outcome == Outcome.REVIEW
    assert decision.review_reason == ReviewReason.NOT_RETURNABLE


def test_without_change_of_mind_returns_damage_is_still_refunded():
    decision = decided(Problem.DAMAGED, [(1, 1)], policy=Policy(change_of_mind_returns=False))

    assert decision.outcome == Outcome.REFUND


# --- returnless, return first, review ----------------------------------------------------------------


def test_a_cheap_return_is_refunded_at_once_without_sending_it_back():
    decision = decided(Problem.RETURN, [(1, 1)])

    assert decision.outcome == Outcome.REFUND
    assert decision.returnless
    assert decision.refund_when is None
    assert decision.amount == Decimal("10")
    assert decision.items == ((1, 1),)


def test_an_item_worth_the_threshold_must_come_back_first_refunded_on_first_scan():
    order = situation(lines=(*LINES, line(3, "25")), paid=Decimal("79.95"))

    decision = decided(Problem.RETURN, [(3, 1)], order=order)

    assert decision.outcome == Outcome.RETURN_FIRST
    assert not decision.returnless
    assert decision.refund_when == RefundWhen.FIRST_SCAN
    assert decision.amount == Decimal("25")


def test_return_first_is_refunded_on_receipt_when_the_policy_says_so():
    decision = decided(Problem.DAMAGED, [(2, 1)], policy=Policy(refund_on_first_scan=False))

    assert decision.outcome == Outcome.RETURN_FIRST
    assert decision.refund_when == RefundWhen.RECEIPT


def test_the_returnless_threshold_is_compared_in_the_base_currency():
    cheap_in_base = decided(Problem.RETURN, [(2, 1)], to_base=halved)  # 30 in the order's currency, 15 in base
    dear_in_base = decided(Problem.RETURN, [(1, 2)], to_base=doubled)  # 20 in the order's currency, 40 in base

    assert cheap_in_base.outcome == Outcome.REFUND
    assert cheap_in_base.amount == Decimal("30")  # the amount stays in the order's currency
    assert dear_in_base.outcome == Outcome.RETURN_FIRST
    assert dear_in_base.amount == Decimal("20")


def test_a_missing_item_never_needs_to_come_back_whatever_its_value():
    order = situation(lines=(line(1, "300"), line(2, "30")), paid=Decimal("334.95"))

    decision = decided(Problem.ITEM_MISSING, [(1, 1)], order=order)

    assert decision.outcome == Outcome.REFUND
    assert decision.returnless
    assert decision.amount == Decimal("300")


def test_above_the_auto_approve_limit_a_person_decides():
    policy = Policy(auto_approve_up_to=Decimal("30"))

    at_limit = decided(Problem.DAMAGED, [(2, 1)], policy=policy)
    above = decided(Problem.DAMAGED, [(2, 1)], policy=policy, to_base=lambda amount: amount + Decimal("0.01"))

    assert at_limit.outcome == Outcome.RETURN_FIRST
    assert above.outcome == Outcome.REVIEW
    assert above.review_reason == ReviewReason.ABOVE_AUTO_LIMIT


def test_an_unknown_currency_goes_to_a_person():
    decision = decided(Problem.RETURN, [(1, 1)], to_base=no_rate)

    assert decision.outcome == Outcome.REVIEW
    assert decision.review_reason == ReviewReason.UNKNOWN_CURRENCY
    assert decision.amount == Decimal("10")


# --- remedies ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("problem", [Problem.DAMAGED, Problem.NOT_AS_DESCRIBED, Problem.ITEM_MISSING])
def test_the_marketplace_warehouse_offers_a_replacement_for_what_went_wrong(problem):
    assert offered(problem).remedies == (Remedy.REFUND, Remedy.REPLACEMENT)


def test_a_change_of_mind_is_only_ever_refunded():
    assert offered(Problem.RETURN).remedies == (Remedy.REFUND,)


@pytest.mark.parametrize("order", [
    pytest.param(situation(fulfilled_by="seller"), id="platform-sold, seller-shipped"),
    pytest.param(third_party(), id="third-party seller ships"),
    pytest.param(situation(lines=(line(1, in_stock=False), line(2, in_stock=False))), id="nothing in stock"),
])
def test_no_replacement_unless_the_warehouse_ships_and_has_stock(order):
    assert offered(Problem.DAMAGED, order).remedies == (Remedy.REFUND,)
    assert offered(Problem.ITEM_MISSING, order).remedies == (Remedy.REFUND,)


def test_a_replacement_is_offered_when_only_some_items_are_in_stock():
    order = situation(lines=(line(1, in_stock=False), line(2, in_stock=True)))

    assert offered(Problem.DAMAGED, order).remedies == (Remedy.REFUND, Remedy.REPLACEMENT)


def test_a_cheap_damaged_item_is_replaced_at_once():
    decision = decided(Problem.DAMAGED, [(1, 1)], remedy=Remedy.REPLACEMENT)

    assert decision.outcome == Outcome.REPLACE
    assert decision.remedy == Remedy.REPLACEMENT
    assert decision.returnless
    assert decision.amount == Decimal("10")


def test_a_dear_damaged_item_comes_back_before_its_replacement_is_sent():
    decision = decided(Problem.DAMAGED, [(2, 1)], remedy=Remedy.REPLACEMENT)

    assert decision.outcome == Outcome.RETURN_FIRST
    assert decision.remedy == Remedy.REPLACEMENT


def test_replacing_an_out_of_stock_item_is_refused():
    order = situation(lines=(line(1, "10", 2, in_stock=False), line(2, "30", 1, in_stock=True)))

    assert refused(Problem.DAMAGED, [(1, 1)], order=order, remedy=Remedy.REPLACEMENT) == Invalid.OUT_OF_STOCK
    assert decided(Problem.DAMAGED, [(2, 1)], order=order, remedy=Remedy.REPLACEMENT).remedy == Remedy.REPLACEMENT


def test_a_remedy_that_is_not_offered_is_refused():
    assert refused(Problem.RETURN, [(1, 1)], remedy=Remedy.REPLACEMENT) == Invalid.REMEDY_NOT_OFFERED
    assert refused(Problem.DAMAGED, [(1, 1)], order=third_party(), remedy=Remedy.REPLACEMENT) == (
        Invalid.REMEDY_NOT_OFFERED
    )


# --- a third-party seller who ships: guarantee claims ------------------------------------------------


def test_not_received_from_a_third_party_seller_asks_the_seller_first():
    decision = decided(Problem.NOT_RECEIVED, order=third_party(delivered_at=None))

    assert decision.outcome == Outcome.CLAIM
    assert decision.remedy == Remedy.REFUND
    assert decision.returnless
    assert decision.respond_by == NOW + timedelta(hours=DEFAULT.seller_response_hours)
    assert decision.liable == Party.SELLER
    assert decision.amount == PAID
    assert not decision.refund_at_once  # 54.95 is not under 50


def test_the_sellers_deadline_comes_from_the_policy():
    decision = decided(Problem.ITEM_MISSING, [(1, 1)], order=third_party(), policy=Policy(seller_response_hours=72))

    assert decision.respond_by == NOW + timedelta(hours=72)


def test_a_small_claim_is_refunded_at_once_judged_in_the_base_currency():
    order = third_party(lines=(line(1, "50"), line(2, "30")), paid=Decimal("84.95"))

    at_threshold = decided(Problem.ITEM_MISSING, [(1, 1)], order=order)
    under_in_base = decided(Problem.ITEM_MISSING, [(1, 1)], order=order, to_base=halved)

    assert at_threshold.outcome == under_in_base.outcome == Outcome.CLAIM
    assert not at_threshold.refund_at_once
    assert under_in_base.refund_at_once


def test_cheap_damage_from_a_third_party_seller_is_a_claim_but_dear_damage_comes_back_first():
    cheap = decided(Problem.DAMAGED, [(1, 1)], order=third_party())
    dear = decided(Problem.DAMAGED, [(2, 1)], order=third_party())

    assert cheap.outcome == Outcome.CLAIM
    assert cheap.refund_at_once
    assert dear.outcome == Outcome.RETURN_FIRST
    assert dear.respond_by is None


def test_a_return_to_a_third_party_seller_is_not_a_claim():
    decision = decided(Problem.RETURN, [(1, 1)], order=third_party())

    assert decision.outcome == Outcome.REFUND
    assert decision.respond_by is None
    assert decision.liable == Party.SELLER


# --- who bears the cost ------------------------------------------------------------------------------


@pytest.mark.parametrize("problem", list(Problem))
def test_the_marketplace_bears_the_cost_of_what_it_sold(problem):
    assert liable_party(problem, situation(fulfilled_by="seller")) == Party.PLATFORM


@pytest.mark.parametrize(("problem", "liable"), [
    (Problem.DAMAGED, Party.PLATFORM),
    (Problem.ITEM_MISSING, Party.PLATFORM),
    (Problem.NOT_RECEIVED, Party.PLATFORM),
    (Problem.RETURN, Party.SELLER),
    (Problem.NOT_AS_DESCRIBED, Party.SELLER),
    (Problem.CANCEL, Party.SELLER),
    (Problem.RETURN_NOT_REFUNDED, Party.SELLER),
])
def test_for_a_seller_s_goods_the_marketplace_bears_only_what_went_wrong_in_its_own_delivery(problem, liable):
    assert liable_party(problem, situation(sold_by_platform=False, fulfilled_by="platform")) == liable


@pytest.mark.parametrize("problem", list(Problem))
def test_a_seller_who_ships_bears_every_cost(problem):
    assert liable_party(problem, third_party()) == Party.SELLER


# --- amounts and well-formed reports -----------------------------------------------------------------


def test_the_amount_is_the_value_of_the_chosen_items():
    assert decided(Problem.DAMAGED, [(1, 2)]).amount == Decimal("20")
    assert decided(Problem.DAMAGED, [(1, 1), (2, 1)]).amount == Decimal("40")


def test_reporting_every_item_brings_back_the_shipping_too():
    decision = decided(Problem.DAMAGED, [(1, 1), (2, 1), (1, 1)])

    assert decision.items == ((1, 2), (2, 1))
    assert decision.amount == PAID


def test_reporting_every_item_after_a_partial_refund_brings_back_what_is_left():
    decision = decided(Problem.DAMAGED, [(1, 2), (2, 1)], order=situation(refunded=Decimal("5")))

    assert decision.amount == Decimal("49.95")


def test_the_amount_is_never_more_than_is_left_to_refund():
    decision = decided(Problem.DAMAGED, [(2, 1)], order=situation(refunded=Decimal("50")))

    assert decision.amount == Decimal("4.95")


def test_more_than_is_open_is_refused():
    order = situation(lines=(line(1, "10", 2, open_quantity=1), line(2, "30", 1)))

    assert refused(Problem.DAMAGED, [(1, 2)], order=order) == Invalid.TOO_MANY
    assert refused(Problem.DAMAGED, [(1, 1), (1, 1)], order=order) == Invalid.TOO_MANY
    assert decided(Problem.DAMAGED, [(1, 1)], order=order).items == ((1, 1),)


def test_a_report_without_items_is_refused():
    assert refused(Problem.DAMAGED, []) == Invalid.NO_ITEMS
    assert refused(Problem.DAMAGED, [(1, 0), (2, -1)]) == Invalid.NO_ITEMS


def test_an_item_not_in_the_order_is_refused():
    assert refused(Problem.DAMAGED, [(1, 1), (99, 1)]) == Invalid.UNKNOWN_ITEM


@pytest.mark.parametrize("problem", [Problem.RETURN, Problem.DAMAGED, Problem.NOT_AS_DESCRIBED])
def test_a_problem_with_several_reasons_needs_one_of_them(problem):
    assert refused(problem, [(1, 1)], reason="") == Invalid.UNKNOWN_REASON
    assert refused(problem, [(1, 1)], reason="because") == Invalid.UNKNOWN_REASON


def test_a_reason_belongs_to_its_problem():
    assert refused(Problem.DAMAGED, [(1, 1)], reason="changed_mind") == Invalid.UNKNOWN_REASON
    assert decided(Problem.DAMAGED, [(1, 1)], reason="defective").outcome == Outcome.REFUND


def test_a_missing_item_needs_no_reason():
    assert decided(Problem.ITEM_MISSING, [(1, 1)], reason="").outcome == Outcome.REFUND


def test_a_photo_is_needed_where_the_policy_asks_for_one():
    policy = Policy(photo_required_for=frozenset({"damaged"}))

    assert refused(Problem.DAMAGED, [(1, 1)], policy=policy) == Invalid.PHOTO_REQUIRED
    assert decided(Problem.DAMAGED, [(1, 1)], policy=policy, has_photo=True).outcome == Outcome.REFUND
    assert decided(Problem.RETURN, [(1, 1)], policy=policy).outcome == Outcome.REFUND


# --- a return that was not refunded ------------------------------------------------------------------


def test_return_not_refunded_needs_a_return_waiting_for_receipt():
    scanned_first_scan_refund = pending(1, scanned_days_ago=30, refund_when=RefundWhen.FIRST_SCAN)
    not_scanned_yet = pending(2)

    for returns in ((), (scanned_first_scan_refund,), (not_scanned_yet,)):
        opt = offered(Problem.RETURN_NOT_REFUNDED, situation(pending_returns=returns))
        assert not opt.available
        assert opt.why == Why.NO_RETURN_PENDING


def test_return_not_refunded_waits_until_the_seller_has_had_its_days():
    order = situation(pending_returns=(pending(1, scanned_days_ago=3), pending(2, scanned_days_ago=6)))

    early = offered(Problem.RETURN_NOT_REFUNDED, order)
    on_time = offered(Problem.RETURN_NOT_REFUNDED, order, now=NOW + timedelta(days=1))

    assert not early.available
    assert early.why == Why.RETURN_NOT_OVERDUE
    assert early.when == NOW + timedelta(days=1)  # the earliest scan plus seven days
    assert on_time.available
    assert on_time.remedies == (Remedy.REFUND,)


def test_overdue_returns_are_those_scanned_at_least_the_policy_s_days_ago():
    order = situation(pending_returns=(
        pending(1, scanned_days_ago=7), pending(2, scanned_days_ago=6), pending(3, scanned_days_ago=20),
        pending(4, scanned_days_ago=20, refund_when=RefundWhen.FIRST_SCAN), pending(5),
    ))

    assert [r.report_id for r in overdue_returns(order, DEFAULT, NOW)] == [1, 3]
    assert [r.report_id for r in overdue_returns(order, Policy(return_refund_days=14), NOW)] == [3]


def test_return_not_refunded_refunds_the_overdue_returns_even_when_every_item_is_reported():
    order = situation(
        lines=(line(1, "10", 2, open_quantity=0), line(2, "30", 1, open_quantity=0)),
        pending_returns=(pending(11, scanned_days_ago=10, amount="20"), pending(12, scanned_days_ago=2, amount="30"),
                         pending(13, scanned_days_ago=8, amount="4.95")),
    )

    decision = decided(Problem.RETURN_NOT_REFUNDED, order=order)

    assert decision.outcome == Outcome.REFUND
    assert decision.amount == Decimal("24.95")
    assert decision.returns == (11, 13)
    assert decision.liable == Party.PLATFORM


def test_return_not_refunded_never_refunds_more_than_is_left():
    order = situation(refunded=Decimal("50"), pending_returns=(pending(11, scanned_days_ago=10, amount="30"),))

    assert decided(Problem.RETURN_NOT_REFUNDED, order=order).amount == Decimal("4.95")


def test_return_not_refunded_by_a_third_party_seller_is_a_claim():
    order = third_party(pending_returns=(pending(11, scanned_days_ago=10, amount="30"),))

    decision = decided(Problem.RETURN_NOT_REFUNDED, order=order)

    assert decision.outcome == Outcome.CLAIM
    assert decision.returns == (11,)
    assert decision.amount == Decimal("30")
    assert decision.refund_at_once
    assert decision.respond_by == NOW + timedelta(hours=48)


# --- policy layers -----------------------------------------------------------------------------------


def test_no_layers_give_the_default_policy():
    assert resolve_policy([]) == Policy()


def test_a_more_specific_layer_overrides_only_what_it_sets():
    marketplace = {"return_window_days": 14, "returnless_under": Decimal("20"), "problem_window_days": None}
    seller = {"seller_id": 7, "category": "", "return_window_days": 60, "returnless_under": None,
              "auto_approve_up_to": Decimal("100")}

    policy = resolve_policy([marketplace, seller])

    assert policy.return_window_days == 60
    assert policy.returnless_under == Decimal("20")
    assert policy.auto_approve_up_to == Decimal("100")
    assert policy.problem_window_days == Policy().problem_window_days


def test_false_and_zero_are_settings_not_gaps():
    policy = resolve_policy([
        {"change_of_mind_returns": False, "returnless_under": Decimal("0")},
        {"change_of_mind_returns": None, "returnless_under": None},
    ])

    assert policy.change_of_mind_returns is False
    assert policy.returnless_under == Decimal("0")


def test_photo_requirements_from_a_layer_become_a_set():
    policy = resolve_policy([{"photo_required_for": ["damaged", "not_as_described"]}])

    assert policy.photo_required_for == frozenset({"damaged", "not_as_described"})
    assert "damaged" in policy.photo_required_for


def test_one_policy_is_its_own_strictest():
    policy = Policy(return_window_days=14, refund_on_first_scan=False)

    assert strictest([policy]) == policy


def test_mixed_items_get_the_least_generous_value_of_every_field():
    kettle = Policy(
        return_window_days=14, change_of_mind_returns=True, returnless_under=Decimal("40"),
        refund_on_first_scan=False, photo_required_for=frozenset({"damaged"}), auto_approve_up_to=Decimal("800"),
        problem_window_days=30, not_received_grace_days=2, seller_response_hours=72,
        refund_at_once_under=Decimal("20"), return_refund_days=5,
    )
    book = Policy(
        return_window_days=30, change_of_mind_returns=False, returnless_under=Decimal("10"),
        refund_on_first_scan=True, photo_required_for=frozenset({"not_as_described"}),
        auto_approve_up_to=Decimal("300"), problem_window_days=90, not_received_grace_days=5,
        seller_response_hours=24, refund_at_once_under=Decimal("60"), return_refund_days=10,
    )

    assert strictest([kettle, book]) == Policy(
        return_window_days=14, change_of_mind_returns=False, returnless_under=Decimal("10"),
        refund_on_first_scan=False, photo_required_for=frozenset({"damaged", "not_as_described"}),
        auto_approve_up_to=Decimal("300"), problem_window_days=30, not_received_grace_days=5,
        seller_response_hours=72, refund_at_once_under=Decimal("20"), return_refund_days=10,
    )


# --- refund patterns ---------------------------------------------------------------------------------


def test_fewer_than_three_refunded_orders_are_never_unusual():
    assert unusual_refund_pattern(2, 2, 0.001) is None
    assert unusual_refund_pattern(0, 0, 0.03) is None


def test_three_refunds_in_five_orders_at_a_three_percent_norm_are_flagged():
    pattern = unusual_refund_pattern(5, 3, 0.03)

    assert pattern is not None
    assert (pattern.orders, pattern.refunded_orders, pattern.baseline_rate) == (5, 3, 0.03)
    assert pattern.z == 7.5  # (3 - 0.15) / sqrt(5 × 0.03 × 0.97), to one decimal


def test_eight_refunds_in_a_hundred_orders_at_three_percent_are_not_flagged():
    assert unusual_refund_pattern(100, 8, 0.03) is None


def test_the_z_score_is_refunds_above_expectation_in_binomial_standard_deviations():
    # expected 100 × 0.03 = 3; spread sqrt(100 × 0.03 × 0.97) = sqrt(2.91)
    assert refund_z_score(100, 8, 0.03) == pytest.approx(5 / math.sqrt(2.91))
    assert refund_z_score(100, 8, 0.03) == pytest.approx(2.931, abs=0.001)


def test_a_marketplace_without_refunds_yet_does_not_flag_its_first_few():
    # The 0 % norm is floored at 0.5 %: expected 1, spread sqrt(200 × 0.005 × 0.995).
    assert refund_z_score(200, 3, 0.0) == pytest.approx(2 / math.sqrt(0.995))
    assert unusual_refund_pattern(200, 3, 0.0) is None


def test_a_norm_of_every_order_refunded_does_not_divide_by_zero():
    assert refund_z_score(10, 10, 1.0) == pytest.approx((10 - 9.95) / math.sqrt(10 * 0.995 * 0.005))
    assert unusual_refund_pattern(10, 10, 1.0) is None
