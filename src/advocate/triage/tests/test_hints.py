"""Before a customer sends the contact form, the likely answer is shown with its one-click actions; sending anyway
still works, and then a person answers (they have seen what an automatic answer would say)."""

import pytest

from advocate.cases.models import Conversation, Direction
from advocate.commerce.models import Order
from advocate.notifications.models import OutboundEmail
from advocate.triage.models import NeedsPerson, Reading

pytestmark = pytest.mark.django_db

CANCEL = {"order": "", "subject": "Cancel", "body": "Please cancel my order A-1, I don't need it anymore.",
          "request_key": "k1"}


def test_the_likely_answer_is_shown_before_sending_and_nothing_is_done_for_them(shop, login, alice):
    shop.send(shop.order_placed("A-1"))
    client = login(alice)
    page = client.post("/contact/", CANCEL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Is this about order A-1?" in html
    assert 'href="/orders/A-1/problem/cancel/"' in html and 'href="/orders/A-1/"' in html
    assert "Send my message anyway" in html
    assert "Please cancel my order A-1" in html  # what they wrote is kept in the form
    assert not Conversation.objects.exists()
    assert Order.objects.get().cancelled_at is None


def test_sending_anyway_sends_it_to_a_person_and_no_automatic_answer(shop, login, alice, commit):
    shop.send(shop.order_placed("A-1"))
    client = login(alice)
    response = commit(lambda: client.post("/contact/", {**CANCEL, "anyway": "1"}))
    assert response.status_code == 302
    conversation = Conversation.objects.get()
    assert Reading.objects.get(conversation=conversation).needs_person == NeedsPerson.SAW_ANSWER
    assert not conversation.messages.filter(direction=Direction.OUT).exists()
    assert not OutboundEmail.objects.exists()
    assert Order.objects.get().cancelled_at is None


def test_a_message_that_needs_a_person_is_sent_at_once(shop, login, alice):
    shop.send(shop.order_placed("A-1"))
    response = login(alice).post("/contact/", {
        **CANCEL, "body": "I want to speak to a real person about my order A-1, not a robot."})
    assert response.status_code == 302
    assert Conversation.objects.count() == 1


def test_the_hint_is_in_the_customers_language(shop, login, alice):
    shop.send(shop.order_placed("A-1"))
    client = login(alice)
    client.cookies["django_language"] = "ar"
    html = client.post("/contact/", {**CANCEL, "body": "أريد إلغاء الطلب A-1 من فضلكم."}).content.decode()
    assert 'lang="ar"' in html and 'href="/orders/A-1/problem/cancel/"' in html
    assert "Is this about order A-1?" not in html
