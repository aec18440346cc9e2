"""Mail in, by the two ways a mail system hands it over: polling an IMAP mailbox, or listening for SMTP.
Both hand each mail, exactly as it arrived, to `services.mail_receive`, which stores it once whatever
happens: the same mail fetched again, or arriving both ways, changes nothing."""

import asyncio
import logging
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from imap_tools import AND, MailBox, MailBoxStartTls, MailBoxUnencrypted, U

from .models import InboundMail, InboundOutcome, MailboxCursor
from .services import mail_receive

log = logging.getLogger(__name__)
FETCH_BATCH = 200


@dataclass
class Tally:
    """What a run of mail in came to, for the command's summary: new mail, the same mail again (skipped), a
    different mail that reused an earlier Message-ID (kept as new), and our own mail come back (kept only)."""

    new: int = 0
    duplicates: int = 0
    reused: int = 0
    own: int = 0

    def add(self, inbound: InboundMail, created: bool) -> None:
        if not created:
            self.duplicates += 1
        elif inbound.outcome == InboundOutcome.OWN:
            self.own += 1
        elif inbound.reused_message_id:
            self.reused += 1
        else:
            self.new += 1

    @property
    def stored(self) -> int:
        return self.new + self.reused + self.own

    def __str__(self) -> str:
        return (f"{self.new} new, {self.duplicates} duplicates skipped, {self.reused} reused Message-ID kept as new, "
                f"{self.own} of our own kept, not answered")


@dataclass(frozen=True)
class ImapAccount:
    host: str
    port: int
    username: str
    password: str
    folder: str
    security: str  # "tls", "starttls" or "none"

    @property
    def name(self) -> str:
        return f"{self.username}@{self.host}:{self.port}/{self.folder}"

    @classmethod
    def from_url(cls, url: str) -> "ImapAccount":
        """imap://user:password@host:143/INBOX (plain, for loopback), ?starttls=1, or imaps://… (implicit TLS)."""
        parts = urlsplit(url)
        if parts.scheme not in ("imap", "imaps") or not parts.hostname or not parts.username:
            raise ValueError("an IMAP URL looks like imaps://user:password@imap.example.com/INBOX")
        starttls = parse_qs(parts.query).get("starttls", ["0"])[0] == "1"
        return cls(
            host=parts.hostname, port=parts.port or (993 if parts.scheme == "imaps" else 143),
            username=unquote(parts.username), password=unquote(parts.password or ""),
            folder=unquote(parts.path.lstrip("/")) or "INBOX",
            security="tls" if parts.scheme == "imaps" else ("starttls" if starttls else "none"),
        )

    def connect(self):
        box = {"tls": MailBox, "starttls": MailBoxStartTls, "none": MailBoxUnencrypted}[self.security]
        return box(self.host, self.port, timeout=30).login(self.username, self.password, initial_folder=self.folder)


def mailbox_poll(url: str, *, limit: int = 5000, progress=None) -> Tally:
    """Take in every mail that arrived in the mailbox since the last poll; returns what it came to.

    Mail is read without marking it seen, oldest first, and the cursor moves after each one, so a poll cut
    short resumes where it stopped. If the server renumbered the mailbox (a new UIDVALIDITY) everything is
    read again, and the duplicate check drops what we already have."""
    account = ImapAccount.from_url(url)
    cursor, _ = MailboxCursor.objects.get_or_create(mailbox=account.name)
    taken = Tally()
    with account.connect() as mailbox:
        validity = mailbox.folder.status(account.folder, ["UIDVALIDITY"])["UIDVALIDITY"]
        if validity != cursor.uid_validity:
            cursor.uid_validity, cursor.last_uid = validity, 0
        # "UID n:*" also answers with the newest mail when nothing is newer than n, so filter again.
        uids = sorted(int(uid) for uid in mailbox.uids(AND(uid=U(cursor.last_uid + 1, "*"))))
        uids = [uid for uid in uids if uid > cursor.last_uid][:limit]
        for uid in uids:
            status, data = mailbox.client.uid("FETCH", str(uid), "(BODY.PEEK[])")
            raw = next((part[1] for part in data if isinstance(part, tuple)), None) if status == "OK" else None
            if raw is not None:
                taken.add(*mail_receive(raw, source=f"imap:{account.name}"))
            cursor.last_uid = uid
            cursor.save(update_fields=["uid_validity", "last_uid"])
            if progress:
                progress(uid)
    cursor.polled_at = timezone.now()
    cursor.save(update_fields=["uid_validity", "last_uid", "polled_at"])
    return taken


class SmtpHandler:
    """aiosmtpd handler: accepts mail for our own domain only (never a relay), stores it before saying 250, and
    answers 451 (try again later) if it could not, so the sending server keeps it and retries."""

    def __init__(self, domain: str | None = None):
        self.domain = (domain or settings.ADVOCATE_MAIL_DOMAIN).lower()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not address.lower().endswith("@" + self.domain):
            return "550 5.7.1 Relaying denied: this server only takes mail for " + self.domain
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        try:
            await asyncio.to_thread(_receive_in_thread, raw, tuple(envelope.rcpt_tos))
        except Exception:
            log.exception("could not store a mail from %s", envelope.mail_from)
            return "451 4.3.0 Could not store the message; try again later"
        return "250 OK: stored"


def _receive_in_thread(raw: bytes, recipients: tuple[str, ...]) -> None:
    close_old_connections()
    try:
        mail_receive(raw, source="smtp", recipients=recipients)
    finally:
        close_old_connections()


def smtp_listener(host: str, port: int, *, domain: str | None = None):
    """A started-able SMTP listener (aiosmtpd's Controller) on host:port; call .start() and .stop()."""
    from aiosmtpd.controller import Controller

    return Controller(SmtpHandler(domain), hostname=host, port=port, data_size_limit=30 * 1024 * 1024)
