from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from advocate.cases.models import Conversation, Message
from advocate.commerce.models import Order
from advocate.core.reasons import ContactReason


class AnswerPolicy(models.Model):
    """An operator's choice for one reason: answer automatically or not, and how sure the model must be. With
    no row, the defaults hold: automatic answers on, at the threshold tuned when the model was trained."""

    reason = models.CharField(max_length=24, choices=ContactReason.choices, unique=True)
    automatic = models.BooleanField(default=True)
    threshold = models.FloatField(null=True, blank=True, help_text=_("Empty: the model's own tuned threshold."))
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")


class OrderFoundBy(models.TextChoices):
    NUMBER = "number", _("Order number in the message")
    TRACKING = "tracking", _("Tracking number in the message")
    PRODUCT = "product", _("Product named in the message")
    RECENT = "recent", _("The customer's most relevant open order")
    CONVERSATION = "conversation", _("Already linked to the conversation")


class Reading(models.Model):
    """What triage understood of one inbound message, as predicted (kept even after an associate corrects the
    conversation, so predictions and corrections can be compared and learnt from)."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="triage")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="triage_readings")
    language = models.CharField(max_length=12)
    reason = models.CharField(max_length=24, choices=ContactReason.choices)
    confidence = models.FloatField()
    runner_up = models.CharField(max_length=24, choices=ContactReason.choices)
    abusive = models.BooleanField(default=False)
    wants_person = models.BooleanField(default=False)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    order_found_by = models.CharField(max_length=12, choices=OrderFoundBy.choices, blank=True)
    would_auto_answer = models.BooleanField(default=False)
    model = models.CharField(max_length=16, help_text=_("Fingerprint of the model that read it."))
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["conversation", "-created_at"])]


class Correction(models.Model):
    """An associate's correction of a reading: the message's text with the right labels is training data."""

    class Field(models.TextChoices):
        REASON = "reason", _("Reason")
        LANGUAGE = "language", _("Language")
        ABUSIVE = "abusive", _("Abusive")
        WANTS_PERSON = "wants_person", _("Asks for a person")

    reading = models.ForeignKey(Reading, on_delete=models.CASCADE, related_name="corrections")
    field = models.CharField(max_length=16, choices=Field.choices)
    was = models.CharField(max_length=24)
    now = models.CharField(max_length=24)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField()
