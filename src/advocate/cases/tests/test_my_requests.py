"""My requests: a signed-in customer's conversations, problem reports and guarantee claims, booked callbacks and
account decisions in one place; answering in a conversation from the web as an emailed reply would; changing or
cancelling a callback. Only their own: anyone else's is not found, and staff and sellers are turned away."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from advocate.cases import services
from advocate.cases.mail.compose import compose
from advocate.cases.models import (
    Attachment,
    Callback,
    CallbackState,
    Conversation,
    ConversationState,
    Direction,
    Message,
)
from advocate.claims import services as claim_services
from advocate.claims.tests.test_guarantee_claims import lost_parcel
from advocate.commerce.models import Customer, Order
from advocate.conftest import ALICE, BOB
from advocate.core.errors import Invalid, Refused
from advocate.trust import services as trust_services
from advocate.trust.models import ActionKind, Promise, PromiseState

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def conversation(shop, associate, commit):
    """Alice wrote to us by email about order A-1; an associate answered, and left a note for colleagues."""
    shop.send(shop.order_placed("A-1"), shop.payment_captured("A-1", "64.00"))
    inbound, _ = services.mail_receive(
        compose(sender=ALICE["email"], subject="A-1: the lamp arrived broken", body="The lamp is broken."),
        source="test")
    found = inbound.conversation
    commit(lambda: services.reply_send(conversation=found, by=associate, body="Sorry! Is the bulb broken too?",
                                       request_key="r1"))
    services.internal_note_add(conversation=found, by=associate, text="SECRET: she returned three lamps")
    found.refresh_from_db()
    return found


def customer(ref=ALICE) -> Customer:
    return Customer.objects.get(external_id=ref["id"])


def page(client, path="/account/requests/") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_the_list_shows_conversations_with_their_last_message_and_state(conversation, alice, login):
    text = page(login(alice))
    assert "A-1: the lamp arrived broken" in text
    assert "Sorry! Is the bulb broken too?" in text  # the last message, ours
    assert "We have answered" in text  # waiting for the customer, as the customer reads it
    assert f"/account/requests/conversations/{conversation.pk}/" in text
    assert "SECRET" not in text
    # Linked from the customer's navigation.
    assert 'href="/account/requests/"' in page(login(alice), "/orders/")


def test_the_list_shows_problem_reports_and_guarantee_claims_with_their_outcome(shop, alice, login, commit):
    order = lost_parcel(shop, "G-1")
    report = commit(lambda: claim_services.report_file(order=order, customer=order.customer, problem="not_received",
                                                       request_key="req-1"))
    assert hasattr(report, "claim")
    text = page(login(alice))
    assert "Guarantee claim" in text and report.reference in text
    # The claims presenter's sentence, word for word.
    assert "We have asked Northwind Goods to put this right by" in text
    assert f"/problems/{report.reference}/" in text


def test_the_list_shows_decisions_about_the_account(alice, login, operator, commit):
    action = commit(lambda: trust_services.action_take(
        kind=ActionKind.WARNING, customer=customer(), automated=False, by=operator,
        statement=trust_services.Statement(scope="Returns", facts="Three returns of used items.",
                                           rule="Returns policy 4.2")))
    text = page(login(alice))
    assert action.reference in text and "Decision about your account" in text
    assert f"/account/decisions/#{action.reference}" in text


def test_the_list_is_newest_first(conversation, alice, login, commit):
    later = commit(lambda: services.contact_form_send(customer=customer(), subject="Where is my invoice?",
                                                      body="Please send it.", order=None, request_key="c1",
                                                      now=timezone.now() + timedelta(minutes=5)))
    text = page(login(alice))
    assert text.index(later.subject) < text.index(conversation.subject)


def test_the_customer_reads_our_replies_and_theirs_in_order_never_internal_notes(conversation, alice, login):
    text = page(login(alice), f"/account/requests/conversations/{conversation.pk}/")
    assert text.index("The lamp is broken.") < text.index("Sorry! Is the bulb broken too?")
    assert "SECRET" not in text and "three lamps" not in text
    assert Message.objects.filter(conversation=conversation, direction=Direction.NOTE).exists()


def test_answering_reopens_the_conversation_and_shows_in_the_workspace(conversation, alice, associate, login,
                                                                        commit):
    assert conversation.state == ConversationState.WAITING
    client = login(alice)
    form = client.get(f"/account/requests/conversations/{conversation.pk}/").context["form"]
    data = {"body": "Yes, the bulb too.", "request_key": form["request_key"].initial}
    response = commit(lambda: client.post(f"/account/requests/conversations/{conversation.pk}/", data))
    assert response.status_code == 302
    commit(lambda: client.post(f"/account/requests/conversations/{conversation.pk}/", data))  # sent twice
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.OPEN and conversation.waiting_since is not None
    assert conversation.messages.filter(direction=Direction.IN, body="Yes, the bulb too.").count() == 1
    assert "Yes, the bulb too." in page(login(associate), f"/service/conversations/{conversation.pk}/")
    queue = page(login(associate), "/service/conversations/")
    assert conversation.subject in queue


def test_answering_a_resolved_conversation_reopens_it(conversation, alice, associate, login, commit):
    services.conversation_resolve(conversation=conversation, by=associate)
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.RESOLVED
    client = login(alice)
    text = page(client, f"/account/requests/conversations/{conversation.pk}/")
    assert "it opens again" in text
    commit(lambda: client.post(f"/account/requests/conversations/{conversation.pk}/",
                               {"body": "Still broken.", "request_key": "k-reopen"}))
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.OPEN and conversation.resolved_at is None


def test_attachments_are_stored_and_downloaded_only_by_their_customer(conversation, alice, bob, associate, login,
                                                                       commit):
    client = login(alice)
    commit(lambda: client.post(f"/account/requests/conversations/{conversation.pk}/", {
        "body": "Here is a photo.", "request_key": "k-photo",
        "attachments": [SimpleUploadedFile("lamp.png", PNG, content_type="image/png"),
                        SimpleUploadedFile("receipt.txt", b"Paid 64.00", content_type="text/plain")]}))
    stored = Attachment.objects.filter(message__conversation=conversation).order_by("pk")
    assert [(a.filename, a.content_type, a.size) for a in stored] == [
        ("lamp.png", "image/png", len(PNG)), ("receipt.txt", "text/plain", 10)]
    first = stored[0]
    url = f"/account/requests/conversations/{conversation.pk}/attachments/{first.pk}/"
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert response["Content-Disposition"].startswith("attachment")
    assert login(bob).get(url).status_code == 404
    # The associate sees it in the workspace.
    assert "lamp.png" in page(login(associate), f"/service/conversations/{conversation.pk}/")


def test_attachment_limits_are_enforced(conversation, alice, login, commit, settings):
    client = login(alice)
    url = f"/account/requests/conversations/{conversation.pk}/"
    before = Message.objects.count()
    # Not a kind we accept; a file whose name says PNG but is not one; too many files; too large.
    cases = [
        [SimpleUploadedFile("run.exe", b"MZ\x90\x00", content_type="application/octet-stream")],
        [SimpleUploadedFile("fake.png", b"<html>not a png</html>", content_type="image/png")],
        [SimpleUploadedFile("big.png", PNG + b"\x00" * services.MAX_ATTACHMENT_BYTES, content_type="image/png")],
    ]
    for n, files in enumerate(cases):
        response = commit(lambda files=files, n=n: client.post(url, {"body": "See attached.",
                                                                     "request_key": f"k-limit-{n}",
                                                                     "attachments": files}))
        assert response.status_code == 400, n
        assert response.context["form"].errors["attachments"], n
    # More files than we take: the request itself is refused (DATA_UPLOAD_MAX_NUMBER_FILES), and the service
    # refuses them whatever the door.
    response = commit(lambda: client.post(url, {"body": "Many", "request_key": "k-many", "attachments": [
        SimpleUploadedFile(f"p{n}.png", PNG, content_type="image/png") for n in range(6)]}))
    assert response.status_code == 400
    with pytest.raises(Invalid) as refused:
        services.conversation_customer_add(customer=customer(), conversation=conversation, body="Many",
                                           attachments=[(f"p{n}.png", PNG) for n in range(6)], request_key="k-svc")
    assert refused.value.code == "too_many_attachments"
    assert Message.objects.count() == before and not Attachment.objects.exists()


def test_another_customers_conversation_is_not_found(conversation, bob, login, commit):
    client = login(bob)
    url = f"/account/requests/conversations/{conversation.pk}/"
    assert client.get(url).status_code == 404
    response = commit(lambda: client.post(url, {"body": "Let me in", "request_key": "k-bob"}))
    assert response.status_code == 404
    assert not Message.objects.filter(body="Let me in").exists()
    assert conversation.subject not in page(client)
    assert client.get("/account/requests/conversations/999999/").status_code == 404


def test_staff_and_sellers_get_the_403_page(conversation, associate, operator, northwind_user, login, client):
    for user in (associate, operator, northwind_user):
        for path in ("/account/requests/", f"/account/requests/conversations/{conversation.pk}/"):
            response = login(user).get(path)
            assert response.status_code == 403 and "not for your account" in response.content.decode()
    assert client.get("/account/requests/").status_code == 302  # not signed in: to sign in


def test_the_form_needs_csrf(conversation, alice, login):
    response = login(alice).post(f"/account/requests/conversations/{conversation.pk}/",
                                 {"body": "x", "request_key": "k-csrf"}, headers={"X-CSRFToken": ""})
    assert response.status_code == 403
    assert not Message.objects.filter(body="x").exists()


# --- callbacks ------------------------------------------------------------------------------------------


@pytest.fixture
def booked(shop, alice, commit):
    shop.send(shop.order_placed("A-1"))
    alice_customer = customer()
    first = services.callback_windows(alice_customer)[0]
    return commit(lambda: services.callback_request(customer=alice_customer, phone=ALICE["phone"],
                                                    window_start=first.start, topic="The lamp flickers",
                                                    order=Order.objects.get(external_id="A-1"), request_key="cb1"))


def test_a_booked_callback_is_listed_and_can_be_moved_to_another_free_window(booked, alice, associate, login,
                                                                              commit, mailoutbox):
    client = login(alice)
    response = client.get("/account/requests/")
    assert "Booked callbacks" in response.content.decode() and "The lamp flickers" in response.content.decode()
    form = response.context["booked"][0].move_form
    choices = [key for key, _label in form.fields["window"].choices]
    assert booked.window_start.isoformat() not in choices  # only other times are offered
    other = choices[0]
    commit(lambda: client.post(f"/account/requests/callbacks/{booked.pk}/move/", {f"cb{booked.pk}-window": other}))
    booked.refresh_from_db()
    assert booked.window_start.isoformat() == other and booked.state == CallbackState.PROMISED
    assert Promise.objects.get(key=f"callback:{booked.pk}").due_at == booked.window_end
    assert len(mailoutbox) == 2  # booked, then moved: in writing again
    # The associates' list shows the new time, and the timeline why.
    callbacks = login(associate).get("/service/callbacks/")
    assert [c.window_start for c in callbacks.context["promised"]] == [booked.window_start]
    assert "moved the callback" in page(login(associate), f"/service/conversations/{booked.conversation_id}/")
    # A window not offered (in the past) is refused, and nothing changes.
    commit(lambda: client.post(f"/account/requests/callbacks/{booked.pk}/move/",
                               {f"cb{booked.pk}-window": "2020-01-01T09:00:00+00:00"}))
    booked.refresh_from_db()
    assert booked.window_start.isoformat() == other


def test_a_callback_moved_to_a_full_window_is_refused(booked, bob, commit, settings):
    settings.ADVOCATE_CALLBACKS_PER_WINDOW = 1
    bob_customer = Customer.objects.filter(external_id=BOB["id"]).first()
    assert bob_customer is not None
    free = [w for w in services.callback_windows(bob_customer) if w.start != booked.window_start]
    commit(lambda: services.callback_request(customer=bob_customer, phone=BOB["phone"], window_start=free[0].start,
                                             topic="", order=None, request_key="bob"))
    with pytest.raises(Refused) as refused:
        services.callback_move(customer=customer(), callback=booked, window_start=free[0].start)
    assert refused.value.code == "window_full"


def test_a_booked_callback_can_be_cancelled(booked, alice, associate, login, commit):
    client = login(alice)
    commit(lambda: client.post(f"/account/requests/callbacks/{booked.pk}/cancel/"))
    booked.refresh_from_db()
    assert booked.state == CallbackState.CANCELLED
    assert Promise.objects.get(key=f"callback:{booked.pk}").state == PromiseState.KEPT
    conversation = Conversation.objects.get(pk=booked.conversation_id)
    assert conversation.state == ConversationState.RESOLVED
    assert not login(associate).get("/service/callbacks/").context["promised"]
    assert "Booked callbacks" not in page(client)
    # Once cancelled, it cannot be moved or cancelled again.
    commit(lambda: client.post(f"/account/requests/callbacks/{booked.pk}/cancel/"))
    assert Callback.objects.get(pk=booked.pk).state == CallbackState.CANCELLED


def test_another_customers_callback_is_not_found(booked, bob, login, commit):
    client = login(bob)
    response = commit(lambda: client.post(f"/account/requests/callbacks/{booked.pk}/cancel/"))
    assert response.status_code == 404
    booked.refresh_from_db()
    assert booked.state == CallbackState.PROMISED


def test_writing_in_a_callbacks_conversation_keeps_it_with_the_callback(booked, alice, associate, login, commit):
    client = login(alice)
    url = f"/account/requests/conversations/{booked.conversation_id}/"
    commit(lambda: client.post(url, {"body": "Please call my mobile instead.", "request_key": "k-cb"}))
    conversation = Conversation.objects.get(pk=booked.conversation_id)
    # Still waiting for its call (not also in the email queue), and whoever calls reads what was added.
    assert conversation.state == ConversationState.SCHEDULED
    assert "Please call my mobile instead." in page(login(associate), url.replace("/account/requests", "/service"))
