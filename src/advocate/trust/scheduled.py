"""What falls due with time in trust: actions given with notice taking effect, and promises about to be
broken (or broken)."""

from advocate.core.scheduling import Job

from .services import actions_start_due, promises_check

JOBS = [
    Job("actions_started", lambda now: actions_start_due(now=now), "actions given with notice taking effect",
        order=40),
    Job("promises", lambda now: promises_check(now=now), "promises about to be broken, and broken ones", order=60),
]
