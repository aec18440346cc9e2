"""Contacts and orders counted for insight. Every row here can be rebuilt from the domains' own tables
(`advocate insights-recount`); they exist so a page over a million orders reads a few thousand counters."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from advocate.commerce.models import Order


class ContactKind(models.TextChoices):
    CONVERSATION = "conversation", _("Conversation")
    PROBLEM_REPORT = "problem_report", _("Problem report")


class Contact(models.Model):
    """One contact, as insights counts it: its source, and what it counts under (see `rules.Fact`)."""

    kind = models.CharField(max_length=16, choices=ContactKind.choices)
    source_id = models.BigIntegerField()
    created_at = models.DateTimeField()
    day = models.DateField()
    reason = models.CharField(max_length=24, blank=True)
    channel = models.CharField(max_length=16)
    language = models.CharField(max_length=12)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    seller = models.CharField(max_length=64, blank=True)
    fulfilment = models.CharField(max_length=16, blank=True)
    carrier = models.CharField(max_length=64, blank=True)
    products = models.JSONField(default=list)  # commerce.Product ids, as text

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "source_id"], name="insights_contact_source")]
        indexes = [models.Index(fields=["day", "reason"])]


class ContactCount(models.Model):
    """Contacts of one day and reason under one (dimension, value)."""

    day = models.DateField()
    reason = models.CharField(max_length=24, blank=True)
    dimension = models.CharField(max_length=12)
    value = models.CharField(max_length=64, blank=True)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dimension", "value", "day", "reason"],
                                               name="insights_contactcount_key")]


class OrderCount(models.Model):
    """Orders placed (shipments sent, for carriers) on one day under one (dimension, value)."""

    day = models.DateField()
    dimension = models.CharField(max_length=12)
    value = models.CharField(max_length=64, blank=True)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dimension", "value", "day"], name="insights_ordercount_key")]


class SpikeState(models.TextChoices):
    OPEN = "open", _("Open")
    SUBSIDED = "subsided", _("Subsided")


class Spike(models.Model):
    """A reason's rate for one product, seller or carrier well above its own baseline (see `rules.spike`),
    with the evidence as last measured. It stays open while the test still finds it, then subsides."""

    dimension = models.CharField(max_length=12)
    value = models.CharField(max_length=64)
    reason = models.CharField(max_length=24, blank=True)
    state = models.CharField(max_length=10, choices=SpikeState.choices, default=SpikeState.OPEN)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    window_start = models.DateField()
    window_end = models.DateField()
    contacts = models.IntegerField()
    orders = models.IntegerField()
    rate = models.FloatField(help_text=_("Contacts per order in the window."))
    baseline = models.FloatField(help_text=_("Contacts per order expected from the weeks before."))
    p_value = models.FloatField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dimension", "value", "reason"],
                                               condition=models.Q(state="open"), name="insights_one_open_spike")]


class SpikeCheck(models.Model):
    """When spikes were last looked for (one row): the test reads weeks of counters, so it runs hourly, not on
    every tick."""

    checked_at = models.DateTimeField()


class DefectState(models.TextChoices):
    OPEN = "open", _("Open")
    FIXED = "fixed", _("Fixed")


class Defect(models.Model):
    """Root-cause work: why customers contact us about one thing, who is removing the cause, and — once fixed
    — whether the contact rate really fell."""

    title = models.CharField(max_length=200)
    dimension = models.CharField(max_length=12)
    value = models.CharField(max_length=64)
    reason = models.CharField(max_length=24, blank=True)
    cause = models.TextField(blank=True)
    owner = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(max_length=10, choices=DefectState.choices, default=DefectState.OPEN)
    spike = models.ForeignKey(Spike, null=True, blank=True, on_delete=models.SET_NULL, related_name="defects")
    contacts = models.ManyToManyField(Contact, blank=True, related_name="defects")
    opened_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField()
    fixed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "-opened_at"])]


class WowStory(models.Model):
    """A moment worth celebrating, recorded by the associate who made it happen (or saw it)."""

    conversation = models.ForeignKey("cases.Conversation", on_delete=models.CASCADE, related_name="+")
    by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    story = models.TextField(max_length=2000)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["-created_at"])]
