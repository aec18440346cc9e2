"""What insights does with time: look for spikes (hourly; `advocate tick` asks every time it runs)."""

from advocate.core.scheduling import Job

from .services import spikes_detect

JOBS = [Job("contact_spikes", lambda now: spikes_detect(now=now),
            "contact spikes by product, seller and carrier (at most hourly)", order=60)]
