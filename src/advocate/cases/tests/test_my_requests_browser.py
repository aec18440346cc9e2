"""My requests on a phone, in Arabic: the customer opens the page, reads an associate's reply to what she
emailed, answers it with a photo (the conversation opens again for the team), and moves her booked callback to
another time. Chromium and the Content-Security-Policy as in production."""

import pytest
from playwright.sync_api import expect

from advocate.accounts.models import User
from advocate.cases import services
from advocate.cases.mail.compose import compose
from advocate.cases.models import Attachment, Callback, ConversationState, Direction
from advocate.commerce.models import Customer
from advocate.conftest import ALICE, BROWSER_PASSWORD, assert_no_horizontal_scrolling, save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_customer_reads_our_reply_answers_it_and_moves_her_callback_on_a_phone_in_arabic(
        live_server, new_page, shop, tmp_path):
    shop.send(shop.order_placed("A-1"))
    customer = Customer.objects.get(external_id=ALICE["id"])
    customer.language = "ar"
    customer.save(update_fields=["language"])
    user = User.objects.create_user("alice", password=BROWSER_PASSWORD, role="customer", language="ar",
                                    time_zone=ALICE["time_zone"])
    Customer.objects.filter(pk=customer.pk).update(user=user)
    associate = User.objects.create_user("sam", password=BROWSER_PASSWORD, role="associate", first_name="Sam")
    inbound, _ = services.mail_receive(
        compose(sender=ALICE["email"], subject="المصباح وصل مكسورًا",
                body="المصباح مكسور. أريد التحدث مع موظف من فضلكم."), source="test")
    conversation = inbound.conversation
    services.reply_send(conversation=conversation, by=associate, body="نأسف لذلك! هل المصباح الكهربائي مكسور أيضًا؟",
                        request_key="r1")
    services.internal_note_add(conversation=conversation, by=associate, text="SECRET note for colleagues")
    first = services.callback_windows(customer)[0]
    callback = services.callback_request(customer=customer, phone=ALICE["phone"], window_start=first.start,
                                         topic="الضوء يومض", order=None, request_key="cb1")

    page = new_page(locale="ar")
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", BROWSER_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/orders/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")

    # From the navigation to My requests: the conversation with our reply as its last message, and the callback.
    page.locator("header nav a[href='/account/requests/']").click()
    page.wait_for_url(f"{live_server.url}/account/requests/")
    card = page.locator(f"#conversation-{conversation.pk}")
    expect(card).to_contain_text("هل المصباح الكهربائي مكسور أيضًا؟")
    expect(page.locator(f"#callback-{callback.pk}")).to_contain_text("الضوء يومض")
    assert "SECRET" not in page.content()
    assert_no_horizontal_scrolling(page)
    save_screenshot(page, "my-requests-ar-phone.png")

    # She reads the reply and answers it, with a photo.
    card.click()
    page.wait_for_url(f"{live_server.url}/account/requests/conversations/{conversation.pk}/")
    expect(page.locator(".message.out")).to_contain_text("هل المصباح الكهربائي مكسور أيضًا؟")
    expect(page.locator(".message")).to_have_count(2)  # hers and ours; never the note
    photo = tmp_path / "lamp.png"
    photo.write_bytes(PNG)
    page.locator("textarea[name=body]").fill("نعم، المصباح الكهربائي مكسور أيضًا.")
    page.locator("input[name=attachments]").set_input_files(str(photo))
    assert_no_horizontal_scrolling(page)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".messages .success")).to_be_visible()
    expect(page.locator(".message.in").last).to_contain_text("المصباح الكهربائي مكسور أيضًا")
    expect(page.locator(".message.in").last.locator("a")).to_have_text("lamp.png")
    assert_no_horizontal_scrolling(page)
    save_screenshot(page, "my-requests-conversation-ar-phone.png")
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.OPEN
    assert conversation.messages.filter(direction=Direction.IN).count() == 2
    assert Attachment.objects.get().filename == "lamp.png"

    # Back to the list: she moves the callback to another time.
    page.locator("main a[href='/account/requests/']").click()
    box = page.locator(f"#callback-{callback.pk}")
    box.locator("summary").click()
    select = box.locator("select")
    options = select.locator("option")
    other = options.nth(1).get_attribute("value")
    assert other != first.start.isoformat()
    select.select_option(other)
    save_screenshot(page, "my-requests-callback-change-ar-phone.png")
    box.locator(f"form[action='/account/requests/callbacks/{callback.pk}/move/'] button").click()
    expect(page.locator(".messages .success")).to_be_visible()
    callback.refresh_from_db()
    assert callback.window_start.isoformat() == other
    assert_no_horizontal_scrolling(page)
    save_screenshot(page, "my-requests-callback-moved-ar-phone.png")
    assert Callback.objects.get().window_start.isoformat() == other

    assert refused == []
