"""Database helpers shared by the domains."""

import fcntl
import logging
import threading
import time
from contextlib import contextmanager

from django.db import IntegrityError, OperationalError, connection, transaction

log = logging.getLogger(__name__)

_held = threading.local()


@contextmanager
def write_turn():
    """Wait for our turn to write, efficiently, on SQLite; do nothing on other databases.

    SQLite allows one writer at a time. A writer that finds the database locked sleeps in SQLite's
    busy handler for up to 100 ms between tries, so under concurrent writes the database sits idle
    for much of the time (measured: one of two cores busy during event intake). An OS file lock
    taken before the transaction wakes the next writer the moment the previous one is done.

    Re-entrant: a service that takes its turn may call another that does too.
    """
    if connection.vendor != "sqlite" or getattr(_held, "turn", False):
        yield
        return
    with open(f"{connection.settings_dict['NAME']}.write-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        _held.turn = True
        try:
            yield
        finally:
            _held.turn = False
            fcntl.flock(handle, fcntl.LOCK_UN)


def retrying_write(work, *, attempts: int = 5):
    """Run `work()` in a write transaction, taking our turn; if a concurrent request won a race on a unique
    key, or the database broke a deadlock, nothing of ours was written: run it again, and it finds what the
    other committed. Every caller's work is idempotent, so running it again is safe."""
    for attempt in range(1, attempts + 1):
        try:
            with write_turn(), transaction.atomic():
                return work()
        except (IntegrityError, OperationalError) as exc:
            if attempt == attempts:
                raise
            log.info("write retried (attempt %d) after %s", attempt, exc)
            time.sleep(0.02 * attempt)
