"""Sign-in records (axes' failure and access logs) are kept 30 days, then forgotten; requests for sign-in links
a day."""

from advocate.core.scheduling import Job

from .links import link_requests_prune
from .signin import signin_records_prune

JOBS = [Job("signin_records_pruned", lambda now: signin_records_prune(now=now),
            "failed and successful sign-ins older than 30 days forgotten", order=850),
        Job("signin_link_requests_pruned", lambda now: link_requests_prune(now=now),
            "requests for sign-in links older than a day forgotten", order=851)]
