"""Everyone serves: operators and managers spend a few days on service duty every so often, so the people who
decide about service keep hearing customers themselves. Who is due, from the days they served and the days
they are booked for. Plain Python: no Django."""

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Duty:
    served: int  # days served within the period, up to today
    booked: int  # days booked from today on
    required: int
    next_day: date | None

    @property
    def due(self) -> bool:
        """Not enough days served or booked to meet this period's duty."""
        return self.served + self.booked < self.required


def period_start(today: date, months: int) -> date:
    return today - timedelta(days=round(months * 365.25 / 12))


def duty(days: list[date], today: date, *, required: int, months: int) -> Duty:
    since = period_start(today, months)
    coming = sorted(day for day in days if day >= today)
    return Duty(served=sum(since <= day < today for day in days), booked=len(coming), required=required,
                next_day=coming[0] if coming else None)
