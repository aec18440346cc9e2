"""Problem reports, returns, guarantee claims, refunds and replacements, and the ledger money moves through.

Rows change only through `services` and `ledger`; models hold no workflow. Ledger rows are never updated
or deleted: a correction is a new transaction.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from advocate.commerce.models import Customer, Order, OrderLine, Seller

from .rules import Outcome, Party, Problem, RefundWhen, Remedy

MONEY = {"max_digits": 12, "decimal_places": 2}


def _choices(enum, labels: dict) -> list[tuple[str, str]]:
    return [(member.value, labels[member]) for member in enum]


PROBLEM_LABELS = {
    Problem.CANCEL: _("Cancel the order"),
    Problem.RETURN: _("Return an item"),
    Problem.DAMAGED: _("Damaged or defective"),
    Problem.NOT_AS_DESCRIBED: _("Wrong item or not as described"),
    Problem.ITEM_MISSING: _("Something is missing from the parcel"),
    Problem.NOT_RECEIVED: _("Parcel not received"),
    Problem.RETURN_NOT_REFUNDED: _("Returned, but no refund yet"),
}
PARTY_LABELS = {Party.PLATFORM: _("the marketplace"), Party.SELLER: _("the seller")}
OUTCOME_LABELS = {
    Outcome.REFUND: _("Refunded"),
    Outcome.REPLACE: _("Replacement sent"),
    Outcome.CANCEL: _("Cancelled"),
    Outcome.RETURN_FIRST: _("Item to be sent back first"),
    Outcome.CLAIM: _("Guarantee claim"),
    Outcome.REVIEW: _("A person decides"),
}


class PolicyLayer(models.Model):
    """One layer of return and refund policy: the marketplace's (no seller, no category), a category's, a
    seller's, or a seller's for one category. A blank field means 'as the more general layer says'."""

    seller = models.ForeignKey(Seller, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    category = models.CharField(max_length=64, blank=True)
    return_window_days = models.PositiveIntegerField(
        _("return window (days)"), null=True, blank=True,
        help_text=_("Days after delivery in which an item can be returned for any reason."))
    change_of_mind_returns = models.BooleanField(
        _("returns for a change of mind"), null=True, blank=True,
        help_text=_("Whether items can be returned because the customer changed their mind."))
    returnless_under = models.DecimalField(
        _("no return needed under"), **MONEY, null=True, blank=True,
        help_text=_("Refund without asking for the item back when it is worth less than this (base currency)."))
    refund_on_first_scan = models.BooleanField(
        _("refund at the first scan"), null=True, blank=True,
        help_text=_("Refund when the carrier first scans the return, rather than when it is received."))
    photo_required_for = models.JSONField(
        _("photo required for"), null=True, blank=True,
        help_text=_("The problems for which the customer must add a photo."))
    auto_approve_up_to = models.DecimalField(
        _("decided automatically up to"), **MONEY, null=True, blank=True,
        help_text=_("Decide automatically up to this value (base currency); above it a person decides."))
    problem_window_days = models.PositiveIntegerField(
        _("problem window (days)"), null=True, blank=True,
        help_text=_("Days after delivery in which damage, missing or wrong items are reported."))
    not_received_grace_days = models.PositiveIntegerField(
        _("grace before not received (days)"), null=True, blank=True,
        help_text=_("Days after the latest promised delivery before a parcel counts as lost."))
    seller_response_hours = models.PositiveIntegerField(
        _("seller's time to respond (hours)"), null=True, blank=True,
        help_text=_("Hours a seller has to resolve a guarantee claim."))
    refund_at_once_under = models.DecimalField(
        _("refunded at once under"), **MONEY, null=True, blank=True,
        help_text=_("Guarantee claims worth less than this are refunded by the marketplace at once (base currency)."))
    return_refund_days = models.PositiveIntegerField(
        _("wait for a return's refund (days)"), null=True, blank=True,
        help_text=_("Days after a return's first scan before a missing refund can be claimed."))
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["category"], condition=Q(seller__isnull=True),
                                    name="policy_one_per_category"),
            models.UniqueConstraint(fields=["seller", "category"], condition=Q(seller__isnull=False),
                                    name="policy_one_per_seller_category"),
        ]

    def __str__(self):
        scope = [str(self.seller) if self.seller_id else "", self.category]
        return " · ".join(s for s in scope if s) or str(_("Marketplace default"))


class CurrencyRate(models.Model):
    """How many units of a currency make one unit of the base currency; used only to compare amounts with
    policy thresholds, never to move money."""

    currency = models.CharField(max_length=3, unique=True)
    per_base = models.DecimalField(max_digits=18, decimal_places=6)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.currency} {self.per_base}"


class ReportState(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    AWAITING_RETURN = "awaiting_return", _("Waiting for the return")
    AWAITING_SELLER = "awaiting_seller", _("Waiting for the seller")
    IN_REVIEW = "in_review", _("A person is looking at it")
    DECLINED = "declined", _("Declined")


class ProblemReport(models.Model):
    """A customer's report of a problem with an order, and what was decided."""

    reference = models.CharField(max_length=16, unique=True)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="problem_reports")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="problem_reports")
    problem = models.CharField(max_length=24, choices=_choices(Problem, PROBLEM_LABELS))
    reason = models.CharField(max_length=24, blank=True)
    remedy = models.CharField(max_length=16, choices=[(r.value, r.value) for r in Remedy])
    comment = models.TextField(blank=True, max_length=2000)
    state = models.CharField(max_length=16, choices=ReportState.choices)
    outcome = models.CharField(max_length=16, choices=_choices(Outcome, OUTCOME_LABELS))
    review_reason = models.CharField(max_length=32, blank=True)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    liable = models.CharField(max_length=16, choices=_choices(Party, PARTY_LABELS))
    returnless = models.BooleanField(default=False)
    review_due_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", help_text=_("Empty when the decision was automatic."))
    decision_note = models.TextField(blank=True)
    request_key = models.CharField(max_length=64)
    request_fingerprint = models.CharField(
        max_length=64, blank=True, default="",
        help_text=_("A hash of what was asked (the order, the answers, the photos): the same request key with "
                    "another request is refused, not answered with this report."))
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    went_to_person = models.BooleanField(
        default=False, help_text=_("A person had to decide at some point (review or disputed claim)."))
    settled_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="settles",
                                   help_text=_("A later report that took this one over (a return never refunded)."))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "request_key"], name="report_unique_request_key"),
        ]
        indexes = [
            models.Index(fields=["order", "created_at"]),
            models.Index(fields=["customer", "created_at"]),
            models.Index(fields=["state", "created_at"]),
        ]

    def __str__(self):
        return self.reference


class ProblemItem(models.Model):
    report = models.ForeignKey(ProblemReport, on_delete=models.CASCADE, related_name="items")
    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()


class ProblemPhoto(models.Model):
    """A photo the customer attached. Served only through a view that checks who is asking."""

    report = models.ForeignKey(ProblemReport, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to="problem-photos/%Y/%m/")
    uploaded_at = models.DateTimeField(auto_now_add=True)


class ReturnState(models.TextChoices):
    AUTHORISED = "authorised", _("Waiting to be sent back")
    IN_TRANSIT = "in_transit", _("On its way back")
    RECEIVED = "received", _("Received")


class Return(models.Model):
    report = models.OneToOneField(ProblemReport, on_delete=models.CASCADE, related_name="parcel_return")
    code = models.CharField(max_length=16, unique=True)
    state = models.CharField(max_length=16, choices=ReturnState.choices, default=ReturnState.AUTHORISED)
    refund_when = models.CharField(max_length=16, choices=[(w.value, w.value) for w in RefundWhen])
    authorised_at = models.DateTimeField()
    first_scan_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    remedied_at = models.DateTimeField(null=True, blank=True)


class ClaimState(models.TextChoices):
    AWAITING_SELLER = "awaiting_seller", _("Waiting for the seller")
    DISPUTED = "disputed", _("Disputed by the seller: a person decides")
    NEEDS_PERSON = "needs_person", _("The seller did not respond: a person decides")
    CLOSED = "closed", _("Closed")


class Finding(models.TextChoices):
    BUYER = "buyer", _("For the buyer")
    SELLER = "seller", _("For the seller")


class GuaranteeClaim(models.Model):
    """The marketplace's guarantee behind a third-party seller: the seller has until `respond_by` to put
    it right; otherwise the marketplace refunds the buyer and debits the seller. Counts against the seller
    unless decided in the seller's favour."""

    report = models.OneToOneField(ProblemReport, on_delete=models.CASCADE, related_name="claim")
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="guarantee_claims")
    state = models.CharField(max_length=16, choices=ClaimState.choices, default=ClaimState.AWAITING_SELLER)
    respond_by = models.DateTimeField()
    refunded_at_once = models.BooleanField(default=False)
    close_automatically = models.BooleanField(
        default=True, help_text=_("At the deadline the marketplace refunds by itself; otherwise a person decides."))
    seller_statement = models.TextField(blank=True, max_length=4000)
    seller_responded_at = models.DateTimeField(null=True, blank=True)
    finding = models.CharField(max_length=8, choices=Finding.choices, blank=True)
    decided_automatically = models.BooleanField(default=False)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    appeal_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["state", "respond_by"]),
            models.Index(fields=["seller", "state"]),
        ]

    @property
    def counts_against_seller(self) -> bool:
        return self.finding != Finding.SELLER


# A seller's appeal against a claim decided against them is kept by trust's one appeal machine, under this kind
# and the claim's report reference (see `appeals`).
APPEAL_KIND = "guarantee_claim"


class RefundCause(models.TextChoices):
    PROBLEM = "problem", _("A problem the customer reported")
    CANCELLATION = "cancellation", _("The order was cancelled")
    ASSOCIATE = "associate", _("Given by a service associate")
    PROACTIVE = "proactive", _("Given before the customer had to ask")


class Refund(models.Model):
    """Money back to a customer, to the way they paid. Exactly one per idempotency key."""

    reference = models.CharField(max_length=16, unique=True)
    key = models.CharField(max_length=80, unique=True)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    report = models.ForeignKey(ProblemReport, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    paid_by = models.CharField(max_length=16, choices=_choices(Party, PARTY_LABELS))
    cause = models.CharField(max_length=16, choices=RefundCause.choices, default=RefundCause.PROBLEM,
                             help_text=_("Why: cancellations are not counted in a customer's refund pattern."))
    method = models.CharField(max_length=32)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]


class Replacement(models.Model):
    key = models.CharField(max_length=80, unique=True)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="replacements")
    report = models.ForeignKey(ProblemReport, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="replacements", help_text=_("None when an associate sent it."))
    value = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    liable = models.CharField(max_length=16, choices=_choices(Party, PARTY_LABELS))
    created_at = models.DateTimeField()


class Account(models.TextChoices):
    CUSTOMER_PAYOUT = "customer_payout", _("Paid back to customers")
    PLATFORM = "platform", _("The marketplace")
    SELLER = "seller", _("A seller")
    REPLACEMENTS = "replacements", _("Goods sent as replacements")
    CUSTOMER_CREDIT = "customer_credit", _("Goodwill credit given to customers")


class LedgerTransaction(models.Model):
    """One movement of money, once: the unique key is what makes a retry or a double click change nothing.
    Its entries always sum to zero."""

    key = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=24)
    order = models.ForeignKey(Order, null=True, on_delete=models.PROTECT, related_name="+")
    refund = models.OneToOneField(Refund, null=True, on_delete=models.PROTECT, related_name="transaction")
    claim = models.ForeignKey(GuaranteeClaim, null=True, on_delete=models.PROTECT, related_name="transactions")
    memo = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()


class LedgerEntry(models.Model):
    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="entries")
    account = models.CharField(max_length=16, choices=Account.choices)
    seller = models.ForeignKey(Seller, null=True, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(Order, null=True, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(**MONEY)  # positive: into the account; negative: out of it
    currency = models.CharField(max_length=3)

    class Meta:
        indexes = [
            models.Index(fields=["account", "order"]),
            models.Index(fields=["account", "seller"]),
        ]


class RefundBaseline(models.Model):
    """The marketplace's usual share of orders refunded (last 365 days), refreshed by `advocate tick`."""

    computed_at = models.DateTimeField()
    orders = models.PositiveIntegerField()
    refunded_orders = models.PositiveIntegerField()

    @property
    def rate(self) -> float:
        return self.refunded_orders / self.orders if self.orders else 0.0


class FlagState(models.TextChoices):
    OPEN = "open", _("Waiting for a person")
    REVIEWED = "reviewed", _("Reviewed")


class RefundPatternFlag(models.Model):
    """A customer whose refunds are far outside the norm, for a person to look at. Nothing is blocked."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="refund_flags")
    state = models.CharField(max_length=16, choices=FlagState.choices, default=FlagState.OPEN)
    orders = models.PositiveIntegerField()
    refunded_orders = models.PositiveIntegerField()
    baseline_rate = models.FloatField()
    z_score = models.FloatField()
    created_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer"], condition=Q(state="open"), name="flag_one_open_per_customer"),
        ]
