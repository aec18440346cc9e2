"""One refund hammered by concurrent requests, with failures injected between its steps, pays exactly once.

Real threads, each with its own database connection and its own transactions, on whatever database the
suite runs on (SQLite file or PostgreSQL). Each test checks the ledger afterwards: every transaction sums
to zero, what was paid out to the customer equals the refunds and never exceeds what they paid, and
nothing is left behind by an attempt that failed.
"""

import threading
from datetime import timedelta
from decimal import Decimal
from functools import partial

import pytest
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import OperationalError, connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from advocate.claims import ledger, rules, services
from advocate.claims.models import (
    Account,
    ClaimState,
    CurrencyRate,
    Finding,
    GuaranteeClaim,
    LedgerEntry,
    LedgerTransaction,
    ProblemItem,
    ProblemReport,
    Refund,
    RefundPatternFlag,
)
from advocate.claims.rules import Party
from advocate.commerce.models import Instruction, Order
from advocate.conftest import run_together
from advocate.core.db import write_turn
from advocate.core.errors import Refused
from advocate.notifications import services as notifications
from advocate.notifications.models import EmailState, OutboundEmail

pytestmark = pytest.mark.django_db(transaction=True)

STORM = 10  # concurrent requests per race
ROUNDS = 2  # a few fresh races per test, so one lucky interleaving cannot hide a failure

SOCKS = [{"sku": "SOCK-1", "title": "Wool socks", "quantity": 12, "unit_price": "4.00"}]


@pytest.fixture(autouse=True)
def _gbp_rate(transactional_db):
    # The shop's orders are in GBP and policy thresholds in the base currency: without a rate every report
    # would go to a person. One to one keeps the thresholds readable (returnless under 25, claims refunded
    # at once under 50).
    CurrencyRate.objects.update_or_create(currency="GBP", defaults={"per_base": Decimal("1")})


# --- helpers -----------------------------------------------------------------------------------------


class BalanceWatch:
    """Reads the order's balance (paid minus paid back, unclamped) over and over on its own connection
    while a race runs, and remembers the lowest value it saw."""

    def __init__(self, order_pk: int):
        self.order_pk, self.lowest, self.reads = order_pk, None, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch)

    def _watch(self):
        try:
            order = Order.objects.get(pk=self.order_pk)
            while not self._stop.is_set():
                balance = ledger.paid_total(order) - ledger.refunded_total(order)
                self.lowest = balance if self.lowest is None else min(self.lowest, balance)
                self.reads += 1
                self._stop.wait(0.002)
        finally:
            connection.close()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=30)


def place_order(shop, order_id: str, *, lines=None, paid: str = "64.00", delivered: bool = True) -> Order:
    """An order from ALICE to NORTHWIND (a third-party seller who ships it), shipped, delivered two days
    ago and paid."""
    now = timezone.now()
    placed = now - timedelta(days=5)
    events = [
        shop.order_placed(order_id, placed_at=placed, lines=lines),
        shop.shipment_created(order_id, f"S{order_id}", shipped_at=placed + timedelta(days=1)),
    ]
    if delivered:
        events.append(shop.shipment_delivered(f"S{order_id}", at=now - timedelta(days=2)))
    events.append(shop.payment_captured(order_id, paid))
    shop.send(*events)
    return Order.objects.get(external_id=order_id)


def file_return(order_pk: int, key: str, *, sku: str = "MUG-SET", quantity: int = 1) -> ProblemReport:
    """The customer returns `quantity` of one line (fresh objects: each thread reads its own)."""
    order = Order.objects.select_related("customer").get(pk=order_pk)
    line = order.lines.get(sku=sku)
    return services.report_file(order=order, customer=order.customer, problem="return", reason="changed_mind",
                                items=[(line.pk, quantity)], request_key=key)


def issue_refund(order_pk: int, key: str, amount: Decimal) -> Refund:
    """Call the ledger directly, as its callers do: in a write transaction, no retries."""
    with write_turn(), transaction.atomic():
        return ledger.refund_issue(order=Order.objects.get(pk=order_pk), amount=amount, payer=Party.SELLER, key=key)


def assert_ledger_sound(order: Order) -> None:
    """Every transaction balances; what the customer was paid back is exactly the refunds, each paid once,
    each with its one ledger transaction and its one instruction to the shop; never more than was paid."""
    unbalanced = list(LedgerEntry.objects.values("transaction").annotate(s=Sum("amount"), n=Count("id"))
                      .exclude(s=0))
    assert unbalanced == [], unbalanced
    assert not LedgerTransaction.objects.annotate(n=Count("entries")).filter(n__lt=2).exists()
    payout = LedgerEntry.objects.filter(account=Account.CUSTOMER_PAYOUT, order=order).aggregate(s=Sum("amount"))
    refunds = Refund.objects.filter(order=order).aggregate(s=Sum("amount"))
    payout, refunds = payout["s"] or Decimal(0), refunds["s"] or Decimal(0)
    assert payout == refunds, (payout, refunds)
    assert refunds <= ledger.paid_total(order), (refunds, ledger.paid_total(order))
    for refund in Refund.objects.filter(order=order):
        txns = LedgerTransaction.objects.filter(refund=refund)
        assert [(t.key, t.kind) for t in txns] == [(refund.key, "refund")]
        entries = LedgerEntry.objects.filter(transaction__refund=refund, account=Account.CUSTOMER_PAYOUT)
        assert [e.amount for e in entries] == [refund.amount]
        assert Instruction.objects.filter(key=refund.key, kind="refund").count() == 1
    assert LedgerTransaction.objects.filter(order=order, kind="refund").count() == Refund.objects.filter(
        order=order).count()


def assert_nothing_recorded(order: Order) -> None:
    assert ProblemReport.objects.filter(order=order).count() == 0
    assert ProblemItem.objects.filter(report__order=order).count() == 0
    assert Refund.objects.filter(order=order).count() == 0
    assert LedgerTransaction.objects.filter(order=order).count() == 0
    assert LedgerEntry.objects.filter(order=order).count() == 0
    assert Instruction.objects.filter(order=order).count() == 0
    assert OutboundEmail.objects.filter(order=order).count() == 0
    assert RefundPatternFlag.objects.count() == 0
    assert ledger.refundable(order) == ledger.paid_total(order)


def assert_refunded_once(order: Order, report: ProblemReport, amount: Decimal) -> None:
    assert ProblemReport.objects.filter(order=order).count() == 1
    assert [(r.key, r.amount) for r in Refund.objects.filter(order=order)] == [(f"report:{report.pk}:refund", amount)]
    assert LedgerTransaction.objects.filter(order=order, kind="refund").count() == 1
    assert Instruction.objects.filter(order=order, kind="refund").count() == 1
    assert OutboundEmail.objects.filter(key=f"report:{report.pk}:refunded").count() == 1
    assert ledger.refunded_total(order) == amount
    assert_ledger_sound(order)


# --- 1. one refund, many identical requests ----------------------------------------------------------


def test_the_same_return_sent_by_many_requests_at_once_is_refunded_once(shop, mailoutbox):
    for round_ in range(ROUNDS):
        order = place_order(shop, f"SAME-{round_}")
        key = f"return-mug-{round_}"

        with BalanceWatch(order.pk) as watch:
            outcomes = run_together(*[partial(file_return, order.pk, key)] * STORM, failures_allowed=True)

        failures = [o for o in outcomes if isinstance(o, BaseException)]
        assert not failures, failures
        assert len({report.pk for report in outcomes}) == 1, "every request gets the same report back"
        report = ProblemReport.objects.get(order=order)
        assert (report.request_key, report.outcome, report.state) == (key, "refund", "resolved")
        assert ProblemItem.objects.filter(report=report).values_list("quantity", flat=True).get() == 1
        assert_refunded_once(order, report, Decimal("12.50"))
        assert Refund.objects.get(order=order).paid_by == Party.SELLER
        assert watch.reads > 0 and watch.lowest >= 0
    assert len(mailoutbox) == ROUNDS  # one "refunded" email per round, however many requests


def test_the_same_refund_key_sent_straight_to_the_ledger_at_once_pays_once(shop):
    # The ledger's own guarantee, without report_file's lock and retries around it: the key is checked
    # again once the order is locked, so the requests that waited find the first refund.
    for round_ in range(ROUNDS):
        order = place_order(shop, f"KEY-{round_}")

        outcomes = run_together(*[partial(issue_refund, order.pk, f"manual:{round_}", Decimal("20.00"))] * STORM,
                                failures_allowed=True)

        failures = [o for o in outcomes if isinstance(o, BaseException)]
        assert not failures, failures
        assert len({refund.pk for refund in outcomes}) == 1
        assert [(r.key, r.amount) for r in Refund.objects.filter(order=order)] == [(f"manual:{round_}",
                                                                                   Decimal("20.00"))]
        assert ledger.refunded_total(order) == Decimal("20.00")
        assert_ledger_sound(order)


# --- 2. different refunds of one order, more than was paid -------------------------------------------


def refused_because(exc: BaseException) -> str:
    """Why a request was refused, if it was refused cleanly (anything else is a failure of the test)."""
    if isinstance(exc, ledger.NothingToRefund) and exc.left == 0:
        return "nothing_to_refund"
    if isinstance(exc, Refused):
        return exc.code
    raise AssertionError(f"refused uncleanly: {exc!r}") from exc


@pytest.mark.parametrize(
    ("paid", "pairs", "refunds", "refusal"),
    [
        # 12 pairs at 4.00 but 26.00 paid: six full refunds, a seventh of what is left, then nothing left to pay.
        ("26.00", 1, ["4.00"] * 6 + ["2.00"], "nothing_to_refund"),
        # Five pairs a time: two returns fit, then only two pairs are left to return.
        ("48.00", 5, ["20.00"] * 2, rules.Invalid.TOO_MANY.value),
        # Three pairs a time: four returns take every pair.
        ("48.00", 3, ["12.00"] * 4, rules.Why.NOTHING_LEFT.value),
    ],
    ids=["more-asked-than-paid", "more-asked-than-left", "more-asked-than-bought"],
)
def test_many_returns_of_one_order_at_once_never_pay_back_more_than_was_paid(shop, paid, pairs, refunds, refusal):
    threads = 12
    for round_ in range(ROUNDS):
        order = place_order(shop, f"MANY-{round_}", lines=SOCKS, paid=paid)

        with BalanceWatch(order.pk) as watch:
            outcomes = run_together(*[partial(file_return, order.pk, f"sock-{round_}-{n}", sku="SOCK-1",
                                              quantity=pairs) for n in range(threads)], failures_allowed=True)

        reports = [o for o in outcomes if isinstance(o, ProblemReport)]
        refused = [o for o in outcomes if not isinstance(o, ProblemReport)]
        assert {refused_because(exc) for exc in refused} == {refusal}
        assert len(reports) == len(refunds) == ProblemReport.objects.filter(order=order).count()
        assert sorted(r.amount for r in Refund.objects.filter(order=order)) == sorted(Decimal(a) for a in refunds)
        assert ledger.refunded_total(order) == sum((Decimal(a) for a in refunds), Decimal(0)) <= Decimal(paid)
        assert ProblemItem.objects.filter(report__order=order).aggregate(n=Sum("quantity"))["n"] == pairs * len(
            reports)
        assert_ledger_sound(order)
        assert watch.lowest >= 0


def test_refunds_straight_to_the_ledger_for_more_than_was_paid_stop_at_what_was_paid(shop):
    amounts = [Decimal(a) for a in ("9.00", "11.50", "7.25", "13.00", "8.75", "10.00", "12.50", "6.00", "14.25",
                                    "9.75")]  # 102.00 asked of 64.00 paid
    for round_ in range(ROUNDS):
        order = place_order(shop, f"LEDGER-{round_}")
        # Every refund asked for twice under its key (a retried request): each pair must agree.
        calls = [partial(issue_refund, order.pk, f"manual:{round_}:{n}", amount)
                 for n, amount in enumerate(amounts) for _ in range(2)]

        with BalanceWatch(order.pk) as watch:
            outcomes = run_together(*calls, failures_allowed=True)

        left = ledger.paid_total(order) - ledger.refunded_total(order)
        assert left >= 0
        for n, amount in enumerate(amounts):
            first, second = outcomes[2 * n], outcomes[2 * n + 1]
            if isinstance(first, Refund):
                assert isinstance(second, Refund) and first.pk == second.pk, (first, second)
                assert first.amount == amount
            else:
                assert isinstance(first, ledger.NothingToRefund), repr(first)
                assert isinstance(second, ledger.NothingToRefund), repr(second)
                for refused in (first, second):
                    # Refused only when it did not fit, and what is left now fits it no better.
                    assert refused.asked == amount and refused.left < amount
                    assert left <= refused.left
                assert not Refund.objects.filter(key=f"manual:{round_}:{n}").exists()
        paid_back = sum((o.amount for o in outcomes[::2] if isinstance(o, Refund)), Decimal(0))
        assert paid_back == ledger.refunded_total(order) <= Decimal("64.00")
        assert_ledger_sound(order)
        assert watch.lowest >= 0


# --- 3. failures between the steps of a refund -------------------------------------------------------


class Injected(Exception):
    """A crash in the middle of the write (a bug, a lost connection, a killed worker)."""


def fail_once(original, error: Exception, *, after: bool = False):
    """Wrap `original` so that its first call (from any thread) raises `error`, before the call or, with
    `after`, once it has done its work."""
    lock, state = threading.Lock(), {"armed": True}

    def fire() -> bool:
        with lock:
            armed, state["armed"] = state["armed"], False
        return armed

    def wrapper(*args, **kwargs):
        if not after and fire():
            raise error
        result = original(*args, **kwargs)
        if after and fire():  # only once the work was done: a call that failed inside does not count
            raise error
        return result

    wrapper.fired = lambda: not state["armed"]
    return wrapper


def _fail_resolving(original, error):
    """Fail the save that marks the report resolved: the refund, its ledger entries and its instruction
    are written by then."""
    inner = fail_once(original, error)

    def save(self, *args, **kwargs):
        if "resolved_at" in (kwargs.get("update_fields") or ()):
            return inner(self, *args, **kwargs)
        return original(self, *args, **kwargs)

    save.fired = inner.fired
    return save


STEPS = {
    # name: (object, attribute, how to wrap it)
    "refund-row": (Refund.objects, "create", fail_once),
    "ledger-transaction-row": (LedgerTransaction.objects, "create", fail_once),
    "ledger-entries": (LedgerEntry.objects, "bulk_create", fail_once),
    "after-ledger-post": (ledger, "_post", partial(fail_once, after=True)),
    "instruction": (Instruction.objects, "create", fail_once),
    "email-queued": (OutboundEmail.objects, "create", fail_once),
    "report-resolved": (ProblemReport, "save", _fail_resolving),
}


def inject(monkeypatch, step: str, error: Exception):
    target, name, wrap = STEPS[step]
    wrapper = wrap(getattr(target, name), error)
    monkeypatch.setattr(target, name, wrapper)
    return wrapper


@pytest.mark.parametrize("step", list(STEPS))
def test_a_crash_between_steps_leaves_nothing_and_the_retry_refunds_once(shop, monkeypatch, mailoutbox, step):
    order = place_order(shop, "CRASH-1")
    injected = inject(monkeypatch, step, Injected(step))

    with pytest.raises(Injected):
        file_return(order.pk, "return-mug")

    assert injected.fired()
    assert_nothing_recorded(order)
    assert mailoutbox == []

    report = file_return(order.pk, "return-mug")  # the customer's retry, same request

    assert_refunded_once(order, report, Decimal("12.50"))
    assert file_return(order.pk, "return-mug").pk == report.pk  # and once more: nothing changes
    assert_refunded_once(order, report, Decimal("12.50"))
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("step", list(STEPS))
def test_a_database_error_between_steps_is_retried_and_refunds_once(shop, monkeypatch, mailoutbox, step):
    # An OperationalError (a broken deadlock, a dropped connection) is retried inside report_file: the
    # failed attempt must have left nothing, so the retry pays exactly once.
    order = place_order(shop, "RETRY-1")
    injected = inject(monkeypatch, step, OperationalError(f"injected at {step}"))

    report = file_return(order.pk, "return-mug")

    assert injected.fired()
    assert_refunded_once(order, report, Decimal("12.50"))
    assert len(mailoutbox) == 1


def test_concurrent_requests_with_crashes_between_steps_still_refund_once(shop, monkeypatch, mailoutbox):
    # The full storm: identical requests at once, while several steps each fail once (some with errors
    # that end that request, one with a database error report_file retries).
    crashes = ["refund-row", "after-ledger-post", "instruction", "report-resolved"]
    for round_ in range(ROUNDS):
        order = place_order(shop, f"STORM-{round_}")
        key = f"return-mug-{round_}"
        with monkeypatch.context() as patch:
            injected = [inject(patch, step, Injected(step)) for step in crashes]
            injected.append(inject(patch, "ledger-entries", OperationalError("injected deadlock")))

            with BalanceWatch(order.pk) as watch:
                outcomes = run_together(*[partial(file_return, order.pk, key)] * STORM, failures_allowed=True)

        assert all(i.fired() for i in injected)
        crashed = [o for o in outcomes if isinstance(o, BaseException)]
        assert sorted(str(c) for c in crashed) == sorted(crashes), crashed  # each crash ended one request
        assert all(isinstance(c, Injected) for c in crashed), crashed
        served = [o for o in outcomes if isinstance(o, ProblemReport)]
        assert len(served) == STORM - len(crashes) and len({r.pk for r in served}) == 1
        assert_refunded_once(order, served[0], Decimal("12.50"))
        assert watch.lowest >= 0
    assert len(mailoutbox) == ROUNDS


def test_a_mail_server_failure_after_commit_keeps_the_refund_and_sends_the_email_later(shop, monkeypatch,
                                                                                        mailoutbox):
    order = place_order(shop, "MAIL-1")
    monkeypatch.setattr(LocmemBackend, "send_messages",
                        fail_once(LocmemBackend.send_messages, ConnectionRefusedError("mail server down")))

    report = file_return(order.pk, "return-mug")  # committed; the task sending the email then fails

    assert_refunded_once(order, report, Decimal("12.50"))
    email = OutboundEmail.objects.get(key=f"report:{report.pk}:refunded")
    assert (email.state, email.attempts) == (EmailState.QUEUED, 1)
    assert "mail server down" in email.last_error
    assert mailoutbox == []

    later = timezone.now() + timedelta(minutes=2)  # the next tick, past the pause before the first retry
    assert notifications.emails_send_due(now=later) == 1
    assert notifications.emails_send_due(now=later) == 0
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [order.customer.email]
    assert OutboundEmail.objects.get(pk=email.pk).state == EmailState.SENT
    assert file_return(order.pk, "return-mug").pk == report.pk
    assert_refunded_once(order, report, Decimal("12.50"))


class _QueueDown:
    def enqueue(self, *args, **kwargs):
        raise Injected("task queue down")


def _queue_down(monkeypatch):
    from advocate.notifications import tasks

    monkeypatch.setattr(tasks, "send_email", _QueueDown())


def test_a_task_queue_failure_after_commit_keeps_the_refund_once_and_the_email_queued(shop, monkeypatch,
                                                                                       mailoutbox):
    order = place_order(shop, "QUEUE-1")
    _queue_down(monkeypatch)

    try:  # whether the caller hears of the failure is the next test's concern; the money is this one's
        file_return(order.pk, "return-mug")
    except Injected:
        pass

    report = ProblemReport.objects.get(order=order)
    assert_refunded_once(order, report, Decimal("12.50"))
    email = OutboundEmail.objects.get(key=f"report:{report.pk}:refunded")
    assert (email.state, email.attempts) == (EmailState.QUEUED, 0)
    assert file_return(order.pk, "return-mug").pk == report.pk  # the customer's retry changes nothing
    assert_refunded_once(order, report, Decimal("12.50"))

    monkeypatch.undo()
    assert notifications.emails_send_due(now=timezone.now() + timedelta(seconds=1)) == 1
    assert notifications.emails_send_due(now=timezone.now() + timedelta(seconds=1)) == 0
    assert len(mailoutbox) == 1


def test_a_task_queue_failure_after_commit_is_not_reported_to_the_customer_as_a_failure(shop, monkeypatch):
    order = place_order(shop, "QUEUE-2")
    _queue_down(monkeypatch)

    report = file_return(order.pk, "return-mug")

    assert_refunded_once(order, report, Decimal("12.50"))


# --- 4. a guarantee claim: the deadline and the seller at the same moment ----------------------------


def open_claim(shop, order_id: str, items: dict[str, int]) -> GuaranteeClaim:
    """ALICE reports items missing from NORTHWIND's parcel: a guarantee claim the seller must answer."""
    order = place_order(shop, order_id)
    lines = {line.sku: line.pk for line in order.lines.all()}
    report = services.report_file(order=order, customer=order.customer, problem="item_missing",
                                  items=[(lines[sku], qty) for sku, qty in items.items()],
                                  request_key=f"missing-{order_id}")
    assert report.outcome == "claim", report.outcome
    return report.claim


@pytest.mark.parametrize(
    ("items", "amount", "at_once"),
    [
        ({"MUG-SET": 2, "LAMP-01": 1}, Decimal("64.00"), False),  # the seller is asked to refund
        ({"LAMP-01": 1}, Decimal("39.00"), True),  # the marketplace refunded at once; the seller is debited
    ],
    ids=["seller-asked-to-refund", "refunded-at-once"],
)
def test_the_claim_deadline_and_the_seller_refunding_at_once_refund_and_debit_once(shop, northwind_user,
                                                                                 items, amount, at_once):
    for round_ in range(ROUNDS):
        claim = open_claim(shop, f"CLAIM-{round_}", items)
        assert claim.refunded_at_once is at_once
        order = claim.report.order
        deadline_passed = claim.respond_by + timedelta(minutes=1)

        def seller_refunds(claim_pk=claim.pk):
            return services.claim_seller_refund(claim=GuaranteeClaim.objects.get(pk=claim_pk), user=northwind_user)

        # Two ticks (the command may run twice at once) and a double click by the seller.
        outcomes = run_together(partial(services.claims_close_overdue, now=deadline_passed),
                                partial(services.claims_close_overdue, now=deadline_passed),
                                seller_refunds, seller_refunds, failures_allowed=True)

        assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
        assert sum(outcomes[:2]) <= 1, "one tick at most closes the claim"
        claim.refresh_from_db()
        assert (claim.state, claim.finding) == (ClaimState.CLOSED, Finding.BUYER)
        refunds = list(Refund.objects.filter(order=order))
        assert len(refunds) == 1 and refunds[0].amount == amount
        if not at_once:
            assert refunds[0].key == f"claim:{claim.pk}:refund"
        # Whoever won, the seller bears it exactly once: by refunding, or by one debit for the
        # marketplace's refund.
        assert ledger.claim_seller_total(claim) == -amount
        assert LedgerTransaction.objects.filter(claim=claim, kind="seller_debit").count() <= 1
        debits = LedgerTransaction.objects.filter(claim=claim, kind="seller_debit").count()
        assert debits == (1 if refunds[0].paid_by == Party.PLATFORM else 0)
        assert ledger.seller_balance(order.seller) == -amount * (round_ + 1)
        assert_ledger_sound(order)
