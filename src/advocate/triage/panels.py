"""Triage's panel on the conversation page: what the newest message was understood to be, whether it was answered
automatically (or why a person has it), and a form to correct it."""

from django.conf import settings

from advocate.core.panels import Panel
from advocate.core.reasons import ContactReason

from .models import AutomaticAnswer, Correction, Reading
from .services import labels_now


def _reading(request, conversation, now):
    reading = (Reading.objects.filter(conversation=conversation).select_related("order")
               .order_by("-created_at", "-pk").first())
    if reading is None:
        return None
    current = labels_now(reading, Correction.objects.filter(reading=reading))
    return {
        "reading": reading, "current": current, "corrected": current != labels_now(reading, ()),
        "percent": round(reading.confidence * 100), "reasons": ContactReason.choices,
        "languages": settings.LANGUAGES, "conversation": conversation,
        "language_name": dict(settings.LANGUAGES).get(current["language"], current["language"]),
        "answer": AutomaticAnswer.objects.filter(conversation=conversation).first(),
    }


PANEL = Panel("triage.reading", "triage/_panel.html", _reading, order=10)
