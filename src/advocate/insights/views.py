"""Thin views: the insights page, the contacts behind any figure, and both as CSV."""

import csv

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from advocate.accounts.decorators import operator_required

from . import selectors
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


@operator_required
def insights(request):
    days, by = _days(request), _dimension(request, Dimension.SELLER)
    figures = selectors.overview(days=days, dimension=by, today=timezone.now().date())
    if request.GET.get("format") == "csv":
        return _csv(f"contacts-by-{by}-{figures['first']}-{figures['last']}",
                    [str(by), _("Name"), _("Orders"), _("Contacts"), _("Contacts per 100 orders"), _("Top reason")],
                    ((row.value, row.label, row.orders, row.contacts, _rate(row.rate), row.top_reason)
                     for row in figures["slices"]))
    dimensions = [(Dimension.SELLER, _("Seller")), (Dimension.PRODUCT, _("Product")),
                  (Dimension.FULFILMENT, _("Who ships")), (Dimension.CARRIER, _("Carrier")),
                  (Dimension.LANGUAGE, _("Language")), (Dimension.CHANNEL, _("Channel"))]
    return render(request, "insights/insights.html", {
        **figures, "days": days, "by": str(by), "periods": selectors.PERIODS, "dimensions": dimensions,
        "unclassified": UNCLASSIFIED})


@operator_required
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
                      " ".join(r["contact"].skus)) for r in rows))
    return render(request, "insights/contacts.html", {
        "rows": rows, "first": first, "last": last, "days": days, "reason": reason, "by": str(dimension),
        "value": value, "limit": selectors.DRILL_DOWN_ROWS, "query": request.GET.urlencode()})
