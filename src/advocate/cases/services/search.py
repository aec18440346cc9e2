"""The conversation search index: one document per conversation — its subject, the customer's name and
address, the order number, and every message's text and sender — cut into words by `cases.segment` and written
to `cases_search` (SQLite FTS5, or a PostgreSQL tsvector under a GIN index; see migration 0005).

Kept current by `cases.signals` whenever a conversation or a message is saved or deleted, wherever that happens
(mail, replies, notes, the contact form, callbacks). Rows written in bulk send no signals:
`advocate search-reindex` (`search_reindex`) builds the whole index again.
"""

from collections.abc import Iterable

from django.db import connection

from .. import segment
from ..models import Conversation, Message

REINDEX_BATCH = 2000


def _documents(ids: list[int]) -> dict[int, str]:
    parts: dict[int, list[str]] = {}
    for pk, subject, name, email, customer_name, customer_email, order_number in Conversation.objects.filter(
            pk__in=ids).values_list("pk", "subject", "name", "email", "customer__name", "customer__email",
                                    "order__external_id"):
        parts[pk] = [subject, name, email, customer_name or "", customer_email or "", order_number or ""]
    messages = (Message.objects.filter(conversation_id__in=list(parts))
                .order_by("conversation_id", "created_at", "pk")
                .values_list("conversation_id", "subject", "from_name", "from_email", "body"))
    for conversation_id, subject, from_name, from_email, body in messages:
        found = parts[conversation_id]
        if subject and subject != found[0]:
            found.append(subject)
        found.extend((from_name, from_email, body))
    return {pk: "\n".join(part for part in texts if part) for pk, texts in parts.items()}


def _write(documents: dict[int, str], *, gone: Iterable[int] = ()) -> None:
    gone = list(gone)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if gone:
                cursor.execute("DELETE FROM cases_search WHERE conversation_id = ANY(%s)", [gone])
            if documents:
                cursor.executemany(
                    "INSERT INTO cases_search (conversation_id, document) VALUES (%s, %s::tsvector) "
                    "ON CONFLICT (conversation_id) DO UPDATE SET document = EXCLUDED.document",
                    [(pk, segment.tsvector(text)) for pk, text in documents.items()])
        else:
            stale = [*gone, *documents]
            for start in range(0, len(stale), 500):
                chunk = stale[start:start + 500]
                cursor.execute(f"DELETE FROM cases_search WHERE rowid IN ({', '.join(['%s'] * len(chunk))})",
                               chunk)
            if documents:
                cursor.executemany("INSERT INTO cases_search (rowid, document) VALUES (%s, %s)",
                                   [(pk, segment.document(text)) for pk, text in documents.items()])


def search_index(conversation_ids: Iterable[int]) -> None:
    """Write the documents of these conversations again (and forget those that no longer exist)."""
    ids = sorted({pk for pk in conversation_ids if pk is not None})
    if not ids:
        return
    documents = _documents(ids)
    _write(documents, gone=[pk for pk in ids if pk not in documents])


def search_forget(conversation_ids: Iterable[int]) -> None:
    _write({}, gone=[pk for pk in conversation_ids if pk is not None])


def search_reindex(*, batch: int = REINDEX_BATCH) -> int:
    """The whole index built again from the conversations and messages; returns how many were indexed."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_search")
    count, after = 0, 0
    while True:
        ids = list(Conversation.objects.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return count
        _write(_documents(ids))
        count += len(ids)
        after = ids[-1]
