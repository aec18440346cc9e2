"""Triage's panel on the conversation page: what the newest message was understood to be, and a form to
correct it."""

from django.conf import settings

from advocate.core.panels import Panel
from advocate.core.reasons import ContactReason

from .models import Correction, Reading


def _reading(request, conversation, now):
    reading = (Reading.objects.filter(conversation=conversation).select_related("order")
               .order_by("-created_at", "-pk").first())
    if reading is None:
        return None
    current = {"reason": reading.reason, "language": reading.language, "abusive": reading.abusive,
               "wants_person": reading.wants_person}
    for correction in Correction.objects.filter(reading=reading).order_by("at"):
        value = correction.now
        current[correction.field] = value == "true" if correction.field in ("abusive", "wants_person") else value
    return {
        "reading": reading, "current": current, "corrected": current != {
            "reason": reading.reason, "language": reading.language, "abusive": reading.abusive,
            "wants_person": reading.wants_person},
        "percent": round(reading.confidence * 100), "reasons": ContactReason.choices,
        "languages": settings.LANGUAGES, "conversation": conversation,
        "language_name": dict(settings.LANGUAGES).get(current["language"], current["language"]),
    }


PANEL = Panel("triage.reading", "triage/_panel.html", _reading, order=10)
