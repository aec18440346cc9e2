"""A customer the shop told us about only by events signs in with an emailed link, in a real browser: Playwright
driving Chromium against the live server, the email read from a real mailbox over IMAP."""

import re
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from advocate.commerce.models import Customer
from advocate.conftest import PHONE, assert_no_horizontal_scrolling, save_screenshot

from .test_browser import place_order

pytestmark = [pytest.mark.browser, pytest.mark.mail]

SELLER = {"id": "S-NORTH", "name": "Northwind Goods"}
LINES = [{"sku": "MUG", "title": "Ceramic mug set", "quantity": 2, "unit_price": "12.50"}]


@pytest.mark.parametrize(("language", "locale", "viewport", "via_order"), [
    ("en", "en-GB", {"width": 1280, "height": 900}, False),
    ("ar", "ar-SA", PHONE, True),
])
def test_a_customer_known_only_from_events_signs_in_with_an_emailed_link(
        live_server, new_page, mail_server, settings, language, locale, viewport, via_order):
    settings.MAILERS = mail_server.mailer()
    settings.ADVOCATE_SITE_URL = live_server.url
    address = mail_server.address(f"buyer-{language}")
    customer = {"id": f"C-{language}", "name": "Layla Haddad" if language == "ar" else "Lena Fischer",
                "email": address, "phone": "", "language": language, "time_zone": "Asia/Riyadh"}
    number = f"NW-7{language}"
    place_order(order_id=number, customer=customer, seller=SELLER, lines=LINES,
                placed_at=timezone.now() - timedelta(days=2))
    assert Customer.objects.get(external_id=customer["id"]).user is None

    page = new_page(viewport=viewport, locale=locale)
    page.goto(f"{live_server.url}/accounts/login/")
    save_screenshot(page, f"signin-link-{language}-1-login.png")
    if via_order:
        page.click("a[href='/order-lookup/']")
        page.fill("input[name=order_number]", number)
    else:
        page.click("a[href='/accounts/link/']")
    page.fill("input[name=email]", address)
    page.click("main form button[type=submit]")
    expect(page.locator("main .success")).to_be_visible()
    save_screenshot(page, f"signin-link-{language}-2-sent.png")
    if viewport == PHONE:
        assert_no_horizontal_scrolling(page)

    [raw] = mail_server.wait_for(address)
    message = message_from_bytes(raw, policy=policy.default)
    assert message["Content-Language"] == language
    link = re.search(r"http://\S+/accounts/link/open/\?\S+", message.get_body().get_content()).group(0)

    page.goto(link)
    save_screenshot(page, f"signin-link-{language}-3-open.png")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/orders/{number}/" if via_order else f"{live_server.url}/orders/")
    if not via_order:
        page.click(f"a[href='/orders/{number}/']")
        page.wait_for_url(f"{live_server.url}/orders/{number}/")
    expect(page.locator("main")).to_contain_text(number)
    expect(page.locator("main")).to_contain_text("Ceramic mug set")
    if language == "ar":
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
    if viewport == PHONE:
        assert_no_horizontal_scrolling(page)
    save_screenshot(page, f"signin-link-{language}-4-order.png")
    assert Customer.objects.get(external_id=customer["id"]).user.is_customer

    # The same link again: spent, and the page offers a new one to the same address.
    page.context.clear_cookies()
    page.goto(link)
    page.click("main form button[type=submit]")
    expect(page.locator("main input[name=email]")).to_have_value(address)
    save_screenshot(page, f"signin-link-{language}-5-spent.png")
