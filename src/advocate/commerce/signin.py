"""How customers sign in: an emailed link, asked for with their email address, or with an order number and
the email address on the order (the returns-portal lookup). Also the link every email about an order carries.

Whatever is asked, the answer is the same ("if we know this address, we have sent a link"): the request is
counted against the limits (`accounts.links.link_request_allow`) and a link goes out only if the address (and
order) match. A customer who has orders but no login gets one when they first use a link (`signin_link_use`),
made like the demo's: the customer row points at it, in their language and time zone.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.utils.http import url_has_allowed_host_and_scheme

from advocate.accounts import links
from advocate.accounts.models import User
from advocate.notifications.services import email_queue

from .models import Customer, Order

MAX_ACCOUNTS = 5  # one address on several customer rows (the shop's duplicates): a link for each, this many


def signin_url(customer: Customer, next_path: str = "") -> str:
    """A link that signs this customer in (for ADVOCATE_SIGNIN_LINK_MINUTES, once) and lands on `next_path`."""
    user = customer.user
    if user is not None:
        params = links.user_link_parameters(user)
    else:
        params = links.first_link_parameters(customer.pk)
    params.update(links.hint_parameter(customer.pk))
    if next_path:
        params["next"] = next_path
    return settings.ADVOCATE_SITE_URL + reverse("signin_link_open") + "?" + urlencode(params)


def order_signin_url(order: Order) -> str:
    """The link an email about an order carries: signs its customer straight into the order's page."""
    return signin_url(order.customer, reverse("order_detail", args=[order.external_id]))


def _send(customers: list[Customer], next_path: str) -> None:
    for customer in customers:
        email_queue(key=f"signin-link:{customer.pk}:{get_random_string(16)}", to=customer.email,
                    template="commerce/email/signin_link.txt",
                    context={"customer": customer, "link": signin_url(customer, next_path),
                             "minutes": links.link_minutes(), "site_url": settings.ADVOCATE_SITE_URL},
                    language=customer.language or settings.LANGUAGE_CODE, time_zone=customer.time_zone)


def _may_sign_in(customer: Customer) -> bool:
    return customer.user is None or (customer.user.is_active and customer.user.is_customer)


def signin_link_send(*, email: str, address: str | None) -> None:
    """Send a sign-in link to this email address if it is a customer's; refused (Refused) only when asked too
    often, whether or not we know the address."""
    email = email.strip()
    links.link_request_allow(email=email, address=address)
    customers = [c for c in Customer.objects.filter(email__iexact=email).select_related("user")
                 .order_by("-id")[:MAX_ACCOUNTS] if _may_sign_in(c)]
    _send(customers, "")


def order_lookup_send(*, order_number: str, email: str, address: str | None) -> None:
    """The guest order lookup: if this order is this email address's, send a link that lands on the order."""
    email = email.strip()
    links.link_request_allow(email=email, address=address)
    order = (Order.objects.filter(external_id=order_number.strip(), customer__email__iexact=email)
             .select_related("customer__user").first())
    if order is not None and _may_sign_in(order.customer):
        _send([order.customer], reverse("order_detail", args=[order.external_id]))


def signin_link_use(request, *, token: str = "", first: str = "") -> User | None:
    """The customer a sign-in link signs in, or None if it is not genuine, has expired or was used. A first
    sign-in link makes the customer's login now; the caller signs the returned person in."""
    if token:
        return links.link_user(request, token)
    customer_id = links.first_link_subject(first) if first else None
    if customer_id is None:
        return None
    with transaction.atomic():
        customer = Customer.objects.select_for_update().filter(pk=customer_id).first()
        if customer is None or customer.user_id is not None:  # spent: their login exists now
            return None
        user = links.customer_login_create(username=f"customer-{customer.external_id}", email=customer.email,
                                           name=customer.name, language=customer.language,
                                           time_zone=customer.time_zone)
        customer.user = user
        customer.save(update_fields=["user"])
    return user


def hinted_email(value: str) -> str:
    """The address a (spent or expired) link was sent to, to offer a new one: from its signed hint."""
    customer_id = links.hint_subject(value) if value else None
    if customer_id is None:
        return ""
    return Customer.objects.filter(pk=customer_id).values_list("email", flat=True).first() or ""


def safe_next(request, value: str) -> str:
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()},
                                                 require_https=request.is_secure()):
        return value
    return reverse("home")


def order_link_context(order: Order | None) -> dict:
    """What `commerce/email/order_link.txt` needs: every email to a customer about an order includes it."""
    if order is None:
        return {}
    return {"order_link": order_signin_url(order), "order_link_number": order.external_id,
            "link_minutes": links.link_minutes()}
