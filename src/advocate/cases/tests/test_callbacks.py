"""Callbacks: the customer chooses a window, the call is prepared, raised before it is missed, and a missed one
is owned up to — to the customer and to managers."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from advocate.cases import services
from advocate.cases.callbacks import CallingHours, windows
from advocate.cases.models import Callback, CallbackState, Channel, ConversationState, Survey
from advocate.conftest import ALICE
from advocate.core.errors import Refused
from advocate.core.management.commands.tick import tick

LONDON = ZoneInfo("Europe/London")


def test_windows_are_in_the_customers_hours_with_time_to_prepare_and_skip_full_ones():
    now = datetime(2026, 12, 1, 12, 40, tzinfo=UTC)  # 12:40 in London
    hours = CallingHours(first=9, last=19, days=2)
    offered = windows(now, LONDON, hours, booked={datetime(2026, 12, 1, 15, tzinfo=LONDON): 2}, capacity=2)
    starts = [w.start.astimezone(LONDON).strftime("%d %H") for w in offered]
    # Today 13:00 is too soon (30 minutes to prepare) and 15:00 is full; tomorrow is whole.
    assert starts == ["01 17", "02 09", "02 11", "02 13", "02 15", "02 17"]
    assert all(w.end - w.start == timedelta(hours=2) for w in offered)
    tokyo = windows(now, ZoneInfo("Asia/Tokyo"), hours, booked={}, capacity=2)
    assert all(9 <= w.start.astimezone(ZoneInfo("Asia/Tokyo")).hour < 19 for w in tokyo)


@pytest.fixture
def ask(shop, alice, login, commit):
    """Alice asks, from the page, to be called in the first window offered; returns the window."""
    shop.send(shop.order_placed("A-1"))
    client = login(alice)

    def ask_now(request_key="k1"):
        page = client.get("/callback/?order=A-1")
        window = page.context["form"].fields["window"].choices[0][0]
        commit(lambda: client.post("/callback/", {"phone": ALICE["phone"], "window": window, "order": "A-1",
                                                  "topic": "The lamp flickers", "request_key": request_key}))
        return window

    return ask_now


@pytest.mark.django_db
def test_a_customer_asks_for_a_callback_and_gets_the_promise_in_writing(ask, mailoutbox):
    window = ask()
    ask()  # the same form sent twice
    callback = Callback.objects.get()
    assert callback.window_start.isoformat() == window
    assert callback.conversation.channel == Channel.PHONE and callback.conversation.order.external_id == "A-1"
    assert callback.conversation.messages.get().body == "The lamp flickers"
    assert len(mailoutbox) == 1
    local = timezone.localtime(callback.window_start, LONDON)
    assert f"between {local:%H:%M} and" in mailoutbox[0].body
    assert ALICE["phone"] in mailoutbox[0].body


@pytest.mark.django_db
def test_a_window_no_longer_offered_is_refused_and_nothing_is_promised(shop, alice, login):
    shop.send(shop.order_placed("A-1"))
    client = login(alice)
    response = client.post("/callback/", {"phone": ALICE["phone"], "window": "2020-01-01T09:00:00+00:00",
                                          "request_key": "k"})
    assert response.status_code == 200 and not Callback.objects.exists()
    from advocate.commerce.models import Customer

    customer = Customer.objects.get(external_id=ALICE["id"])
    with pytest.raises(Refused) as refused:
        services.callback_request(customer=customer, phone="+44 20 7946 0011",
                                  window_start=datetime(2020, 1, 1, tzinfo=UTC), topic="", order=None,
                                  request_key="x")
    assert refused.value.code == "window_full"
    with pytest.raises(Refused) as refused:
        services.callback_request(customer=customer, phone="call me", window_start=datetime(2020, 1, 1, tzinfo=UTC),
                                  topic="", order=None, request_key="y")
    assert (refused.value.code, refused.value.status) == ("phone_required", 422)


@pytest.mark.django_db
def test_callbacks_wait_by_promised_time_not_in_the_email_queue(ask, login, associate):
    ask()
    client = login(associate)
    queue = client.get("/service/conversations/").content.decode()
    assert "The lamp flickers" not in queue and "1 callback promised" in queue
    page = client.get("/service/callbacks/").content.decode()
    assert "The lamp flickers" in page and ALICE["phone"] in page


@pytest.mark.django_db
def test_a_callback_about_to_be_missed_is_raised_and_a_missed_one_owned_up_to(ask, login, associate, operator,
                                                                                settings, mailoutbox, commit):
    settings.ADVOCATE_TEAM_EMAIL = "team@shop.example"
    ask()
    callback = Callback.objects.get()
    commit(lambda: tick(now=callback.window_end - timedelta(minutes=20)))
    callback.refresh_from_db()
    assert callback.raised_at is not None and callback.state == CallbackState.PROMISED
    assert [m.to for m in mailoutbox[1:]] == [["team@shop.example"]]
    assert "About to be missed" in login(associate).get("/service/callbacks/").content.decode()

    commit(lambda: tick(now=callback.window_end + timedelta(minutes=1)))
    commit(lambda: tick(now=callback.window_end + timedelta(minutes=2)))  # twice: still one apology
    callback.refresh_from_db()
    assert callback.state == CallbackState.MISSED
    apology = [m for m in mailoutbox if m.to == [ALICE["email"]]][-1]
    assert apology.subject == "We missed your callback — sorry" and "/callback/" in apology.body
    assert len([m for m in mailoutbox if m.subject.startswith("We missed")]) == 1
    page = login(operator).get("/operations/service/").content.decode()
    assert "Callbacks we missed" in page and ALICE["name"] in page
    # The conversation is back at the front of the email queue.
    assert "The lamp flickers" in login(associate).get("/service/conversations/").content.decode()


@pytest.mark.django_db
def test_logging_the_call(ask, login, associate, commit):
    ask()
    callback = Callback.objects.get()
    client = login(associate)
    url = f"/service/conversations/{callback.conversation_id}/callback/"
    client.post(url, {"outcome": "no_answer", "notes": "Rang twice"})
    callback.refresh_from_db()
    assert (callback.state, callback.attempts) == (CallbackState.PROMISED, 1)  # try again within the window
    commit(lambda: client.post(url, {"outcome": "solved", "notes": "Sent a new lamp"}))
    callback.refresh_from_db()
    assert (callback.state, callback.done_by, callback.attempts) == (CallbackState.DONE, associate, 2)
    assert callback.conversation.state == ConversationState.RESOLVED
    assert Survey.objects.filter(conversation=callback.conversation).exists()
    response = client.post(url, {"outcome": "solved"})
    assert "already closed" in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_only_customers_ask_and_only_staff_see_callbacks(login, associate, alice):
    assert login(associate).get("/callback/").status_code == 404
    assert login(alice).get("/service/callbacks/").status_code == 403
