"""Two associates at once, in two browsers: one takes a conversation and the other sees it taken without
reloading; both open it, one replies, and the other is asked before their reply goes too. The second works on
a phone, in Arabic. Chromium, htmx polling and the Content-Security-Policy as in production."""

import re

import pytest
from playwright.sync_api import expect

from advocate.accounts.models import User
from advocate.cases import services
from advocate.cases.mail.compose import compose
from advocate.cases.models import Conversation, Direction
from advocate.conftest import BROWSER_PASSWORD, assert_no_horizontal_scrolling, save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1280, "height": 900}
LIVE = 15_000  # the pages poll every 5 seconds


def _signed_in(new_page, base_url, username, **page_options):
    page = new_page(**page_options)
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text else None)
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", BROWSER_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base_url}/service/conversations/")
    return page, refused


def test_two_associates_see_each_other_take_view_and_reply_without_reloading(live_server, new_page):
    User.objects.create_user("ana", password=BROWSER_PASSWORD, role="associate", first_name="Ana")
    User.objects.create_user("karim", password=BROWSER_PASSWORD, role="associate", first_name="Karim",
                             language="ar")
    inbound, _ = services.mail_receive(compose(sender="noah@example.com", name="Noah Brandt",
                                               subject="Where is my kettle?", body="It has not arrived."),
                                       source="test")
    conversation = inbound.conversation
    row = f"a[href='/service/conversations/{conversation.pk}/']"

    ana, ana_refused = _signed_in(new_page, live_server.url, "ana", viewport=DESKTOP)
    karim, karim_refused = _signed_in(new_page, live_server.url, "karim", locale="ar")
    expect(karim.locator("html")).to_have_attribute("dir", "rtl")
    expect(karim.locator(row).locator(".owner")).to_have_class(re.compile(r"\bnobody\b"))

    # Ana takes it; Karim's queue, left alone, shows it hers.
    ana.locator(row).click()
    ana.get_by_role("button", name="Take it").click()
    expect(ana.locator("#owner-name")).to_have_text("you")
    expect(karim.locator(row).locator(".owner")).to_contain_text("Ana", timeout=LIVE)
    assert_no_horizontal_scrolling(karim)
    save_screenshot(karim, "workspace-queue-ar-phone.png")

    # Both have it open, and each sees the other there.
    karim.locator(row).click()
    expect(karim.locator("#viewers")).to_contain_text("Ana", timeout=LIVE)
    expect(ana.locator("#viewers")).to_contain_text("Karim", timeout=LIVE)

    # Karim writes; meanwhile Ana replies. Karim's page shows her reply as it comes, and says so.
    karim.locator("#reply textarea[name=body]").fill("Sorry, it is lost: I am sending another.")
    ana.locator("#reply textarea[name=body]").fill("It is on its way and arrives on Tuesday.")
    ana.locator("#reply button[type=submit]").click()
    expect(ana.locator(".messages")).to_contain_text("Reply sent to noah@example.com")
    expect(karim.locator("#timeline .message.out")).to_contain_text("arrives on Tuesday", timeout=LIVE)
    expect(karim.locator("#reply-notice")).to_contain_text("ردّ Ana في", timeout=LIVE)  # "Ana replied at"

    # Sending anyway is asked first, by the server; his reply is kept.
    karim.locator("#reply button[type=submit]").first.click()
    question = karim.locator(".replied-meanwhile")
    expect(question).to_contain_text("ردّ Ana في")
    expect(karim.locator("#reply textarea[name=body]")).to_have_value("Sorry, it is lost: I am sending another.")
    assert Conversation.objects.get().messages.filter(direction=Direction.OUT).count() == 1
    assert_no_horizontal_scrolling(karim)
    save_screenshot(karim, "workspace-reply-asked-ar-phone.png")

    question.locator("button[name=anyway]").click()
    expect(karim.locator("#timeline .message.out")).to_have_count(2)
    assert Conversation.objects.get().messages.filter(direction=Direction.OUT).count() == 2
    expect(ana.locator("#timeline .message.out")).to_have_count(2, timeout=LIVE)
    save_screenshot(karim, "workspace-conversation-ar-phone.png")
    save_screenshot(ana, "workspace-conversation-desktop.png")

    # htmx and every page stayed within the Content-Security-Policy: nothing was refused.
    assert ana_refused == [] and karim_refused == []
