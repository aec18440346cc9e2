"""Done means: an associate opens a conversation that came in by email, sees the customer's order, refunds
it from the conversation, replies, and the reply arrives in the customer's mailbox threaded to the original.
Real parts throughout: Postfix, Dovecot, IMAP polling, Chromium."""

import email
import email.policy
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from advocate.accounts.models import User
from advocate.cases import inbox
from advocate.cases.mail.compose import compose
from advocate.claims.models import Refund
from advocate.conftest import (
    BROWSER_PASSWORD,
    PHONE,
    Shop,
    assert_no_horizontal_scrolling,
    save_screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.mail, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1280, "height": 900}


def test_an_associate_refunds_and_replies_from_a_conversation_that_came_by_email(live_server, new_page, mail_server,
                                                                                 service_mailbox):
    service, customer_mail = service_mailbox, mail_server.address("noah")
    shop = Shop()
    customer = {"id": "cust-noah", "name": "Noah Brandt", "email": customer_mail, "language": "en",
                "time_zone": "Europe/Berlin"}
    shop.send(
        # In the base currency: a transactional test starts without the exchange rates a migration seeds.
        shop.order_placed("N-77", customer=customer, placed_at=timezone.now() - timedelta(days=6), currency="EUR",
                          lines=[{"sku": "KETTLE", "title": "Glass kettle", "quantity": 1, "unit_price": "45.00"}]),
        shop.payment_captured("N-77", "45.00"),
    )
    User.objects.create_user("ana-associate", password=BROWSER_PASSWORD, role="associate", first_name="Ana")

    original = compose(sender=customer_mail, to=service, name="Noah Brandt", message_id="kettle@noah.example",
                       subject="Kettle from order N-77 leaks",
                       body="The kettle leaks from the bottom. What now? I would like a person to look at this, "
                            "please.")
    mail_server.send(original, sender=customer_mail, to=[service])
    mail_server.wait_for(service, 1)
    assert inbox.mailbox_poll(mail_server.imap_url(service)).new == 1

    page = new_page(viewport=DESKTOP)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "ana-associate")
    page.fill("input[name=password]", BROWSER_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/service/conversations/")

    page.get_by_role("link", name="Kettle from order N-77 leaks").click()
    expect(page.locator(".message.in .body")).to_contain_text("The kettle leaks from the bottom.")
    order_card = page.locator(".card.order.current")
    expect(order_card).to_contain_text("N-77")
    expect(order_card).to_contain_text("Glass kettle")

    order_card.get_by_text("Refund", exact=True).click()
    order_card.get_by_role("button", name="Refund now").click()
    expect(page.locator(".messages")).to_contain_text("Refund RF-")
    refund = Refund.objects.get(order__external_id="N-77")
    assert refund.amount == Decimal("45.00")

    page.get_by_label("Reply to").fill("I am sorry about the kettle. I have refunded the full €45 — keep it or "
                                       "recycle it, no need to send it back.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator(".messages")).to_contain_text(f"Reply sent to {customer_mail}")
    expect(page.locator(".message.out")).to_contain_text("I am sorry about the kettle.")
    save_screenshot(page, "advocate-conversation.png")

    arrived = email.message_from_bytes(mail_server.wait_for(customer_mail, 1)[0], policy=email.policy.default)
    assert arrived["In-Reply-To"] == "<kettle@noah.example>"
    assert arrived["References"] == "<kettle@noah.example>"
    assert str(arrived["Subject"]).startswith("Re: Kettle from order N-77 leaks [#")
    assert "I have refunded the full €45" in arrived.get_body(("plain",)).get_content()

    # The same page on a phone: nothing sticks out sideways.
    phone = new_page(viewport=PHONE)
    phone.context.add_cookies(page.context.cookies())
    phone.goto(page.url)
    assert_no_horizontal_scrolling(phone)
