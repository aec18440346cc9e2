from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from advocate.claims.models import LedgerTransaction, Refund, Replacement
from advocate.commerce.models import Instruction, Order

from . import rules


class RemedySettings(models.Model):
    """The operators' switches for the proactive rules: one row (with none, `rules.Settings`' defaults hold)."""

    late_on = models.BooleanField(default=rules.Settings.late_on)
    ship_grace_hours = models.PositiveIntegerField(default=rules.Settings.ship_grace_hours)
    credit_for = models.CharField(max_length=8, default=rules.Settings.credit_for,
                                  choices=[(rules.CreditFor.NOBODY, _("Nobody")),
                                           (rules.CreditFor.MEMBERS, _("Members")),
                                           (rules.CreditFor.EVERYONE, _("Everyone"))])
    credit_percent = models.DecimalField(max_digits=5, decimal_places=2, default=rules.Settings.credit_percent)
    monthly_budget = models.DecimalField(max_digits=12, decimal_places=2, default=rules.Settings.monthly_budget)
    stalled_on = models.BooleanField(default=rules.Settings.stalled_on)
    stalled_days = models.PositiveIntegerField(default=rules.Settings.stalled_days)
    remedy_days = models.PositiveIntegerField(default=rules.Settings.remedy_days)
    remedy = models.CharField(max_length=8, default=rules.Settings.remedy,
                              choices=[(rules.Remedy.REFUND, _("Refund it")),
                                       (rules.Remedy.RESHIP, _("Send it again"))])
    digital_on = models.BooleanField(default=rules.Settings.digital_on)
    playback_threshold = models.DecimalField(max_digits=3, decimal_places=2,
                                             default=rules.Settings.playback_threshold)
    price_on = models.BooleanField(default=rules.Settings.price_on)
    price_days = models.PositiveIntegerField(default=rules.Settings.price_days)
    elsewhere_on = models.BooleanField(default=rules.Settings.elsewhere_on)
    delight_on = models.BooleanField(default=rules.Settings.delight_on)
    loyal_orders = models.PositiveIntegerField(default=rules.Settings.loyal_orders)
    delight_percent = models.PositiveIntegerField(default=rules.Settings.delight_percent)
    delight_budget = models.PositiveIntegerField(default=rules.Settings.delight_budget)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")


class Firing(models.Model):
    """One step of a rule carried out on one order — once, however often events repeat or the clock ticks —
    with what it did."""

    rule = models.CharField(max_length=12, choices=[(rules.Rule.LATE, _("Late against the promise")),
                                                    (rules.Rule.STALLED, _("Tracking stalled")),
                                                    (rules.Rule.DIGITAL, _("Poor digital delivery")),
                                                    (rules.Rule.PRICE_DROP, _("Price drop")),
                                                    (rules.Rule.DELIGHT, _("Surprise and delight")),
                                                    (rules.Rule.STOCK_OUT, _("Cancelled for lack of stock"))])
    step = models.CharField(max_length=8, choices=[(rules.Step.TELL, _("Told the customer")),
                                                   (rules.Step.TRACE, _("Asked the carrier to trace it")),
                                                   (rules.Step.REMEDY, _("Refunded or sent again")),
                                                   (rules.Step.UPGRADE, _("Shipping upgraded as a thank-you"))])
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="remedies")
    subject = models.CharField(max_length=64, blank=True, help_text=_("The item it was about (its SKU), when one."))
    at = models.DateTimeField()
    credit = models.ForeignKey(LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    credit_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True,
                                        help_text=_("The goodwill credit given, in the order's currency."))
    credit_in_base = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True,
                                         help_text=_("The credit in the base currency, counted against the budget."))
    over_budget = models.BooleanField(default=False, help_text=_("A credit was due but the month's budget was spent."))
    refund = models.ForeignKey(Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    replacement = models.ForeignKey(Replacement, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    instruction = models.ForeignKey(Instruction, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    help_text=_("The carrier trace asked of the shop."))
    estimate = models.DateTimeField(null=True, blank=True, help_text=_("The carrier's estimate when we told them."))
    promise_due = models.DateTimeField(null=True, blank=True, help_text=_("When we said we would act by."))
    detail = models.JSONField(default=dict, blank=True, help_text=_("What we pointed the customer to, when we did."))
    settled_at = models.DateTimeField(null=True, blank=True, help_text=_(
        "A trace: when its promise was kept (the parcel was heard of again, or it was put right)."))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "step", "order", "subject"],
                                               name="one_firing_per_step")]
        indexes = [models.Index(fields=["at"])]
        ordering = ["at", "pk"]


class IncidentKind(models.TextChoices):
    CARRIER = "carrier", _("A carrier (parcels with it on their way)")
    REGION = "region", _("A region (orders on their way there)")
    WAREHOUSE = "warehouse", _("Our warehouse (orders we ship, not delivered yet)")
    PRODUCT = "product", _("A product (everyone who bought it since a day)")
    PAYMENT = "payment", _("Payments (orders whose payment has not come through)")


class Incident(models.Model):
    """Something an operator declares that delays or spoils many orders at once — a carrier's hub, a region, our
    warehouse, a product batch — so every affected customer is told before they write, with the remedy."""

    kind = models.CharField(max_length=12, choices=IncidentKind.choices)
    value = models.CharField(max_length=200, blank=True, help_text=_(
        "The carrier's name, the place as it appears in addresses, or the product's SKU."))
    title = models.CharField(max_length=200, help_text=_("What happened, for staff."))
    note = models.TextField(blank=True, help_text=_("What we are doing, in the operator's words, for customers."))
    since = models.DateTimeField(help_text=_("Orders placed from then on are affected."))
    expect_by = models.DateTimeField(null=True, blank=True, help_text=_("When we expect it to be over."))
    credit_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    declared_at = models.DateTimeField()
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["-declared_at", "-pk"]


class IncidentNotice(models.Model):
    """One affected order told of an incident (once), with the credit it brought."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notices")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="incident_notices")
    at = models.DateTimeField()
    credit = models.ForeignKey(LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    credit_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "order"], name="one_notice_per_order")]
