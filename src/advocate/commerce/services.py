"""Writes to the marketplace model. Inbound events are the main way anything changes."""

import hashlib
import hmac
import secrets

from django.utils import timezone
from django.utils.translation import gettext as _

from advocate.core.db import retrying_write

from .intake import Batch, EventOutcome, parse_items, resolve_data_errors
from .models import Instruction, InstructionCounter, InstructionKind, Integration, Order

MAX_BATCH = 1000


# --- integrations and their keys -------------------------------------------------------------------


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def integration_create(*, name: str) -> tuple[Integration, str]:
    """Create an integration and return it with its API key; only the key's hash is stored."""
    name = name.strip()
    if not name:
        raise ValueError(_("An integration needs a name."))
    if Integration.objects.filter(name=name).exists():
        raise ValueError(_("An integration named “%(name)s” already exists.") % {"name": name})
    prefix = secrets.token_hex(4)
    key = f"adv_{prefix}_{secrets.token_urlsafe(32)}"
    integration = Integration.objects.create(name=name, key_prefix=prefix, key_hash=_hash_key(key))
    return integration, key


def integration_authenticate(key: str) -> Integration | None:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != "adv":
        return None
    integration = Integration.objects.filter(key_prefix=parts[1], is_active=True).first()
    if integration is None or not hmac.compare_digest(integration.key_hash, _hash_key(key)):
        return None
    return integration


# --- event intake ----------------------------------------------------------------------------------


def events_ingest(*, items: list, integration: Integration | None = None) -> list[EventOutcome]:
    """Apply a batch of events, each exactly once; return each item's outcome, in order.

    A bad item is rejected with the field at fault and changes nothing, while the good items around it
    apply. The same (source, id) again — in the same batch, a later one or a concurrent request — is a
    duplicate and changes nothing (see `intake` for how).
    """
    if len(items) > MAX_BATCH:
        raise ValueError(f"a batch holds at most {MAX_BATCH} events; this one has {len(items)}")
    parsed, rejected, data_errors = parse_items(items)
    # Another request may commit one of our events (or a customer, product… we were about to create) first:
    # the batch is then simply applied again and sees what the other committed.
    outcomes = retrying_write(lambda: Batch(parsed, integration).apply() + resolve_data_errors(data_errors))
    return sorted(outcomes + rejected, key=lambda o: o.index)


# --- the shop's instruction feed ------------------------------------------------------------------


def instruct(*, key: str, kind: InstructionKind, order: Order | None, payload: dict) -> Instruction:
    """Tell the shop's systems to carry something out, once per key. Call inside the transaction that decided
    it: the instruction is published when, and only if, that decision commits.

    Sequence numbers are given out under a lock on one counter row, held until this transaction commits,
    so they follow commit order: a reader that has seen number n will never later find a smaller one
    appear (numbers from an auto-increment column are given out at insert, and a slow transaction would
    commit a number a reader has already passed)."""
    existing = Instruction.objects.filter(key=key).first()
    if existing is not None:
        return existing
    counter, _created = InstructionCounter.objects.select_for_update().get_or_create(pk=1)
    counter.value += 1
    counter.save(update_fields=["value"])
    return Instruction.objects.create(sequence=counter.value, key=key, kind=kind, order=order, payload=payload,
                                      created_at=timezone.now())
