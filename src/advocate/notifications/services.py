"""Queue and send email. A message is queued inside the transaction that decided what it says, and
sent by a task once that transaction has committed; `emails_send_due` (run by `advocate tick`) retries
failures with growing pauses and picks up anything a crashed worker left behind."""

import email.policy
import logging
import re
from datetime import timedelta
from email.headerregistry import HeaderRegistry, UnstructuredHeader

from django.conf import settings
from django.core.mail import EmailMessage, mailers, make_msgid
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from advocate.core.dates import absolute_days
from advocate.core.zones import reader

from .models import EmailState, OutboundEmail

log = logging.getLogger(__name__)
_ONE_LINE = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")

MAX_ATTEMPTS = 8
# After the n-th failure, wait this long (the last pause repeats): about a day and a half in all.
BACKOFF = [timedelta(minutes=m) for m in (1, 5, 15, 60, 180, 360, 720)]
# How long a worker has to send a message before another may try (it may have died).
LEASE = timedelta(minutes=5)


def render_email(template: str, context: dict, language: str, time_zone: str = "UTC") -> tuple[str, str]:
    """Render a text template in the reader's language and time zone, with dates rather than "today" or
    "Monday" (it may be read days later); its first line is the subject."""
    with reader(language, time_zone), absolute_days():
        text = render_to_string(template, context).strip()
    subject, _, body = text.partition("\n")
    # One line whatever the template was given: no CR (or other control character) reaches the header.
    return _ONE_LINE.sub(" ", subject).strip(), body.strip() + "\n"


# Every email we send carries this header with our own address (as procmail and list servers do), so a mail that
# comes back to us carrying it is known for our own, whatever happened to its From.
LOOP_HEADER = "X-Loop"


def new_message_id() -> str:
    """Our Message-IDs end in our mail domain (`ADVOCATE_MAIL_DOMAIN`): a mail carrying one came from us."""
    return make_msgid(domain=settings.ADVOCATE_MAIL_DOMAIN)


def loop_value() -> str:
    """What our X-Loop header says: the address we send from."""
    return settings.DEFAULT_FROM_EMAIL.strip().lower()


def is_own_address(address: str) -> bool:
    """Whether a mail from this address is our own coming back: the address we send from
    (`ADVOCATE_FROM_EMAIL`), or one of its plus-addresses (the signed reply addresses, service+c42-…@…), in
    any letter case. Other addresses at our domain are not: they may be people."""
    local, _, domain = address.strip().lower().rpartition("@")
    own_local, _, own_domain = loop_value().rpartition("@")
    return bool(local) and domain == own_domain and local.split("+", 1)[0] == own_local


def is_own_message_id(message_id: str) -> bool:
    """Whether a Message-ID (without <>) is one we minted: its domain is exactly our mail domain."""
    return message_id.strip("<> ").rpartition("@")[2].lower() == settings.ADVOCATE_MAIL_DOMAIN.lower()


class _UrlListHeader(UnstructuredHeader):
    """List-Unsubscribe and List-Unsubscribe-Post (RFC 2369, RFC 8058) as mail programs must read them to offer
    their own unsubscribe button: the <URL>s as they are, folded onto lines of their own when too long, never
    RFC 2047-encoded (which is what Python's email does to any word that does not fit in 78 characters)."""

    def fold(self, *, policy):
        items = re.findall(r"<[^<>]*>", str(self)) or [str(self).strip()]
        line = f"{self.name}: {', '.join(items)}"
        if len(line) <= 78:
            return line + policy.linesep
        return f"{self.name}:" + "".join(f"{policy.linesep} {item}" + ("," if n < len(items) - 1 else "")
                                         for n, item in enumerate(items)) + policy.linesep


_HEADERS = HeaderRegistry()
_HEADERS.map_to_type("list-unsubscribe", _UrlListHeader)
_HEADERS.map_to_type("list-unsubscribe-post", _UrlListHeader)


class _Email(EmailMessage):
    def message(self, *, policy=email.policy.default):
        return super().message(policy=policy.clone(header_factory=_HEADERS))


def email_queue(*, key: str, to: str, template: str, context: dict, language: str, time_zone: str = "UTC",
                order=None, message_id: str = "", reply_to: str = "", headers: dict | None = None,
                automatic: bool = True) -> OutboundEmail:
    """Queue one email; the same key again changes nothing. Sent after the current transaction commits.

    `automatic` mail (what Advocate writes by itself) is marked Auto-Submitted, so other robots do not answer
    it; an associate's reply is not. `headers` carries threading headers (In-Reply-To, References)."""
    existing = OutboundEmail.objects.filter(key=key).first()
    if existing is not None:
        return existing
    subject, body = render_email(template, context, language, time_zone)
    now = timezone.now()
    email = OutboundEmail.objects.create(
        key=key, to=to, subject=subject, body=body, language=language, order=order,
        message_id=message_id or new_message_id(), reply_to=reply_to, headers=headers or {}, automatic=automatic,
        next_attempt_at=now, created_at=now,
    )
    from .tasks import send_email

    # Handed to the task queue only once the decision it reports has committed, whatever the backend.
    # robust: a task queue that is down must not turn a committed decision into an error for the customer;
    # `advocate tick` sends whatever was left queued.
    transaction.on_commit(lambda: send_email.enqueue(email.pk), robust=True)
    return email


def email_send(email_id: int, *, now=None) -> bool:
    """Send one queued email now, if it is due. Safe to run twice, or from two workers at once: a worker
    first takes a lease on the message (a conditional update only one can win), then sends, then records
    the result. A worker that dies after sending and before recording sends it again once the lease ends
    (at least once; the stable Message-ID lets mail programs show it once)."""
    now = now or timezone.now()
    taken = OutboundEmail.objects.filter(pk=email_id, state=EmailState.QUEUED, next_attempt_at__lte=now).update(
        attempts=F("attempts") + 1, next_attempt_at=now + LEASE
    )
    if not taken:
        return False
    email = OutboundEmail.objects.get(pk=email_id)
    headers = {"Message-ID": email.message_id, "Content-Language": email.language, LOOP_HEADER: loop_value(),
               **email.headers}
    if email.automatic:
        headers["Auto-Submitted"] = "auto-generated"
    message = _Email(subject=email.subject, body=email.body, to=[email.to], headers=headers,
                     reply_to=[email.reply_to] if email.reply_to else None)
    try:
        mailers.default.send_messages([message])
    except Exception as exc:  # any transport failure: record it and try again later
        email.last_error = f"{type(exc).__name__}: {exc}"[:500]
        if email.attempts >= MAX_ATTEMPTS:
            email.state = EmailState.FAILED
        else:
            email.next_attempt_at = now + BACKOFF[min(email.attempts, len(BACKOFF)) - 1]
        log.warning("email %s to %s failed (attempt %d): %s", email.pk, email.to, email.attempts, exc)
        email.save(update_fields=["last_error", "state", "next_attempt_at"])
        return False
    email.state, email.sent_at, email.last_error = EmailState.SENT, now, ""
    email.save(update_fields=["state", "sent_at", "last_error"])
    return True


def emails_send_due(*, now=None, limit: int = 500) -> int:
    """Send queued email that is due: retries after a failure, and anything a crashed worker left."""
    now = now or timezone.now()
    due = OutboundEmail.objects.filter(state=EmailState.QUEUED, next_attempt_at__lte=now)
    return sum(email_send(pk, now=now) for pk in due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
