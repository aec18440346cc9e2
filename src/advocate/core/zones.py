"""Time zones named by people and systems, which may be wrong: a bad name falls back to UTC."""

import zoneinfo
from contextlib import contextmanager

from django.utils import timezone, translation


def zone_or_utc(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


@contextmanager
def reader(language: str, time_zone: str):
    """Speak as to this person: their language and their time zone, for as long as the block runs."""
    with translation.override(language), timezone.override(zone_or_utc(time_zone)):
        yield
