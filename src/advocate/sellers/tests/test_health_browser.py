"""Done means: on demo data a seller crosses the defect threshold, sees the step taken and the orders behind it,
appeals with a plan of action, and an operator reinstates them — in a real browser."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from advocate.commerce.models import Order
from advocate.conftest import save_screenshot
from advocate.demo.marketplace import DEMO_PASSWORD, demo_seller
from advocate.sellers import services
from advocate.sellers.enforcement import seller_enforce
from advocate.trust.models import AccountAction, ActionState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1280, "height": 900}


def sign_in_as(page, base_url, username, landing):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base_url}{landing}")


def test_a_seller_over_the_defect_threshold_appeals_and_is_reinstated(live_server, new_page):
    call_command("demo", orders=1500, seed=7, stdout=io.StringIO(), verbosity=0)
    AccountAction.objects.all().delete()  # start from a clean record for this seller's story
    seller = demo_seller()
    now = timezone.now()
    # Unhappy buyers: 1-star ratings on a quarter of the seller's delivered orders of the last 60 days.
    recent = list(Order.objects.filter(seller=seller, placed_at__gte=now - timedelta(days=55),
                                       shipments__delivered_at__isnull=False).distinct().order_by("pk"))
    assert len(recent) >= 20
    for order in recent[::4]:
        services.rating_save(order=order, customer=order.customer, stars=1, comment="Arrived broken.")
    seller_enforce(seller, now=now)
    [restriction] = [a for a in seller_enforce(seller, now=now + timedelta(days=15))
                     if a.metric == "order_defect_rate"]

    page = new_page(viewport=DESKTOP)
    sign_in_as(page, live_server.url, "demo-seller", "/orders/")
    page.goto(f"{live_server.url}/seller/health/")
    figure = page.locator(".figure[data-metric=order_defect_rate]")
    expect(figure).to_have_class("card figure at-risk")
    expect(page.locator(".card.at-risk").first).to_contain_text("Restriction")
    save_screenshot(page, "advocate-seller-health.png")
    figure.get_by_role("link", name="The orders behind it").click()
    expect(page.locator("tbody")).to_contain_text(recent[0].external_id)
    expect(page.locator("tbody")).to_contain_text("negative feedback")

    page.goto(f"{live_server.url}/account/decisions/")
    decision = page.locator(f"#{restriction.reference}")
    expect(decision).to_contain_text("Order defect rate")
    expect(decision).to_contain_text("automatically")
    decision.get_by_label("Why should the decision change?").fill(
        "A batch of glasses was packed without padding in week 41.")
    decision.get_by_label("Your plan of action (optional)").fill(
        "All glassware now ships double-boxed; the packer was retrained on 20 November.")
    decision.get_by_role("button", name="Send my appeal").click()
    expect(page.locator(".messages")).to_contain_text("Your appeal is with us")

    operator = new_page(viewport=DESKTOP)
    sign_in_as(operator, live_server.url, "demo-operator", "/service/conversations/")
    operator.goto(f"{live_server.url}/operations/actions/")
    operator.get_by_role("link", name=restriction.reference).first.click()
    expect(operator.locator("main")).to_contain_text("double-boxed")
    operator.get_by_label("Reverse the action").check()
    operator.get_by_label("Reasons (the person who appealed receives them)").fill(
        "The cause is found and fixed; the restriction is lifted.")
    operator.get_by_role("button", name="Decide and send the reasons").click()
    expect(operator.locator(".messages")).to_contain_text("Decided")

    restriction.refresh_from_db()
    assert restriction.state == ActionState.REVERSED
    page.goto(f"{live_server.url}/account/decisions/")
    expect(page.locator(f"#{restriction.reference}")).to_contain_text("Reversed on appeal")
    expect(page.locator(f"#{restriction.reference}")).to_contain_text("The cause is found and fixed")
