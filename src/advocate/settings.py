"""Settings for Advocate.

One settings module for every deployment: the embedded default (SQLite file, tasks in the same
database run by a worker the start command launches) and the scaled-out one (PostgreSQL via
DATABASE_URL, several web processes, workers on other machines) differ only in environment variables.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("ADVOCATE_DATA_DIR", Path.cwd() / "var"))

DEBUG = os.environ.get("ADVOCATE_DEBUG", "") == "1"


def _secret_key() -> str:
    """ADVOCATE_SECRET_KEY when set; otherwise the key in the data folder, made on first start.

    Never a public default: sessions, sign-in links and reply addresses are signed with it. The file is
    written whole under a temporary name and then linked into place, so two processes starting at once
    agree on one key (the second finds the first's) and none ever reads half a key. Web processes on
    several machines must share one key: set ADVOCATE_SECRET_KEY there.
    """
    configured = os.environ.get("ADVOCATE_SECRET_KEY")
    if configured:
        return configured
    path = DATA_DIR / "secret_key"
    if not path.exists():
        from django.core.management.utils import get_random_secret_key

        DATA_DIR.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".secret_key.{os.getpid()}")
        draft.write_text(get_random_secret_key())
        draft.chmod(0o600)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            draft.unlink()
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = os.environ.get("ADVOCATE_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("ADVOCATE_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_tasks_db",
    "axes",
    "advocate.core",
    "advocate.accounts",
    "advocate.commerce",
    "advocate.notifications",
    "advocate.claims",
    "advocate.cases",
    "advocate.sellers",
    "advocate.trust",
    "advocate.messaging",
    "advocate.triage",
    "advocate.proactive",
    "advocate.insights",
    "advocate.demo",
    "advocate.platform",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "advocate.core.middleware.RequestSizeLimitMiddleware",
    "advocate.core.middleware.NulRefusalMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "advocate.accounts.middleware.UserPreferencesMiddleware",
    "advocate.trust.middleware.ClosedAccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "advocate.accounts.middleware.PrivatePagesMiddleware",
    # Last, as axes asks: it turns a sign-in its backend refused into the locked-out answer.
    "axes.middleware.AxesMiddleware",
]

# Sign-in limits (advocate/accounts/signin.py, README "Sign-in limits"). Axes' backend comes first: a locked
# account or address is refused before ModelBackend hashes any password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Emailed sign-in links (django-sesame): after axes, so an address locked for failed sign-ins cannot use a
    # link either, and a bad or expired link counts as a failed sign-in from that address.
    "sesame.backends.ModelBackend",
]
ADVOCATE_SIGNIN_ACCOUNT_FAILURES = int(os.environ.get("ADVOCATE_SIGNIN_ACCOUNT_FAILURES", "5"))
ADVOCATE_SIGNIN_ADDRESS_FAILURES = int(os.environ.get("ADVOCATE_SIGNIN_ADDRESS_FAILURES", "20"))
ADVOCATE_SIGNIN_LOCKOUT_MINUTES = float(os.environ.get("ADVOCATE_SIGNIN_LOCKOUT_MINUTES", "15"))
ADVOCATE_SIGNIN_LOCKOUT_MAX_HOURS = float(os.environ.get("ADVOCATE_SIGNIN_LOCKOUT_MAX_HOURS", "24"))
# Behind a reverse proxy or load balancer: its addresses or networks (comma-separated), so the client's
# address is read from X-Forwarded-For as that proxy wrote it. Unset, X-Forwarded-For is never trusted.
ADVOCATE_TRUSTED_PROXIES = os.environ.get("ADVOCATE_TRUSTED_PROXIES", "")
AXES_HANDLER = "advocate.accounts.signin.SignInLimitsHandler"  # the database handler, with a growing lockout
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # per account, and per address, each on its own
AXES_FAILURE_LIMIT = ADVOCATE_SIGNIN_ACCOUNT_FAILURES
AXES_COOLOFF_TIME = timedelta(minutes=ADVOCATE_SIGNIN_LOCKOUT_MINUTES)  # how long axes' attempt rows are kept
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # every failed sign-in: what the lockout is counted from
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a refused attempt does not extend the lockout
AXES_CLIENT_IP_CALLABLE = "advocate.accounts.signin.client_address"
AXES_LOCKOUT_CALLABLE = "advocate.accounts.signin.lockout_response"
AXES_USERNAME_FORM_FIELD = "username"
AXES_SENSITIVE_PARAMETERS = ["password", "sesame", "first"]  # never written to axes' logs

# Emailed sign-in links for customers (advocate/accounts/links.py, README "How customers sign in").
ADVOCATE_SIGNIN_LINK_MINUTES = float(os.environ.get("ADVOCATE_SIGNIN_LINK_MINUTES", "15"))
ADVOCATE_SIGNIN_LINKS_PER_EMAIL = int(os.environ.get("ADVOCATE_SIGNIN_LINKS_PER_EMAIL", "3"))
ADVOCATE_SIGNIN_LINKS_PER_ADDRESS = int(os.environ.get("ADVOCATE_SIGNIN_LINKS_PER_ADDRESS", "10"))
ADVOCATE_SIGNIN_LINKS_WINDOW_MINUTES = float(os.environ.get("ADVOCATE_SIGNIN_LINKS_WINDOW_MINUTES", "60"))
SESAME_MAX_AGE = int(ADVOCATE_SIGNIN_LINK_MINUTES * 60)
SESAME_ONE_TIME = True  # a link works once: signing in changes last_login, which the token is signed with

ROOT_URLCONF = "advocate.platform.urls"
WSGI_APPLICATION = "advocate.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "advocate.core.context_processors.support_contact",
            ],
        },
    },
]


def _database() -> dict:
    url = os.environ.get("DATABASE_URL")
    if url:
        db = dj_database_url.parse(url, conn_max_age=int(os.environ.get("ADVOCATE_CONN_MAX_AGE", "60")))
        db.setdefault("TEST", {})["NAME"] = os.environ.get("ADVOCATE_TEST_DB_NAME")
        return db
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("ADVOCATE_SQLITE_PATH", str(DATA_DIR / "advocate.sqlite3")),
        "OPTIONS": {
            # WAL lets readers proceed while one writer writes; IMMEDIATE takes the write lock at the
            # start of a transaction so concurrent writers queue (busy timeout) instead of deadlocking.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        },
        # A file, not :memory:, so tests with threads exercise the same locking as production.
        "TEST": {"NAME": str(DATA_DIR / "test.sqlite3")},
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {
    "default": {
        "BACKEND": os.environ.get("ADVOCATE_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("zh-hans", "简体中文"),
    ("ar", "العربية"),
    ("ru", "Русский"),
    ("es", "Español"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("ja", "日本語"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"

# HTTPS, from one setting. ADVOCATE_HTTPS=1 (for any site people reach over the internet): plain-HTTP
# requests are redirected to HTTPS, browsers are told to use only HTTPS for a year (HSTS), and the session
# and CSRF cookies are sent only over HTTPS. Behind a proxy that ends TLS, also set ADVOCATE_PROXY_HTTPS_HEADER=1
# so the proxy's X-Forwarded-Proto says which requests came in over HTTPS — only if the proxy always sets or
# strips that header. ADVOCATE_SECURE_COOKIES=1, the older setting, is read as ADVOCATE_HTTPS=1.
HTTPS = "1" in (os.environ.get("ADVOCATE_HTTPS", ""), os.environ.get("ADVOCATE_SECURE_COOKIES", ""))
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = False  # the site's own name only; other services on sibling names are not ours to bind
if os.environ.get("ADVOCATE_PROXY_HTTPS_HEADER", "") == "1":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (Django's own, django.middleware.csp): only this site's scripts, styles and images
# (photos and sparklines included), no plug-ins, no framing, forms post only here. No page has inline script
# or style; the few behaviours live in core/static/advocate/behaviour.js.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

DEFAULT_FROM_EMAIL = os.environ.get("ADVOCATE_FROM_EMAIL", "service@advocate.localhost")
ADVOCATE_MAIL_DOMAIN = DEFAULT_FROM_EMAIL.rpartition("@")[2] or "advocate.localhost"


def _mailer() -> dict:
    """SMTP when ADVOCATE_SMTP_URL is set (smtp://user:password@host:587?starttls=1, or smtps:// for
    implicit TLS); otherwise each message is written as a file to ./var/mail, so the embedded default
    needs no mail server and every message can still be read."""
    url = os.environ.get("ADVOCATE_SMTP_URL")
    if not url:
        return {"BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                "OPTIONS": {"file_path": str(DATA_DIR / "mail")}}
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": parts.hostname or "localhost",
            "port": parts.port or (465 if parts.scheme == "smtps" else 25),
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_ssl": parts.scheme == "smtps",
            "use_tls": query.get("starttls", ["0"])[0] == "1",
            "timeout": 20,
        },
    }


MAILERS = {"default": _mailer()}
# Inbound email: an IMAP mailbox polled by `advocate tick` (imap://user:password@host:143/INBOX, imaps://…
# for implicit TLS, ?starttls=1), and/or an SMTP listener (`advocate mail-listen`, on this host:port).
ADVOCATE_IMAP_URL = os.environ.get("ADVOCATE_IMAP_URL", "")
ADVOCATE_SMTP_LISTEN = os.environ.get("ADVOCATE_SMTP_LISTEN", "")
# An associate refunds or credits up to this much (base currency) alone, with no approval step.
ADVOCATE_ASSOCIATE_LIMIT = os.environ.get("ADVOCATE_ASSOCIATE_LIMIT", "500")
# Callbacks: how many customers one two-hour window takes; where "about to be missed" alerts go (optional).
ADVOCATE_CALLBACKS_PER_WINDOW = int(os.environ.get("ADVOCATE_CALLBACKS_PER_WINDOW", "20"))
ADVOCATE_TEAM_EMAIL = os.environ.get("ADVOCATE_TEAM_EMAIL", "")
# Where the triage models are kept once trained from src/advocate/triage/data (a folder; each model is named by
# the fingerprint of its training files, so several checkouts or test runs may share one).
ADVOCATE_TRIAGE_MODELS = Path(os.environ.get("ADVOCATE_TRIAGE_MODELS", DATA_DIR))
# Appeals against account actions are decided by a person within this many days (a promise, tracked).
ADVOCATE_APPEAL_DECISION_DAYS = int(os.environ.get("ADVOCATE_APPEAL_DECISION_DAYS", "7"))
# Seller standards: days a seller has to bring a figure back within target before the next step
# (warning, then restriction of new listings, then suspension).
ADVOCATE_ENFORCEMENT_DAYS = int(os.environ.get("ADVOCATE_ENFORCEMENT_DAYS", "14"))
# ...but only once a figure rests on at least this many orders (or messages): fewer are too few to judge fairly.
ADVOCATE_ENFORCEMENT_MIN_COUNT = int(os.environ.get("ADVOCATE_ENFORCEMENT_MIN_COUNT", "20"))
# Everyone serves: operators and managers take this many service-duty days every this many months.
ADVOCATE_SERVICE_DUTY_DAYS = int(os.environ.get("ADVOCATE_SERVICE_DUTY_DAYS", "2"))
ADVOCATE_SERVICE_DUTY_MONTHS = int(os.environ.get("ADVOCATE_SERVICE_DUTY_MONTHS", "24"))
# Round-robin: each new conversation goes at once to whoever is on today's rota with the fewest conversations
# not yet resolved (nobody on the rota: it waits unassigned, as it does with this off).
ADVOCATE_ROUND_ROBIN = os.environ.get("ADVOCATE_ROUND_ROBIN", "") == "1"
# Where people reach this installation; used for links in email.
ADVOCATE_SITE_URL = os.environ.get("ADVOCATE_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

MEDIA_ROOT = DATA_DIR / "media"  # customers' photos; served only through views that check who asks
# Policy thresholds (returnless refunds, automatic approval…) are set in this currency.
ADVOCATE_BASE_CURRENCY = os.environ.get("ADVOCATE_BASE_CURRENCY", "EUR")

# The number customers can always call; shown on every page (principle: the phone number is never hidden).
ADVOCATE_SUPPORT_PHONE = os.environ.get("ADVOCATE_SUPPORT_PHONE", "+1 800 555 0199")
ADVOCATE_SUPPORT_HOURS = _("Every day, 7:00–23:00")
# The shop's page for a product, for links to it in email: {seller} and {sku} are filled in (empty: no links).
ADVOCATE_PRODUCT_URL = os.environ.get("ADVOCATE_PRODUCT_URL", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ADVOCATE_LOG_LEVEL", "WARNING")},
}
ADVOCATE_SHOW_DEMO_LOGINS = os.environ.get("ADVOCATE_SHOW_DEMO_LOGINS", "") == "1"
FORMAT_MODULE_PATH = ["advocate.formats"]
# A full batch of 1,000 events with large orders can exceed Django's 2.5 MB default. It is also the most any
# request may send (core.middleware.RequestSizeLimit answers 413 from Content-Length before reading it), so
# an uploaded photo (15 MB at most) is kept in memory, never spooled to disk.
DATA_UPLOAD_MAX_MEMORY_SIZE = 16 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
DATA_UPLOAD_MAX_NUMBER_FILES = 5
# Pixels decoded for one customer's photo, and for all the photos of one report (claims/photos.py): what bounds
# the worker time a report costs (benchmarks/photo_worst_case.py).
ADVOCATE_PHOTO_MAX_PIXELS = int(os.environ.get("ADVOCATE_PHOTO_MAX_PIXELS", str(4096 * 3072)))
ADVOCATE_REPORT_MAX_PIXELS = int(os.environ.get("ADVOCATE_REPORT_MAX_PIXELS", "16000000"))
