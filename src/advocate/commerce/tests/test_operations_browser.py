"""An operator manages the shop's API keys on a phone, in Arabic, in a real browser — and the
Content-Security-Policy leaves every behaviour of the page working."""

import pytest
from playwright.sync_api import expect

from advocate.accounts.models import User
from advocate.commerce.models import Integration
from advocate.conftest import BROWSER_PASSWORD, assert_no_horizontal_scrolling, save_screenshot

pytestmark = pytest.mark.browser


def watch_for_refusals(page) -> list[str]:
    """Every error the browser reports: a script or style the policy refused, a missing file (a favicon)…"""
    refused = []
    page.on("console", lambda message: refused.append(message.text) if message.type == "error" else None)
    return refused


def test_an_operator_creates_rotates_and_revokes_a_key_on_a_phone_in_arabic(live_server, new_page, transactional_db):
    User.objects.create_user("olga", password=BROWSER_PASSWORD, role="operator")
    page = new_page(locale="ar")
    refused = watch_for_refusals(page)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "olga")
    page.fill("input[name=password]", BROWSER_PASSWORD)
    page.click("main form button[type=submit]")
    page.goto(f"{live_server.url}/operations/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")

    page.fill("input[name=name]", "warehouse")
    page.check("input[name=scopes][value=instructions]")
    page.click("form.stack button[type=submit]")
    expect(page.locator("#new-key")).to_contain_text("adv_")
    warehouse = Integration.objects.get(name="warehouse")
    assert warehouse.scopes == ["instructions"]
    card = page.locator(f"#integration-{warehouse.pk}")
    expect(card).to_contain_text("قراءة التعليمات")  # "Read instructions"
    assert_no_horizontal_scrolling(page)
    save_screenshot(page, "operations-integrations-ar-phone.png")

    card.locator("select[name=grace]").select_option("3600")
    card.get_by_role("button", name="تدوير المفتاح").click()  # "Rotate key"
    expect(page.locator("#new-key")).to_contain_text("adv_")
    warehouse.refresh_from_db()
    assert warehouse.previous_key_until is not None and warehouse.revoked_at is None

    # Revoking asks first (a script from the site's own file, allowed by the policy): "no" keeps the key.
    page.once("dialog", lambda dialog: dialog.dismiss())
    card.get_by_role("button", name="إلغاء", exact=True).click()  # "Revoke"
    warehouse.refresh_from_db()
    assert warehouse.revoked_at is None
    page.once("dialog", lambda dialog: dialog.accept())
    card.get_by_role("button", name="إلغاء", exact=True).click()
    expect(page.locator(f"#integration-{warehouse.pk}")).to_contain_text("ملغى")  # "revoked"
    warehouse.refresh_from_db()
    assert warehouse.revoked_at is not None

    # The language menu switches on choosing, with no button, as before the policy.
    page.select_option("#language", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Operations")
    assert refused == []


def test_a_customer_on_an_operators_page_is_told_it_is_not_for_them(live_server, new_page, transactional_db):
    User.objects.create_user("carla", password=BROWSER_PASSWORD, role="customer")
    page = new_page(locale="ar")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "carla")
    page.fill("input[name=password]", BROWSER_PASSWORD)
    page.click("main form button[type=submit]")
    response = page.goto(f"{live_server.url}/operations/")
    assert response.status == 403 and page.url.endswith("/operations/")
    expect(page.locator("h1")).to_have_text("هذه الصفحة ليست لحسابك")
    assert_no_horizontal_scrolling(page)
    save_screenshot(page, "not-for-your-account-ar-phone.png")
    page.get_by_role("link", name="انتقل إلى صفحتك الرئيسية").click()
    expect(page).to_have_url(f"{live_server.url}/orders/")
