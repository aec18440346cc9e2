"""The answer library, the customer's "Did we solve your problem?", and what managers see (and do not)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from advocate.cases import selectors, services
from advocate.cases.mail.compose import compose
from advocate.cases.models import Answer, ConversationState, Survey
from advocate.conftest import ALICE, BOB

pytestmark = pytest.mark.django_db


def write_in(sender=ALICE["email"], subject="A-1: where is it?"):
    return services.mail_receive(compose(sender=sender, subject=subject), source="t")[0].conversation


@pytest.fixture
def library(associate):
    now = timezone.now()
    rows = [("where-is-my-order", "en", "Where is my order", "Hello {name}, order {order} left our warehouse."),
            ("where-is-my-order", "de", "Wo ist meine Bestellung", "Hallo {name}, Bestellung {order} ist unterwegs."),
            ("where-is-my-order", "zh-hans", "我的订单在哪里", "{name}您好，订单{order}已经发货。"),
            ("refund-timing", "en", "When the refund arrives", "Refunds reach your card in 3–5 working days.")]
    return [Answer.objects.create(family=f, language=lang, title=t, body=b, updated_at=now, updated_by=associate)
            for f, lang, t, b in rows]


def test_answers_are_found_by_words_in_any_language_the_readers_first(library):
    assert [a.language for a in selectors.answers_search("order", language="de")][:1] == ["de"]
    assert [a.title for a in selectors.answers_search("refund card")] == ["When the refund arrives"]
    assert [a.language for a in selectors.answers_search("订单")] == ["zh-hans"]  # no spaces between words
    assert selectors.answers_search("nothing like this") == []


def test_an_answer_is_inserted_filled_in_and_then_edited_freely(shop, library, login, associate, commit, mailoutbox):
    shop.send(shop.order_placed("A-1"))
    conversation = write_in()
    client = login(associate)
    page = client.get(f"/service/conversations/{conversation.pk}/", {"use": library[0].pk}).content.decode()
    assert "Hello Alice, order A-1 left our warehouse." in page
    edited = "Hello Alice, order A-1 left our warehouse yesterday — it arrives Friday."
    data = {"body": edited, "request_key": "k", "answer_id": library[0].pk, "reason": "order_status"}
    commit(lambda: client.post(f"/service/conversations/{conversation.pk}/reply/", data))
    assert mailoutbox[0].body.startswith(edited)
    library[0].refresh_from_db()
    assert library[0].uses == 1
    conversation.refresh_from_db()
    assert conversation.reason == "order_status"


def test_associates_write_and_improve_answers(login, associate, library):
    client = login(associate)
    client.post("/service/answers/new/", {"title": "Missing parcel", "body": "Sorry {name}…", "language": "fr",
                                          "family": "missing-parcel", "reason": "not_received"})
    assert Answer.objects.get(family="missing-parcel").updated_by == associate
    client.post(f"/service/answers/{library[3].pk}/", {"title": "Refund timing", "body": "3–5 days.", "language": "en",
                                                       "family": "refund-timing", "reason": ""})
    library[3].refresh_from_db()
    assert library[3].title == "Refund timing"
    # The same family and language twice is refused with a message, not an error page.
    response = client.post("/service/answers/new/", {"title": "x", "body": "y", "language": "en",
                                                     "family": "refund-timing", "reason": ""})
    assert response.status_code == 200 and Answer.objects.filter(family="refund-timing").count() == 1


def test_resolving_asks_the_customer_and_their_answer_is_counted(shop, login, associate, operator, commit,
                                                                 mailoutbox, client):
    shop.send(shop.order_placed("A-1"))
    conversation = write_in()
    commit(lambda: services.conversation_resolve(conversation=conversation, by=associate, reason="order_status"))
    survey = Survey.objects.get(conversation=conversation)
    assert f"/feedback/{survey.token}/?solved=yes" in mailoutbox[0].body
    assert mailoutbox[0].extra_headers["Auto-Submitted"] == "auto-generated"

    page = client.get(f"/feedback/{survey.token}/?solved=no").content.decode()
    assert 'value="no" required id="id_solved_1" checked' in page  # the link's answer is chosen already
    client.post(f"/feedback/{survey.token}/", {"solved": "no", "effort": "4", "comment": "Still waiting"})
    survey.refresh_from_db()
    assert (survey.solved, survey.effort, survey.comment) == (False, 4, "Still waiting")
    assert client.get("/feedback/not-a-token/").status_code == 404

    # She writes again within a week: a repeat contact.
    write_in(subject="Still no parcel")
    page = login(operator).get("/operations/service/").content.decode()
    assert "Still waiting" in page and "Where is my order" in page
    measures = selectors.service_measures(since=timezone.now() - timedelta(days=1), now=timezone.now())
    assert measures["resolved"] == 1 and measures["repeats"] == 1
    assert measures["solved_share"] == 0 and measures["surveys"]["effort"] == 4


def test_a_closed_survey_takes_no_answer(shop, associate, commit, client):
    conversation = write_in(sender=BOB["email"])
    commit(lambda: services.conversation_resolve(conversation=conversation, by=associate))
    Survey.objects.update(sent_at=timezone.now() - timedelta(days=31))
    survey = Survey.objects.get()
    client.post(f"/feedback/{survey.token}/", {"solved": "yes"})
    survey.refresh_from_db()
    assert survey.answered_at is None


def test_no_handling_time_or_contacts_per_hour_anywhere(login, operator, associate):
    """Principle: people who help customers are never rushed; nothing on any page times them."""
    write_in()
    for user, url in ((operator, "/operations/service/"), (associate, "/service/conversations/")):
        page = login(user).get(url).content.decode().lower()
        for banned in ("handle time", "handling time", "per hour", "aht"):
            assert banned not in page


def test_only_operators_see_the_measures(login, associate, alice):
    for user in (associate, alice):
        assert login(user).get("/operations/service/").status_code == 403


def test_a_reply_that_resolves_carries_the_survey_question(shop, associate, commit, mailoutbox):
    conversation = write_in()
    commit(lambda: services.reply_send(conversation=conversation, by=associate, body="Done.", request_key="x",
                                       resolve=True))
    assert conversation.state == ConversationState.RESOLVED
    token = Survey.objects.get(conversation=conversation).token
    assert f"/feedback/{token}/?solved=no" in mailoutbox[0].body
    assert "Auto-Submitted" not in mailoutbox[0].extra_headers  # a person's reply, with a question at its foot
