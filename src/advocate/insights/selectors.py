"""Reads for the insights pages: contacts per 100 orders over a period, by reason and by one dimension."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Sum
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from advocate.cases.models import Channel
from advocate.claims.models import ProblemReport
from advocate.commerce.models import Fulfilment, Product, Seller
from advocate.core.reasons import ContactReason

from .models import Contact, ContactCount, ContactKind, OrderCount
from .rules import ORDERS_COUNTED_BY, SELF_SERVICE, Dimension, per_hundred

PERIODS = (7, 30, 90, 365)
DRILL_DOWN_ROWS = 200


@dataclass
class Slice:
    value: str
    label: str
    orders: int = 0
    contacts: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float | None:
        return per_hundred(self.contacts, self.orders)

    @property
    def top_reason(self) -> str:
        if not self.by_reason:
            return ""
        return reason_label(max(self.by_reason.items(), key=lambda item: (item[1], item[0]))[0])


def reason_label(reason: str) -> str:
    return str(ContactReason(reason).label) if reason in ContactReason.values else _("Not yet classified")


def period(days: int, today: date) -> tuple[date, date]:
    """The last `days` days, today included."""
    return today - timedelta(days=days - 1), today


def overview(*, days: int, dimension: Dimension, today: date) -> dict:
    """The figures of the insights page: the whole marketplace's rate day by day, each reason's contacts
    and rate, and the chosen dimension's slices with theirs."""
    first, last = period(days, today)
    in_period = {"day__gte": first, "day__lte": last}
    orders_by_day = dict(OrderCount.objects.filter(dimension=Dimension.ALL, **in_period).values_list("day", "count"))
    contacts = ContactCount.objects.filter(dimension=Dimension.ALL, **in_period)
    contacts_by_day: dict[date, int] = {}
    by_reason: dict[str, int] = {}
    for day, reason, count in contacts.values_list("day", "reason", "count"):
        contacts_by_day[day] = contacts_by_day.get(day, 0) + count
        by_reason[reason] = by_reason.get(reason, 0) + count
    total_orders, total_contacts = sum(orders_by_day.values()), sum(by_reason.values())
    series = [(first + timedelta(days=i), per_hundred(contacts_by_day.get(first + timedelta(days=i), 0),
                                                      orders_by_day.get(first + timedelta(days=i), 0)))
              for i in range(days)]
    reasons = sorted(({"reason": reason, "label": reason_label(reason), "contacts": count,
                       "rate": per_hundred(count, total_orders)} for reason, count in by_reason.items()),
                     key=lambda row: -row["contacts"])
    return {"first": first, "last": last, "orders": total_orders, "contacts": total_contacts,
            "rate": per_hundred(total_contacts, total_orders), "series": series, "reasons": reasons,
            "slices": slices(dimension=dimension, first=first, last=last)}


def slices(*, dimension: Dimension, first: date, last: date, limit: int = 50) -> list[Slice]:
    """The dimension's values with their orders, contacts and rate, most contacts first."""
    in_period = {"day__gte": first, "day__lte": last}
    found: dict[str, Slice] = {}
    for value, reason, count in ContactCount.objects.filter(dimension=dimension, **in_period).values(
            "value", "reason").annotate(total=Sum("count")).values_list("value", "reason", "total"):
        row = found.setdefault(value, Slice(value, value))
        row.contacts += count
        row.by_reason[reason] = row.by_reason.get(reason, 0) + count
    orders = OrderCount.objects.filter(dimension=ORDERS_COUNTED_BY[dimension], **in_period).values(
        "value").annotate(total=Sum("count")).values_list("value", "total")
    if ORDERS_COUNTED_BY[dimension] == dimension:
        for value, count in orders:
            found.setdefault(value, Slice(value, value)).orders = count
    else:  # e.g. channels: each channel's contacts per 100 of all orders
        every = sum(count for _, count in orders)
        for row in found.values():
            row.orders = every
    rows = sorted(found.values(), key=lambda row: (-row.contacts, -(row.rate or 0), row.value))[:limit]
    _label(dimension, rows)
    return rows


def _label(dimension: Dimension, rows: list[Slice]) -> None:
    values = [row.value for row in rows]
    if dimension == Dimension.SELLER:
        names = dict(Seller.objects.filter(external_id__in=values).values_list("external_id", "name"))
    elif dimension == Dimension.PRODUCT:
        names = dict(Product.objects.filter(sku__in=values).values_list("sku", "title"))
    elif dimension == Dimension.FULFILMENT:
        names = {value: str(label) for value, label in Fulfilment.choices}
    elif dimension == Dimension.CHANNEL:
        names = {value: str(label) for value, label in Channel.choices} | {SELF_SERVICE: _("Self-service")}
    elif dimension == Dimension.LANGUAGE:
        names = {value: _language_name(value) for value in values}
    else:
        names = {}
    for row in rows:
        row.label = names.get(row.value) or row.value or _("Everything")


def _language_name(code: str) -> str:
    try:
        return get_language_info(code)["name_local"]
    except KeyError:
        return code


def contacts(*, first: date, last: date, reason: str | None, dimension: Dimension, value: str) -> list[dict]:
    """The contacts behind a figure, newest first (at most DRILL_DOWN_ROWS), with what to open for each."""
    found = Contact.objects.filter(day__gte=first, day__lte=last).select_related("order").order_by("-created_at")
    if reason is not None:
        found = found.filter(reason=reason)
    column = {Dimension.SELLER: "seller", Dimension.FULFILMENT: "fulfilment", Dimension.CARRIER: "carrier",
              Dimension.LANGUAGE: "language", Dimension.CHANNEL: "channel"}.get(dimension)
    if column:
        found = found.filter(**{column: value})
    rows = []
    for contact in found.iterator(chunk_size=500):
        if dimension == Dimension.PRODUCT and value not in contact.skus:
            continue
        rows.append(contact)
        if len(rows) == DRILL_DOWN_ROWS:
            break
    references = dict(ProblemReport.objects.filter(
        pk__in=[c.source_id for c in rows if c.kind == ContactKind.PROBLEM_REPORT]).values_list("pk", "reference"))
    return [{"contact": c, "reason": reason_label(c.reason), "kind": c.get_kind_display(),
             "reference": references.get(c.source_id, "") if c.kind == ContactKind.PROBLEM_REPORT else "",
             "order": c.order.external_id if c.order else ""} for c in rows]
