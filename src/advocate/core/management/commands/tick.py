import logging
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from advocate.core.scheduling import JOBS, run_due

log = logging.getLogger(__name__)


def tick(now=None) -> dict[str, int]:
    """Everything that falls due with the passing of time, once (see `core.scheduling`)."""
    return run_due(now)


class Command(BaseCommand):
    help = "Do the work that falls due with time, once or every --every seconds. Safe to run on several machines."

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.epilog = "Jobs, in the order they run: " + "; ".join(f"{job.name} ({job.about})" for job in JOBS)
        return parser

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0,
                            help="keep running, once every this many seconds (advocate up uses 30)")

    def handle(self, *args, **opts):
        while True:
            close_old_connections()
            try:
                done = tick()
            except Exception:
                if not opts["every"]:
                    raise
                # A database restart or a lost connection must not stop the clock: try again next time.
                log.exception("tick failed; trying again in %s s", opts["every"])
            else:
                if opts["verbosity"] > 1 or (not opts["every"] and opts["verbosity"]):
                    self.stdout.write(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in done.items()))
            if not opts["every"]:
                return
            time.sleep(opts["every"])
