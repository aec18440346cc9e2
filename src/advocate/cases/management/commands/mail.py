import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from advocate.cases.inbox import Tally, mailbox_poll, smtp_listener
from advocate.cases.services import mail_receive


def _host_port(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise CommandError(f"expected host:port, got {value!r}")
    return host, int(port)


class Command(BaseCommand):
    help = (
        "Take in customers' email. `mail fetch` reads new mail from the IMAP mailbox in ADVOCATE_IMAP_URL (once, or "
        "--every N seconds; `advocate tick` also does this); `mail listen` receives mail by SMTP on "
        "ADVOCATE_SMTP_LISTEN (host:port) for our own domain; `mail import FILE…` takes .eml files (or - for "
        "standard input). The same mail twice is stored once; a different mail reusing a Message-ID is kept as new; "
        "our own mail coming back is kept but never answered."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        fetch = sub.add_parser("fetch", help="read new mail from the IMAP mailbox")
        fetch.add_argument("--url", default=settings.ADVOCATE_IMAP_URL,
                           help="imap://user:password@host:143/INBOX or imaps://… (default: ADVOCATE_IMAP_URL)")
        fetch.add_argument("--every", type=float, default=0, help="keep polling, once every this many seconds")
        listen = sub.add_parser("listen", help="receive mail by SMTP")
        listen.add_argument("--on", default=settings.ADVOCATE_SMTP_LISTEN or "127.0.0.1:2525",
                            help="host:port to listen on (default: ADVOCATE_SMTP_LISTEN, else 127.0.0.1:2525)")
        imported = sub.add_parser("import", help="take in .eml files")
        imported.add_argument("files", nargs="+", help=".eml files, or - for one mail on standard input")

    def handle(self, *args, **opts):
        getattr(self, f"_{opts['action']}")(opts)

    def _fetch(self, opts):
        if not opts["url"]:
            raise CommandError("no mailbox: set ADVOCATE_IMAP_URL or pass --url")
        while True:
            try:
                tally = mailbox_poll(opts["url"])
            except (OSError, ValueError) as exc:
                if not opts["every"]:
                    raise CommandError(f"could not read the mailbox: {exc}") from exc
                self.stderr.write(f"could not read the mailbox ({exc}); trying again in {opts['every']} s")
            else:
                if opts["verbosity"]:
                    self.stdout.write(str(tally))
            if not opts["every"]:
                return
            time.sleep(opts["every"])

    def _listen(self, opts):
        host, port = _host_port(opts["on"])
        controller = smtp_listener(host, port)
        controller.start()
        self.stdout.write(f"Receiving mail for {settings.ADVOCATE_MAIL_DOMAIN} by SMTP on {host}:{port}. "
                          "Ctrl+C stops.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()

    def _import(self, opts):
        tally = Tally()
        for name in opts["files"]:
            raw = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
            inbound, new = mail_receive(raw, source="import")
            tally.add(inbound, new)
            if opts["verbosity"] > 1:
                self.stdout.write(f"{name}: {inbound.get_outcome_display() if new else 'duplicate, skipped'}")
        self.stdout.write(str(tally))
