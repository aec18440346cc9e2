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
    skus = models.JSONField(default=list)

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
