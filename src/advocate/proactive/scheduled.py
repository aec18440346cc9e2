"""What falls due with time in proactive remedies: every rule asked about the orders it could be due on, and the
customers of open incidents told."""

from advocate.core.scheduling import Job

from .incidents import incidents_tell
from .services import remedies_run

JOBS = [
    Job("remedies", lambda now: remedies_run(now=now),
        "proactive remedies: late orders told (and credited), stalled parcels traced, then put right", order=35),
    Job("incidents", lambda now: incidents_tell(now=now),
        "the customers of declared incidents told, a batch per incident", order=36),
]
