"""Keeping the contact and order counters up to date, and rebuilding them from the domains' own tables.

Upkeep is incremental and batch-wise: a contact created or changed costs a few statements whatever the
history, and a batch of events one upsert for all its orders. `insights_recount` rebuilds everything from
scratch, and the tests hold the two to the same result.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from advocate.cases.models import Conversation
from advocate.claims.models import ProblemItem, ProblemReport
from advocate.commerce.models import Order, OrderLine, Shipment
from advocate.core.db import add_to_counters, insert_rows
from advocate.core.errors import Invalid
from advocate.notifications.services import email_queue

from . import rules
from .models import (
    Contact,
    ContactCount,
    ContactKind,
    Defect,
    DefectState,
    OrderCount,
    Spike,
    SpikeCheck,
    SpikeState,
    WowStory,
)
from .rules import Dimension, Fact
from .selectors import contact_filter, reason_label, slice_label

# --- what an order and a contact count under -------------------------------------------------------------


def _orders_described(order_ids: Iterable[int]) -> dict[int, dict]:
    """Seller, fulfilment, first carrier, products and the customer's language of each order, in three queries."""
    order_ids = set(order_ids) - {None}
    if not order_ids:
        return {}
    described = {
        row["pk"]: {"seller": row["seller__external_id"], "fulfilment": row["fulfilled_by"],
                    "language": row["customer__language"], "placed_at": row["placed_at"], "carrier": "", "products": []}
        for row in Order.objects.filter(pk__in=order_ids).values(
            "pk", "seller__external_id", "fulfilled_by", "customer__language", "placed_at")
    }
    for order_id, carrier in Shipment.objects.filter(order_id__in=order_ids).order_by("-pk").values_list(
            "order_id", "carrier"):
        described[order_id]["carrier"] = carrier  # the first shipment's, read last
    for order_id, product_id in OrderLine.objects.filter(order_id__in=order_ids, product__isnull=False).order_by(
            "pk").values_list("order_id", "product_id"):
        if str(product_id) not in described[order_id]["products"]:
            described[order_id]["products"].append(str(product_id))
    return described


def _fact(*, created_at, reason: str, channel: str, language: str, order: dict | None,
          products: list[str] | None = None) -> Fact:
    order = order or {}
    return Fact(day=created_at.astimezone(UTC).date(), reason=reason or "", channel=channel, language=language,
                seller=order.get("seller", ""), fulfilment=order.get("fulfilment", ""),
                carrier=order.get("carrier", ""), products=tuple(products or order.get("products", ())))


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
    for report_id, product_id in ProblemItem.objects.filter(report_id__in=ids, line__product__isnull=False).order_by(
            "pk").values_list("report_id", "line__product_id"):
        if str(product_id) not in reported[report_id]:
            reported[report_id].append(str(product_id))
    return {row["pk"]: (_fact(created_at=row["created_at"], reason=rules.PROBLEM_REASONS.get(row["problem"], ""),
                              channel=rules.SELF_SERVICE, language=row["customer__language"],
                              order=orders.get(row["order_id"]), products=reported.get(row["pk"])),
                        row["created_at"], row["order_id"]) for row in rows}


_SOURCES: dict[str, Callable] = {ContactKind.CONVERSATION: _conversations, ContactKind.PROBLEM_REPORT: _reports}


def _stored_fact(contact: Contact) -> Fact:
    return Fact(day=contact.day, reason=contact.reason, channel=contact.channel, language=contact.language,
                seller=contact.seller, fulfilment=contact.fulfilment, carrier=contact.carrier,
                products=tuple(contact.products))


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
    contact.seller, contact.fulfilment, contact.carrier, contact.products = (
        fact.seller, fact.fulfilment, fact.carrier, list(fact.products))
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
            (Dimension.LANGUAGE, order["language"])] + [(Dimension.PRODUCT, product) for product in order["products"]]


def shipments_counted(shipment_ids: Iterable[int]) -> None:
    """Count newly sent shipments under their carrier and day, and recount the contacts about their orders
    (a contact counts under its order's first carrier, which may be known only now)."""
    rows = list(Shipment.objects.filter(pk__in=shipment_ids).values_list("shipped_at", "carrier", "order_id"))
    changes: dict[tuple, int] = {}
    for shipped_at, carrier, _order in rows:
        key = (shipped_at.astimezone(UTC).date(), Dimension.CARRIER, carrier)
        changes[key] = changes.get(key, 0) + 1
    _add_order_counts(changes)
    about = defaultdict(set)
    for kind, source_id in Contact.objects.filter(order_id__in={row[2] for row in rows}).values_list(
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
        (Dimension.PRODUCT, OrderLine.objects.filter(product__isnull=False).annotate(
            d=TruncDate("order__placed_at", tzinfo=UTC)).values("d", "product_id").annotate(
            n=Count("order_id", distinct=True)).values_list("d", "product_id", "n"), 1),
        (Dimension.CARRIER, Shipment.objects.annotate(d=TruncDate("shipped_at", tzinfo=UTC)).values(
            "d", "carrier").annotate(n=Count("pk")).values_list("d", "carrier", "n"), 1),
    ]
    for dimension, found, has_value in grouped:
        for row in found:
            value = str(row[1]) if has_value else ""
            changes[(row[0], dimension, value)] = row[-1]
    _add_order_counts(changes)


# --- spikes ------------------------------------------------------------------------------------------------

SPIKE_CHECK_EVERY = timedelta(hours=1)


def spikes_detect(*, now: datetime, test: rules.SpikeTest = rules.DEFAULT_TEST, force: bool = False) -> int:
    """Look for spikes (`rules.spike`) in every product, seller and carrier, at most once an hour: open the new
    ones (the operators are told, with the evidence), refresh the figures of those still there, and let the
    rest subside. Returns how many new spikes were found."""
    check = SpikeCheck.objects.first()
    if not force and check is not None and now - check.checked_at < SPIKE_CHECK_EVERY:
        return 0
    today = now.astimezone(UTC).date()
    window_start = today - timedelta(days=test.window_days - 1)
    baseline_start = window_start - timedelta(days=test.baseline_days)
    dimensions = [str(d) for d in (*rules.SPIKE_DIMENSIONS, Dimension.ALL)]
    contacts = {True: defaultdict(int), False: defaultdict(int)}  # in the window or before it
    for day, dimension, value, reason, count in ContactCount.objects.filter(
            day__gte=baseline_start, day__lte=today, dimension__in=dimensions).values_list(
            "day", "dimension", "value", "reason", "count"):
        contacts[day >= window_start][(dimension, value, reason)] += count
    orders = {True: defaultdict(int), False: defaultdict(int)}
    for day, dimension, value, count in OrderCount.objects.filter(
            day__gte=baseline_start, day__lte=today, dimension__in=dimensions).values_list(
            "day", "dimension", "value", "count"):
        orders[day >= window_start][(dimension, value)] += count
    all_orders = orders[True][(Dimension.ALL, "")] + orders[False][(Dimension.ALL, "")]

    found = {}
    for (dimension, value, reason), count in contacts[True].items():
        if dimension == Dimension.ALL or not reason or count < test.min_contacts:
            continue  # a spike needs a cause to look for: contacts nobody has classified name none
        marketplace = contacts[True][(Dimension.ALL, "", reason)] + contacts[False][(Dimension.ALL, "", reason)]
        before = rules.Counts(contacts[False][(dimension, value, reason)], orders[False][(dimension, value)])
        finding = rules.spike(rules.Counts(count, orders[True][(dimension, value)]), before,
                              marketplace / all_orders if all_orders else 0.0, test)
        if finding is not None:
            found[(dimension, value, reason)] = (finding, count, orders[True][(dimension, value)])

    with transaction.atomic():
        open_spikes = {(s.dimension, s.value, s.reason): s for s in Spike.objects.filter(state=SpikeState.OPEN)}
        new = []
        for key, (finding, count, in_window) in found.items():
            spike = open_spikes.pop(key, None) or Spike(dimension=key[0], value=key[1], reason=key[2], first_seen=now)
            is_new = spike.pk is None
            spike.last_seen, spike.window_start, spike.window_end = now, window_start, today
            spike.contacts, spike.orders = count, in_window
            spike.rate, spike.baseline, spike.p_value = finding.rate, finding.baseline, finding.p_value
            spike.save()
            if is_new:
                new.append(spike)
        for spike in open_spikes.values():
            spike.state = SpikeState.SUBSIDED
            spike.save(update_fields=["state"])
        SpikeCheck.objects.update_or_create(pk=1, defaults={"checked_at": now})
        for spike in new:
            _tell_operators(spike)
    return len(new)


def _tell_operators(spike: Spike) -> None:
    if settings.ADVOCATE_TEAM_EMAIL:
        email_queue(key=f"insights:spike:{spike.pk}", to=settings.ADVOCATE_TEAM_EMAIL,
                    template="insights/email/spike.txt", language=settings.LANGUAGE_CODE,
                    context={"spike": spike, "described": describe_spike(spike),
                             "site_url": settings.ADVOCATE_SITE_URL})


def describe_spike(spike: Spike) -> dict:
    """What a spike is about, for a reader: the slice's name, the reason's, and the figures per 100 orders."""
    return {"what": slice_label(spike.dimension, spike.value), "reason": reason_label(spike.reason),
            "rate": 100 * spike.rate, "baseline": 100 * spike.baseline, "times": spike.rate / spike.baseline}


# --- defects -----------------------------------------------------------------------------------------------


def defect_open(*, title: str, dimension: str, value: str, reason: str, by, now: datetime,
                spike: Spike | None = None, cause: str = "") -> Defect:
    """Open root-cause work on one slice and reason; the contacts behind it so far are linked to it."""
    title = title.strip()
    if not title:
        raise Invalid("title", _("Give the defect a title: what goes wrong, in a few words."))
    with transaction.atomic():
        defect = Defect.objects.create(title=title[:200], dimension=dimension, value=value, reason=reason,
                                       cause=cause.strip(), spike=spike, opened_by=by, owner=by, opened_at=now)
        behind = Contact.objects.filter(reason=reason, **contact_filter(dimension, value))
        if spike is not None:
            behind = behind.filter(day__gte=spike.window_start, day__lte=spike.window_end)
        defect.contacts.set([c for c in behind.order_by("-created_at")[:500]
                             if dimension != Dimension.PRODUCT or value in c.products])
    return defect


def defect_update(defect: Defect, *, cause: str, owner) -> Defect:
    defect.cause, defect.owner = cause.strip(), owner
    defect.save(update_fields=["cause", "owner"])
    return defect


def defect_fixed(defect: Defect, *, now: datetime) -> Defect:
    """The cause is removed: from now on the page compares the contact rate after the fix with before it."""
    defect.state, defect.fixed_at = DefectState.FIXED, now
    defect.save(update_fields=["state", "fixed_at"])
    return defect


def defect_reopen(defect: Defect) -> Defect:
    """The rate did not fall (or rose again): back to work, the earlier fix forgotten."""
    defect.state, defect.fixed_at = DefectState.OPEN, None
    defect.save(update_fields=["state", "fixed_at"])
    return defect


# --- WOW stories -------------------------------------------------------------------------------------------


def wow_record(*, conversation, by, story: str, now: datetime) -> WowStory:
    """Keep a moment worth celebrating, told in the associate's own words."""
    story = story.strip()
    if not story:
        raise Invalid("story", _("Tell what happened, in a sentence or two."))
    return WowStory.objects.create(conversation=conversation, by=by, story=story[:2000], created_at=now)
