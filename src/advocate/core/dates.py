"""Days and times as a reader says them, in their language and time zone: 'tomorrow', 'Thursday', '3 December'."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

_ABSOLUTE_DAYS: ContextVar[bool] = ContextVar("absolute_days", default=False)


@contextmanager
def absolute_days() -> Iterator[None]:
    """For email, which may be read days after it was written: '3 December', never 'today' or 'Thursday'."""
    token = _ABSOLUTE_DAYS.set(True)
    try:
        yield
    finally:
        _ABSOLUTE_DAYS.reset(token)


def relative_day(moment: datetime, now: datetime) -> str:
    """'today', 'tomorrow', 'Thursday' (within a week either way) or '3 December', in local time."""
    local, today = timezone.localtime(moment), timezone.localtime(now).date()
    if _ABSOLUTE_DAYS.get():
        return formats.date_format(local, "MONTH_DAY_FORMAT")
    days = (local.date() - today).days
    if days == 0:
        return _("today")
    if days == 1:
        return _("tomorrow")
    if days == -1:
        return _("yesterday")
    if -6 <= days <= 6:
        weekday = formats.date_format(local, "l")
        # Django's Russian weekday names are capitalised; inside a sentence they are not.
        return weekday.lower() if get_language() == "ru" else weekday
    return formats.date_format(local, "MONTH_DAY_FORMAT")


def local_time(moment: datetime) -> str:
    return formats.time_format(timezone.localtime(moment), "H:i")
