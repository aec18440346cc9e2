"""An operator follows the spike the demo plants, in a real browser on a phone: opens a defect, pulls the
listing with the evidence filled in, marks the defect fixed and sees the before-and-after; and the page in
Arabic."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from advocate.commerce.models import Instruction, InstructionKind
from advocate.conftest import assert_no_horizontal_scrolling, save_screenshot
from advocate.demo.marketplace import DEMO_PASSWORD
from advocate.insights.models import Defect, Spike

pytestmark = pytest.mark.browser


def sign_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def test_an_operator_follows_the_demo_spike_to_a_fix(live_server, new_page, transactional_db):
    call_command("demo", "--orders=600", "--days=20", verbosity=0)
    spike = Spike.objects.get(dimension="product")
    page = new_page()
    sign_in(page, live_server.url, "demo-operator")

    page.goto(f"{live_server.url}/operations/insights/")
    card = page.locator(f"#spike-{spike.pk}")
    expect(card).to_contain_text("Not as described")
    assert_no_horizontal_scrolling(page)
    save_screenshot(page, "insights-spike-en-phone.png")

    card.get_by_role("button", name="Open a defect").click()
    expect(page.locator("h1")).to_contain_text("Not as described")
    defect = Defect.objects.get()
    assert defect.contacts.count() == spike.contacts

    # The andon cord, from the spike: seller, SKU and the evidence are filled in.
    page.goto(f"{live_server.url}/operations/insights/")
    page.locator(f"#spike-{spike.pk}").get_by_role("link", name="Take the listing down").click()
    expect(page.locator("textarea[name=facts]")).to_contain_text("Not as described")
    page.get_by_role("button", name="Take it down").click()
    expect(page.locator(".messages")).to_contain_text("Listing taken down")
    assert Instruction.objects.filter(kind=InstructionKind.LISTING, payload__listed=False).count() == 1

    page.goto(f"{live_server.url}/operations/insights/defects/{defect.pk}/")
    page.get_by_role("button", name="Cause removed: mark fixed").click()
    expect(page.locator("#figures")).to_contain_text("Before and after the fix")
    assert_no_horizontal_scrolling(page)
    save_screenshot(page, "insights-defect-fixed-en-phone.png")

    arabic = new_page(locale="ar")
    sign_in(arabic, live_server.url, "demo-operator")
    arabic.goto(f"{live_server.url}/operations/insights/")
    expect(arabic.locator("html")).to_have_attribute("dir", "rtl")
    expect(arabic.locator(f"#spike-{spike.pk}")).to_be_visible()
    assert_no_horizontal_scrolling(arabic)
    save_screenshot(arabic, "insights-spike-ar-phone.png")
