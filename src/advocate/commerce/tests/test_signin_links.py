"""Customers sign in with an emailed link (`commerce/signin.py`, `accounts/links.py`): asked for with an email
address or an order number; works once, for a while; cannot be asked for in bulk; never tells whether an
address is known. Requests go through the CSRF-enforcing browser client; the links are read from the email we
queued (and, in the `mail` test, from a real mailbox over IMAP)."""

import re
import time
from email import message_from_bytes, policy

import pytest
from axes.models import AccessAttempt, AccessFailureLog

from advocate.accounts.models import User
from advocate.commerce.models import Customer
from advocate.conftest import ALICE, BOB
from advocate.notifications.models import OutboundEmail

pytestmark = pytest.mark.django_db

EVE = {"id": "cust-eve", "name": "Eve Okafor", "email": "Eve.Okafor@example.org", "phone": "",
       "language": "de", "time_zone": "Europe/Berlin"}
NEUTRAL = "If we know this address, we've sent a link to it."


def link_in(email: OutboundEmail | str) -> str:
    body = email if isinstance(email, str) else email.body
    url = re.search(r"http://\S+/accounts/link/open/\?\S+", body).group(0)
    return url.removeprefix("http://127.0.0.1:8000")


def ask(client, email, **extra):
    client.get("/accounts/link/")
    return client.post("/accounts/link/", {"email": email}, **extra)


def sign_in_with(client, link: str):
    """Open the link (a page with one button), then press the button, as a person does."""
    page = client.get(link)
    if page.status_code != 200:
        return page
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.content.decode()))
    fields.pop("csrfmiddlewaretoken", None)
    return client.post("/accounts/link/open/", {k: v.replace("&amp;", "&") for k, v in fields.items()})


def test_a_customer_created_only_by_events_signs_in_and_gets_a_login(client, shop):
    shop.send(shop.order_placed("E-100", customer=EVE))
    assert Customer.objects.get(external_id="cust-eve").user is None

    response = ask(client, "eve.okafor@EXAMPLE.org")  # any letter case
    assert response.status_code == 200 and NEUTRAL in response.content.decode()
    email = OutboundEmail.objects.get()
    assert email.to == EVE["email"] and email.language == "de"
    assert User.objects.filter(email__iexact=EVE["email"]).count() == 0  # not before the link is used

    link = link_in(email)
    assert client.get(link).status_code == 200  # opening the link alone (a mail scanner) signs nobody in
    assert User.objects.filter(email__iexact=EVE["email"]).count() == 0
    response = sign_in_with(client, link)
    assert response.status_code == 302
    customer = Customer.objects.select_related("user").get(external_id="cust-eve")
    user = customer.user
    assert user.is_customer and user.language == "de" and user.time_zone == "Europe/Berlin"
    assert not user.has_usable_password()
    page = client.get("/orders/")
    assert page.status_code == 200 and "E-100" in page.content.decode()


def test_an_unknown_address_gets_the_same_page_and_no_mail(client, shop):
    shop.send(shop.order_placed("A-1"))
    known, unknown = ask(client, ALICE["email"]), ask(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    strip = lambda r: re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", r.content.decode())  # noqa: E731
    assert strip(known) == strip(unknown)
    assert list(OutboundEmail.objects.values_list("to", flat=True)) == [ALICE["email"]]


def test_a_link_works_once(client, shop, alice):
    shop.send(shop.order_placed("A-1"))
    ask(client, ALICE["email"])
    link = link_in(OutboundEmail.objects.get())
    assert sign_in_with(client, link).status_code == 302

    again = sign_in_with(client.__class__(), link)
    assert again.status_code == 410
    page = again.content.decode()
    assert "This link no longer works" in page and f'value="{ALICE["email"]}"' in page  # a new one, pre-filled


def test_a_first_sign_in_link_works_once(client, shop):
    shop.send(shop.order_placed("E-1", customer=EVE))
    ask(client, EVE["email"])
    ask(client, EVE["email"])
    first, second = (link_in(e) for e in OutboundEmail.objects.order_by("id"))
    assert sign_in_with(client, first).status_code == 302
    assert sign_in_with(client.__class__(), first).status_code == 410
    # The customer has a login now: an older first sign-in link is spent too, and no second login is made.
    assert sign_in_with(client.__class__(), second).status_code == 410
    assert User.objects.filter(role="customer").count() == 1


def test_a_link_expires(client, shop, alice, settings):
    settings.SESAME_MAX_AGE = 1
    shop.send(shop.order_placed("A-1"), shop.order_placed("E-1", customer=EVE))
    ask(client, ALICE["email"])
    ask(client, EVE["email"])
    links = [link_in(e) for e in OutboundEmail.objects.order_by("id")]
    time.sleep(2.1)
    for link in links:
        response = sign_in_with(client, link)
        assert response.status_code == 410 and "This link no longer works" in response.content.decode()
    assert client.get("/orders/").status_code == 302  # still signed out
    assert Customer.objects.get(external_id="cust-eve").user is None


def test_links_cannot_be_asked_for_in_bulk(client, shop, settings):
    settings.ADVOCATE_SIGNIN_LINKS_PER_EMAIL = 3
    settings.ADVOCATE_SIGNIN_LINKS_PER_ADDRESS = 5
    shop.send(shop.order_placed("A-1"), shop.order_placed("B-1", customer=BOB))
    answers = [ask(client, ALICE["email"]).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert OutboundEmail.objects.filter(to=ALICE["email"]).count() == 3
    # An unknown address is limited the same way, so the limit does not tell either.
    assert [ask(client, "nobody@example.com").status_code for _ in range(3)] == [200, 200, 429]
    # Five requests from this client address in all (the refused ones not counted): Bob's is refused too.
    assert ask(client, BOB["email"]).status_code == 429
    assert not OutboundEmail.objects.filter(to=BOB["email"]).exists()
    # From another client address, Bob may ask.
    assert ask(client, BOB["email"], REMOTE_ADDR="198.51.100.7").status_code == 200


def test_the_client_address_limit_reads_the_trusted_proxy(client, shop, settings):
    settings.ADVOCATE_TRUSTED_PROXIES = "10.0.0.0/8"
    settings.ADVOCATE_SIGNIN_LINKS_PER_ADDRESS = 2
    behind = {"REMOTE_ADDR": "10.0.0.2"}
    assert ask(client, "a@example.com", HTTP_X_FORWARDED_FOR="203.0.113.1", **behind).status_code == 200
    assert ask(client, "b@example.com", HTTP_X_FORWARDED_FOR="203.0.113.1", **behind).status_code == 200
    assert ask(client, "c@example.com", HTTP_X_FORWARDED_FOR="203.0.113.1", **behind).status_code == 429
    # Another client behind the same proxy has its own count; a forged header left of the real one is ignored.
    assert ask(client, "c@example.com", HTTP_X_FORWARDED_FOR="203.0.113.1, 203.0.113.2", **behind).status_code == 200


def test_order_lookup_sends_a_link_to_the_order_and_nothing_for_a_wrong_email(client, shop, alice):
    shop.send(shop.order_placed("A-1"), shop.order_placed("B-1", customer=BOB))
    client.get("/order-lookup/")
    wrong = client.post("/order-lookup/", {"order_number": "A-1", "email": BOB["email"]})
    unknown = client.post("/order-lookup/", {"order_number": "Z-9", "email": ALICE["email"]})
    assert wrong.status_code == unknown.status_code == 200
    assert not OutboundEmail.objects.exists()

    right = client.post("/order-lookup/", {"order_number": " A-1 ", "email": ALICE["email"].upper()})
    assert right.content.decode().count("we've sent a link") == 1
    assert wrong.content.decode().replace("Bob", "") .count("we've sent a link") == 1  # the same answer
    response = sign_in_with(client, link_in(OutboundEmail.objects.get(to=ALICE["email"])))
    assert response.status_code == 302 and response.url == "/orders/A-1/"
    assert client.get("/orders/A-1/").status_code == 200


def test_order_lookup_is_rate_limited_with_the_links(client, shop, settings):
    settings.ADVOCATE_SIGNIN_LINKS_PER_EMAIL = 2
    shop.send(shop.order_placed("A-1"))
    client.get("/order-lookup/")
    codes = [client.post("/order-lookup/", {"order_number": f"X-{n}", "email": ALICE["email"]}).status_code
             for n in range(2)]
    assert codes == [200, 200]
    assert client.post("/order-lookup/", {"order_number": "A-1", "email": ALICE["email"]}).status_code == 429
    assert not OutboundEmail.objects.exists()


def test_a_link_never_signs_in_staff(client, associate):
    from advocate.accounts import links

    token = links.user_link_parameters(associate)["sesame"]
    assert sign_in_with(client, f"/accounts/link/open/?sesame={token}").status_code == 410
    assert client.get("/orders/").status_code == 302


def test_bad_links_count_as_failed_sign_ins_and_a_locked_address_cannot_use_one(client, shop, alice, settings):
    settings.ADVOCATE_SIGNIN_ADDRESS_FAILURES = 3
    shop.send(shop.order_placed("A-1"))
    ask(client, ALICE["email"])
    good = link_in(OutboundEmail.objects.get())
    for n in range(3):
        assert sign_in_with(client, f"/accounts/link/open/?sesame=forged{n}AAAAAAAAAAAAAAAAAAAAAA").status_code in (
            410, 429)
    assert AccessFailureLog.objects.filter(ip_address="127.0.0.1").count() == 3
    assert AccessAttempt.objects.exists()
    assert not AccessAttempt.objects.filter(get_data__contains="forged").exists()  # tokens are not logged
    assert sign_in_with(client, good).status_code == 429  # the address is locked
    assert client.get("/orders/").status_code == 302
    # From elsewhere the same link still works (it was not spent by the refused attempt).
    assert sign_in_with(client.__class__(REMOTE_ADDR="198.51.100.9"), good).status_code == 302


def test_an_email_about_an_order_signs_the_customer_straight_into_it(client, shop, commit):
    shop.send(shop.order_placed("E-7", customer=EVE), shop.payment_captured("E-7"))
    commit(lambda: shop.send(shop.order_cancelled("E-7")))
    email = OutboundEmail.objects.get(to=EVE["email"])
    response = sign_in_with(client, link_in(email))
    assert response.status_code == 302 and response.url == "/orders/E-7/"
    assert client.get("/orders/E-7/").status_code == 200


@pytest.mark.mail
def test_the_link_arrives_in_a_real_mailbox_and_signs_in(client, shop, mail_server, settings, commit):
    settings.MAILERS = mail_server.mailer()
    address = mail_server.address("eve")
    shop.send(shop.order_placed("E-9", customer={**EVE, "email": address}))
    commit(lambda: ask(client, address))
    [raw] = mail_server.wait_for(address)
    message = message_from_bytes(raw, policy=policy.default)
    assert message["Content-Language"] == "de"
    link = link_in(message.get_body().get_content())
    assert sign_in_with(client, link).status_code == 302
    assert "E-9" in client.get("/orders/").content.decode()
