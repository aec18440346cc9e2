from dataclasses import asdict
from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from advocate.accounts.decorators import operator_required
from advocate.commerce import selectors as commerce_selectors
from advocate.core.numbers import page_number
from advocate.core.web import attempt

from . import dry_run, rules, services, switches
from . import incidents as incidents_service
from .models import Firing, Incident, IncidentKind, IncidentNotice, RemedySettings
from .presenters import firing_sentence, notice_sentence

TRY_DAYS = 90
SHOWN = 20


@operator_required
def remedies(request):
    """The proactive rules: what they did lately, their switches, and a dry run over the last 90 days."""
    now = timezone.now()
    chosen, errors, tried = switches.settings_current(), {}, None
    typed = {name: str(value) for name, value in asdict(chosen).items()}
    if request.method == "POST":
        typed = {name: request.POST.get(name, "")[:40] for name in typed}
        chosen, errors = switches.settings_parse(typed)
        if not errors and request.POST.get("action") == "try":
            tried = dry_run.dry_run(chosen=chosen, days=TRY_DAYS, now=now)
        elif not errors:
            switches.settings_save(chosen=chosen, by=request.user)
            messages.success(request, _("Saved. The rules work with these settings from the next tick on."))
            return redirect("remedies")
    page = page_number(request.GET.get("page"))
    firings = list(Firing.objects.select_related("order", "refund").order_by("-at", "-pk")
                   [(page - 1) * SHOWN:page * SHOWN + 1])
    remedied = set(Firing.objects.filter(order__in={f.order_id for f in firings}, rule=rules.Rule.STALLED,
                                         step=rules.Step.REMEDY).values_list("order_id", flat=True))
    return render(request, "proactive/remedies.html", {
        "typed": typed, "errors": errors, "tried": tried, "try_days": TRY_DAYS, "saved": switches.settings_row(),
        "recent": [(f, firing_sentence(f, now, to_customer=False, remedied=f.order_id in remedied))
                   for f in firings[:SHOWN]],
        "page": page, "has_next": len(firings) > SHOWN,
        "recent_count": Firing.objects.filter(at__gte=now - timedelta(days=30)).count(),
        "credit_choices": RemedySettings._meta.get_field("credit_for").choices,
        "remedy_choices": RemedySettings._meta.get_field("remedy").choices, "spent": services.credits_this_month(now),
        "budget": switches.settings_current().monthly_budget,
    }, status=422 if errors else 200)


INCIDENT_FIELDS = ("kind", "value", "title", "note", "since", "expect_by", "credit_percent")


def _incident_typed(request) -> tuple[dict, dict]:
    """The declaration as typed, and as values (days read in the operator's time zone; None where unreadable)."""
    typed = {name: request.POST.get(name, "").strip()[:2000] for name in INCIDENT_FIELDS}
    since, expect_by = (parse_date(typed[name]) if typed[name] else None for name in ("since", "expect_by"))
    try:
        credit = Decimal(typed["credit_percent"] or "0")
    except InvalidOperation:
        credit = None
    return typed, {
        "kind": typed["kind"], "value": typed["value"], "title": typed["title"], "note": typed["note"],
        "since": timezone.make_aware(datetime.combine(since, time.min)) if since else None,
        "expect_by": timezone.make_aware(datetime.combine(expect_by, time.max)) if expect_by else None,
        "credit_percent": credit if credit is not None and credit.is_finite() else None,
    }


@operator_required
def incidents(request):
    """Declared incidents, and a form to declare one (with a preview of the orders it would reach)."""
    now = timezone.now()
    typed = {"kind": IncidentKind.CARRIER, "since": timezone.localdate(now).isoformat(), "credit_percent": "0"}
    errors, preview = {}, None
    if request.method == "POST":
        typed, values = _incident_typed(request)
        errors = incidents_service.incident_check(now=now, **{k: v for k, v in values.items() if k != "note"})
        if not errors and request.POST.get("action") == "preview":
            reached = incidents_service.affected(Incident(**values))
            preview = {"count": reached.count(), "orders": list(reached.order_by("-placed_at")[:SHOWN])}
        elif not errors:
            incident = incidents_service.incident_declare(by=request.user, now=now, **values)
            messages.success(request, _("Declared. Its customers are told from the next tick on, in their language."))
            return redirect("incident", incident.pk)
    listed = [(incident, incidents_service.incident_figures(incident)) for incident in Incident.objects.all()[:SHOWN]]
    return render(request, "proactive/incidents.html", {
        "typed": typed, "errors": errors, "preview": preview, "incidents": listed, "kinds": IncidentKind.choices,
    }, status=422 if errors else 200)


@operator_required
def incident(request, incident_id: int):
    found = get_object_or_404(Incident, pk=incident_id)
    now = timezone.now()
    if request.method == "POST":
        if incidents_service.incident_resolve(incident=found, by=request.user, now=now):
            messages.success(request, _("Marked over: nobody more is told."))
        return redirect("incident", found.pk)
    notices = list(IncidentNotice.objects.filter(incident=found).select_related("order", "incident")
                   .order_by("-at", "-pk")[:SHOWN])
    return render(request, "proactive/incident.html", {
        "incident": found, "figures": incidents_service.incident_figures(found),
        "notices": [(n, notice_sentence(n, now, to_customer=False)) for n in notices],
    })


@login_required
@require_POST
def remedy_choose(request, external_id: str):
    """The customer's choice, on their order page, of how a lost parcel is put right should there be no news."""
    if not request.user.is_customer:
        raise Http404("No such page")
    order = commerce_selectors.order_detail(request.user, external_id)
    if attempt(request, lambda: services.remedy_choose(order=order, remedy=request.POST.get("remedy", ""))):
        messages.success(request, _("Thank you: if there is still no news, we will do as you chose."))
    return redirect("order_detail", external_id)
