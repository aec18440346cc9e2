"""The rest of the morning dashboard: how much was self-served and decided without a person, the money given
back by reason and who paid, what waits and for how long, and the promises broken. Each is a small table
(and, for the shares, a day-by-day chart); each table downloads as CSV."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Min, Q, Sum
from django.utils.translation import gettext as _

from advocate.cases.models import Conversation, ConversationState, Queue
from advocate.claims.models import (
    Account,
    ClaimState,
    GuaranteeClaim,
    LedgerEntry,
    ProblemReport,
    Refund,
    RefundCause,
    Replacement,
    ReportState,
)
from advocate.trust.models import Promise, PromiseState

from .models import ContactCount
from .rules import SELF_SERVICE, Dimension


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    return (datetime.combine(first, datetime.min.time(), tzinfo=UTC),
            datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=UTC))


def shares(*, first: date, last: date) -> dict:
    """Self-service: the share of contacts customers settled on the order page or through the API, day by day
    and in all. Automation: the share of their requests decided by the rules, never by a person."""
    by_day: dict[date, list[int]] = {}
    for day, channel, count in ContactCount.objects.filter(
            dimension=Dimension.CHANNEL, day__gte=first, day__lte=last).values_list("day", "value", "count"):
        totals = by_day.setdefault(day, [0, 0])
        totals[1] += count
        if channel == SELF_SERVICE:
            totals[0] += count
    series = [(first + timedelta(days=i), _percent(*by_day.get(first + timedelta(days=i), (0, 0))))
              for i in range((last - first).days + 1)]
    self_served, contacts = sum(v[0] for v in by_day.values()), sum(v[1] for v in by_day.values())
    start, end = _bounds(first, last)
    requests = ProblemReport.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(
        all=Count("pk"), automatic=Count("pk", filter=Q(decided_at__isnull=False, decided_by__isnull=True,
                                                         went_to_person=False)))
    return {"series": series, "self_served": self_served, "contacts": contacts,
            "self_service_share": _percent(self_served, contacts), "requests": requests["all"],
            "automatic": requests["automatic"], "automation_share": _percent(requests["automatic"], requests["all"])}


def _percent(part: int, whole: int) -> float | None:
    return None if whole <= 0 else 100.0 * part / whole


def money(*, first: date, last: date) -> list[dict]:
    """Refunds by cause (and, for a reported problem, by kind of problem), replacements and goodwill credits:
    how many, how much and who paid, per currency."""
    start, end = _bounds(first, last)
    rows = []
    causes = dict(RefundCause.choices)
    for row in Refund.objects.filter(created_at__gte=start, created_at__lt=end).values(
            "cause", "report__problem", "paid_by", "currency").annotate(n=Count("pk"), total=Sum("amount")):
        what = str(causes.get(row["cause"], row["cause"]))
        if row["report__problem"]:
            what += f" — {ProblemReport(problem=row['report__problem']).get_problem_display()}"
        rows.append({"what": _("Refund: %(why)s") % {"why": what},
                     "paid_by": Refund(paid_by=row["paid_by"]).get_paid_by_display(),
                     "count": row["n"], "amount": row["total"], "currency": row["currency"]})
    for row in Replacement.objects.filter(created_at__gte=start, created_at__lt=end).values(
            "liable", "currency").annotate(n=Count("pk"), total=Sum("value")):
        rows.append({"what": _("Replacements sent"), "paid_by": Replacement(liable=row["liable"]).get_liable_display(),
                     "count": row["n"], "amount": row["total"], "currency": row["currency"]})
    for row in LedgerEntry.objects.filter(account=Account.CUSTOMER_CREDIT, amount__gt=0,
                                          transaction__created_at__gte=start, transaction__created_at__lt=end).values(
            "currency").annotate(n=Count("pk"), total=Sum("amount")):
        rows.append({"what": _("Goodwill credit"), "paid_by": _("the marketplace"), "count": row["n"],
                     "amount": row["total"], "currency": row["currency"]})
    for row in rows:  # a database's SUM may drop trailing zeros (SQLite: 12.5)
        row["amount"] = Decimal(row["amount"]).quantize(Decimal("0.01"))
    return sorted(rows, key=lambda row: (row["what"], row["paid_by"], row["currency"]))


def backlog(*, now: datetime) -> list[dict]:
    """What waits for a person now, and how long the longest has waited: conversations by queue, requests in
    review, guarantee claims a person must decide."""
    rows = []
    queues = dict(Queue.choices)
    for row in Conversation.objects.filter(state=ConversationState.OPEN).values("queue").annotate(
            n=Count("pk"), oldest=Min("waiting_since")).order_by("queue"):
        rows.append({"what": _("Conversations: %(queue)s") % {"queue": queues.get(row["queue"], row["queue"])},
                     "count": row["n"], "oldest": row["oldest"], "hours": _hours(now, row["oldest"])})
    review = ProblemReport.objects.filter(state=ReportState.IN_REVIEW).aggregate(
        n=Count("pk"), oldest=Min("created_at"))
    rows.append({"what": _("Requests a person must decide"), "count": review["n"], "oldest": review["oldest"],
                 "hours": _hours(now, review["oldest"])})
    claims = GuaranteeClaim.objects.filter(state__in=[ClaimState.DISPUTED, ClaimState.NEEDS_PERSON]).aggregate(
        n=Count("pk"), oldest=Min("respond_by"))
    rows.append({"what": _("Guarantee claims a person must decide"), "count": claims["n"], "oldest": claims["oldest"],
                 "hours": _hours(now, claims["oldest"])})
    return rows


def _hours(now: datetime, since: datetime | None) -> float | None:
    return None if since is None else max(0.0, (now - since).total_seconds() / 3600)


def promises(*, first: date, last: date) -> dict:
    """Promises falling due in the period (a callback, a decision by a date…): kept, broken, still open; and the
    broken ones, to learn from."""
    start, end = _bounds(first, last)
    due = Promise.objects.filter(due_at__gte=start, due_at__lt=end)
    counts = {state: 0 for state in PromiseState.values} | dict(
        due.values("state").annotate(n=Count("pk")).values_list("state", "n"))
    return {"kept": counts[PromiseState.KEPT], "broken": counts[PromiseState.BROKEN],
            "open": counts[PromiseState.OPEN],
            "broken_list": list(due.filter(state=PromiseState.BROKEN).order_by("-due_at")[:20])}
