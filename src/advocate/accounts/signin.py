"""Sign-in limits: failed sign-ins per account and per client address, with a lockout that doubles.

django-axes does the plumbing: its authentication backend (first in AUTHENTICATION_BACKENDS) refuses a locked
account or address *before* any password is hashed, its signal handlers record each failed sign-in in its
`AccessFailureLog` and each successful one in its `AccessLog`, and its middleware hands the refused request to
`lockout_response`. Axes' own lockout counts failures in one fixed cool-off window; ours grows, so the handler
here decides "locked?" from the failure log:

- Within any `SIGNIN_MEMORY` (24 hours), every `limit`-th failure of a key — an account's failures from any
  address, or an address's failures on any account — locks that key; the L-th lockout lasts
  ADVOCATE_SIGNIN_LOCKOUT_MINUTES × 2^(L-1), at most ADVOCATE_SIGNIN_LOCKOUT_MAX_HOURS.
- A refused attempt (while locked) is no guess: it is not recorded, so it neither extends the lockout nor
  counts towards the next, and "try again in N minutes" stays true.
- A successful sign-in forgives the account's earlier failures — in the account's count and in the counts of
  the addresses they came from. Failures on *other* accounts from the same address still count.

`client_address` is the address the limits count: REMOTE_ADDR, unless that is one of ADVOCATE_TRUSTED_PROXIES.
"""

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Max, Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import ngettext

SIGNIN_MEMORY = timedelta(hours=24)
SIGNIN_RECORDS_KEPT = timedelta(days=30)


@dataclass(frozen=True)
class Policy:
    account_limit: int
    address_limit: int
    lockout: timedelta
    longest: timedelta

    def lockout_for(self, level: int) -> timedelta:
        """The `level`-th lockout within the memory: the first lasts `lockout`, each next one twice as long."""
        return min(self.lockout * 2 ** min(level - 1, 30), self.longest)


def policy() -> Policy:
    return Policy(
        account_limit=settings.ADVOCATE_SIGNIN_ACCOUNT_FAILURES,
        address_limit=settings.ADVOCATE_SIGNIN_ADDRESS_FAILURES,
        lockout=timedelta(minutes=settings.ADVOCATE_SIGNIN_LOCKOUT_MINUTES),
        longest=timedelta(hours=settings.ADVOCATE_SIGNIN_LOCKOUT_MAX_HOURS),
    )


def locked_until(failure_times: list[datetime], limit: int, rules: Policy, now: datetime) -> datetime | None:
    """When a key's lockout ends, given its counted failures (oldest first), or None if it is not locked.

    The failure that reached a multiple of `limit` started the lockout; refused attempts are never recorded,
    so failures after it can only come from requests that were already past the check (a race) and do not
    move its start."""
    level = len(failure_times) // limit
    if level == 0:
        return None
    until = failure_times[level * limit - 1] + rules.lockout_for(level)
    return until if until > now else None


def _failure_times(filter_: Q, since: datetime) -> list[tuple[str | None, datetime]]:
    return list(
        AccessFailureLog.objects.filter(filter_, attempt_time__gte=since)
        .order_by("attempt_time", "id")
        .values_list("username", "attempt_time")
    )


def _forgiven(rows: list[tuple[str | None, datetime]]) -> list[datetime]:
    """The failure times left once each account's successful sign-in has forgiven the failures before it."""
    usernames = {u for u, _ in rows if u is not None}
    last_success = dict(
        AccessLog.objects.filter(username__in=usernames)
        .values("username")
        .annotate(last=Max("attempt_time"))
        .values_list("username", "last")
    ) if usernames else {}
    return [t for u, t in rows if u not in last_success or t > last_success[u]]


def lockout_end(username: str | None, address: str | None, *, now: datetime | None = None) -> datetime | None:
    """When the lockout of this account or this address ends (the later of the two), or None if neither is
    locked."""
    now = now or timezone.now()
    rules = policy()
    since = now - SIGNIN_MEMORY
    ends = []
    if username:
        rows = _failure_times(Q(username=username), since)
        if len(rows) >= rules.account_limit:
            ends.append(locked_until(_forgiven(rows), rules.account_limit, rules, now))
    if address:
        rows = _failure_times(Q(ip_address=address), since)
        if len(rows) >= rules.address_limit:
            ends.append(locked_until(_forgiven(rows), rules.address_limit, rules, now))
    ends = [end for end in ends if end is not None]
    return max(ends) if ends else None


class SignInLimitsHandler(AxesDatabaseHandler):
    """Axes' database handler, with the lockout decided by `lockout_end` (see the module's docstring)."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        end = lockout_end(get_client_username(request, credentials), request.axes_ip_address,
                          now=request.axes_attempt_time)
        request.signin_locked_until = end
        return end is not None

    def get_failures(self, request, credentials: dict | None = None) -> int:
        # Axes compares this with AXES_FAILURE_LIMIT after recording a failure (before its failure log entry is
        # written, so it still says "not locked" for the failure that reaches the limit; user_login_failed
        # below checks again once it is written).
        return settings.AXES_FAILURE_LIMIT if self.is_locked(request, credentials) else 0

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        refused = request is not None and request.axes_locked_out  # by the backend: no password was checked
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or refused or request.axes_locked_out or self.is_whitelisted(request, credentials):
            return
        if self.is_locked(request, credentials):  # this failure reached a limit
            username = get_client_username(request, credentials)
            latest = (AccessFailureLog.objects.filter(username=username, ip_address=request.axes_ip_address)
                      .order_by("-id").values_list("id", flat=True)[:1])
            AccessFailureLog.objects.filter(id__in=list(latest)).update(locked_out=True)  # shown in the admin
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send("axes", request=request, username=username, ip_address=request.axes_ip_address)

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        # A successful sign-in clears the account's recent attempts, not those of other accounts from the same
        # address (whose failures still count: see `_forgiven`).
        count, _ = AccessAttempt.objects.filter(username=get_client_username(request, credentials)).delete()
        return count

    def reset_attempts(self, *, ip_address: str | None = None, username: str | None = None,
                       ip_or_username: bool = False) -> int:
        """`advocate axes_reset`, `axes_reset_username NAME`, `axes_reset_ip ADDRESS`: also forget the failures
        the lockout is counted from, so the account or address can sign in again at once."""
        count = super().reset_attempts(ip_address=ip_address, username=username, ip_or_username=ip_or_username)
        failures = AccessFailureLog.objects.all()
        if ip_or_username:
            failures = failures.filter(Q(ip_address=ip_address) | Q(username=username))
        else:
            if ip_address:
                failures = failures.filter(ip_address=ip_address)
            if username:
                failures = failures.filter(username=username)
        failures.delete()
        return count


def signin_records_prune(*, now: datetime) -> int:
    """Forget failed and successful sign-ins older than SIGNIN_RECORDS_KEPT (a scheduled job): the limits read
    only the last day; the rest is kept a while for whoever looks into an attack."""
    cutoff = now - SIGNIN_RECORDS_KEPT
    failures, _ = AccessFailureLog.objects.filter(attempt_time__lt=cutoff).delete()
    successes, _ = AccessLog.objects.filter(attempt_time__lt=cutoff).delete()
    return failures + successes


def lockout_message(until: datetime | None, now: datetime | None = None) -> str:
    minutes = max(1, math.ceil(((until or timezone.now()) - (now or timezone.now())).total_seconds() / 60))
    return ngettext(
        "Too many failed sign-ins for this account or from your network. Please try again in %(minutes)d minute.",
        "Too many failed sign-ins for this account or from your network. Please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the sign-in page as the view rendered it (its form says why, see
    `forms.LockoutAwareForm`), answered 429 Too Many Requests."""
    if original_response is None:
        return HttpResponse(lockout_message(getattr(request, "signin_locked_until", None)), status=429,
                            content_type="text/plain; charset=utf-8")
    original_response.status_code = 429
    return original_response


def _networks(value: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip()]


def _within(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the address of the client the limits count.

    REMOTE_ADDR — the peer that connected to us — unless it is a trusted proxy (ADVOCATE_TRUSTED_PROXIES,
    comma-separated addresses or networks). Then X-Forwarded-For is read from the right, each trusted proxy
    skipped, and the first address that is not one is the client: whatever a client writes into the header
    itself sits further left and is never reached. Without trusted proxies the header is ignored."""
    remote = request.META.get("REMOTE_ADDR")
    trusted = _networks(settings.ADVOCATE_TRUSTED_PROXIES)
    if not trusted or not remote or not _within(remote, trusted):
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _within(hop, trusted):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote  # a malformed header: count the proxy rather than trust garbage
    return remote
