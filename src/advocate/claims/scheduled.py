"""What falls due with time in claims: guarantee claims whose seller let the deadline pass, and the
marketplace's refund baseline (hourly)."""

from datetime import datetime, timedelta

from advocate.core.scheduling import Job

from . import selectors, services

BASELINE_EVERY = timedelta(hours=1)


def _baseline(now: datetime) -> int:
    latest = selectors.refund_baseline_computed_at()
    if latest is not None and now - latest < BASELINE_EVERY:
        return 0
    services.refund_baseline_refresh(now=now)
    return 1


JOBS = [
    Job("claims_closed", lambda now: services.claims_close_overdue(now=now),
        "guarantee claims whose seller let the deadline pass: the marketplace refunds and recovers", order=10),
    Job("refund_baseline", _baseline, "the marketplace's usual refund rate, refreshed hourly", order=700),
]
