"""A buyer says no to messages sellers start — answers to their own questions still come through; either side
reports a message and staff review it, with a note, blocking nothing."""

import re

import pytest

from advocate.conftest import ALICE
from advocate.messaging import services
from advocate.messaging.models import FlagState, Message, MessageFlag, MessagePreference, Thread

from .conftest import api_post, buyer_writes, seller_writes

pytestmark = pytest.mark.django_db


def test_a_buyer_who_opts_out_gets_no_unsolicited_messages_but_still_gets_answers(order, alice, northwind_user,
                                                                                  login, commit, mailoutbox):
    buyer, seller = login(alice), login(northwind_user)
    page = buyer.get("/account/messages/")
    assert page.status_code == 200 and 'name="accepts_unsolicited"' in page.content.decode()
    assert buyer.post("/account/messages/", {}).status_code == 302  # the box unticked
    assert not MessagePreference.objects.get(customer=order.customer).accepts_unsolicited

    start = seller.get("/seller/messages/orders/N-1/").content.decode()
    assert "chosen not to receive messages from sellers" in start and "<textarea" not in start
    refused = seller.post("/seller/messages/orders/N-1/", {"text": "Buy more!", "request_key": "seller-key-0001"})
    assert refused.status_code == 200 and "chosen not to receive messages" in refused.content.decode()
    api = api_post(seller, "/api/v1/seller/orders/N-1/messages", {"text": "Buy more!"}, "seller-key-0002")
    assert api.status_code == 409 and api.json()["code"] == "buyer_opted_out"
    assert "chosen not to receive" in api.json()["message"]
    assert not Thread.objects.exists() and not mailoutbox

    buyer_writes(buyer, commit, "N-1", "Does the lamp take LED bulbs?")
    thread = Thread.objects.get()
    answered = seller_writes(seller, commit, f"/seller/messages/{thread.pk}/", "Yes, any E27 LED bulb.")
    assert answered.status_code == 302
    assert Message.objects.filter(side="seller").count() == 1
    assert [m.to for m in mailoutbox if ALICE["email"] in m.to]


def test_a_thread_the_buyer_never_wrote_in_closes_when_they_opt_out(order, alice, northwind_user, login, commit):
    seller = login(northwind_user)
    seller_writes(seller, commit, "/seller/messages/orders/N-1/", "Your order is ready.")
    thread = Thread.objects.get()
    services.preference_set(customer=order.customer, accepts_unsolicited=False)

    refused = seller.post(f"/seller/messages/{thread.pk}/", {"text": "Hello again", "request_key": "later-key-01"})
    assert "chosen not to receive messages" in refused.content.decode()
    api = api_post(seller, f"/api/v1/seller/messages/{thread.pk}", {"text": "Hello again"}, "later-key-02")
    assert api.status_code == 409 and api.json()["code"] == "buyer_opted_out"
    assert seller.get(f"/api/v1/seller/messages/{thread.pk}").json()["can_write"] is False
    assert Message.objects.count() == 1

    buyer_writes(login(alice), commit, "N-1", "Thanks, when will it ship?")
    assert seller.get(f"/api/v1/seller/messages/{thread.pk}").json()["can_write"] is True
    assert api_post(seller, f"/api/v1/seller/messages/{thread.pk}", {"text": "Tomorrow."},
                    "later-key-03").status_code == 201


def test_the_one_click_link_in_the_email_opts_out(order, northwind_user, login, commit, mailoutbox, client):
    seller_writes(login(northwind_user), commit, "/seller/messages/orders/N-1/", "We have a sale on!")
    [email] = [m for m in mailoutbox if ALICE["email"] in m.to]
    link = re.search(r"https?://\S+(/messages/stop/\S+/)", email.body).group(1)
    assert email.extra_headers["List-Unsubscribe"].endswith(f"{link}>")
    # As sent: the header folded with the URL whole, not RFC 2047-encoded, so mail programs offer the button.
    raw = email.message().as_bytes()
    header = re.search(rb"\nList-Unsubscribe:((?:.*\n[ \t].*)*.*)\n", raw).group(1)
    assert b"=?" not in header and f"{link}>".encode() in header
    assert b"\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\n" in raw

    confirm = client.get(link)  # opening the link (or a mail scanner following it) changes nothing
    assert confirm.status_code == 200 and services.accepts_unsolicited(order.customer_id)
    assert "Stop messages sellers start" in confirm.content.decode()
    done = client.post(link, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert done.status_code == 200 and "sellers can no longer write to you first" in done.content.decode()
    assert not services.accepts_unsolicited(order.customer_id)

    assert client.get(link.replace("/stop/", "/stop/x")).status_code == 404
    assert client.post("/messages/stop/1:forged/").status_code == 404


def test_either_side_reports_and_staff_review(order, alice, northwind_user, associate, login, commit):
    buyer, seller = login(alice), login(northwind_user)
    buyer_writes(buyer, commit, "N-1", "You are useless.")
    thread = Thread.objects.get()
    seller_writes(seller, commit, f"/seller/messages/{thread.pk}/", "Pay me by bank transfer instead.")
    from_buyer, from_seller = Message.objects.get(side="buyer"), Message.objects.get(side="seller")

    assert "Report this message" in seller.get(f"/seller/messages/{thread.pk}/").content.decode()
    reported = seller.post(f"/messages/{from_buyer.pk}/report/", {"reason": "abusive", "note": "Insults"})
    assert reported.url == f"/seller/messages/{thread.pk}/"
    assert buyer.post(f"/messages/{from_seller.pk}/report/", {"reason": "scam"}).url == "/orders/N-1/messages/"
    again = buyer.post(f"/messages/{from_seller.pk}/report/", {"reason": "spam"})  # a second click
    assert again.status_code == 302 and MessageFlag.objects.count() == 2
    assert "You reported this message" in buyer.get("/orders/N-1/messages/").content.decode()

    own = buyer.post(f"/messages/{from_buyer.pk}/report/", {"reason": "spam"})
    assert own.status_code == 302 and MessageFlag.objects.count() == 2
    assert buyer.post(f"/messages/{from_seller.pk}/report/", {"reason": "nonsense"}).status_code == 302
    assert MessageFlag.objects.count() == 2

    staff = login(associate)
    queue = staff.get("/service/flagged-messages/").content.decode()
    assert "Rude, threatening or harassing" in queue and "Insults" in queue and "You are useless." in queue
    assert "Looks like a scam" in queue and "Pay me by bank transfer instead." in queue
    flag = MessageFlag.objects.get(reason="scam")
    assert staff.post(f"/service/flagged-messages/{flag.pk}/review/", {"note": ""}).status_code == 302
    flag.refresh_from_db()
    assert flag.state == FlagState.OPEN  # a review needs a note
    staff.post(f"/service/flagged-messages/{flag.pk}/review/", {"note": "Warned the seller."})
    flag.refresh_from_db()
    assert flag.state == FlagState.REVIEWED and flag.reviewed_by == associate and flag.review_note == \
        "Warned the seller."
    assert "Pay me by bank transfer" not in staff.get("/service/flagged-messages/").content.decode()
    reviewed = staff.get("/service/flagged-messages/?state=reviewed").content.decode()
    assert "Warned the seller." in reviewed
    # Nothing is blocked: the thread goes on.
    assert seller_writes(seller, commit, f"/seller/messages/{thread.pk}/", "Sorry.").status_code == 302


def test_staff_see_the_original_text_of_a_reported_message(order, alice, northwind_user, operator, login, commit):
    buyer_writes(login(alice), commit, "N-1", "Text me on 07946 001122")
    message = Message.objects.get()
    login(northwind_user).post(f"/messages/{message.pk}/report/", {"reason": "off_platform"})
    queue = login(operator).get("/service/flagged-messages/").content.decode()
    assert "07946 001122" in queue and "[phone hidden]" in queue
    assert login(operator).post(f"/messages/{message.pk}/report/", {"reason": "spam"}).status_code == 404
