"""What falls due with time in conversations: callbacks about to be missed or missed, and new mail in the
IMAP mailbox (last: a mail server that is down must not hold up the rest)."""

from django.conf import settings

from advocate.core.scheduling import Job

from .inbox import mailbox_poll
from .services import callbacks_check, presence_forget


def _poll(now) -> dict[str, int]:
    if not settings.ADVOCATE_IMAP_URL:
        return {}
    tally = mailbox_poll(settings.ADVOCATE_IMAP_URL)
    return {"mail_received": tally.new + tally.reused, "mail_duplicates": tally.duplicates, "mail_own": tally.own}


JOBS = [
    Job("callbacks", lambda now: callbacks_check(now=now), "callbacks about to be missed, or missed", order=20),
    Job("viewers_forgotten", lambda now: {"viewers_forgotten": presence_forget(now=now)},
        "who had a conversation open, once long gone", order=860),
    Job("mail_received", _poll, "new mail in the IMAP mailbox (ADVOCATE_IMAP_URL)", order=900),
]
