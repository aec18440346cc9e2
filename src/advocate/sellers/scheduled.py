"""What falls due with time in seller health: orders and messages whose figures change with time alone, then
the warnings, restrictions and liftings the figures bring."""

from advocate.core.scheduling import Job

from .enforcement import sellers_enforce
from .services import health_revisit_due

JOBS = [
    Job("health_revisited", lambda now: health_revisit_due(now=now),
        "sellers' figures that change with time (a ship-by or promised time passing)", order=30),
    Job("seller_actions", lambda now: sellers_enforce(now=now),
        "warnings, restrictions and liftings the figures bring", order=50),
]
