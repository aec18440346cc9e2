"""A customer fixes their own problem in a real browser (Playwright driving Debian's Chromium), on a phone:
from the order page, a return with a returnless refund in three steps — in English and in Arabic."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from advocate.accounts.models import User
from advocate.claims.models import LedgerEntry, Refund
from advocate.commerce.models import Customer
from advocate.conftest import BROWSER_PASSWORD, PLATFORM, Shop, assert_no_horizontal_scrolling, save_screenshot, sign_in
from advocate.core.money import format_money

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def delivered_order(order_id: str, customer: dict) -> None:
    """A mug set the marketplace sold and delivered two days ago, paid by card."""
    shop, now = Shop(), timezone.now()
    shop.send(
        shop.order_placed(order_id, customer=customer, seller=PLATFORM, fulfilled_by="platform",
                          placed_at=now - timedelta(days=5),
                          lines=[{"sku": "MUG-4", "title": "Ceramic mug set", "quantity": 1, "unit_price": "12.50",
                                  "category": "home"}],
                          currency="EUR"),
        shop.payment_captured(order_id, "12.50"),
        shop.shipment_created(order_id, f"{order_id}-P1", shipped_at=now - timedelta(days=4)),
        shop.shipment_delivered(f"{order_id}-P1", at=now - timedelta(days=2)),
    )
    user = User.objects.create_user(customer["id"].lower(), password=BROWSER_PASSWORD, role="customer",
                                    language=customer["language"], time_zone=customer["time_zone"])
    Customer.objects.filter(external_id=customer["id"]).update(user=user)


def return_with_returnless_refund(page, base_url: str, order_id: str, *, reason: str) -> None:
    """The three steps, from the order page: pick the problem, say why, send."""
    page.goto(f"{base_url}/orders/{order_id}/")
    assert_no_horizontal_scrolling(page)
    page.locator("a.choice[data-problem=return]").click()  # 1
    page.get_by_label(reason).check()  # 2 (the only item is already chosen)
    page.locator("form.report-form button[type=submit]").click()  # 3
    page.wait_for_url(f"{base_url}/problems/*/")
    assert_no_horizontal_scrolling(page)


def expected_sentence(language: str) -> str:
    with translation.override(language):
        return translation.gettext(
            "Refund of %(amount)s issued to %(to)s — you do not need to send the item back."
        ) % {"amount": format_money("12.50", "EUR"), "to": translation.gettext("your card")}


def test_a_customer_returns_an_item_and_is_refunded_at_once_without_sending_it_back(live_server, new_page,
                                                                                    mailoutbox):
    delivered_order("EU-5001", {"id": "C-EMMA", "name": "Emma Hughes", "email": "emma@example.com",
                                "language": "en", "time_zone": "Europe/London"})
    page = new_page()
    sign_in(page, live_server.url, "c-emma")

    return_with_returnless_refund(page, live_server.url, "EU-5001", reason="It does not fit")

    expect(page.locator("#outcome")).to_have_text(expected_sentence("en"))
    save_screenshot(page, "advocate-return-outcome-en.png")
    refund = Refund.objects.get(order__external_id="EU-5001")
    assert (refund.amount, refund.currency, refund.paid_by) == (Decimal("12.50"), "EUR", "platform")
    assert sum(e.amount for e in LedgerEntry.objects.filter(order=refund.order, account="customer_payout")) == 12.5
    assert [m.subject for m in mailoutbox] == ["Your refund for order EU-5001"]

    # Back on the order page, the request is listed and nothing more can be returned.
    page.goto(f"{live_server.url}/orders/EU-5001/")
    expect(page.locator("a.card.request .headline")).to_have_text(expected_sentence("en"))
    expect(page.locator("a.choice[data-problem=return]")).to_have_count(0)


def test_the_same_return_in_arabic_reads_right_to_left(live_server, new_page, mailoutbox):
    delivered_order("EU-5002", {"id": "C-NOURA", "name": "نورة الحربي", "email": "noura@example.com",
                                "language": "ar", "time_zone": "Asia/Riyadh"})
    page = new_page(locale="ar")
    sign_in(page, live_server.url, "c-noura")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")

    with translation.override("ar"):
        reason = translation.gettext("It does not fit")
    assert reason != "It does not fit", "the Arabic translation of the return reasons is missing"
    return_with_returnless_refund(page, live_server.url, "EU-5002", reason=reason)

    sentence = expected_sentence("ar")
    assert sentence != expected_sentence("en"), "the Arabic translation of the outcome is missing"
    expect(page.locator("#outcome")).to_have_text(sentence)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    save_screenshot(page, "advocate-return-outcome-ar.png")
    assert Refund.objects.filter(order__external_id="EU-5002").count() == 1
    assert len(mailoutbox) == 1 and mailoutbox[0].extra_headers["Content-Language"] == "ar"
    assert sentence in mailoutbox[0].body
