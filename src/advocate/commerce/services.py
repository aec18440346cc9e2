"""Writes to the marketplace model. Inbound events are the main way anything changes."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from advocate.accounts.models import Role, User
from advocate.core.db import retrying_write
from advocate.core.errors import Invalid, Refused

from .intake import Batch, EventOutcome, parse_items, resolve_data_errors
from .models import Instruction, InstructionCounter, InstructionKind, Integration, Order, Scope

MAX_BATCH = 1000


# --- integrations and their keys -------------------------------------------------------------------


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


ROTATION_GRACE_CHOICES = (timedelta(0), timedelta(hours=1), timedelta(hours=24), timedelta(days=7))
USE_RECORDED_EVERY = timedelta(minutes=1)  # "last used" is kept to the minute, not written on every call


def _new_key() -> tuple[str, str]:
    prefix = secrets.token_hex(4)
    return prefix, f"adv_{prefix}_{secrets.token_urlsafe(32)}"


def integration_create(*, name: str, scopes: list[str], acts_as: str = "") -> tuple[Integration, str]:
    """Create an integration and return it with its API key; only the key's hash is stored.

    `acts_as` is the username of the seller login a seller-API key acts as (needed for that scope only)."""
    name = name.strip()
    if not name:
        raise Invalid("name_required", _("An integration needs a name."), field="name")
    if Integration.objects.filter(name=name).exists():
        raise Invalid("name_taken", _("An integration named “%(name)s” already exists.") % {"name": name},
                      field="name")
    unknown = sorted(set(scopes) - set(Scope.values))
    if unknown or not scopes:
        raise Invalid("scopes", _("Choose what the key may do: at least one of the listed scopes."), field="scopes")
    seller_login = None
    if Scope.SELLER in scopes:
        seller_login = User.objects.filter(username=acts_as.strip(), role=Role.SELLER, seller__isnull=False,
                                           is_active=True).first()
        if seller_login is None:
            raise Invalid("acts_as", _("A seller-API key acts as one seller's login: give the username of an "
                                       "active seller login."), field="acts_as")
    prefix, key = _new_key()
    integration = Integration.objects.create(name=name, key_prefix=prefix, key_hash=_hash_key(key),
                                             scopes=[s for s in Scope.values if s in scopes], acts_as=seller_login)
    return integration, key


def integration_rotate(integration: Integration, *, grace: timedelta, now=None) -> str:
    """A new key for the integration; the one in use keeps working for `grace` (zero: stops at once)."""
    if not integration.is_active:
        raise Refused("revoked", _("This key was revoked; create a new integration instead."))
    if grace not in ROTATION_GRACE_CHOICES:
        raise Invalid("grace", _("Choose how long the old key keeps working from the list."), field="grace")
    now = now or timezone.now()
    prefix, key = _new_key()
    integration.previous_key_prefix = integration.key_prefix if grace else None
    integration.previous_key_hash = integration.key_hash if grace else ""
    integration.previous_key_until = now + grace if grace else None
    integration.key_prefix, integration.key_hash, integration.rotated_at = prefix, _hash_key(key), now
    integration.save(update_fields=["previous_key_prefix", "previous_key_hash", "previous_key_until",
                                    "key_prefix", "key_hash", "rotated_at"])
    return key


def integration_revoke(integration: Integration, *, now=None) -> None:
    """Stop the key (and any previous key still in its grace time) at once, for good."""
    if not integration.is_active:
        return
    integration.is_active = False
    integration.revoked_at = now or timezone.now()
    integration.previous_key_until = None
    integration.save(update_fields=["is_active", "revoked_at", "previous_key_until"])


def integration_authenticate(key: str, *, now=None) -> Integration | None:
    """The active integration this key belongs to (its current key, or the previous one within its grace
    time), or None. Notes when it was last used, to the minute."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != "adv" or not parts[1]:
        return None
    now = now or timezone.now()
    hashed = _hash_key(key)
    integration = (Integration.objects.filter(Q(key_prefix=parts[1]) | Q(previous_key_prefix=parts[1]),
                                              is_active=True).select_related("acts_as").first())
    if integration is None:
        return None
    current = integration.key_prefix == parts[1] and hmac.compare_digest(integration.key_hash, hashed)
    previous = (integration.previous_key_prefix == parts[1] and integration.previous_key_until is not None
                and integration.previous_key_until > now
                and hmac.compare_digest(integration.previous_key_hash, hashed))
    if not (current or previous):
        return None
    if integration.last_used_at is None or now - integration.last_used_at >= USE_RECORDED_EVERY:
        Integration.objects.filter(pk=integration.pk).update(last_used_at=now)
        integration.last_used_at = now
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
