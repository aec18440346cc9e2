"""Thin views: the insights page, the contacts behind any figure, and both as CSV."""

import csv
import itertools
from datetime import datetime, timedelta

from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from advocate.accounts.decorators import is_staff, operator_required, staff_required
from advocate.accounts.models import User
from advocate.cases.models import Conversation
from advocate.commerce.models import Seller
from advocate.core.errors import Refused
from advocate.core.reasons import ContactReason

from . import audit, dashboard, selectors, services
from .models import Defect, DefectState, Spike, SpikeState
from .rules import Dimension

UNCLASSIFIED = "unclassified"  # the reason parameter for contacts nobody has given a reason yet


def _days(request) -> int:
    """The period asked for, if it is one of those offered; else 30 days."""
    asked = request.GET.get("days", "")
    return int(asked) if asked in {str(days) for days in selectors.PERIODS} else 30


def _dimension(request, default: Dimension) -> Dimension:
    try:
        return Dimension(request.GET.get("by", default))
    except ValueError:
        return default


def _csv(name: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


def _rate(rate) -> str:
    return "" if rate is None else f"{rate:.2f}"


@staff_required
def insights(request):
    days, by = _days(request), _dimension(request, Dimension.SELLER)
    now = timezone.now()
    figures = selectors.overview(days=days, dimension=by, today=now.date())
    first, last = figures["first"], figures["last"]
    if request.GET.get("format") == "csv":
        return _table_csv(request.GET.get("table", "slices"), figures, by=by, now=now)
    dimensions = [(Dimension.SELLER, _("Seller")), (Dimension.PRODUCT, _("Product")),
                  (Dimension.FULFILMENT, _("Who ships")), (Dimension.CARRIER, _("Carrier")),
                  (Dimension.LANGUAGE, _("Language")), (Dimension.CHANNEL, _("Channel"))]
    return render(request, "insights/insights.html", {
        **figures, "days": days, "by": str(by), "periods": selectors.PERIODS, "dimensions": dimensions,
        "unclassified": UNCLASSIFIED, "spikes": selectors.open_spikes(),
        "shares": dashboard.shares(first=first, last=last), "money": dashboard.money(first=first, last=last),
        "backlog": dashboard.backlog(now=now), "promises": dashboard.promises(first=first, last=last)})


def _table_csv(table: str, figures: dict, *, by: Dimension, now) -> HttpResponse:
    """Any table of the insights page, as CSV."""
    first, last = figures["first"], figures["last"]
    name = f"{table}-{first}-{last}"
    if table == "reasons":
        return _csv(name, [_("Reason"), _("Contacts"), _("Contacts per 100 orders")],
                    ((row["label"], row["contacts"], _rate(row["rate"])) for row in figures["reasons"]))
    if table == "money":
        return _csv(name, [_("What"), _("Who paid"), _("How many"), _("Amount"), _("Currency")],
                    ((r["what"], r["paid_by"], r["count"], r["amount"], r["currency"])
                     for r in dashboard.money(first=first, last=last)))
    if table == "backlog":
        return _csv(f"backlog-{now.date()}", [_("What"), _("How many"), _("Waiting since"), _("Hours")],
                    ((r["what"], r["count"], r["oldest"].isoformat() if r["oldest"] else "", _rate(r["hours"]))
                     for r in dashboard.backlog(now=now)))
    if table == "shares":
        series = dashboard.shares(first=first, last=last)["series"]
        return _csv(name, [_("Day"), _("Self-service share (%)")],
                    ((day.isoformat(), _rate(share)) for day, share in series))
    return _csv(f"contacts-by-{by}-{first}-{last}",
                [str(by), _("Name"), _("Orders"), _("Contacts"), _("Contacts per 100 orders"), _("Top reason")],
                ((row.value, row.label, row.orders, row.contacts, _rate(row.rate), row.top_reason)
                 for row in figures["slices"]))


@staff_required
def contacts(request):
    days, dimension = _days(request), _dimension(request, Dimension.ALL)
    first, last = selectors.period(days, timezone.now().date())
    reason = request.GET.get("reason")
    value = request.GET.get("value", "")
    rows = selectors.contacts(first=first, last=last, reason="" if reason == UNCLASSIFIED else reason,
                              dimension=dimension, value=value)
    if request.GET.get("format") == "csv":
        return _csv(f"contacts-{first}-{last}", [_("When"), _("Kind"), _("Reason"), _("Channel"), _("Language"),
                                                  _("Order"), _("Seller"), _("Carrier"), _("Products")],
                    ((r["contact"].created_at.isoformat(), r["kind"], r["reason"], r["contact"].channel,
                      r["contact"].language, r["order"], r["contact"].seller, r["contact"].carrier,
                      " ".join(r["products"])) for r in rows))
    return render(request, "insights/contacts.html", {
        "rows": rows, "first": first, "last": last, "days": days, "reason": reason, "by": str(dimension),
        "value": value, "limit": selectors.DRILL_DOWN_ROWS, "query": request.GET.urlencode(),
        # a defect is about one reason on one slice: offered when the figure is
        "may_open_defect": bool(reason and reason != UNCLASSIFIED and dimension != Dimension.ALL and value),
        "what": selectors.slice_label(dimension, value), "reason_label": selectors.reason_label(reason or "")})


@staff_required
def defects(request):
    """Root-cause work: every defect, open first; a new one from a figure's contacts (POST)."""
    if request.method == "POST":
        try:
            dimension = Dimension(request.POST.get("by", ""))
        except ValueError:
            dimension = None
        reason = request.POST.get("reason", "")
        if dimension is None or reason not in ContactReason.values:
            messages.error(request, _("A defect is about one reason on one seller, product or other slice."))
            return redirect("insights_defects")
        try:
            defect = services.defect_open(title=request.POST.get("title", ""), dimension=dimension,
                                          value=request.POST.get("value", ""), reason=reason, by=request.user,
                                          now=timezone.now())
        except Refused as refused:
            messages.error(request, str(refused))
            return redirect("insights_defects")
        return redirect("insights_defect", defect.pk)
    return render(request, "insights/defects.html", {"defects": selectors.defects()})


@staff_required
@require_POST
def spike_defect(request, spike_id: int):
    """Open a defect from a spike: its contacts in the spike's window come with it."""
    spike = get_object_or_404(Spike, pk=spike_id, state=SpikeState.OPEN)
    existing = spike.defects.filter(state=DefectState.OPEN).first()
    if existing is not None:
        return redirect("insights_defect", existing.pk)
    title = f"{selectors.reason_label(spike.reason)} — {selectors.slice_label(spike.dimension, spike.value)}"
    defect = services.defect_open(title=title, dimension=spike.dimension, value=spike.value, reason=spike.reason,
                                  by=request.user, now=timezone.now(), spike=spike)
    return redirect("insights_defect", defect.pk)


@staff_required
def defect(request, defect_id: int):
    found = get_object_or_404(Defect.objects.select_related("owner", "opened_by", "spike"), pk=defect_id)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "fixed" and found.state == DefectState.OPEN:
            services.defect_fixed(found, now=timezone.now())
            messages.success(request, _("Marked fixed. From today the page compares contacts with before the fix."))
        elif action == "reopen" and found.state == DefectState.FIXED:
            services.defect_reopen(found)
            messages.success(request, _("Reopened."))
        elif action == "update":
            owner = User.objects.filter(pk=request.POST.get("owner") or None).first()
            services.defect_update(found, cause=request.POST.get("cause", ""),
                                   owner=owner if owner is not None and is_staff(owner) else None)
            messages.success(request, _("Saved."))
        return redirect("insights_defect", found.pk)
    return render(request, "insights/defect.html", {
        **selectors.defect_detail(found, today=timezone.now().date()), "staff": selectors.staff()})


AUDIT_PERIODS = (1, 7, 30, 90, 365)


def _audit_filters(request) -> tuple[audit.Filters, int]:
    days = request.GET.get("days", "30")
    days = int(days) if days in {str(d) for d in AUDIT_PERIODS} else 30
    kinds = frozenset(request.GET.getlist("kind")) & set(audit.KINDS) or frozenset(audit.KINDS)
    before = None
    if request.GET.get("before"):
        try:
            before = datetime.fromisoformat(request.GET["before"])
        except ValueError:
            before = None
    return audit.Filters(kinds=kinds, since=timezone.now() - timedelta(days=days), before=before,
                         order=request.GET.get("order", "").strip(), seller=request.GET.get("seller", "").strip()), days


class _Echo:
    def write(self, value):
        return value


@operator_required
def audit_trail(request):
    """Every money movement and decision, newest first; the whole filtered trail as CSV, streamed."""
    filters, days = _audit_filters(request)
    if request.GET.get("format") == "csv":
        writer = csv.writer(_Echo())
        header = [_("When"), _("Kind"), _("What"), _("Who"), _("Order"), _("Seller"), _("Amount"), _("Currency"),
                  _("Reference")]
        rows = ([r.at.isoformat(), r.kind_label, r.what, _who(r.who), r.order, r.seller,
                 "" if r.amount is None else str(r.amount), r.currency, r.reference]
                for r in audit.records(filters))
        response = StreamingHttpResponse((writer.writerow(row) for row in itertools.chain([header], rows)),
                                         content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit-trail.csv"'
        return response
    found = audit.page(filters)
    query = request.GET.copy()
    query.pop("before", None)
    return render(request, "insights/audit.html", {
        "records": found, "days": days, "periods": AUDIT_PERIODS, "kinds": audit.KINDS, "filters": filters,
        "next_before": found[-1].at.isoformat() if len(found) == 100 else "", "query": query.urlencode()})


def _who(who: str | None) -> str:
    if who is None:
        return ""
    return who or _("automatic")


@staff_required
def wow_wall(request):
    return render(request, "insights/wow.html", {"stories": selectors.wow_stories()})


@staff_required
@require_POST
def wow_record(request, conversation_id: int):
    conversation = get_object_or_404(Conversation, pk=conversation_id)
    try:
        services.wow_record(conversation=conversation, by=request.user, story=request.POST.get("story", ""),
                            now=timezone.now())
    except Refused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("On the WOW wall. Thank you for telling it."))
    return redirect("conversation", conversation.pk)


@staff_required
def seller(request, external_id: str):
    """One seller, as an operator weighs them: health, contacts, claims, messages, actions and appeals."""
    found = get_object_or_404(Seller, external_id=external_id)
    return render(request, "insights/seller.html", selectors.seller_page(found, today=timezone.now().date()))
