"""Who else has a conversation open: each open page beats every few seconds, and a person counts as viewing
for PRESENCE_SECONDS after their last beat. Kept in the database, so every web process sees every beat."""

from datetime import datetime, timedelta

from django.utils import timezone

from ..models import Conversation, Viewer

PRESENCE_SECONDS = 30  # the page beats every 5 seconds: six missed beats and a person is gone


def presence_beat(*, conversation: Conversation, person, now: datetime | None = None) -> None:
    """This person has the conversation open now: one row per person and conversation, written over (one
    INSERT … ON CONFLICT UPDATE, which is safe when two tabs beat at once)."""
    Viewer.objects.bulk_create(
        [Viewer(conversation=conversation, person=person, seen_at=now or timezone.now())],
        update_conflicts=True, unique_fields=["conversation", "person"], update_fields=["seen_at"])


def presence_forget(*, now: datetime | None = None) -> int:
    """Rows of people long gone (run with `advocate tick`); the pages ignore expired rows anyway."""
    moment = now or timezone.now()
    deleted, _ = Viewer.objects.filter(seen_at__lt=moment - timedelta(seconds=PRESENCE_SECONDS * 10)).delete()
    return deleted
