"""The demo's proactive side: every rule on, the rules run over its last two weeks, and one declared incident
whose customers are told (a carrier's hub closed), so order pages and conversations show what was done before
anyone asked."""

from datetime import datetime, timedelta
from decimal import Decimal

from advocate.accounts.models import User
from advocate.proactive.incidents import incident_declare, incidents_tell
from advocate.proactive.models import Incident, IncidentKind, RemedySettings

INCIDENT_CARRIER = "SwiftPost"


def switch_on() -> None:
    """Every rule on in the demo, the surprises for loyal customers too (off by default elsewhere)."""
    RemedySettings.objects.update_or_create(pk=1, defaults={"delight_on": True})


def declare_incident(*, now: datetime) -> tuple[Incident, int]:
    """Declare the demo's incident (once) and tell the customers it reaches; returns it and how many were told."""
    incident = Incident.objects.filter(kind=IncidentKind.CARRIER, value=INCIDENT_CARRIER).first()
    if incident is None:
        incident = incident_declare(
            kind=IncidentKind.CARRIER, value=INCIDENT_CARRIER, title="SwiftPost's northern hub closed by flooding",
            note="SwiftPost is sending parcels through its southern hubs; most arrive within two days of the date "
                 "they were due.",
            since=now - timedelta(days=14), expect_by=now + timedelta(days=3), credit_percent=Decimal(5),
            by=User.objects.filter(username="demo-operator").first(), now=now - timedelta(hours=2))
    told = 0
    while batch := incidents_tell(now=now - timedelta(hours=2)):
        told += batch
    return incident, told
