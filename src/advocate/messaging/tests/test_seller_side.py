"""What a seller sees, on every page, in the API and in email: the buyer's alias, never their name, email
address or phone number — even when the buyer writes them into a message. And the seller's REST API."""

import pytest

from advocate.commerce.selectors import buyer_alias
from advocate.messaging.models import Message, Thread

from .conftest import SELLER_EMAIL, api_post, assert_no_buyer_details, buyer_writes, seller_writes

pytestmark = pytest.mark.django_db


def test_the_buyer_s_name_email_and_phone_never_reach_the_seller(order, alice, northwind_user, login, commit,
                                                                 mailoutbox):
    buyer, seller = login(alice), login(northwind_user)
    buyer_writes(buyer, commit, "N-1", "Hi, reach me at alice.marchbanks@example.com or +44 20 7946 0011.")
    thread = Thread.objects.get()
    message = Message.objects.get()
    seller_writes(seller, commit, f"/seller/messages/{thread.pk}/", "Please write here instead.")
    commit(lambda: api_post(seller, f"/api/v1/seller/messages/{thread.pk}", {"text": "Thanks."}, "api-reply-0001"))
    buyer_writes(buyer, commit, "N-1", "OK, sorry: phone 020 7946 0011, mail alice.marchbanks @ example . com")
    seller.post(f"/messages/{message.pk}/report/", {"reason": "off_platform", "note": "Contact details"})

    pages = {url: seller.get(url, follow=True) for url in (
        "/seller/messages/", "/seller/messages/?waiting=1", "/seller/messages/?page=2",
        f"/seller/messages/{thread.pk}/", "/seller/messages/orders/N-1/", "/orders/N-1/messages/",
        "/api/v1/seller/messages", "/api/v1/seller/messages?waiting=true", f"/api/v1/seller/messages/{thread.pk}",
    )}
    pages["refused reply"] = seller.post(f"/seller/messages/{thread.pk}/", {"text": "", "request_key": "k" * 20})
    pages["api reply"] = commit(lambda: api_post(seller, f"/api/v1/seller/messages/{thread.pk}",
                                                 {"text": "One more."}, "api-reply-0002"))
    alias = buyer_alias(order)
    for where, response in pages.items():
        assert response.status_code in (200, 201), where
        text = response.content.decode()
        assert_no_buyer_details(text, where)
        if where not in ("/seller/messages/?page=2", "api reply"):  # an empty page; the seller's own message
            assert alias in text, where

    seller_mail = [m for m in mailoutbox if SELLER_EMAIL in m.to]
    assert len(seller_mail) == 2
    for email in seller_mail:
        assert_no_buyer_details(f"{email.subject}\n{email.body}\n{email.extra_headers}\n{email.reply_to}", "email")
        assert alias in email.subject


def test_the_api_lists_threads_with_the_alias_and_masked_text(order, alice, northwind_user, login, commit):
    buyer_writes(login(alice), commit, "N-1", "Is it on https://cheaper.example/lamp for less?")
    seller = login(northwind_user)
    [thread] = seller.get("/api/v1/seller/messages").json()
    assert thread["order_id"] == "N-1" and thread["buyer"] == buyer_alias(order)
    assert thread["waiting"] == 1 and thread["answer_by"] is not None and thread["can_write"] is True
    [message] = thread["messages"]
    assert message["text"] == "Is it on [link hidden] for less?" and message["hidden"] == ["link"]
    assert message["author"] == buyer_alias(order) and message["answered_at"] is None

    sent = api_post(seller, f"/api/v1/seller/messages/{thread['id']}", {"text": "Call 0161 496 0000."},
                    "api-key-00001")
    assert sent.status_code == 201
    body = sent.json()
    assert body["message"]["text"] == "Call [phone hidden]." and "phone number" in body["notice"]
    again = api_post(seller, f"/api/v1/seller/messages/{thread['id']}", {"text": "Call 0161 496 0000."},
                     "api-key-00001")
    assert again.status_code == 201 and again.json()["message"]["id"] == body["message"]["id"]
    assert Message.objects.filter(side="seller").count() == 1

    [after] = seller.get("/api/v1/seller/messages").json()
    assert after["waiting"] == 0 and after["messages"][0]["answered_at"] is not None
    assert seller.get("/api/v1/seller/messages?waiting=true").json() == []
    assert api_post(seller, f"/api/v1/seller/messages/{thread['id']}", {"text": ""}, "api-key-00002").status_code \
        == 422
    assert seller.post(f"/api/v1/seller/messages/{thread['id']}", data='{"text": "x"}',
                       content_type="application/json").status_code == 422  # no Idempotency-Key


def test_the_api_is_for_sellers_only(order, alice, associate, login, client, commit):
    buyer_writes(login(alice), commit, "N-1", "Hello")
    thread = Thread.objects.get()
    assert client.get("/api/v1/seller/messages").status_code == 401
    assert login(alice).get("/api/v1/seller/messages").status_code == 403
    assert login(associate).get(f"/api/v1/seller/messages/{thread.pk}").status_code == 403
    assert api_post(login(alice), f"/api/v1/seller/messages/{thread.pk}", {"text": "x"}, "key-000001").status_code \
        == 403


def test_a_seller_writes_first_through_the_api(order, northwind_user, heron_user, login):
    seller = login(northwind_user)
    sent = api_post(seller, "/api/v1/seller/orders/N-1/messages", {"text": "Thanks for your order!"}, "first-0001")
    assert sent.status_code == 201 and Thread.objects.get().started_by == "seller"
    assert sent.json()["thread_id"] == Thread.objects.get().pk
    assert api_post(login(heron_user), "/api/v1/seller/orders/N-1/messages", {"text": "Hi"},
                    "first-0002").status_code == 404
    assert Message.objects.count() == 1


def test_the_endpoints_are_in_the_openapi_schema(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/seller/messages", "/api/v1/seller/messages/{thread_id}",
            "/api/v1/seller/orders/{order_id}/messages"} <= set(paths)
