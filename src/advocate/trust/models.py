"""Account actions and the statements of reasons that come with them, appeals, promises, and the audit log.

Nobody — seller or customer — has an action taken against them without a reason, a notice and a way to
appeal: an action cannot be stored without its statement (the database refuses it too). Rows change only
through `services`; models hold no workflow.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from advocate.commerce.models import Customer, Product, Seller


class ActionKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    RESTRICTION = "restriction", _("Restriction")
    SUSPENSION = "suspension", _("Suspension")
    TERMINATION = "termination", _("Termination")
    LISTING_PULLED = "listing_pulled", _("Listing taken down")
    CUSTOMER_CLOSED = "customer_closed", _("Account closed")


class ActionState(models.TextChoices):
    SCHEDULED = "scheduled", _("Notice given; takes effect later")
    ACTIVE = "active", _("In effect")
    LIFTED = "lifted", _("Lifted")
    REVERSED = "reversed", _("Reversed on appeal")


class AccountAction(models.Model):
    """One action against a seller, a listing or a customer, with its statement of reasons: what was done, its
    scope and duration, the facts behind it, whether it was decided automatically, the rule it rests on, and
    how to appeal. The statement as sent is kept word for word."""

    reference = models.CharField(max_length=16, unique=True)
    seller = models.ForeignKey(Seller, null=True, blank=True, on_delete=models.PROTECT, related_name="actions")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="actions")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="actions")
    kind = models.CharField(max_length=16, choices=ActionKind.choices)
    state = models.CharField(max_length=10, choices=ActionState.choices)
    scope = models.CharField(_("scope"), max_length=300, help_text=_("What it covers, e.g. new listings."))
    facts = models.TextField(_("facts"), help_text=_("The facts and circumstances it rests on."))
    rule = models.CharField(_("rule or term"), max_length=300,
                            help_text=_("The rule or term of service it applies."))
    automated = models.BooleanField(help_text=_("Decided automatically, without a person."))
    metric = models.CharField(max_length=40, blank=True, help_text=_("The account-health figure it is about."))
    effective_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True, help_text=_("Empty: until lifted."))
    appeal_until = models.DateTimeField()
    statement = models.TextField(help_text=_("The statement of reasons exactly as sent."))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(seller__isnull=False) | Q(customer__isnull=False), name="action_has_a_subject"),
            models.CheckConstraint(
                condition=Q(scope__gt="") & Q(facts__gt="") & Q(rule__gt="") & Q(statement__gt=""),
                name="action_has_a_statement_of_reasons"),
            models.CheckConstraint(condition=Q(appeal_until__gt=models.F("effective_at")),
                                   name="action_can_be_appealed"),
        ]
        indexes = [models.Index(fields=["seller", "state"]), models.Index(fields=["customer", "state"]),
                   models.Index(fields=["state", "effective_at"])]

    def __str__(self):
        return self.reference


class AppealState(models.TextChoices):
    OPEN = "open", _("Waiting for a decision")
    UPHELD = "upheld", _("Decision upheld")
    REVERSED = "reversed", _("Decision reversed")


class Appeal(models.Model):
    """The affected person's answer to a decision, free, decided by a person (never by the automation alone)
    within the deadline the operator sets, with reasons. Its subject is an account action here, or a decision
    another domain owns and registered (`appeals.APPEAL_SUBJECTS`: a guarantee claim decided against a
    seller), named by its kind and reference."""

    action = models.ForeignKey(AccountAction, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="appeals")
    subject_kind = models.CharField(max_length=32, blank=True, help_text=_("Empty: an account action."))
    subject_reference = models.CharField(max_length=32, blank=True)
    seller = models.ForeignKey(Seller, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               help_text=_("Who appealed: a seller…"))
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 help_text=_("…or a customer."))
    statement = models.TextField(max_length=8000)
    plan = models.TextField(max_length=8000, blank=True, help_text=_("What they will do so it does not happen again."))
    channel = models.CharField(max_length=8, default="web")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    filed_at = models.DateTimeField()
    due_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=AppealState.choices, default=AppealState.OPEN)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reasons = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["action"], condition=Q(state="open"), name="one_open_appeal_per_action"),
            models.UniqueConstraint(fields=["subject_kind", "subject_reference"],
                                    condition=Q(state="open") & ~Q(subject_kind=""),
                                    name="one_open_appeal_per_subject"),
            models.CheckConstraint(
                condition=(Q(action__isnull=False) & Q(subject_kind="")) | (Q(action__isnull=True) & ~Q(subject_kind="")
                                                                            & ~Q(subject_reference="")),
                name="appeal_has_one_subject"),
            # Decided means decided by a person, with reasons.
            models.CheckConstraint(
                condition=Q(state="open") | (Q(decided_by__isnull=False) & Q(reasons__gt="")),
                name="appeal_decided_by_a_person_with_reasons"),
        ]
        indexes = [models.Index(fields=["subject_kind", "subject_reference"])]


class PromiseState(models.TextChoices):
    OPEN = "open", _("Open")
    KEPT = "kept", _("Kept")
    BROKEN = "broken", _("Broken")


class Promise(models.Model):
    """Something we told a customer or seller we would do by a certain time ("we will call you back", "we will
    decide within 48 hours"). Raised when about to be broken; broken ones are counted."""

    key = models.CharField(max_length=80, unique=True, help_text=_("What it is about, e.g. callback:12."))
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    seller = models.ForeignKey(Seller, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    what = models.CharField(max_length=300)
    link = models.CharField(max_length=300, blank=True, help_text=_("Where staff keep it."))
    made_at = models.DateTimeField()
    due_at = models.DateTimeField()
    state = models.CharField(max_length=8, choices=PromiseState.choices, default=PromiseState.OPEN)
    raised_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "due_at"])]


class AuditEntry(models.Model):
    """Who did what and why, for operators: every account action, appeal, decision and lifting."""

    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", help_text=_("Empty: the automation."))
    verb = models.CharField(max_length=40)
    subject = models.CharField(max_length=200)
    reason = models.TextField(blank=True)
    action = models.ForeignKey(AccountAction, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit")

    class Meta:
        indexes = [models.Index(fields=["-at"])]

