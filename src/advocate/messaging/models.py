"""Messages between a buyer and a seller, through the marketplace only: one thread per order.

What the other side reads is the masked text (email addresses, phone numbers and links hidden); the
original is kept for trust and safety staff only. Rows change only through `services`; models hold no
workflow.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from advocate.commerce.models import Customer, Order, Seller

from .rules import MAX_LENGTH, Side

SIDE_CHOICES = [(Side.BUYER.value, _("Buyer")), (Side.SELLER.value, _("Seller"))]


class Thread(models.Model):
    """Everything a buyer and a seller said about one order."""

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="message_thread")
    # Copied from the order so that a seller's or a buyer's list is one indexed query.
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="message_threads")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="message_threads")
    started_by = models.CharField(max_length=8, choices=SIDE_CHOICES)
    buyer_wrote = models.BooleanField(
        default=False, help_text=_("The buyer has written in this thread: the seller may always answer here."))
    waiting_since = models.DateTimeField(
        null=True, blank=True, help_text=_("When the oldest buyer message still waiting for the seller was sent."))
    created_at = models.DateTimeField()
    last_message_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["seller", "-last_message_at"]),
            models.Index(fields=["seller", "waiting_since"], condition=Q(waiting_since__isnull=False),
                         name="thread_seller_waiting"),
            models.Index(fields=["customer", "-last_message_at"]),
        ]

    def __str__(self):
        return f"{self.order_id}"


class Message(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    side = models.CharField(max_length=8, choices=SIDE_CHOICES)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    text = models.TextField(max_length=MAX_LENGTH, help_text=_("What the other side reads: contact details hidden."))
    original_text = models.TextField(
        max_length=MAX_LENGTH, help_text=_("Exactly as written. For trust and safety staff only."))
    hidden = models.JSONField(default=list, blank=True,
                              help_text=_("What was hidden: email, phone, link."))
    request_key = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    answered_at = models.DateTimeField(
        null=True, blank=True, help_text=_("A buyer's message: when the seller first wrote in the thread after it."))

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            # The same form sent twice (a double click, a retried request) is one message.
            models.UniqueConstraint(fields=["thread", "side", "request_key"], name="message_once_per_request"),
        ]
        indexes = [
            models.Index(fields=["thread", "created_at"]),
            models.Index(fields=["thread"], condition=Q(side=Side.BUYER.value, answered_at__isnull=True),
                         name="message_waiting"),
        ]

    def __str__(self):
        return f"{self.side} · {self.created_at:%Y-%m-%d %H:%M}"


class MessagePreference(models.Model):
    """A buyer's choice about messages from sellers. No row: the default (sellers may write first)."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, primary_key=True,
                                    related_name="message_preference")
    accepts_unsolicited = models.BooleanField(
        _("sellers may write to me first"), default=True,
        help_text=_("Off: sellers can only answer when you have written to them about an order."))
    updated_at = models.DateTimeField()


class FlagReason(models.TextChoices):
    OFF_PLATFORM = "off_platform", _("Asks to deal outside Advocate")
    ABUSIVE = "abusive", _("Rude, threatening or harassing")
    SCAM = "scam", _("Looks like a scam or asks for payment details")
    SPAM = "spam", _("Spam or advertising")
    OTHER = "other", _("Something else")


class FlagState(models.TextChoices):
    OPEN = "open", _("Waiting for review")
    REVIEWED = "reviewed", _("Reviewed")


class MessageFlag(models.Model):
    """Someone reported a message for staff to look at. Nothing is blocked by it: a person decides."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="flags")
    side = models.CharField(max_length=8, choices=SIDE_CHOICES, help_text=_("Who reported it."))
    flagged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    reason = models.CharField(max_length=16, choices=FlagReason.choices)
    note = models.TextField(blank=True, max_length=1000)
    created_at = models.DateTimeField()
    state = models.CharField(max_length=8, choices=FlagState.choices, default=FlagState.OPEN)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True, max_length=2000)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "flagged_by"], name="flag_once_per_person"),
        ]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self):
        return f"{self.get_reason_display()} · {self.message_id}"
