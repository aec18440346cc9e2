"""Database helpers shared by the domains."""

import fcntl
import logging
import threading
import time
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from datetime import UTC

from django.db import IntegrityError, OperationalError, connection, models, transaction

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


def _preparer(field, vendor: str):
    """How one column's values are handed to the driver: most as they are (the driver adapts them), times on
    SQLite as UTC text, anything else (JSON) through the field itself."""
    if isinstance(field, models.DateTimeField):
        if vendor != "sqlite":
            return None
        return lambda value: None if value is None else str(value.astimezone(UTC).replace(tzinfo=None))
    if isinstance(field, (models.CharField, models.TextField, models.IntegerField, models.BooleanField,
                          models.DecimalField, models.ForeignKey, models.FloatField)):
        return None
    return lambda value: field.get_db_prep_save(value, connection)


def insert_rows(model, rows: Iterable, *, with_pk: bool = False) -> int:
    """INSERT many rows of one table with one executemany: half the Python time of `bulk_create`, which
    compiles one large statement and asks for the new primary keys back. Serves the event intake (model
    instances, keys given by the database) and the demo generator (mappings of column values, keys given by
    the caller, `with_pk`). A row's parent created earlier in the same batch lends it its key."""
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    prepare = [_preparer(f, connection.vendor) for f in fields]
    values = []
    for row in rows:
        if isinstance(row, Mapping):
            raw = [row.get(f.attname, f.get_default() if f.has_default() else None) for f in fields]
        else:
            raw = []
            for f in fields:
                if f.is_relation and getattr(row, f.attname) is None and f.get_cached_value(row, None) is not None:
                    setattr(row, f.attname, f.get_cached_value(row).pk)  # the parent got its key after the child
                raw.append(f.pre_save(row, add=True) if getattr(f, "auto_now_add", False) else getattr(row, f.attname))
        values.append([v if p is None else p(v) for p, v in zip(prepare, raw, strict=True)])
    if not values:
        return 0
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields), ", ".join(["%s"] * len(fields)))
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)
    return len(values)


def update_rows(model, objs: Iterable, field_names: list[str]) -> None:
    """One parameterised UPDATE per row, sent with executemany.

    Django's bulk_update builds one statement of CASE expressions per field, which costs more Python time
    than the database spends on all the rows together (a third of an event batch's time, measured)."""
    meta = model._meta
    fields = [meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    rows = [[f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields] + [obj.pk] for obj in objs]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def add_to_counters(model, keys: list[str], value: str, rows: Iterable) -> None:
    """Add each row's amount to the counter its keys name, creating the counters that do not exist yet: one
    upsert for the whole batch, run with executemany. `rows` are (key values…, amount); `keys` must be the
    fields of a unique constraint of `model`. Counters kept this way cost the same however long the history."""
    rows = [row for row in rows if row[-1]]
    if not rows:
        return
    meta = model._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns = [quote(meta.get_field(name).column) for name in keys]
    total = quote(meta.get_field(value).column)
    sql = (f"INSERT INTO {table} ({', '.join(columns)}, {total}) VALUES ({', '.join(['%s'] * (len(keys) + 1))}) "
           f"ON CONFLICT ({', '.join(columns)}) DO UPDATE SET {total} = {table}.{total} + excluded.{total}")
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
