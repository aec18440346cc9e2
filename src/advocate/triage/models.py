from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from advocate.cases.models import Conversation, Message
from advocate.claims.models import ProblemReport
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


class NeedsPerson(models.TextChoices):
    """Why a message was left for a person (`rules.Person`)."""

    ABUSIVE = "abusive", _("Abusive toward people")
    ASKS = "asks_for_person", _("Asks for a person")
    JUDGEMENT = "needs_judgement", _("A reason people decide")
    SWITCHED_OFF = "switched_off", _("Automatic answers are off for this reason")
    UNSURE = "unsure", _("Not sure enough of the reason")
    LANGUAGE = "language", _("Not a language we answer in")
    NO_ORDER = "no_order", _("No order to answer about")
    CONVERSATION = "conversation", _("Part of a conversation already under way")
    STRANGER = "stranger", _("Not from a customer we know")
    SAW_ANSWER = "saw_answer", _("Saw the likely answer on the contact form and wrote anyway")


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
    needs_person = models.CharField(max_length=16, choices=NeedsPerson.choices, blank=True,
                                    help_text=_("Why it was left for a person; empty when it could be answered."))
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


class AnswerAction(models.TextChoices):
    TOLD = "told", _("Told the facts")
    CANCELLED = "cancelled", _("Cancelled the order")
    REPORTED = "reported", _("Reported the problem for them")
    LINKED = "linked", _("Sent the link to the right form")


class AutomaticAnswer(models.Model):
    """The one automatic answer a conversation may get, to its first message: what it said and what it did. A
    conversation never gets a second one; the customer's reply to it goes to a person."""

    reading = models.OneToOneField(Reading, on_delete=models.CASCADE, related_name="answer")
    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="automatic_answer")
    message = models.OneToOneField(Message, null=True, on_delete=models.SET_NULL, related_name="+",
                                   help_text=_("The answer as sent, in the conversation."))
    reason = models.CharField(max_length=24, choices=ContactReason.choices)
    language = models.CharField(max_length=12)
    action = models.CharField(max_length=12, choices=AnswerAction.choices)
    report = models.ForeignKey(ProblemReport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               help_text=_("The request filed for the customer, when the answer acted."))
    customer_replied_at = models.DateTimeField(null=True, blank=True,
                                               help_text=_("When the customer answered it (it then went to a person)."))
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["created_at"])]
