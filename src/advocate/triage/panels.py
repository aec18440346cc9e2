"""Triage's panel on the conversation page: what the newest message was understood to be, whether it was answered
automatically (or why a person has it), and a form to correct it."""

from django.conf import settings

from advocate.cases.models import ConversationState, Direction
from advocate.cases.selectors import answer_filled
from advocate.core.panels import Panel
from advocate.core.reasons import ContactReason

from .models import AutomaticAnswer, Correction, Reading
from .services import labels_now
from .suggestions import suggested


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


def _suggestions(request, conversation, now):
    """Answers from the library closest in meaning to what the customer wrote last, ready to insert."""
    last = conversation.messages.filter(direction=Direction.IN).order_by("-created_at", "-pk").first()
    if last is None or conversation.state == ConversationState.RESOLVED:
        return None
    found = suggested(last.body or last.subject, language=conversation.language)
    if not found:
        return None
    return {"answers": [{"answer": answer, "text": answer_filled(answer, conversation), "percent": round(score * 100)}
                        for answer, score in found]}


SUGGESTIONS = Panel("triage.suggestions", "triage/_suggestions.html", _suggestions, order=5)
