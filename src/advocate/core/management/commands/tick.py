import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from advocate.cases.inbox import mailbox_poll
from advocate.cases.services import callbacks_check
from advocate.claims import services as claims
from advocate.claims.models import RefundBaseline
from advocate.notifications.services import emails_send_due
from advocate.sellers.enforcement import sellers_enforce
from advocate.sellers.services import health_revisit_due
from advocate.trust.services import actions_start_due, promises_check

BASELINE_EVERY = timedelta(hours=1)
log = logging.getLogger(__name__)


def tick(now=None) -> dict[str, int]:
    """Everything that falls due with the passing of time, once. Each step is idempotent, so two tick
    processes (or a tick and a worker) at once do no harm."""
    now = now or timezone.now()
    done = {"claims_closed": claims.claims_close_overdue(now=now), **callbacks_check(now=now),
            "health_revisited": health_revisit_due(now=now), "actions_started": actions_start_due(now=now),
            "seller_actions": sellers_enforce(now=now), **promises_check(now=now),
            "emails_sent": emails_send_due(now=now)}
    latest = RefundBaseline.objects.order_by("-computed_at").values_list("computed_at", flat=True).first()
    if latest is None or now - latest >= BASELINE_EVERY:
        claims.refund_baseline_refresh(now=now)
    if settings.ADVOCATE_IMAP_URL:  # last: a mail server that is down must not hold up the rest
        done["mail_received"] = mailbox_poll(settings.ADVOCATE_IMAP_URL)
    return done


class Command(BaseCommand):
    help = (
        "Do the work that falls due with time: guarantee claims whose seller let the deadline pass (the "
        "marketplace refunds the buyer and recovers from the seller), callbacks about to be missed or missed, "
        "sellers' health figures that change with time and the warnings or restrictions they bring, promises "
        "about to be broken, "
        "email waiting to be sent or retried, new mail in the IMAP mailbox (ADVOCATE_IMAP_URL), the "
        "marketplace's refund baseline. Once, or every --every seconds. Safe to run on several machines."
    )

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
