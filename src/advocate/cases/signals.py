"""The search index follows every conversation and message written one at a time, wherever that happens
(mail in, replies, notes, the contact form, callbacks, an associate linking an order): Django's model signals
see them all. Rows written in bulk send none; `advocate search-reindex` is for those."""

from django.db.models.signals import post_delete, post_save

from .models import Conversation, Message
from .services.search import search_forget, search_index

# A conversation is saved on every message (state, times); only these fields are in its search document.
_INDEXED_FIELDS = {"subject", "name", "email", "customer", "customer_id", "order", "order_id"}


def _conversation_saved(sender, instance, created, update_fields=None, raw=False, **kwargs):
    if raw or (not created and update_fields is not None and not _INDEXED_FIELDS & set(update_fields)):
        return
    search_index([instance.pk])


def _conversation_deleted(sender, instance, **kwargs):
    search_forget([instance.pk])


def _message_written(sender, instance, raw=False, **kwargs):
    if not raw:
        search_index([instance.conversation_id])


def connect() -> None:
    post_save.connect(_conversation_saved, sender=Conversation, dispatch_uid="cases.search_conversation_saved")
    post_delete.connect(_conversation_deleted, sender=Conversation, dispatch_uid="cases.search_conversation_deleted")
    post_save.connect(_message_written, sender=Message, dispatch_uid="cases.search_message_saved")
    post_delete.connect(_message_written, sender=Message, dispatch_uid="cases.search_message_deleted")
