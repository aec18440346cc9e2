"""One audit trail of every money movement and decision: the ledger's transactions, decisions on customers'
requests and on guarantee claims, and account actions taken and lifted — newest first, filtered, and
exportable in bounded memory (each source is read in chunks and the sources are merged by time).
"""

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from advocate.claims.models import Account, GuaranteeClaim, LedgerEntry, LedgerTransaction, ProblemReport
from advocate.trust.models import AccountAction

KINDS = {
    "money": gettext_lazy("Money moved"),
    "request": gettext_lazy("Request decided"),
    "claim": gettext_lazy("Guarantee claim decided"),
    "action": gettext_lazy("Account action"),
    "lift": gettext_lazy("Account action lifted"),
}
CHUNK = 2000


@dataclass(frozen=True)
class Record:
    at: datetime
    kind: str
    what: str
    who: str | None  # a person's login; "" when decided automatically; None where nobody's name is kept
    order: str = ""
    seller: str = ""
    amount: Decimal | None = None
    currency: str = ""
    reference: str = ""
    link: tuple[str, str] | None = None  # (url name, argument) of the page to open

    @property
    def kind_label(self) -> str:
        return str(KINDS[self.kind])


@dataclass(frozen=True)
class Filters:
    kinds: frozenset[str] = frozenset(KINDS)
    since: datetime | None = None
    before: datetime | None = None  # the page's cursor: strictly older than this
    order: str = ""  # the order's id as the shop knows it
    seller: str = ""  # the seller's id as the shop knows it


def records(filters: Filters) -> Iterator[Record]:
    """Every record the filters let through, newest first, read lazily."""
    sources = [source(filters) for kind, source in _SOURCES if kind in filters.kinds]
    return heapq.merge(*sources, key=lambda record: record.at, reverse=True)


def page(filters: Filters, size: int = 100) -> list[Record]:
    found = []
    for record in records(filters):
        found.append(record)
        if len(found) == size:
            break
    return found


def _window(queryset, field: str, filters: Filters):
    if filters.since is not None:
        queryset = queryset.filter(**{f"{field}__gte": filters.since})
    if filters.before is not None:
        queryset = queryset.filter(**{f"{field}__lt": filters.before})
    return queryset.order_by(f"-{field}", "-pk")


def _money(filters: Filters) -> Iterator[Record]:
    found = _window(LedgerTransaction.objects.select_related("order", "refund__created_by"), "created_at", filters)
    if filters.order:
        found = found.filter(order__external_id=filters.order)
    if filters.seller:
        found = found.filter(entries__seller__external_id=filters.seller).distinct()
    found = found.prefetch_related(Prefetch("entries", queryset=LedgerEntry.objects.select_related("seller")))
    accounts = dict(Account.choices)
    for tx in found.iterator(chunk_size=CHUNK):
        entries = list(tx.entries.all())
        into = [e for e in entries if e.amount > 0]
        out_of = [e for e in entries if e.amount < 0]
        moved = _("%(source)s → %(target)s") % {
            "source": ", ".join(str(accounts.get(e.account, e.account)) for e in out_of),
            "target": ", ".join(str(accounts.get(e.account, e.account)) for e in into)}
        seller = next((e.seller.name for e in entries if e.seller is not None), "")
        refund = getattr(tx, "refund", None)
        yield Record(at=tx.created_at, kind="money", what=f"{tx.kind}: {moved}" + (f" — {tx.memo}" if tx.memo else ""),
                     who=refund.created_by.username if refund is not None and refund.created_by else "",
                     order=tx.order.external_id if tx.order else "", seller=seller,
                     amount=sum((e.amount for e in into), Decimal(0)), currency=into[0].currency if into else "",
                     reference=refund.reference if refund is not None else tx.key,
                     link=("order_detail", tx.order.external_id) if tx.order else None)


def _requests(filters: Filters) -> Iterator[Record]:
    found = _window(ProblemReport.objects.filter(decided_at__isnull=False).select_related(
        "order__seller", "decided_by"), "decided_at", filters)
    if filters.order:
        found = found.filter(order__external_id=filters.order)
    if filters.seller:
        found = found.filter(order__seller__external_id=filters.seller)
    for report in found.iterator(chunk_size=CHUNK):
        yield Record(at=report.decided_at, kind="request",
                     what=f"{report.get_problem_display()}: {report.get_outcome_display()}",
                     who=report.decided_by.username if report.decided_by else "", order=report.order.external_id,
                     seller=report.order.seller.name, amount=report.amount or None, currency=report.currency,
                     reference=report.reference, link=("problem_detail", report.reference))


def _claims(filters: Filters) -> Iterator[Record]:
    found = _window(GuaranteeClaim.objects.filter(decided_at__isnull=False).select_related(
        "report__order", "seller", "decided_by"), "decided_at", filters)
    if filters.order:
        found = found.filter(report__order__external_id=filters.order)
    if filters.seller:
        found = found.filter(seller__external_id=filters.seller)
    for claim in found.iterator(chunk_size=CHUNK):
        yield Record(at=claim.decided_at, kind="claim", what=claim.get_finding_display() or claim.get_state_display(),
                     who=claim.decided_by.username if claim.decided_by else "",
                     order=claim.report.order.external_id, seller=claim.seller.name,
                     reference=claim.report.reference, link=("problem_detail", claim.report.reference))


def _actions(filters: Filters, *, lifted: bool = False) -> Iterator[Record]:
    field = "lifted_at" if lifted else "created_at"
    found = AccountAction.objects.select_related("seller", "customer", "product", "decided_by")
    if lifted:
        found = found.filter(lifted_at__isnull=False)
    found = _window(found, field, filters)
    if filters.order:
        return  # account actions are about accounts and listings, not orders
    if filters.seller:
        found = found.filter(seller__external_id=filters.seller)
    for action in found.iterator(chunk_size=CHUNK):
        subject = action.seller.name if action.seller else (action.customer.name if action.customer else "")
        what = action.get_kind_display() + (f" — {action.product.title}" if action.product else "")
        yield Record(at=getattr(action, field), kind="lift" if lifted else "action",
                     what=what + (f": {action.lift_reason}" if lifted and action.lift_reason else ""),
                     who=None if lifted else ("" if action.automated else (
                         action.decided_by.username if action.decided_by else "")),
                     seller=subject, reference=action.reference)


_SOURCES = [("money", _money), ("request", _requests), ("claim", _claims), ("action", _actions),
            ("lift", lambda filters: _actions(filters, lifted=True))]
