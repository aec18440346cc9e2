"""Sign-in records (axes' failure and access logs) are kept 30 days, then forgotten."""

from advocate.core.scheduling import Job

from .signin import signin_records_prune

JOBS = [Job("signin_records_pruned", lambda now: signin_records_prune(now=now),
            "failed and successful sign-ins older than 30 days forgotten", order=850)]
