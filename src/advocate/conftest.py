"""Shared test fixtures: the shop's events, an integration's API key, and one person per role.

Events are built as the shop's systems would send them (plain dicts, ISO 8601 times) so tests exercise
the same validation the API applies. Nothing here replaces the database.
"""

import itertools
import json
import os
import threading
from copy import deepcopy
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone

PASSWORD = "a-long-test-password-1"

ALICE = {
    "id": "cust-alice",
    "name": "Alice Marchbanks",
    "email": "alice.marchbanks@example.com",
    "phone": "+44 20 7946 0011",
    "language": "en",
    "time_zone": "Europe/London",
}
BOB = {
    "id": "cust-bob",
    "name": "Bob Quennell",
    "email": "bob.quennell@example.net",
    "phone": "+44 20 7946 0022",
    "language": "en",
    "time_zone": "Europe/London",
}
NORTHWIND = {"id": "seller-northwind", "name": "Northwind Goods"}
BLUE_HERON = {"id": "seller-blue-heron", "name": "Blue Heron Trading"}
PLATFORM = {"id": "platform", "name": "Advocate Retail", "is_platform": True}


def iso(moment: datetime) -> str:
    return moment.isoformat()


class Shop:
    """The shop's systems: builds valid events, each with a fresh id unless one is given."""

    def __init__(self, source: str = "shop-backend"):
        self.source = source
        self._ids = itertools.count(1)

    def event(self, type_: str, data: dict, *, occurred_at: datetime | None = None, id: str | None = None,
              source: str | None = None) -> dict:
        return {
            "source": source or self.source,
            "id": id or f"evt-{next(self._ids):05d}",
            "type": type_,
            "occurred_at": iso(occurred_at or timezone.now()),
            "data": data,
        }

    def order_placed(self, order_id: str, *, customer: dict = ALICE, seller: dict = NORTHWIND,
                     fulfilled_by: str = "seller", placed_at: datetime | None = None,
                     ship_by: datetime | None = None, promised_latest: datetime | None = None,
                     lines: list[dict] | None = None, id: str | None = None, **data) -> dict:
        placed_at = placed_at or timezone.now() - timedelta(hours=1)
        ship_by = ship_by or placed_at + timedelta(days=2)
        promised_latest = promised_latest or ship_by + timedelta(days=3)
        body = {
            "order_id": order_id,
            "customer": deepcopy(customer),
            "seller": deepcopy(seller),
            "fulfilled_by": fulfilled_by,
            "currency": "GBP",
            "lines": lines
            or [
                {"sku": "MUG-SET", "title": "Ceramic mug set", "quantity": 2, "unit_price": "12.50"},
                {"sku": "LAMP-01", "title": "Desk lamp", "quantity": 1, "unit_price": "39.00"},
            ],
            "placed_at": iso(placed_at),
            "ship_by": iso(ship_by),
            "promised_latest": iso(promised_latest),
            "ship_to": "12 Acacia Avenue, London",
            **data,
        }
        return self.event("order.placed", body, occurred_at=placed_at, id=id)

    def shipment_created(self, order_id: str, shipment_id: str, *, shipped_at: datetime | None = None,
                         estimated_delivery: datetime | None = None, id: str | None = None) -> dict:
        data = {"order_id": order_id, "shipment_id": shipment_id, "carrier": "ParcelNet",
                "tracking_number": f"PN{shipment_id}"}
        if estimated_delivery is not None:
            data["estimated_delivery"] = iso(estimated_delivery)
        return self.event("shipment.created", data, occurred_at=shipped_at, id=id)

    def tracking_scan(self, shipment_id: str, code: str = "in_transit", *, at: datetime | None = None,
                      estimated_delivery: datetime | None = None, id: str | None = None, **data) -> dict:
        body = {"shipment_id": shipment_id, "code": code, "location": "Hub 7", **data}
        if estimated_delivery is not None:
            body["estimated_delivery"] = iso(estimated_delivery)
        return self.event("tracking.scan", body, occurred_at=at, id=id)

    def shipment_delivered(self, shipment_id: str, *, at: datetime | None = None,
                           detail: str = "left at front door", id: str | None = None) -> dict:
        return self.event("shipment.delivered", {"shipment_id": shipment_id, "detail": detail}, occurred_at=at,
                          id=id)

    def order_cancelled(self, order_id: str, *, at: datetime | None = None, by: str = "customer",
                        reason: str = "changed my mind", id: str | None = None) -> dict:
        return self.event("order.cancelled", {"order_id": order_id, "by": by, "reason": reason},
                          occurred_at=at, id=id)

    def payment_captured(self, order_id: str, amount: str = "64.00", *, id: str | None = None) -> dict:
        return self.event("payment.captured", {"order_id": order_id, "amount": amount, "method": "card"}, id=id)

    def send(self, *items: dict):
        """Apply events straight through the intake service; every one must apply."""
        from advocate.commerce import services

        outcomes = services.events_ingest(items=list(items))
        problems = [(o.index, o.status, o.errors) for o in outcomes if o.status != "applied"]
        assert not problems, problems
        return outcomes


@pytest.fixture
def shop() -> Shop:
    return Shop()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Hashing strength is Django's concern; these tests only need logins to work, quickly.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _tasks_run_when_enqueued(settings, tmp_path):
    # Tasks are enqueued after the transaction commits (on_commit); here they then run at once, in this
    # process, instead of waiting for a worker. Uploaded photos go to a scratch folder.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a write (or a request) as in production: what it hands over after commit — email — goes when the
    transaction commits."""

    def run(write):
        with django_capture_on_commit_callbacks(execute=True):
            return write()

    return run


def run_together(*calls, failures_allowed: bool = False):
    """Run each call in its own thread (and database connection), all released at once; return what each
    returned, in order. With `failures_allowed`, an exception a call raised takes its place in the list (the
    test inspects what each concurrent request got); without, any exception fails the test."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=30)
            outcomes[i] = call()
        except BaseException as exc:
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a request never finished (deadlock?)"
    if not failures_allowed:
        failures = [o for o in outcomes if isinstance(o, BaseException)]
        assert not failures, failures
    return outcomes


# --- clients -------------------------------------------------------------------------------------------


class BrowserClient(Client):
    """A browser on the site, with Django's CSRF check enforced as in production.

    It holds the `csrftoken` cookie a browser gets from the first page it loads, and sends it back with every
    write — as the token in a page's form, or as the `X-CSRFToken` header a front end reads from the cookie.
    A test that wants a write without the token passes `headers={"X-CSRFToken": ""}`. A shop's back end is
    not a browser: it uses a plain `Client(enforce_csrf_checks=True)` with its key and no cookie at all.
    """

    def __init__(self, **defaults):
        super().__init__(enforce_csrf_checks=True, **defaults)

    def generic(self, method, path, data="", content_type="application/octet-stream", secure=False, *,
                headers=None, **extra):
        from django.conf import settings
        from django.utils.crypto import get_random_string

        if method.upper() not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            if settings.CSRF_COOKIE_NAME not in self.cookies:
                self.cookies[settings.CSRF_COOKIE_NAME] = get_random_string(32)
            headers = {"X-CSRFToken": self.cookies[settings.CSRF_COOKIE_NAME].value, **(headers or {})}
        return super().generic(method, path, data, content_type, secure, headers=headers, **extra)


# --- the API -------------------------------------------------------------------------------------------


@pytest.fixture
def integration_key(db) -> str:
    """The shop's back end: it sends events, reads instructions and acts for customers."""
    from advocate.commerce import services

    _, key = services.integration_create(name="shop-backend", scopes=["events", "instructions", "customers"])
    return key


_DEFAULT = object()


@pytest.fixture
def post_events(integration_key):
    """POST a batch to /api/v1/events as the shop's systems do (a fresh client each call, so it is safe
    from several threads); the integration's key unless another (or None: no header) is given."""

    def post(items, *, key=_DEFAULT):
        key = integration_key if key is _DEFAULT else key
        headers = {"authorization": f"Bearer {key}"} if key is not None else {}
        return Client(enforce_csrf_checks=True).post(
            "/api/v1/events", data=json.dumps(items), content_type="application/json", headers=headers
        )

    return post


# --- people ------------------------------------------------------------------------------------------


@pytest.fixture
def make_user(db, django_user_model):
    def make(username: str, role: str, **fields):
        return django_user_model.objects.create_user(username, f"{username}@staff.example", PASSWORD, role=role,
                                                     **fields)

    return make


def _customer_user(make_user, username: str, ref: dict, **fields):
    from advocate.commerce.models import Customer

    customer, _ = Customer.objects.get_or_create(
        external_id=ref["id"],
        defaults={k: ref[k] for k in ("name", "email", "phone", "language", "time_zone")},
    )
    user = make_user(username, "customer", time_zone=ref["time_zone"], **fields)
    customer.user = user
    customer.save(update_fields=["user"])
    return user


@pytest.fixture
def alice(make_user):
    """A customer (ALICE in events) with a login."""
    return _customer_user(make_user, "alice", ALICE)


@pytest.fixture
def bob(make_user):
    return _customer_user(make_user, "bob", BOB)


@pytest.fixture
def northwind_user(make_user):
    """A seller's login (NORTHWIND in events)."""
    from advocate.commerce.models import Seller

    seller, _ = Seller.objects.get_or_create(external_id=NORTHWIND["id"], defaults={"name": NORTHWIND["name"]})
    return make_user("northwind", "seller", seller=seller)


@pytest.fixture
def associate(make_user):
    return make_user("sam-associate", "associate")


@pytest.fixture
def operator(make_user):
    return make_user("olga-operator", "operator")


@pytest.fixture
def login():
    """A fresh browser session signed in as the given user (Django's CSRF check enforced, see BrowserClient)."""

    def sign_in(user) -> Client:
        client = BrowserClient()
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def client() -> Client:
    """Replaces pytest-django's `client`: a browser, with Django's CSRF check enforced (see BrowserClient)."""
    return BrowserClient()


# --- the browser (Playwright driving Debian's Chromium) ------------------------------------------------
# Tests marked `browser` use these. Without /usr/bin/chromium they are skipped, so a newcomer's plain run
# passes; CI sets ADVOCATE_REQUIRE_BROWSER=1 so a missing browser fails loudly instead of passing quietly.

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Nothing may be downloaded: keep Chromium from phoning home for updates, components or sync.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
BROWSER_PASSWORD = "a-long-test-password-4417"
# Opt-in: where to save screenshots for a person to look at (never committed, never compared).
SCREENSHOT_DIR = os.environ.get("ADVOCATE_SCREENSHOT_DIR", "")


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("ADVOCATE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"ADVOCATE_REQUIRE_BROWSER=1 but {CHROMIUM} is missing; install it with "
                        "`apt-get install -y chromium`", pytrace=False)
        pytest.skip(f"{CHROMIUM} is absent (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running on this thread, which makes Django think the
    # ORM is being called from async code. The test thread really is synchronous, so allow it, for
    # exactly as long as Playwright runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(browser):
    """Open a page in a fresh browser profile (its own cookies): a phone, in English, unless told."""
    contexts = []

    def open_page(*, viewport=PHONE, locale="en-US"):
        context = browser.new_context(
            viewport=viewport, locale=locale, is_mobile=viewport == PHONE, has_touch=viewport == PHONE
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def sign_in(page, base_url, username, password=BROWSER_PASSWORD):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base_url}/orders/")


def sign_out(page, base_url):
    page.click("header form[action='/accounts/logout/'] button[type=submit]")
    page.wait_for_url(f"{base_url}/accounts/login/")


def assert_no_horizontal_scrolling(page):
    """Nothing sticks out sideways on a phone.

    A phone browser zooms out to fit content wider than the screen, which widens window.innerWidth
    along with it, so the content is measured against the phone's own width as well.
    """
    widths = page.evaluate(
        "() => ({content: document.scrollingElement.scrollWidth, viewport: window.innerWidth})"
    )
    limit = min(widths["viewport"], PHONE["width"])
    assert widths["content"] <= limit, f"{page.url} is wider than a {PHONE['width']}px phone: {widths}"


def save_screenshot(page, name):
    if SCREENSHOT_DIR:
        page.screenshot(path=str(Path(SCREENSHOT_DIR) / name), full_page=True)


# --- the mail server (Postfix and Dovecot on loopback) -------------------------------------------------
# Tests marked `mail` send through a real Postfix and read back over IMAP from a real Dovecot, which
# `.ci/mailserver` installs and starts. Without them (ADVOCATE_TEST_SMTP unset) the tests are skipped, so a
# newcomer's plain run passes; CI sets ADVOCATE_REQUIRE_MAIL=1 so a missing server fails loudly instead.


class MailServer:
    """The loopback mail server: any address at `domain` is a mailbox, all with the same password."""

    def __init__(self, smtp: str, imap: str, domain: str, password: str):
        self.smtp_host, _, smtp_port = smtp.rpartition(":")
        self.imap_host, _, imap_port = imap.rpartition(":")
        self.smtp_port, self.imap_port = int(smtp_port), int(imap_port)
        self.domain, self.password = domain, password

    def address(self, name: str) -> str:
        """A fresh mailbox nobody else's test uses."""
        return f"{name}-{os.urandom(4).hex()}@{self.domain}"

    def imap_url(self, address: str) -> str:
        return f"imap://{address.replace('@', '%40')}:{self.password}@{self.imap_host}:{self.imap_port}/INBOX"

    def send(self, raw: bytes, *, sender: str, to: list[str]) -> None:
        import smtplib

        with smtplib.SMTP(self.smtp_host, self.smtp_port, timeout=30) as smtp:
            smtp.sendmail(sender, to, raw)

    def mailer(self) -> dict:
        """MAILERS settings that send through this server, as production sends through its own."""
        return {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                            "OPTIONS": {"host": self.smtp_host, "port": self.smtp_port, "timeout": 20}}}

    def wait_for(self, address: str, count: int = 1, timeout: float = 30) -> list[bytes]:
        """The raw messages in a mailbox, once at least `count` have been delivered (Postfix hands over in
        about a second)."""
        import imaplib
        import time

        deadline = time.monotonic() + timeout
        while True:
            with imaplib.IMAP4(self.imap_host, self.imap_port, timeout=30) as imap:
                imap.login(address, self.password)
                imap.select("INBOX", readonly=True)
                _, data = imap.uid("SEARCH", None, "ALL")
                uids = data[0].split()
                if len(uids) >= count or time.monotonic() > deadline:
                    messages = []
                    for uid in uids:
                        _, parts = imap.uid("FETCH", uid, "(BODY.PEEK[])")
                        messages.append(next(p[1] for p in parts if isinstance(p, tuple)))
                    assert len(messages) >= count, f"{address}: {len(messages)} of {count} messages arrived"
                    return messages
            time.sleep(0.3)


@pytest.fixture(scope="session")
def mail_server() -> MailServer:
    smtp, imap = os.environ.get("ADVOCATE_TEST_SMTP"), os.environ.get("ADVOCATE_TEST_IMAP")
    if not smtp or not imap:
        if os.environ.get("ADVOCATE_REQUIRE_MAIL") == "1":
            pytest.fail("ADVOCATE_REQUIRE_MAIL=1 but ADVOCATE_TEST_SMTP / ADVOCATE_TEST_IMAP are not set; "
                        "start the loopback mail server with `bash .ci/mailserver`")
        pytest.skip("no test mail server (set ADVOCATE_TEST_SMTP and ADVOCATE_TEST_IMAP; see .ci/mailserver)")
    return MailServer(smtp, imap, os.environ.get("ADVOCATE_TEST_MAIL_DOMAIN", "advocate.test"),
                      os.environ.get("ADVOCATE_TEST_MAIL_PASSWORD", "advocate"))


@pytest.fixture
def service_mailbox(mail_server, settings) -> str:
    """Our service address on the loopback mail server, with our mail sent through that server: the address."""
    service = mail_server.address("service")
    settings.DEFAULT_FROM_EMAIL, settings.ADVOCATE_MAIL_DOMAIN = service, mail_server.domain
    settings.MAILERS = mail_server.mailer()
    return service
