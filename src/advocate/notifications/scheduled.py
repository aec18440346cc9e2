"""Email waiting to be sent or retried: after the other jobs, so what they queued goes out in the same tick."""

from advocate.core.scheduling import Job

from .services import emails_send_due

JOBS = [Job("emails_sent", lambda now: emails_send_due(now=now), "email waiting to be sent or retried", order=800)]
