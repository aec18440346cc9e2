"""Reads for the insights pages: contacts per 100 orders over a period, by reason and by one dimension."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Sum
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from advocate.accounts.models import Role, User
from advocate.cases.models import Channel
from advocate.claims.models import ClaimState, GuaranteeClaim, ProblemReport
from advocate.commerce.models import Fulfilment, Product, Seller
from advocate.core.reasons import ContactReason
from advocate.messaging import selectors as messaging
from advocate.messaging.models import Thread
from advocate.sellers import selectors as seller_health
from advocate.trust.models import AccountAction, Appeal

from .models import Contact, ContactCount, ContactKind, Defect, OrderCount, Spike, SpikeState, WowStory
from .rules import ORDERS_COUNTED_BY, SELF_SERVICE, Counts, Dimension, change_since, per_hundred

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
    names = _names(dimension, [row.value for row in rows])
    for row in rows:
        row.label = names.get(row.value) or row.value or _("Everything")


def slice_label(dimension: str, value: str) -> str:
    """A reader's name for one (dimension, value): a seller's or product's name, a language's, a channel's."""
    return _names(Dimension(dimension), [value]).get(value) or value or _("Everything")


def _names(dimension: Dimension, values: list[str]) -> dict[str, str]:
    if dimension == Dimension.SELLER:
        return dict(Seller.objects.filter(external_id__in=values).values_list("external_id", "name"))
    if dimension == Dimension.PRODUCT:
        return {str(pk): f"{title} ({sku}, {seller})" for pk, title, sku, seller in Product.objects.filter(
            pk__in=[value for value in values if value.isdigit()]).values_list("pk", "title", "sku", "seller__name")}
    if dimension == Dimension.FULFILMENT:
        return {value: str(label) for value, label in Fulfilment.choices}
    if dimension == Dimension.CHANNEL:
        return {value: str(label) for value, label in Channel.choices} | {SELF_SERVICE: _("Self-service")}
    if dimension == Dimension.LANGUAGE:
        return {value: _language_name(value) for value in values}
    return {}


def _language_name(code: str) -> str:
    try:
        return get_language_info(code)["name_local"]
    except KeyError:
        return code


def contact_filter(dimension: str, value: str) -> dict:
    """The Contact column a slice is kept in, as a filter ({} for all, and for products: they are a list,
    matched in Python after the rest)."""
    column = {Dimension.SELLER: "seller", Dimension.FULFILMENT: "fulfilment", Dimension.CARRIER: "carrier",
              Dimension.LANGUAGE: "language", Dimension.CHANNEL: "channel"}.get(Dimension(dimension))
    return {column: value} if column else {}


def contacts(*, first: date, last: date, reason: str | None, dimension: Dimension, value: str) -> list[dict]:
    """The contacts behind a figure, newest first (at most DRILL_DOWN_ROWS), with what to open for each."""
    found = Contact.objects.filter(day__gte=first, day__lte=last).select_related("order").order_by("-created_at")
    if reason is not None:
        found = found.filter(reason=reason)
    found = found.filter(**contact_filter(dimension, value))
    rows = []
    for contact in found.iterator(chunk_size=500):
        if dimension == Dimension.PRODUCT and value not in contact.products:
            continue
        rows.append(contact)
        if len(rows) == DRILL_DOWN_ROWS:
            break
    return _contact_rows(rows)


def _contact_rows(rows: list[Contact]) -> list[dict]:
    references = dict(ProblemReport.objects.filter(
        pk__in=[c.source_id for c in rows if c.kind == ContactKind.PROBLEM_REPORT]).values_list("pk", "reference"))
    skus = {str(pk): sku for pk, sku in Product.objects.filter(
        pk__in={int(p) for c in rows for p in c.products}).values_list("pk", "sku")}
    return [{"contact": c, "reason": reason_label(c.reason), "kind": c.get_kind_display(),
             "products": [skus.get(product, product) for product in c.products],
             "reference": references.get(c.source_id, "") if c.kind == ContactKind.PROBLEM_REPORT else "",
             "order": c.order.external_id if c.order else ""} for c in rows]

# --- spikes and defects --------------------------------------------------------------------------------------

def open_spikes() -> list[dict]:
    """Open spikes, the steepest first, each with what it is about and what can be done from it."""
    spikes = sorted(Spike.objects.filter(state=SpikeState.OPEN), key=lambda s: -(s.rate / s.baseline))
    products = {str(p.pk): p for p in Product.objects.filter(
        pk__in=[int(s.value) for s in spikes if s.dimension == Dimension.PRODUCT and s.value.isdigit()])}
    return [{"spike": spike, "what": slice_label(spike.dimension, spike.value), "reason": reason_label(spike.reason),
             "rate": 100 * spike.rate, "baseline": 100 * spike.baseline, "times": spike.rate / spike.baseline,
             "days": (spike.window_end - spike.window_start).days + 1,
             "product": products.get(spike.value) if spike.dimension == Dimension.PRODUCT else None}
            for spike in spikes]


def rate_between(*, dimension: str, value: str, reason: str, first: date, last: date) -> dict:
    """Contacts of one reason on one slice, the orders of the slice, and the rate per 100, from `first` to
    `last` (days, inclusive)."""
    in_period = {"day__gte": first, "day__lte": last}
    contacts_found = ContactCount.objects.filter(dimension=dimension, value=value, reason=reason,
                                                 **in_period).aggregate(n=Sum("count"))["n"] or 0
    orders_dimension = ORDERS_COUNTED_BY[Dimension(dimension)]
    orders_found = OrderCount.objects.filter(
        dimension=orders_dimension, value=value if orders_dimension == dimension else "",
        **in_period).aggregate(n=Sum("count"))["n"] or 0
    return {"first": first, "last": last, "contacts": contacts_found, "orders": orders_found,
            "rate": per_hundred(contacts_found, orders_found)}


BEFORE_AND_AFTER_DAYS = 28


def defect_detail(defect: Defect, *, today: date) -> dict:
    """A defect with its figures: before and after the fix once it is fixed (up to four weeks each side),
    else the last four weeks."""
    figures = {"defect": defect, "what": slice_label(defect.dimension, defect.value),
               "reason": reason_label(defect.reason),
               "contacts": contacts_of_defect(defect)}
    key = {"dimension": defect.dimension, "value": defect.value, "reason": defect.reason}
    if defect.fixed_at is not None:
        fixed = defect.fixed_at.date()
        before = rate_between(**key, first=fixed - timedelta(days=BEFORE_AND_AFTER_DAYS),
                              last=fixed - timedelta(days=1))
        after = rate_between(**key, first=fixed, last=min(today, fixed + timedelta(days=BEFORE_AND_AFTER_DAYS - 1)))
        change = change_since(Counts(before["contacts"], before["orders"]), Counts(after["contacts"], after["orders"]))
        figures |= {"before_and_after": [(_("Before"), before), (_("After"), after)], "change": change,
                    "fewer_percent": None if change is None else round((1 - change) * 100),
                    "more_percent": None if change is None else round((change - 1) * 100)}
    else:
        figures["recent"] = rate_between(**key, first=today - timedelta(days=BEFORE_AND_AFTER_DAYS - 1), last=today)
    return figures


def contacts_of_defect(defect: Defect, limit: int = DRILL_DOWN_ROWS) -> list[dict]:
    return _contact_rows(list(defect.contacts.select_related("order").order_by("-created_at")[:limit]))


def defects() -> list[Defect]:
    return list(Defect.objects.select_related("owner").order_by("state", "-opened_at")[:200])


def staff() -> list[User]:
    """Who may own a defect: active associates and operators."""
    return list(User.objects.filter(is_active=True, role__in=[Role.ASSOCIATE, Role.OPERATOR]).order_by("username"))


def wow_stories(limit: int = 200) -> list[WowStory]:
    return list(WowStory.objects.select_related("by", "conversation").order_by("-created_at")[:limit])


# --- one seller ----------------------------------------------------------------------------------------------

def seller_page(seller: Seller, *, today: date) -> dict:
    """Everything an operator weighs about one seller: their health figures and trend, their contacts per 100
    orders by reason (30 days), guarantee claims, buyer messages waiting, and the account actions and appeals."""
    first, last = period(30, today)
    key = {"dimension": Dimension.SELLER, "value": seller.external_id, "day__gte": first, "day__lte": last}
    orders = OrderCount.objects.filter(**key).aggregate(n=Sum("count"))["n"] or 0
    reasons = sorted(({"reason": reason, "label": reason_label(reason), "contacts": count,
                       "rate": per_hundred(count, orders)}
                      for reason, count in ContactCount.objects.filter(**key).values("reason").annotate(
                          n=Sum("count")).values_list("reason", "n")), key=lambda row: -row["contacts"])
    claims = GuaranteeClaim.objects.filter(seller=seller)
    return {
        "seller": seller, **seller_health.dashboard(seller, today), "orders": orders, "reasons": reasons,
        "contacts": sum(row["contacts"] for row in reasons),
        "rate": per_hundred(sum(row["contacts"] for row in reasons), orders),
        "claims_by_state": [(ClaimState(state).label, n) for state, n in claims.values("state").annotate(
            n=Count("pk")).order_by("state").values_list("state", "n")],
        "recent_claims": list(claims.select_related("report__order").order_by("-report__created_at")[:10]),
        "threads": Thread.objects.filter(seller=seller).count(),
        "threads_waiting": messaging.waiting_count_of_seller(seller),
        "actions": list(AccountAction.objects.filter(seller=seller).select_related("product").order_by(
            "-created_at")[:20]),
        "appeals": list(Appeal.objects.filter(seller=seller).order_by("-filed_at")[:20]),
    }
