"""A real team in the workspace: who has each conversation (take, assign, back to nobody; the queue's "mine" and
"unassigned"), a colleague's reply while one is writing, who else has the conversation open, round-robin."""

from datetime import timedelta

import pytest
from django.utils import timezone

from advocate.cases import services
from advocate.cases.mail.compose import compose
from advocate.cases.models import ActionKind, Conversation, ConversationState, Direction, DutyShift, Viewer
from advocate.core.errors import Forbidden, Invalid, Refused
from advocate.notifications.models import OutboundEmail

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(shop):
    inbound, _ = services.mail_receive(compose(sender="noah@example.com", subject="Where is my kettle?",
                                               body="It has not arrived."), source="test")
    return inbound.conversation


@pytest.fixture
def colleague(make_user):
    return make_user("ana-associate", "associate", first_name="Ana")


def post(client, conversation, action, data=None):
    return client.post(f"/service/conversations/{conversation.pk}/{action}/", data or {})


# --- ownership -----------------------------------------------------------------------------------------------


def test_an_associate_takes_a_conversation_and_it_is_recorded(conversation, login, associate):
    client = login(associate)
    post(client, conversation, "take")
    post(client, conversation, "take")  # a double click records nothing more
    conversation.refresh_from_db()
    assert conversation.owner == associate
    assert list(conversation.actions.values_list("kind", "by")) == [(ActionKind.TAKE, associate.pk)]
    page = client.get(f"/service/conversations/{conversation.pk}/").content.decode()
    assert "Taken" in page and "Take it" not in page  # in the timeline; nothing left to take


def test_an_associate_gives_it_to_a_colleague_and_back_to_nobody(conversation, login, associate, colleague):
    client = login(associate)
    post(client, conversation, "assign", {"owner": colleague.pk})
    conversation.refresh_from_db()
    assert conversation.owner == colleague
    post(client, conversation, "assign", {"owner": ""})
    conversation.refresh_from_db()
    assert conversation.owner is None
    assert [(a.kind, a.detail, a.by_id) for a in conversation.actions.order_by("pk")] == [
        (ActionKind.ASSIGN, "Ana", associate.pk), (ActionKind.UNASSIGN, "", associate.pk)]
    # Taking it from a colleague is a take, and says so.
    services.conversation_assign(conversation=conversation, by=associate, to=colleague)
    post(login(associate), conversation, "take")
    conversation.refresh_from_db()
    assert conversation.owner == associate and conversation.actions.order_by("-pk")[0].kind == ActionKind.TAKE


def test_only_service_staff_assign_and_only_to_service_staff(conversation, login, associate, alice, operator,
                                                            northwind_user, make_user):
    for outsider in (alice, northwind_user):
        assert post(login(outsider), conversation, "take").status_code == 403
        assert post(login(outsider), conversation, "assign", {"owner": associate.pk}).status_code == 403
        with pytest.raises(Forbidden):
            services.conversation_take(conversation=conversation, by=outsider)
    with pytest.raises(Invalid):
        services.conversation_assign(conversation=conversation, by=associate, to=alice)
    gone = make_user("gone-associate", "associate", is_active=False)
    with pytest.raises(Invalid):
        services.conversation_assign(conversation=conversation, by=associate, to=gone)
    post(login(associate), conversation, "assign", {"owner": alice.pk})  # not among the choices
    conversation.refresh_from_db()
    assert conversation.owner is None and not conversation.actions.exists()
    services.conversation_assign(conversation=conversation, by=associate, to=operator)  # operators serve too
    conversation.refresh_from_db()
    assert conversation.owner == operator


def test_the_queue_shows_owners_and_filters_mine_and_unassigned(shop, login, associate, colleague):
    mine, hers, nobodys = (services.mail_receive(compose(sender=f"c{n}@x.example", subject=subject,
                                                                 body="Hello, I have a question."), source="t")[0]
                           .conversation for n, subject in enumerate(["Mine one", "Hers one", "Nobodys one"]))
    services.conversation_take(conversation=mine, by=associate)
    services.conversation_assign(conversation=hers, by=associate, to=colleague)
    client = login(associate)

    everyone = client.get("/service/conversations/").content.decode()
    assert all(subject in everyone for subject in ("Mine one", "Hers one", "Nobodys one"))
    assert "Yours" in everyone and "Ana has it" in everyone and "Nobody has it yet" in everyone

    only_mine = client.get("/service/conversations/", {"view": "mine"}).content.decode()
    assert "Mine one" in only_mine and "Hers one" not in only_mine and "Nobodys one" not in only_mine
    unassigned = client.get("/service/conversations/", {"view": "unassigned"}).content.decode()
    assert "Nobodys one" in unassigned and "Mine one" not in unassigned and "Hers one" not in unassigned
    # Ana's "mine" is hers; the counts beside the views are the reader's.
    assert "Hers one" in login(colleague).get("/service/conversations/", {"view": "mine"}).content.decode()
    counts = client.get("/service/conversations/").context["views"]
    assert [count for _, _, count in counts] == [3, 1, 1]
    # A queue that is not this one is not shown, whatever the view.
    services.conversation_escalate(conversation=nobodys, by=associate, queue="payments", reason="Charged twice")
    assert "Nobodys one" not in client.get("/service/conversations/", {"view": "unassigned"}).content.decode()
    assert "Nobodys one" in client.get("/service/conversations/", {"view": "unassigned",
                                                                   "queue": "payments"}).content.decode()


def test_the_queue_list_alone_is_what_the_page_refreshes(conversation, login, associate, colleague):
    client = login(associate)
    live = client.get("/service/conversations/live/").content.decode()
    assert "Where is my kettle?" in live and "Nobody has it yet" in live and "<html" not in live
    services.conversation_take(conversation=conversation, by=colleague)
    assert "Ana has it" in client.get("/service/conversations/live/").content.decode()
    assert login(colleague).get("/service/conversations/live/", {"view": "mine"}).status_code == 200


# --- a colleague's reply while writing -------------------------------------------------------------------------


def _last_message_id(conversation) -> int:
    return conversation.messages.order_by("-pk").values_list("pk", flat=True).first()


def test_a_reply_after_a_colleagues_reply_asks_first_and_sends_on_confirmation(conversation, login, associate,
                                                                               colleague, commit, mailoutbox):
    seen = _last_message_id(conversation)
    commit(lambda: services.reply_send(conversation=conversation, by=colleague, body="It is on its way.",
                                       request_key="ana", seen=seen))
    client = login(associate)
    data = {"body": "Sorry, it is lost: sending another.", "request_key": "sam", "seen": seen}

    asked = commit(lambda: post(client, conversation, "reply", data))

    assert asked.status_code == 409
    page = asked.content.decode()
    answered = conversation.messages.get(direction=Direction.OUT)
    at = timezone.localtime(answered.created_at).strftime("%H:%M")
    assert f"Ana replied at {at} — send anyway?" in page
    assert "Sorry, it is lost: sending another." in page  # the reply is kept in the box
    assert 'name="anyway"' in page and f'name="seen" value="{seen}"' in page
    assert len(mailoutbox) == 1 and conversation.messages.filter(direction=Direction.OUT).count() == 1

    sent = commit(lambda: post(client, conversation, "reply", data | {"anyway": "1"}))
    assert sent.status_code == 302
    assert len(mailoutbox) == 2 and "Sorry, it is lost" in mailoutbox[1].body


def test_no_question_when_nobody_else_replied(conversation, associate, colleague, commit, mailoutbox):
    seen = _last_message_id(conversation)
    # A note from a colleague, a new mail from the customer, or one's own earlier reply is no reason to ask.
    services.internal_note_add(conversation=conversation, by=colleague, text="Carrier says Tuesday")
    commit(lambda: services.reply_send(conversation=conversation, by=associate, body="First.", request_key="1",
                                       seen=seen))
    services.mail_receive(compose(sender="noah@example.com", in_reply_to=conversation.messages.get(
        direction=Direction.OUT).message_id, body="Thanks"), source="t")
    commit(lambda: services.reply_send(conversation=conversation, by=associate, body="Second.", request_key="2",
                                       seen=seen))
    assert len(mailoutbox) == 2
    # A reply seen on the page is no reason either.
    commit(lambda: services.reply_send(conversation=conversation, by=colleague, body="Third.", request_key="3",
                                       seen=_last_message_id(conversation)))
    assert len(mailoutbox) == 3


def test_the_question_is_the_servers_whatever_the_page(conversation, associate, colleague, commit):
    """The service refuses by itself, so a page without JavaScript (or the API, later) is asked the same."""
    seen = _last_message_id(conversation)
    commit(lambda: services.reply_send(conversation=conversation, by=colleague, body="Done.", request_key="a"))
    with pytest.raises(Refused) as refused:
        services.reply_send(conversation=conversation, by=associate, body="Also done.", request_key="b", seen=seen)
    assert refused.value.code == "replied_meanwhile" and refused.value.when is not None
    assert OutboundEmail.objects.count() == 1
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.WAITING


# --- who else is viewing ---------------------------------------------------------------------------------------


def test_a_beat_shows_who_else_is_viewing_and_it_expires(conversation, login, associate, colleague):
    now = timezone.now()
    services.presence_beat(conversation=conversation, person=colleague, now=now)
    services.presence_beat(conversation=conversation, person=colleague, now=now)  # written over, not added
    assert Viewer.objects.count() == 1
    client = login(associate)
    url = f"/service/conversations/{conversation.pk}/"
    assert "Also viewing now: Ana" in client.get(url).content.decode()
    # The reader is not listed to themselves, and the page's own beat records them.
    live = client.post(f"{url}live/").content.decode()
    assert "Also viewing now: Ana" in live and "sam-associate" not in live
    assert Viewer.objects.filter(person=associate).exists()
    assert "Also viewing now: Ana" not in login(colleague).get(url).content.decode()

    Viewer.objects.filter(person=colleague).update(
        seen_at=now - timedelta(seconds=services.PRESENCE_SECONDS + 1))
    assert "Also viewing now" not in client.get(url).content.decode()
    assert services.presence_forget(now=now) == 0  # expired, but kept a while; forgotten later
    assert services.presence_forget(now=now + timedelta(hours=1)) == 2


def test_the_live_fragment_brings_what_was_added_since(conversation, login, associate, colleague, commit):
    client = login(associate)
    url = f"/service/conversations/{conversation.pk}/live/"
    seen = _last_message_id(conversation)
    quiet = client.post(f"{url}?m={seen}&a=0").content.decode()
    assert "It has not arrived." not in quiet and f"?m={seen}&amp;a=0" in quiet
    commit(lambda: services.reply_send(conversation=conversation, by=colleague, body="On its way.", request_key="x"))
    services.conversation_take(conversation=conversation, by=colleague)
    live = client.post(f"{url}?m={seen}&a=0").content.decode()
    assert "On its way." in live and "Ana replied at" in live and "Taken" in live
    assert 'id="owner-name" hx-swap-oob="true">Ana<' in live
    assert f"?m={seen}&amp;a=0" not in live  # the next poll continues after what this one brought
    assert client.get(url).status_code == 405  # a beat is a POST (it writes), with the CSRF token


# --- round-robin --------------------------------------------------------------------------------------------


def test_round_robin_gives_new_conversations_to_whoever_on_shift_has_fewest(shop, associate, colleague, operator,
                                                                           settings):
    settings.ADVOCATE_ROUND_ROBIN = True
    today = timezone.localdate()
    for person in (associate, colleague):
        DutyShift.objects.create(person=person, day=today, created_at=timezone.now())
    DutyShift.objects.create(person=operator, day=today + timedelta(days=1), created_at=timezone.now())
    owners = []
    for n in range(4):
        inbound, _ = services.mail_receive(compose(sender=f"r{n}@x.example", subject=f"Q{n}"), source="t")
        owners.append(inbound.conversation.owner)
        if n == 0:  # Ana resolves hers: it no longer counts
            services.conversation_resolve(conversation=inbound.conversation, by=colleague)
    # Ana first (by name), then Ana again (hers was resolved), then the two take turns.
    assert [o.username for o in owners] == ["ana-associate", "ana-associate", "sam-associate", "ana-associate"]
    assert Conversation.objects.filter(owner=operator).count() == 0  # not on shift today
    assert ActionKind.ASSIGN in Conversation.objects.get(subject="Q1").actions.values_list("kind", flat=True)


def test_without_round_robin_or_anyone_on_shift_new_conversations_wait_for_anyone(shop, associate, settings):
    services.mail_receive(compose(sender="a@x.example", subject="Off"), source="t")
    settings.ADVOCATE_ROUND_ROBIN = True
    services.mail_receive(compose(sender="b@x.example", subject="Nobody on shift"), source="t")
    assert not Conversation.objects.filter(owner__isnull=False).exists()
