"""A buyer writes to the seller from their order, the seller answers in their portal: messages in order, email
to the other side after commit, the seller's 24 hours tracked, contact details hidden both ways, one message
however often a form is sent, and nobody reads a thread that is not theirs."""

from datetime import timedelta

import pytest
from django.utils import timezone

from advocate.commerce.selectors import buyer_alias
from advocate.conftest import ALICE, run_together
from advocate.core.errors import Refused
from advocate.messaging import services
from advocate.messaging.models import Message, Thread
from advocate.messaging.rules import Refusal

from .conftest import SELLER_EMAIL, buyer_writes, form_key, seller_writes

pytestmark = pytest.mark.django_db


def mail_to(mailoutbox, address: str) -> list:
    return [m for m in mailoutbox if address in m.to]


def test_the_buyer_writes_and_the_seller_answers(order, alice, northwind_user, login, commit, mailoutbox):
    buyer, seller = login(alice), login(northwind_user)

    page = buyer.get("/orders/N-1/messages/")
    assert page.status_code == 200 and "Northwind Goods" in page.content.decode()
    sent = buyer_writes(buyer, commit, "N-1", "Hello! Will the lamp ship before Friday?")
    assert sent.status_code == 302 and sent.url == "/orders/N-1/messages/"

    thread = Thread.objects.get(order=order)
    assert thread.started_by == "buyer" and thread.buyer_wrote and thread.waiting_since is not None
    [to_seller] = mail_to(mailoutbox, SELLER_EMAIL)
    alias = buyer_alias(order)
    assert alias in to_seller.subject and "N-1" in to_seller.subject
    assert "Will the lamp ship before Friday?" in to_seller.body
    assert f"/seller/messages/{thread.pk}/" in to_seller.body

    listing = seller.get("/seller/messages/").content.decode()
    assert alias in listing and "Will the lamp ship before Friday?" in listing
    assert "1 message waiting" in listing and "left to answer" in listing

    answered = seller_writes(seller, commit, f"/seller/messages/{thread.pk}/", "Yes, it leaves on Thursday.")
    assert answered.status_code == 302 and answered.url == f"/seller/messages/{thread.pk}/"
    [to_alice] = mail_to(mailoutbox, ALICE["email"])
    assert "Northwind Goods answered" in to_alice.subject
    assert "Yes, it leaves on Thursday." in to_alice.body and "/orders/N-1/messages/" in to_alice.body
    assert "/messages/stop/" in to_alice.body  # the one-click way to stop sellers writing first
    assert to_alice.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    buyer_writes(buyer, commit, "N-1", "Thank you!")
    texts = list(thread.messages.values_list("side", "text"))
    assert texts == [("buyer", "Hello! Will the lamp ship before Friday?"),
                     ("seller", "Yes, it leaves on Thursday."), ("buyer", "Thank you!")]
    html = buyer.get("/orders/N-1/messages/").content.decode()
    assert html.index("Will the lamp ship") < html.index("leaves on Thursday") < html.index("Thank you!")
    assert "1 message waiting" in seller.get("/seller/messages/?waiting=1").content.decode()


def test_the_seller_can_write_first_about_their_own_order(order, alice, northwind_user, login, commit, mailoutbox):
    seller = login(northwind_user)
    assert seller.get("/orders/N-1/messages/").url == "/seller/messages/orders/N-1/"
    start = seller.get("/seller/messages/orders/N-1/")
    assert start.status_code == 200 and "Write to the buyer" in start.content.decode()

    sent = seller_writes(seller, commit, "/seller/messages/orders/N-1/", "Which colour would you like?")
    thread = Thread.objects.get(order=order)
    assert sent.url == f"/seller/messages/{thread.pk}/" and thread.started_by == "seller" and not thread.buyer_wrote
    assert seller.get("/seller/messages/orders/N-1/").url == f"/seller/messages/{thread.pk}/"
    [to_alice] = mail_to(mailoutbox, ALICE["email"])
    assert "Northwind Goods wrote to you about order N-1" in to_alice.subject
    assert "Which colour would you like?" in login(alice).get("/orders/N-1/messages/").content.decode()


def test_contact_details_are_hidden_both_ways_and_the_sender_is_told(order, alice, northwind_user, associate, login,
                                                                     commit, mailoutbox):
    buyer, seller = login(alice), login(northwind_user)
    written = "Mail me at alice.marchbanks@example.com or call +44 20 7946 0011."
    sent = buyer_writes(buyer, commit, "N-1", written)
    notice = buyer.get(sent.url).content.decode()
    assert "We hid an email address and a phone number from your message" in notice
    assert "keep contact on Advocate" in notice

    message = Message.objects.get(side="buyer")
    assert message.original_text == written  # kept, for trust and safety staff only
    assert message.text == "Mail me at [email hidden] or call [phone hidden]."
    assert message.hidden == ["email", "phone"]
    seller_page = seller.get(f"/seller/messages/{message.thread_id}/").content.decode()
    assert "[email hidden]" in seller_page and "[phone hidden]" in seller_page
    assert "alice.marchbanks@example.com" not in seller_page and "7946 0011" not in seller_page
    assert "alice.marchbanks@example.com" not in mail_to(mailoutbox, SELLER_EMAIL)[0].body

    reply = seller_writes(seller, commit, f"/seller/messages/{message.thread_id}/",
                          "Easier on WhatsApp: +49 30 901820 or see https://northwind.example/deal")
    assert "We hid a phone number and a link from your message" in seller.get(reply.url).content.decode()
    answer = Message.objects.get(side="seller")
    assert answer.hidden == ["link", "phone"] and "901820" not in answer.text and "northwind.example" not in answer.text
    buyer_page = buyer.get("/orders/N-1/messages/").content.decode()
    assert "901820" not in buyer_page and "northwind.example" not in buyer_page and "[link hidden]" in buyer_page
    assert "901820" not in mail_to(mailoutbox, ALICE["email"])[0].body

    staff_page = login(associate).get(f"/service/messages/{message.thread_id}/").content.decode()
    assert "alice.marchbanks@example.com" in staff_page and "https://northwind.example/deal" in staff_page


def test_answered_at_is_set_by_the_first_seller_reply_only(order, alice, northwind_user, login, commit,
                                                           health_calls):
    buyer, seller = login(alice), login(northwind_user)
    buyer_writes(buyer, commit, "N-1", "Is it in stock?")
    buyer_writes(buyer, commit, "N-1", "And does it come in blue?")
    first, second = Message.objects.filter(side="buyer").order_by("pk")
    assert [c["key"] for c in health_calls] == [f"message:{first.pk}", f"message:{second.pk}"]
    assert all(c["answered_at"] is None and c["seller_id"] == order.seller_id for c in health_calls)
    assert health_calls[0]["sent_at"] == first.created_at

    url = f"/seller/messages/{first.thread_id}/"
    seller_writes(seller, commit, url, "Yes, and yes.")
    first.refresh_from_db()
    second.refresh_from_db()
    answered_at = Message.objects.get(side="seller").created_at
    assert first.answered_at == second.answered_at == answered_at
    assert health_calls[2:] == [
        {"seller_id": order.seller_id, "key": f"message:{first.pk}", "sent_at": first.created_at,
         "answered_at": answered_at},
        {"seller_id": order.seller_id, "key": f"message:{second.pk}", "sent_at": second.created_at,
         "answered_at": answered_at},
    ]
    assert Thread.objects.get().waiting_since is None

    seller_writes(seller, commit, url, "Anything else?")
    first.refresh_from_db()
    assert first.answered_at == answered_at and len(health_calls) == 4  # a later reply changes nothing

    buyer_writes(buyer, commit, "N-1", "No, thanks.")
    third = Message.objects.filter(side="buyer").latest("pk")
    assert third.answered_at is None and Thread.objects.get().waiting_since == third.created_at


def test_the_seller_sees_how_long_is_left_and_what_is_overdue(order, northwind_user, login, commit):
    now = timezone.now()
    commit(lambda: services.buyer_message_send(order=order, customer=order.customer, text="Where is it?",
                                               request_key="k-1", now=now - timedelta(hours=26)))
    seller = login(northwind_user)
    thread = Thread.objects.get()
    listing = seller.get("/seller/messages/").content.decode()
    assert "overdue by 2" in listing
    page = seller.get(f"/seller/messages/{thread.pk}/").content.decode()
    assert "Waiting for an answer: overdue by 2" in page


def test_the_same_form_sent_twice_posts_one_message(order, alice, northwind_user, login, commit, mailoutbox):
    buyer = login(alice)
    key = form_key(buyer.get("/orders/N-1/messages/"))
    for _ in range(2):
        assert buyer_writes(buyer, commit, "N-1", "Hello?", key=key).status_code == 302
    assert Message.objects.count() == 1 and len(mail_to(mailoutbox, SELLER_EMAIL)) == 1

    seller = login(northwind_user)
    url = f"/seller/messages/{Thread.objects.get().pk}/"
    key = form_key(seller.get(url))
    for _ in range(2):
        seller_writes(seller, commit, url, "Hi!", key=key)
    assert Message.objects.filter(side="seller").count() == 1 and len(mail_to(mailoutbox, ALICE["email"])) == 1


def test_an_empty_message_is_refused_and_changes_nothing(order, alice, login, commit):
    buyer = login(alice)
    page = buyer_writes(buyer, commit, "N-1", "   ")
    assert page.status_code == 200 and "This field is required" in page.content.decode()
    assert not Thread.objects.exists()


def test_an_order_the_marketplace_sold_goes_to_the_service_team(platform_order, alice, login):
    response = login(alice).get("/orders/P-1/messages/")
    assert response.status_code == 302 and response.url == "/contact/?order=P-1"
    with pytest.raises(Refused) as refused:
        services.buyer_message_send(order=platform_order, customer=platform_order.customer, text="Hi",
                                    request_key="k")
    assert refused.value.code == Refusal.SOLD_BY_PLATFORM
    assert "sold by the marketplace itself" in str(refused.value)


# --- who may see what ----------------------------------------------------------------------------------


def test_another_buyer_and_another_seller_find_nothing(order, alice, bob, northwind_user, heron_user, login, commit):
    buyer_writes(login(alice), commit, "N-1", "Hello")
    thread = Thread.objects.get()
    message = Message.objects.get()

    other_buyer, other_seller = login(bob), login(heron_user)
    assert other_buyer.get("/orders/N-1/messages/").status_code == 404
    assert other_buyer.post("/orders/N-1/messages/", {"text": "x", "request_key": "k" * 16}).status_code == 404
    assert other_buyer.post(f"/messages/{message.pk}/report/", {"reason": "spam"}).status_code == 404
    assert other_seller.get(f"/seller/messages/{thread.pk}/").status_code == 404
    assert other_seller.post(f"/seller/messages/{thread.pk}/", {"text": "x", "request_key": "k" * 16}).status_code \
        == 404
    assert other_seller.get("/seller/messages/orders/N-1/").status_code == 404
    assert other_seller.get("/orders/N-1/messages/").url == "/seller/messages/orders/N-1/"
    assert other_seller.post(f"/messages/{message.pk}/report/", {"reason": "spam"}).status_code == 404
    assert "Hello" not in other_seller.get("/seller/messages/").content.decode()
    assert other_seller.get(f"/api/v1/seller/messages/{thread.pk}").status_code == 404
    assert other_seller.get("/api/v1/seller/messages").json() == []
    assert Message.objects.count() == 1


def test_pages_are_for_their_roles_only(order, alice, northwind_user, associate, operator, login, commit, client):
    buyer_writes(login(alice), commit, "N-1", "Hello")
    thread = Thread.objects.get()
    seller_pages = ["/seller/messages/", f"/seller/messages/{thread.pk}/", "/seller/messages/orders/N-1/"]
    staff_pages = ["/service/flagged-messages/", f"/service/messages/{thread.pk}/"]
    for page in seller_pages + staff_pages + ["/orders/N-1/messages/", "/account/messages/"]:
        assert client.get(page).status_code == 302  # to sign in
    for page in seller_pages + staff_pages:
        assert login(alice).get(page).status_code == 403
    for page in staff_pages:
        assert login(northwind_user).get(page).status_code == 403
    assert login(northwind_user).get("/account/messages/").status_code == 404
    for person in (associate, operator):
        staff = login(person)
        assert all(staff.get(page).status_code == 200 for page in staff_pages)
        assert staff.get("/orders/N-1/messages/").url == f"/service/messages/{thread.pk}/"
        assert staff.get(f"/seller/messages/{thread.pk}/").status_code == 403


def test_text_is_escaped(order, alice, northwind_user, login, commit):
    buyer_writes(login(alice), commit, "N-1", "<script>alert('x')</script>")
    page = login(northwind_user).get(f"/seller/messages/{Thread.objects.get().pk}/").content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;" in page


@pytest.mark.django_db(transaction=True)
def test_two_first_messages_at_once_make_one_thread(order, alice):
    def write(key):
        return lambda: services.buyer_message_send(order=order, customer=order.customer, text=f"Hi {key}",
                                                   request_key=key)

    run_together(write("first-key"), write("second-key"), write("second-key"))
    assert Thread.objects.count() == 1
    assert sorted(Message.objects.values_list("request_key", flat=True)) == ["first-key", "second-key"]


def test_staff_following_the_order_page_link_without_messages_are_told_so(order, associate, login):
    response = login(associate).get("/orders/N-1/messages/", follow=True)
    assert response.redirect_chain[-1][0] == "/orders/N-1/"
    assert "have not written to each other" in response.content.decode()
    assert login(associate).get("/orders/NOPE/messages/").status_code == 404
