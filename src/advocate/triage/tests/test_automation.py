"""Operators see what automatic answers settle with no person, and set which reasons are answered and how sure
triage must be — or try other settings on the last 30 days first, which saves nothing. Mail goes through the
real intake and the answers are sent after its transaction commits, as in production (the `commit` fixture);
time is moved by dating the readings and answers back."""

from datetime import timedelta

import pytest
from django.utils import timezone

from advocate.cases import services as cases
from advocate.cases.mail.compose import compose
from advocate.cases.models import Conversation, Message
from advocate.conftest import ALICE, BOB
from advocate.triage import automation, services
from advocate.triage.models import AnswerPolicy, AutomaticAnswer, Correction, Reading

pytestmark = pytest.mark.django_db

PAGE = "/operations/automation/"
CANCEL = "Please cancel my order A-1, I don't need it anymore."  # cancel_order, 0.85
REFUND = "Where is my refund for order A-2? You said you would refund me."  # refund_status, 0.87
WHERE = "Hi, can you tell me where my order A-3 is? I would like to know when it will be delivered."
PERSON = "I want to talk to a real person about order A-2, it is still not sorted."  # asks for a person


@pytest.fixture
def mail(commit):
    def receive(body: str, sender: str = ALICE["email"], subject: str = "My order") -> Conversation:
        raw = compose(sender=sender, subject=subject, body=body)
        return commit(lambda: cases.mail_receive(raw, source="test"))[0].conversation

    return receive


def back(conversation: Conversation, days: float) -> None:
    """As if the conversation's messages had been read, and answered, `days` days ago."""
    moment = timezone.now() - timedelta(days=days)
    Reading.objects.filter(conversation=conversation).update(created_at=moment)
    AutomaticAnswer.objects.filter(conversation=conversation).update(created_at=moment + timedelta(minutes=1))


@pytest.fixture
def three_answers(shop, mail):
    """Alice's cancellation, answered 10 days ago, and nothing since; Bob's refund question, answered 10 days ago,
    after which Bob wrote again about the same order (asking for a person) 9 days ago; Alice's question about
    another order, answered today."""
    now = timezone.now()
    shop.send(shop.order_placed("A-1"), shop.payment_captured("A-1"),
              shop.order_placed("A-2", customer=BOB, placed_at=now - timedelta(days=20)),
              shop.order_placed("A-3", placed_at=now - timedelta(days=2)))
    settled = mail(CANCEL)
    back(settled, 10)
    came_back = mail(REFUND, sender=BOB["email"], subject="Refund")
    back(came_back, 10)
    again = mail(PERSON, sender=BOB["email"], subject="Still waiting")
    back(again, 9)
    young = mail(WHERE, subject="Where is it?")
    assert AutomaticAnswer.objects.count() == 3, list(Reading.objects.values("reason", "confidence", "needs_person"))
    assert not AutomaticAnswer.objects.filter(conversation=again).exists()
    return {"settled": settled, "came_back": came_back, "again": again, "young": young}


def test_only_operators_may_open_the_page_or_change_the_settings(login, associate, operator, client):
    assert client.get(PAGE).status_code == 302  # not signed in: to sign in
    refused = login(associate)
    assert refused.get(PAGE).status_code == 403
    form = {"reason": ["cancel_order"], "threshold_cancel_order": "0.9", "action": "save"}
    assert refused.post(PAGE, form).status_code == 403
    assert not AnswerPolicy.objects.exists()
    page = login(operator).get(PAGE)
    assert page.status_code == 200 and "Resolved with no person" in page.content.decode()


def test_an_answer_with_no_contact_for_7_days_is_resolved_one_followed_by_contact_is_not_a_young_one_waits(
        three_answers, login, operator):
    figures = automation.overview(days=30, now=timezone.now())
    total = figures["total"]
    # Four conversations came in; the one answered today cannot be judged yet and is left out of the share.
    assert (total.conversations, total.answered, total.waiting) == (4, 3, 1)
    assert (total.resolved, total.counted) == (1, 3)
    assert round(total.share) == 33
    by_reason = {line.key: line for line in figures["breakdowns"][0]["lines"]}
    assert (by_reason["cancel_order"].resolved, by_reason["cancel_order"].share) == (1, 100)
    assert (by_reason["refund_status"].answered, by_reason["refund_status"].resolved) == (1, 0)
    assert by_reason["refund_status"].share == 0
    assert (by_reason["order_status"].waiting, by_reason["order_status"].share) == (1, None)
    assert {line.key: line.conversations for line in figures["breakdowns"][1]["lines"]} == {"en": 4}

    # The week shows only what came in this week: the young answer, not counted yet.
    week = automation.overview(days=7, now=timezone.now())["total"]
    assert (week.conversations, week.waiting, week.share) == (1, 1, None)

    # Bob's second message came 8 days after the answer instead: outside the 7 days, so his answer settled it.
    Reading.objects.filter(conversation=three_answers["again"]).update(
        created_at=timezone.now() - timedelta(days=10) + timedelta(days=8))
    assert automation.overview(days=30, now=timezone.now())["total"].resolved == 2

    page = login(operator).get(PAGE + "?days=30").content.decode()
    assert "Still within 7 days" in page and "Reason as read" in page


def test_a_reply_to_the_answer_within_7_days_means_it_did_not_resolve_it(shop, mail, commit):
    shop.send(shop.order_placed("A-1"), shop.payment_captured("A-1"))
    conversation = mail(CANCEL)
    answer = AutomaticAnswer.objects.get(conversation=conversation)
    commit(lambda: cases.mail_receive(compose(sender=ALICE["email"], subject="Re: My order", body="That is not "
                                              "what I asked.", in_reply_to=answer.message.message_id),
                                      source="test"))
    answer.refresh_from_db()
    assert answer.customer_replied_at is not None
    assert Reading.objects.filter(conversation=conversation).count() == 2
    back(conversation, 10)
    AutomaticAnswer.objects.filter(pk=answer.pk).update(customer_replied_at=timezone.now() - timedelta(days=9))
    total = automation.overview(days=30, now=timezone.now())["total"]
    assert (total.conversations, total.answered, total.waiting, total.resolved) == (1, 1, 0, 0)


def test_a_problem_report_on_the_order_that_went_to_a_person_means_it_was_not_resolved(shop, mail):
    from advocate.claims.models import ProblemReport
    from advocate.claims.services import report_file
    from advocate.commerce.models import Order

    shop.send(shop.order_placed("A-1"), shop.payment_captured("A-1"))
    conversation = mail("Hi, can you tell me where my order A-1 is? I would like to know when it will be "
                        "delivered.")
    assert AutomaticAnswer.objects.get(conversation=conversation).report is None  # it only told them
    back(conversation, 10)
    assert automation.overview(days=30, now=timezone.now())["total"].resolved == 1
    order = Order.objects.get(external_id="A-1")
    report = report_file(order=order, customer=order.customer, problem="cancel", request_key="k1", notify=False)
    ProblemReport.objects.filter(pk=report.pk).update(created_at=timezone.now() - timedelta(days=9))
    assert automation.overview(days=30, now=timezone.now())["total"].resolved == 1  # settled without a person
    ProblemReport.objects.filter(pk=report.pk).update(went_to_person=True)
    assert automation.overview(days=30, now=timezone.now())["total"].resolved == 0


def test_the_report_the_answer_filed_itself_does_not_count_against_it(three_answers):
    answer = AutomaticAnswer.objects.get(conversation=three_answers["settled"])
    assert answer.report is not None
    type(answer.report).objects.filter(pk=answer.report_id).update(
        went_to_person=True, created_at=answer.created_at + timedelta(days=1))
    assert automation.overview(days=30, now=timezone.now())["total"].resolved == 1


def test_the_page_asks_the_database_a_bounded_number_of_questions(three_answers, login, operator,
                                                                 django_assert_max_num_queries):
    client = login(operator)
    with django_assert_max_num_queries(15):
        assert client.get(PAGE + "?days=90").status_code == 200
    with django_assert_max_num_queries(15):
        assert client.post(PAGE, {"reason": ["cancel_order"], "action": "try"}).status_code == 200


def test_the_share_of_answers_a_person_corrected(three_answers, associate, login, operator):
    settled = Reading.objects.get(conversation=three_answers["settled"])
    young = Reading.objects.get(conversation=three_answers["young"])
    services.reading_correct(settled, by=associate, changes={"reason": "other"})
    services.reading_correct(young, by=associate, changes={"language": "fr"})  # not the reason: still right
    total = automation.overview(days=30, now=timezone.now())["total"]
    assert (total.corrected, total.answered) == (1, 3)
    assert round(total.corrected_share) == 33
    # Corrected back to what triage read: not wrong after all.
    services.reading_correct(settled, by=associate, changes={"reason": "cancel_order"},
                             moment=timezone.now() + timedelta(minutes=1))
    assert Correction.objects.filter(reading=settled).count() == 2
    assert automation.overview(days=30, now=timezone.now())["total"].corrected == 0
    assert login(operator).get(PAGE).status_code == 200


def test_an_operator_switches_a_reason_off_and_sets_a_threshold_and_a_bad_one_is_refused(login, operator):
    client = login(operator)
    page = client.get(PAGE).content.decode()
    tuned = services.current_model().thresholds["cancel_order"]
    assert f'placeholder="{tuned:.2f}"' in page and 'name="automatic_cancel_order" value="on" checked' in page

    form = {"reason": ["cancel_order", "refund_status", "order_status"], "action": "save",
            "automatic_refund_status": "on", "threshold_refund_status": "0.8",
            "automatic_order_status": "on", "threshold_order_status": ""}  # cancel_order: the box left empty
    response = client.post(PAGE + "?days=7", form)
    assert response.status_code == 302 and response["Location"] == PAGE + "?days=7"
    rows = {row.reason: row for row in AnswerPolicy.objects.all()}
    assert set(rows) == {"cancel_order", "refund_status"}  # order_status kept its defaults: nothing to write
    assert (rows["cancel_order"].automatic, rows["cancel_order"].threshold) == (False, None)
    assert (rows["refund_status"].automatic, rows["refund_status"].threshold) == (True, 0.8)
    assert {row.updated_by for row in rows.values()} == {operator}
    assert not services.policies()["cancel_order"].automatic
    assert services.policies()["refund_status"].threshold == 0.8
    page = client.get(PAGE).content.decode()
    assert 'name="automatic_cancel_order" value="on">' in page and 'value="0.8"' in page

    bad = {"reason": ["refund_status", "membership"], "action": "save", "automatic_refund_status": "on",
           "threshold_refund_status": "1.5", "automatic_membership": "on", "threshold_membership": "sure"}
    refused = client.post(PAGE, bad)
    assert refused.status_code == 422
    page = refused.content.decode()
    assert "The threshold for “Refund status” must be a number from 0 to 1" in page
    assert "The threshold for “Membership” must be a number from 0 to 1" in page
    assert 'value="1.5"' in page and 'value="sure"' in page  # what was typed stays
    assert AnswerPolicy.objects.get(reason="refund_status").threshold == 0.8
    assert not AnswerPolicy.objects.filter(reason="membership").exists()

    # Back to the model's own: blank, and comma decimals are read as well.
    client.post(PAGE, {"reason": ["refund_status", "cancel_order"], "action": "save",
                       "automatic_refund_status": "on", "threshold_refund_status": "",
                       "automatic_cancel_order": "on", "threshold_cancel_order": "0,9"})
    assert AnswerPolicy.objects.get(reason="refund_status").threshold is None
    assert (AnswerPolicy.objects.get(reason="cancel_order").automatic,
            AnswerPolicy.objects.get(reason="cancel_order").threshold) == (True, 0.9)


def test_the_service_refuses_a_bad_threshold_whatever_the_door(operator):
    from advocate.core.errors import Invalid

    with pytest.raises(Invalid) as refused:
        automation.policies_save(by=operator, choices={"cancel_order": {"automatic": True, "threshold": 2}})
    assert refused.value.field == "threshold_cancel_order" and "Cancel an order" in str(refused.value)
    with pytest.raises(Invalid):
        automation.policies_save(by=operator, choices={"feedback": {"automatic": True, "threshold": None}})
    assert not AnswerPolicy.objects.exists()


def test_trying_settings_on_the_last_30_days_saves_nothing_and_counts_what_they_would_answer(
        three_answers, login, operator, associate):
    services.reading_correct(Reading.objects.get(conversation=three_answers["young"]), by=associate,
                             changes={"reason": "delivery_late"})
    messages = Message.objects.count()
    form = {"reason": ["cancel_order", "order_status", "refund_status"], "action": "try",
            "threshold_cancel_order": "",  # switched off
            "automatic_order_status": "on", "threshold_order_status": "0.99",  # too sure for the one we have
            "automatic_refund_status": "on", "threshold_refund_status": "0.5"}
    response = login(operator).post(PAGE, form)
    assert response.status_code == 200
    assert not AnswerPolicy.objects.exists()
    assert Message.objects.count() == messages and AutomaticAnswer.objects.count() == 3

    tried = {line.key: line for line in response.context["tried"]["lines"]}
    assert (tried["cancel_order"].now, tried["cancel_order"].proposed) == (1, 0)
    assert (tried["order_status"].now, tried["order_status"].proposed) == (1, 0)
    assert (tried["order_status"].now_wrong, tried["order_status"].proposed_wrong) == (1, 0)
    assert (tried["refund_status"].now, tried["refund_status"].proposed) == (1, 1)
    total = response.context["tried"]["total"]
    assert (total.now, total.proposed, total.now_wrong) == (3, 1, 1)  # Bob's plea for a person: never
    page = response.content.decode()
    assert "Nothing has been saved" in page
    assert 'value="0.99"' in page and 'name="automatic_cancel_order" value="on">' in page  # as typed

    # A bad threshold is refused here too, and nothing is tried.
    refused = login(operator).post(PAGE, {**form, "threshold_refund_status": "-1"})
    assert refused.status_code == 422 and refused.context["tried"] is None
    assert not AnswerPolicy.objects.exists()
