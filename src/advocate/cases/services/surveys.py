""""Did we solve your problem?": the customer's answer."""

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from advocate.core.errors import Refused

from ..models import Survey

SURVEY_OPEN_DAYS = 30


def survey_answer(*, survey: Survey, solved: bool, effort: int | None, comment: str = "",
                  now: datetime | None = None) -> Survey:
    """Record the customer's answer; answering again (changing their mind) replaces it."""
    moment = now or timezone.now()
    if moment - survey.sent_at > timedelta(days=SURVEY_OPEN_DAYS):
        raise Refused("survey_closed", _("This survey has closed. If something is still wrong, reply to our email."))
    if effort is not None and not 1 <= effort <= 5:
        raise ValueError("effort is 1 to 5")
    survey.solved, survey.effort, survey.comment, survey.answered_at = solved, effort, comment.strip()[:2000], moment
    survey.save(update_fields=["solved", "effort", "comment", "answered_at"])
    return survey
