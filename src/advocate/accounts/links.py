"""Emailed sign-in links: the tokens, and the limit on asking for them.

Two kinds of token, both valid for ADVOCATE_SIGNIN_LINK_MINUTES (SESAME_MAX_AGE) and good once:

- a person who has a login gets a django-sesame token (scope `SCOPE`). `SESAME_ONE_TIME`: the token is signed
  with the person's last sign-in, so signing in with it — or any other way — spends it, and every older link.
  It goes through `authenticate()`, so axes' backend sees it: an address locked for failed sign-ins cannot use
  a link, and a bad or expired link counts as a failed sign-in from that address.
- a customer the shop told us about who has no login yet gets a *first sign-in* token: the signed id of their
  customer row. Using it creates their login (commerce), after which it is spent: it is honoured only while
  the customer has none.

The limit (`link_request_allow`): within ADVOCATE_SIGNIN_LINKS_WINDOW_MINUTES, at most
ADVOCATE_SIGNIN_LINKS_PER_EMAIL links asked for one email address and ADVOCATE_SIGNIN_LINKS_PER_ADDRESS from
one client address (`signin.client_address`, which honours ADVOCATE_TRUSTED_PROXIES). Every request counts,
known address or not, so the answer never tells whether we know it; a refused request is not counted.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.core import signing
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from sesame.utils import get_token

from advocate.core.errors import Refused

from .models import SignInLinkRequest, User

SCOPE = "signin"
TOKEN_PARAMETER = "sesame"  # django-sesame's default SESAME_TOKEN_NAME
FIRST_PARAMETER = "first"
HINT_PARAMETER = "for"
_FIRST_SALT = "advocate.accounts.links.first"
_HINT_SALT = "advocate.accounts.links.hint"
RECORDS_KEPT = timedelta(days=1)


def link_minutes() -> int:
    return int(settings.SESAME_MAX_AGE // 60)


def link_request_allow(*, email: str, address: str | None, now: datetime | None = None) -> None:
    """Count one request for a sign-in link, or refuse it (nothing counted) when this email address or this
    client address has asked too often lately."""
    now = now or timezone.now()
    email = email.strip().lower()
    since = now - timedelta(minutes=settings.ADVOCATE_SIGNIN_LINKS_WINDOW_MINUTES)
    recent = SignInLinkRequest.objects.filter(requested_at__gt=since)
    if (recent.filter(email=email).count() >= settings.ADVOCATE_SIGNIN_LINKS_PER_EMAIL
            or (address and recent.filter(address=address).count() >= settings.ADVOCATE_SIGNIN_LINKS_PER_ADDRESS)):
        raise Refused("too_many_links", _("We have sent several sign-in links to this address or from your "
                                          "network lately. Please use the latest one, or try again in an hour."))
    SignInLinkRequest.objects.create(email=email[:254], address=address, requested_at=now)


def link_requests_prune(*, now: datetime) -> int:
    count, _ = SignInLinkRequest.objects.filter(requested_at__lt=now - RECORDS_KEPT).delete()
    return count


def user_link_parameters(user: User) -> dict[str, str]:
    """The query parameters of a sign-in link for a person with a login."""
    return {TOKEN_PARAMETER: get_token(user, scope=SCOPE)}


def first_link_parameters(subject: int) -> dict[str, str]:
    """The query parameters of a first sign-in link: `subject` is what the caller will create a login for."""
    return {FIRST_PARAMETER: signing.dumps(subject, salt=_FIRST_SALT)}


def hint_parameter(subject: int) -> dict[str, str]:
    """A signed hint (which customer a link was for), so a spent or expired link can offer a new one to the same
    address without the address being in the link."""
    return {HINT_PARAMETER: signing.dumps(subject, salt=_HINT_SALT)}


def hint_subject(value: str) -> int | None:
    try:
        return int(signing.loads(value, salt=_HINT_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return None


def first_link_subject(value: str) -> int | None:
    """What a first sign-in link is for, if it is genuine and not older than the links' lifetime."""
    try:
        return int(signing.loads(value, salt=_FIRST_SALT, max_age=settings.SESAME_MAX_AGE))
    except (signing.BadSignature, TypeError, ValueError):  # SignatureExpired is a BadSignature
        return None


def link_user(request, token: str) -> User | None:
    """The customer a sesame sign-in link is for, if it is genuine, fresh and unspent. Through authenticate():
    axes' backend refuses a locked address and counts a bad link as a failed sign-in (see settings)."""
    user = authenticate(request, sesame=token, scope=SCOPE)
    if user is None or not user.is_customer:
        return None
    return user


def customer_login_create(*, username: str, email: str, name: str, language: str, time_zone: str) -> User:
    """A customer's login, made on their first sign-in by link: no password (they sign in by link)."""
    base = username[:140]
    candidate, n = base, 1
    while User.objects.filter(Q(username=candidate)).exists():
        n += 1
        candidate = f"{base}-{n}"
    user = User(username=candidate, email=email, first_name=name[:150], role="customer",
                language=language if language in dict(settings.LANGUAGES) else "", time_zone=time_zone)
    user.set_unusable_password()
    user.save()
    return user
