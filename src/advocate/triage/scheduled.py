"""What falls due with time in triage: automatic answers that were due and not given (a worker was down)."""

from advocate.core.scheduling import Job

from .services import answers_overdue

JOBS = [
    Job("automatic_answers", lambda now: answers_overdue(now=now),
        "automatic answers due within the last hour and not yet given", order=30),
]
