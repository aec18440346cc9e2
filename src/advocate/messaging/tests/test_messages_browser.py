"""On a phone, in a real browser (Playwright driving Debian's Chromium): the buyer asks the seller from the order,
is told what was hidden, the seller sees it waiting and answers, the buyer reports the answer."""

import pytest
from playwright.sync_api import expect

from advocate.accounts.models import User
from advocate.commerce.models import Customer, Order, Seller
from advocate.commerce.selectors import buyer_alias
from advocate.conftest import (
    ALICE,
    BROWSER_PASSWORD,
    NORTHWIND,
    Shop,
    assert_no_horizontal_scrolling,
    save_screenshot,
    sign_in,
)
from advocate.messaging.models import MessageFlag

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_buyer_and_a_seller_talk_on_their_phones(live_server, new_page, mailoutbox):
    shop = Shop()
    shop.send(shop.order_placed("N-77", customer=ALICE, seller=NORTHWIND))
    buyer = User.objects.create_user("alice-b", password=BROWSER_PASSWORD, role="customer")
    Customer.objects.filter(external_id=ALICE["id"]).update(user=buyer)
    User.objects.create_user("northwind-b", "orders@northwind.example", BROWSER_PASSWORD, role="seller",
                             seller=Seller.objects.get(external_id=NORTHWIND["id"]))
    base = live_server.url

    page = new_page()
    sign_in(page, base, "alice-b")
    page.goto(f"{base}/orders/N-77/messages/")
    assert_no_horizontal_scrolling(page)
    page.get_by_label("Your message").fill("Is the lamp dimmable? Call me: 07700 900123. " + "x" * 120)
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".messages li")).to_contain_text("We hid a phone number from your message")
    expect(page.locator("ol.thread")).to_contain_text("[phone hidden]")
    assert_no_horizontal_scrolling(page)
    save_screenshot(page, "advocate-messages-buyer.png")

    seller_page = new_page()
    sign_in(seller_page, base, "northwind-b")
    seller_page.goto(f"{base}/seller/messages/")
    expect(seller_page.locator("ul.orders")).to_contain_text("left to answer")
    expect(seller_page.locator("ul.orders")).to_contain_text(buyer_alias(Order.objects.get(external_id="N-77")))
    assert_no_horizontal_scrolling(seller_page)
    seller_page.locator("ul.orders a.card").first.click()
    seller_page.get_by_label("Your message").fill("Yes, with any dimmer switch.")
    seller_page.get_by_role("button", name="Send").click()
    expect(seller_page.locator(".messages li")).to_contain_text("Sent.")
    assert_no_horizontal_scrolling(seller_page)
    save_screenshot(seller_page, "advocate-messages-seller.png")

    page.reload()
    expect(page.locator("ol.thread")).to_contain_text("Yes, with any dimmer switch.")
    page.locator("details.report summary").click()
    page.get_by_label("Spam or advertising").check()
    page.get_by_role("button", name="Send the report").click()
    expect(page.locator(".messages li")).to_contain_text("Our trust and safety team will look at it")
    assert MessageFlag.objects.get().reason == "spam"
