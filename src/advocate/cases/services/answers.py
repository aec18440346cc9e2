"""The answer library: consistent answers to routine questions, the team's own."""

from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from advocate.core.errors import Invalid, Refused
from advocate.core.reasons import ContactReason

from ..models import Answer


def answer_save(*, answer: Answer | None, by, title: str, body: str, language: str, family: str,
                reason: str = "", now: datetime | None = None) -> Answer:
    """Create (`answer` None) or change an answer; any associate may: the library is the team's own. One answer
    per family and language: the translations of one answer share its family."""
    if not title.strip() or not body.strip():
        raise Invalid("answer_incomplete", _("An answer needs a title and a text."))
    if language not in dict(settings.LANGUAGES):
        raise Invalid("unknown_language", _("Choose one of the languages we answer in."), field="language")
    if reason and reason not in ContactReason.values:
        raise Invalid("unknown_reason", _("Choose a contact reason from the list."), field="reason")
    taken = Answer.objects.filter(family=family, language=language).exclude(pk=answer.pk if answer else None)
    if taken.exists():
        raise Refused("answer_exists", _("There is already an answer in this language in this family; change that "
                                         "one."), field="language")
    answer = answer or Answer()
    answer.title, answer.body, answer.language, answer.family, answer.reason = (
        title.strip(), body.strip(), language, family, reason)
    answer.updated_by, answer.updated_at = by, now or timezone.now()
    answer.save()
    return answer
