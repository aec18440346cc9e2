"""Seller account health: buyers' ratings, chargebacks, and the incremental figures behind each metric.

Each order (and each buyer message) remembers the contributions it last made to its seller's day counters
(`health.order_contributions`); an event about it changes only its own row and a handful of counters, so the
cost of one event does not grow with the seller's history. Rows change only through `services`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from advocate.commerce.models import Customer, Order, Seller

from .health import DEFAULT_TARGETS, Metric

METRIC_LABELS = {
    Metric.ORDER_DEFECT_RATE: _("Order defect rate"),
    Metric.PRE_FULFILMENT_CANCELLATION_RATE: _("Cancelled before shipping"),
    Metric.LATE_SHIPMENT_RATE_10: _("Late shipment (10 days)"),
    Metric.LATE_SHIPMENT_RATE_30: _("Late shipment (30 days)"),
    Metric.VALID_TRACKING_RATE: _("Valid tracking"),
    Metric.ON_TIME_DELIVERY_RATE: _("On-time delivery"),
    Metric.MESSAGE_RESPONSE_RATE: _("Messages answered within 24 hours"),
}


class Rating(models.Model):
    """A buyer's rating of the seller after an order: 1–2 stars is negative feedback, an order defect."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="rating")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="ratings")
    stars = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True, help_text=_("As the seller sees it: contact details hidden."))
    comment_original = models.TextField(blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(stars__gte=1, stars__lte=5), name="rating_1_to_5")]
        indexes = [models.Index(fields=["seller", "-created_at"])]


class Chargeback(models.Model):
    """The buyer's bank took a payment back (`payment.chargeback` event): an order defect."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="chargebacks")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    reason = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField()


class HealthTarget(models.Model):
    """An operator's setting for one metric: its window and limit (defaults in `health.DEFAULT_TARGETS`)."""

    metric = models.CharField(max_length=40, unique=True, choices=[(m.value, METRIC_LABELS[m]) for m in Metric])
    window_days = models.PositiveIntegerField(_("window (days)"))
    limit = models.DecimalField(_("limit (%)"), max_digits=5, decimal_places=2,
                                help_text=_("Percent. A rate must stay under it, or for tracking, delivery and "
                                            "messages, at or above it."))

    @classmethod
    def default(cls, metric: Metric) -> "HealthTarget":
        target = DEFAULT_TARGETS[metric]
        return cls(metric=metric.value, window_days=target.window_days, limit=round(target.limit * 100, 2))


class OrderHealth(models.Model):
    """What one order last contributed to its seller's figures, and the facts to list it behind a figure."""

    order = models.OneToOneField(Order, primary_key=True, on_delete=models.CASCADE, related_name="health")
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="+")
    contributions = models.JSONField(default=dict)
    next_check_at = models.DateTimeField(null=True, blank=True, help_text=_("When time alone changes it."))
    defective = models.BooleanField(default=False)
    negative_feedback = models.BooleanField(default=False)
    claim_against_seller = models.BooleanField(default=False)
    chargeback = models.BooleanField(default=False)
    cancelled_before_shipping = models.BooleanField(default=False)
    late_shipment = models.BooleanField(default=False)
    tracking_invalid = models.BooleanField(default=False)
    late_delivery = models.BooleanField(default=False)
    placed_at = models.DateTimeField()

    class Meta:
        # "The orders behind a figure" read only the orders carrying its flag, however many the seller has.
        indexes = [models.Index(fields=["seller", flag, "placed_at"], name=f"order_health_{flag}"[:30]) for flag in (
            "defective", "cancelled_before_shipping", "late_shipment", "tracking_invalid", "late_delivery")] + [
            models.Index(fields=["next_check_at"])]


class MessageHealth(models.Model):
    """What one buyer message last contributed to its seller's message-response figure."""

    key = models.CharField(max_length=64, unique=True)
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    contributions = models.JSONField(default=dict)
    next_check_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["next_check_at"])]


class HealthDay(models.Model):
    """One counter of one seller on one day (UTC), kept up to date incrementally."""

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    counter = models.CharField(max_length=32)
    value = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["seller", "day", "counter"], name="health_day_unique")]
