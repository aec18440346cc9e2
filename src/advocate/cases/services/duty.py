"""The service-duty rota: operators and managers serve customers too."""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from advocate.core.errors import Invalid

from ..models import DutyShift


def duty_book(*, person, day, note: str, by, now: datetime | None = None) -> DutyShift:
    """Book a service-duty day; booking the same person and day again changes nothing."""
    if not (person.is_operator or person.is_associate):
        raise Invalid("not_staff", _("Only service staff, operators and managers are on the rota."), field="person")
    if day < timezone.localdate():
        raise Invalid("day_past", _("Choose today or a day to come."), field="day")
    shift, _created = DutyShift.objects.get_or_create(
        person=person, day=day, defaults={"note": note.strip()[:200], "booked_by": by,
                                          "created_at": now or timezone.now()})
    return shift


def duty_cancel(*, shift_id: int) -> None:
    """Days to come can be taken off the rota; days served stay on the record."""
    DutyShift.objects.filter(pk=shift_id, day__gte=timezone.localdate()).delete()
