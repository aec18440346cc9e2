"""Keeping the contact and order counters up to date, and rebuilding them from the domains' own tables.

Upkeep is incremental and batch-wise: a contact created or changed costs a few statements whatever the
history, and a batch of events one upsert for all its orders. `insights_recount` rebuilds everything from
scratch, and the tests hold the two to the same result.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC

from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncDate

from advocate.cases.models import Conversation
from advocate.claims.models import ProblemItem, ProblemReport
from advocate.commerce.models import Order, OrderLine, Shipment
from advocate.core.db import add_to_counters, insert_rows

from . import rules
from .models import Contact, ContactCount, ContactKind, OrderCount
from .rules import Dimension, Fact

# --- what an order and a contact count under -------------------------------------------------------------


def _orders_described(order_ids: Iterable[int]) -> dict[int, dict]:
    """Seller, fulfilment, first carrier, skus and the customer's language of each order, in three queries."""
    order_ids = set(order_ids) - {None}
    if not order_ids:
        return {}
    described = {
        row["pk"]: {"seller": row["seller__external_id"], "fulfilment": row["fulfilled_by"],
                    "language": row["customer__language"], "placed_at": row["placed_at"], "carrier": "", "skus": []}
        for row in Order.objects.filter(pk__in=order_ids).values(
            "pk", "seller__external_id", "fulfilled_by", "customer__language", "placed_at")
    }
    for order_id, carrier in Shipment.objects.filter(order_id__in=order_ids).order_by("-pk").values_list(
            "order_id", "carrier"):
        described[order_id]["carrier"] = carrier  # the first shipment's, read last
    for order_id, sku in OrderLine.objects.filter(order_id__in=order_ids).order_by("pk").values_list(
            "order_id", "sku"):
        if sku not in described[order_id]["skus"]:
            described[order_id]["skus"].append(sku)
    return described


def _fact(*, created_at, reason: str, channel: str, language: str, order: dict | None,
          skus: list[str] | None = None) -> Fact:
    order = order or {}
    return Fact(day=created_at.astimezone(UTC).date(), reason=reason or "", channel=channel, language=language,
                seller=order.get("seller", ""), fulfilment=order.get("fulfilment", ""),
                carrier=order.get("carrier", ""), skus=tuple(skus or order.get("skus", ())))


def _conversations(ids) -> dict[int, tuple[Fact, object, int | None]]:
    rows = list(Conversation.objects.filter(pk__in=ids).values(
        "pk", "created_at", "reason", "channel", "language", "order_id"))
    orders = _orders_described(row["order_id"] for row in rows)
    return {row["pk"]: (_fact(created_at=row["created_at"], reason=row["reason"], channel=row["channel"],
                              language=row["language"], order=orders.get(row["order_id"])),
                        row["created_at"], row["order_id"]) for row in rows}


def _reports(ids) -> dict[int, tuple[Fact, object, int | None]]:
    rows = list(ProblemReport.objects.filter(pk__in=ids).values(
        "pk", "created_at", "problem", "order_id", "customer__language"))
    orders = _orders_described(row["order_id"] for row in rows)
    reported = defaultdict(list)  # the items a report names are the products it is about
    for report_id, sku in ProblemItem.objects.filter(report_id__in=ids).order_by("pk").values_list(
            "report_id", "line__sku"):
        if sku not in reported[report_id]:
            reported[report_id].append(sku)
    return {row["pk"]: (_fact(created_at=row["created_at"], reason=rules.PROBLEM_REASONS.get(row["problem"], ""),
                              channel=rules.SELF_SERVICE, language=row["customer__language"],
                              order=orders.get(row["order_id"]), skus=reported.get(row["pk"])),
                        row["created_at"], row["order_id"]) for row in rows}


_SOURCES: dict[str, Callable] = {ContactKind.CONVERSATION: _conversations, ContactKind.PROBLEM_REPORT: _reports}


def _stored_fact(contact: Contact) -> Fact:
    return Fact(day=contact.day, reason=contact.reason, channel=contact.channel, language=contact.language,
                seller=contact.seller, fulfilment=contact.fulfilment, carrier=contact.carrier,
                skus=tuple(contact.skus))


def _add_contact_counts(changes: dict[tuple, int]) -> None:
    add_to_counters(ContactCount, ["day", "reason", "dimension", "value"], "count",
                    ((*key, amount) for key, amount in changes.items()))


# --- upkeep ------------------------------------------------------------------------------------------------


def contacts_refresh(kind: str, ids: Iterable[int]) -> None:
    """Bring the contacts of these sources up to date after they were created, changed or deleted: each one's
    counters move from what it counted under before to what it counts under now."""
    ids = set(ids)
    if not ids:
        return
    with transaction.atomic():
        stored = {c.source_id: c for c in Contact.objects.filter(kind=kind, source_id__in=ids)}
        current = _SOURCES[kind](ids)
        changes: dict[tuple, int] = {}
        new, changed, gone = [], [], []
        for source_id in ids:
            before = _stored_fact(stored[source_id]) if source_id in stored else None
            now = current.get(source_id)
            after = now[0] if now else None
            if before == after and (now is None or stored[source_id].order_id == now[2]):
                continue
            for key, amount in rules.changes(before, after).items():
                changes[key] = changes.get(key, 0) + amount
            if now is None:
                gone.append(source_id)
            elif source_id in stored:
                changed.append(_contact(stored[source_id], kind, source_id, *now))
            else:
                new.append(_contact(Contact(), kind, source_id, *now))
        _add_contact_counts({key: amount for key, amount in changes.items() if amount})
        if gone:
            Contact.objects.filter(kind=kind, source_id__in=gone).delete()
        for contact in changed:
            contact.save()
        insert_rows(Contact, new)


def reports_filed(report_ids: list[int]) -> None:
    contacts_refresh(ContactKind.PROBLEM_REPORT, report_ids)


def _contact(contact: Contact, kind: str, source_id: int, fact: Fact, created_at, order_id) -> Contact:
    contact.kind, contact.source_id, contact.created_at, contact.order_id = kind, source_id, created_at, order_id
    contact.day, contact.reason, contact.channel, contact.language = fact.day, fact.reason, fact.channel, fact.language
    contact.seller, contact.fulfilment, contact.carrier, contact.skus = (
        fact.seller, fact.fulfilment, fact.carrier, list(fact.skus))
    return contact


def orders_counted(order_ids: Iterable[int]) -> None:
    """Count newly placed orders under each slice of their placing day (one upsert for the batch)."""
    changes: dict[tuple, int] = {}
    for order in _orders_described(order_ids).values():
        day = order["placed_at"].astimezone(UTC).date()
        for dimension, value in _order_slices(order):
            changes[(day, dimension, value)] = changes.get((day, dimension, value), 0) + 1
    _add_order_counts(changes)


def _order_slices(order: dict) -> list[tuple[str, str]]:
    return [(Dimension.ALL, ""), (Dimension.SELLER, order["seller"]), (Dimension.FULFILMENT, order["fulfilment"]),
            (Dimension.LANGUAGE, order["language"])] + [(Dimension.PRODUCT, sku) for sku in order["skus"]]


def shipments_counted(shipment_ids: Iterable[int]) -> None:
    """Count newly sent shipments under their carrier and day, and recount the contacts about their orders
    (a contact counts under its order's first carrier, which may be known only now)."""
    rows = list(Shipment.objects.filter(pk__in=shipment_ids).values_list("shipped_at", "carrier", "order_id"))
    changes: dict[tuple, int] = {}
    for shipped_at, carrier, _ in rows:
        key = (shipped_at.astimezone(UTC).date(), Dimension.CARRIER, carrier)
        changes[key] = changes.get(key, 0) + 1
    _add_order_counts(changes)
    about = defaultdict(set)
    for kind, source_id in Contact.objects.filter(order_id__in={order for *_, order in rows}).values_list(
            "kind", "source_id"):
        about[kind].add(source_id)
    for kind, ids in about.items():
        contacts_refresh(kind, ids)


def _add_order_counts(changes: dict[tuple, int]) -> None:
    add_to_counters(OrderCount, ["day", "dimension", "value"], "count",
                    ((day, str(dimension), value, amount) for (day, dimension, value), amount in changes.items()))


# --- rebuilding --------------------------------------------------------------------------------------------

RECOUNT_CHUNK = 2000


def insights_recount(*, progress: Callable[[str, int, int], None] | None = None) -> dict[str, int]:
    """Rebuild every contact and counter from the domains' own tables (after a bulk import, or to check the
    upkeep). Returns how many contacts and orders were counted."""
    with transaction.atomic():
        ContactCount.objects.all().delete()
        OrderCount.objects.all().delete()
        Contact.objects.all().delete()
        counted = {}
        for kind, model in ((ContactKind.CONVERSATION, Conversation), (ContactKind.PROBLEM_REPORT, ProblemReport)):
            ids = list(model.objects.order_by("pk").values_list("pk", flat=True))
            for start in range(0, len(ids), RECOUNT_CHUNK):
                contacts_refresh(kind, ids[start:start + RECOUNT_CHUNK])
                if progress:
                    progress(str(kind), min(start + RECOUNT_CHUNK, len(ids)), len(ids))
            counted[str(kind)] = len(ids)
        _recount_orders()
        counted["orders"] = Order.objects.count()
    return counted


def _recount_orders() -> None:
    """Orders by placing day under each slice, and shipments by day under their carrier, counted by the
    database (a few GROUP BY queries, whatever the number of orders)."""
    day = TruncDate("placed_at", tzinfo=UTC)
    changes: dict[tuple, int] = {}
    grouped = [
        (Dimension.ALL, Order.objects.annotate(d=day).values("d").annotate(n=Count("pk")).values_list("d", "n"), None),
        (Dimension.SELLER, Order.objects.annotate(d=day).values("d", "seller__external_id").annotate(
            n=Count("pk")).values_list("d", "seller__external_id", "n"), 1),
        (Dimension.FULFILMENT, Order.objects.annotate(d=day).values("d", "fulfilled_by").annotate(
            n=Count("pk")).values_list("d", "fulfilled_by", "n"), 1),
        (Dimension.LANGUAGE, Order.objects.annotate(d=day).values("d", "customer__language").annotate(
            n=Count("pk")).values_list("d", "customer__language", "n"), 1),
        (Dimension.PRODUCT, OrderLine.objects.annotate(d=TruncDate("order__placed_at", tzinfo=UTC)).values(
            "d", "sku").annotate(n=Count("order_id", distinct=True)).values_list("d", "sku", "n"), 1),
        (Dimension.CARRIER, Shipment.objects.annotate(d=TruncDate("shipped_at", tzinfo=UTC)).values(
            "d", "carrier").annotate(n=Count("pk")).values_list("d", "carrier", "n"), 1),
    ]
    for dimension, rows, has_value in grouped:
        for row in rows:
            value = row[1] if has_value else ""
            changes[(row[0], dimension, value)] = row[-1]
    _add_order_counts(changes)
