"""A conversation created, reclassified, linked to an order or deleted is counted again.

Django's model signals are the registry here: insights stands above cases, so it listens to its rows without
cases knowing, wherever a conversation is written (mail, the contact form, callbacks, an associate's
reclassification). Problem reports come through claims' own `REPORT_LISTENERS` instead, because a report's
items are written after the report. Rows written in bulk (the demo generator, a benchmark's COPY) send no
signals; `advocate insights-recount` counts those.
"""

from django.db.models.signals import post_delete, post_save

from advocate.cases.models import Conversation

from .models import ContactKind
from .services import contacts_refresh

# A conversation is saved on every message; only these fields change what it counts under.
_COUNTED_FIELDS = {"reason", "order", "order_id", "channel", "language", "created_at"}


def _conversation_saved(sender, instance, created, update_fields=None, raw=False, **kwargs):
    if raw or (not created and update_fields is not None and not _COUNTED_FIELDS & set(update_fields)):
        return
    contacts_refresh(ContactKind.CONVERSATION, [instance.pk])


def _conversation_deleted(sender, instance, **kwargs):
    contacts_refresh(ContactKind.CONVERSATION, [instance.pk])


def connect() -> None:
    post_save.connect(_conversation_saved, sender=Conversation, dispatch_uid="insights.conversation_saved")
    post_delete.connect(_conversation_deleted, sender=Conversation, dispatch_uid="insights.conversation_deleted")
