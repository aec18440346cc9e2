"""Email we send: written in the same transaction as the decision it reports, sent after it commits."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EmailState(models.TextChoices):
    QUEUED = "queued", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Gave up after repeated failures")


class OutboundEmail(models.Model):
    key = models.CharField(max_length=120, unique=True, help_text=_("An email with the same key is never sent twice."))
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    language = models.CharField(max_length=12)
    message_id = models.CharField(max_length=200)
    reply_to = models.CharField(max_length=254, blank=True)
    headers = models.JSONField(default=dict, blank=True, help_text=_("Threading headers: In-Reply-To, References."))
    automatic = models.BooleanField(default=True, help_text=_("Written by Advocate, not by a person (Auto-Submitted)."))
    order = models.ForeignKey("commerce.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(max_length=8, choices=EmailState.choices, default=EmailState.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField()
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self):
        return f"{self.subject} → {self.to}"
