"""The jobs that fall due with the passing of time (`advocate tick`): each app registers its own.

A job is run once per tick and must be idempotent: two tick processes at once, or a tick that died half-way
and runs again, do no harm. Each job decides for itself whether anything is due (a deadline passed, an hour
since the last refresh). One job failing does not stop the others.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from .registry import Registry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[datetime], dict[str, int] | int]  # what it did: a count, or counts by name
    about: str  # one line for `advocate tick --help` and the docs
    order: int = 100  # lower first; email goes late (it sends what the others queued), slow outside calls last


JOBS: Registry[Job] = Registry("scheduled job")


def register_jobs(jobs: list[Job]) -> None:
    """An app's jobs, registered from its `AppConfig.ready`."""
    for job in jobs:
        JOBS.add(job)


class JobsFailed(Exception):
    def __init__(self, failed: dict[str, BaseException]):
        super().__init__("; ".join(f"{name}: {type(exc).__name__}: {exc}" for name, exc in failed.items()))
        self.failed = failed


def run_due(now: datetime | None = None) -> dict[str, int]:
    """Run every registered job once, in order; return what each did. A job that raises is logged and the
    rest still run; then JobsFailed names every failure (the next tick tries again)."""
    now = now or timezone.now()
    done: dict[str, int] = {}
    failed: dict[str, BaseException] = {}
    for job in JOBS:
        try:
            result = job.run(now)
        except Exception as exc:  # one broken job must not stop the clock for the others
            log.exception("scheduled job %s failed", job.name)
            failed[job.name] = exc
            continue
        done.update(result if isinstance(result, dict) else {job.name: result})
    if failed:
        raise JobsFailed(failed)
    return done
