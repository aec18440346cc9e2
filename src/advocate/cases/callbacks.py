"""Which callback windows a customer can choose: the next few days' two-hour windows within calling hours,
in the customer's own time zone, not too soon to prepare and not already full. Plain Python: no Django."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class CallingHours:
    first: int = 9  # the first window starts at this hour, local time
    last: int = 19  # the last window ends at this hour
    length: timedelta = timedelta(hours=2)
    days: int = 3  # windows offered: today and the next days
    notice: timedelta = timedelta(minutes=30)  # time to prepare before a window starts


def windows(now: datetime, zone: ZoneInfo, hours: CallingHours, booked: dict[datetime, int],
            capacity: int) -> list[Window]:
    """Windows starting at least `notice` from now, in `zone`, skipping those with `capacity` callbacks
    booked already (`booked` counts by window start)."""
    local_now = now.astimezone(zone)
    offered = []
    for day in range(hours.days):
        date = local_now.date() + timedelta(days=day)
        start = datetime.combine(date, time(hours.first), tzinfo=zone)
        while start + hours.length <= datetime.combine(date, time(hours.last), tzinfo=zone):
            if start >= now + hours.notice and booked.get(start, 0) < capacity:
                offered.append(Window(start, start + hours.length))
            start += hours.length
    return offered


def at_risk(window_end: datetime, now: datetime, margin: timedelta) -> bool:
    """A callback not yet made whose window closes within `margin`: raise it before it is missed."""
    return now < window_end <= now + margin
