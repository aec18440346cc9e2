"""Routine questions are answered at once, in the customer's language, with live facts — and a person is never
kept from someone who needs one. Mail goes through the real intake; the answer is sent after the intake's
transaction commits, as in production (the `commit` fixture)."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from advocate.cases import services as cases
from advocate.cases.mail.compose import compose
from advocate.cases.models import Conversation, ConversationState, Direction, Queue
from advocate.cases.selectors import queue_page
from advocate.claims.models import ProblemReport, Refund
from advocate.commerce.models import Membership, Order
from advocate.conftest import ALICE
from advocate.notifications.models import OutboundEmail
from advocate.triage import services
from advocate.triage.models import AnswerAction, AnswerPolicy, AutomaticAnswer, NeedsPerson, Reading

pytestmark = pytest.mark.django_db

CANCEL = "Please cancel my order A-1, I don't need it anymore."
WHERE = "Hi, can you tell me where my order A-1 is? I would like to know when it will be delivered."
REFUND = "Where is my refund for order A-1? You said you would refund me."


@pytest.fixture
def mail(commit):
    def receive(body: str, subject: str = "My order", sender: str = ALICE["email"], **headers) -> Conversation:
        raw = compose(sender=sender, subject=subject, body=body, **headers)
        return commit(lambda: cases.mail_receive(raw, source="test"))[0].conversation

    return receive


def answer_of(conversation: Conversation) -> OutboundEmail:
    message = conversation.messages.get(direction=Direction.OUT)
    assert message.automatic == "answer"
    return message.email


def said(language: str, text: str) -> str:
    """A sentence as the answer says it in that language (and a check that it is translated at all)."""
    with translation.override(language):
        sentence = _(text)
    assert language == "en" or sentence != text, f"not translated into {language}: {text}"
    return sentence


def test_cancel_is_carried_out_and_the_answer_says_so_and_how_to_reach_a_person(shop, mail):
    shop.send(shop.order_placed("A-1"), shop.payment_captured("A-1", "64.00"))
    conversation = mail(CANCEL)

    order = Order.objects.get(external_id="A-1")
    assert order.cancelled_at is not None
    assert Refund.objects.get(order=order).amount == 64
    answer = AutomaticAnswer.objects.get(conversation=conversation)
    assert answer.action == AnswerAction.CANCELLED and answer.report.problem == "cancel"
    email = answer_of(conversation)
    assert email.to == ALICE["email"]
    assert "We have cancelled it for you, as you asked." in email.body
    assert "Refund of £64.00 issued to your card." in email.body
    assert "This answer was written automatically" in email.body
    assert "Not what you needed? Just reply and a person will take it." in email.body
    # One email: the cancellation is told in the answer, not in a second "order cancelled" email as well.
    assert OutboundEmail.objects.count() == 1
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.WAITING


def test_an_order_that_has_shipped_is_not_cancelled_and_the_answer_says_why_and_what_to_do(shop, mail):
    shop.send(shop.order_placed("A-1"), shop.shipment_created("A-1", "S1"))
    conversation = mail(CANCEL)
    assert Order.objects.get(external_id="A-1").cancelled_at is None
    body = answer_of(conversation).body
    assert "It is already on its way, so it can no longer be cancelled." in body
    assert "Once it arrives, you can return it on your order page (the link below)." in body
    assert AutomaticAnswer.objects.get().action == AnswerAction.TOLD


def test_where_is_my_order_gives_the_status_the_tracking_and_when_it_can_be_reported(shop, mail):
    now = timezone.now()
    shop.send(shop.order_placed("A-1", placed_at=now - timedelta(days=3), promised_latest=now + timedelta(days=2)),
              shop.shipment_created("A-1", "S1", estimated_delivery=now + timedelta(days=1)))
    body = answer_of(mail(WHERE)).body
    assert "About your order A-1" in body
    assert "Arriving " in body
    assert "ParcelNet tracking number: PNS1" in body
    assert "If it has not arrived by" in body and "report it on your order page (the link below)" in body
    assert "next=%2Forders%2FA-1%2F" in body  # the order page's sign-in link
    assert not ProblemReport.objects.exists()


def test_a_parcel_long_overdue_is_reported_for_them_by_the_same_rules_as_the_order_page(shop, mail):
    now = timezone.now()
    shop.send(shop.order_placed("A-1", placed_at=now - timedelta(days=30), fulfilled_by="platform",
                                ship_by=now - timedelta(days=28), promised_latest=now - timedelta(days=20)),
              shop.payment_captured("A-1", "64.00"), shop.shipment_created("A-1", "S1"))
    conversation = mail("My order A-1 never arrived. The tracking says delivered but there is nothing here.")
    answer = AutomaticAnswer.objects.get(conversation=conversation)
    assert answer.action == AnswerAction.REPORTED
    report = answer.report
    assert report.problem == "not_received" and report.filed_by is None
    assert f"We have reported it for you as “Parcel not received” (request {report.reference})." in answer_of(
        conversation).body


def test_a_broken_item_gets_the_one_click_link_to_the_right_form(shop, mail):
    now = timezone.now()
    shop.send(shop.order_placed("A-1", placed_at=now - timedelta(days=6)), shop.shipment_created("A-1", "S1"),
              shop.shipment_delivered("S1", at=now - timedelta(days=1)))
    conversation = mail("The kettle from order A-1 arrived broken, the glass is cracked.")
    body = answer_of(conversation).body
    assert "Tell us which item and what happened on this page" in body
    assert "next=%2Forders%2FA-1%2Fproblem%2Fdamaged%2F" in body  # signs her straight into the form
    # What associates read in the conversation has the plain link: nobody there can sign in as her.
    kept = conversation.messages.get(direction=Direction.OUT)
    assert "/orders/A-1/problem/damaged/" in kept.body and "accounts/link" not in kept.body + kept.full_text
    assert AutomaticAnswer.objects.get().action == AnswerAction.LINKED
    assert not ProblemReport.objects.exists()


def test_where_is_my_refund_gives_amount_method_and_day(shop, mail, commit):
    shop.send(shop.order_placed("A-1"), shop.payment_captured("A-1", "64.00"))
    first = mail(CANCEL)  # cancelled and refunded by the first answer
    conversation = mail(REFUND, subject="Refund?")
    assert conversation != first
    body = answer_of(conversation).body
    assert "Refund of £64.00 issued to your card." in body
    assert "banks usually show it within 3 to 5 working days" in body


def test_membership_questions_are_answered_from_the_customers_facts(shop, mail):
    shop.send(shop.order_placed("A-1"))
    customer = Order.objects.get().customer
    Membership.objects.create(customer=customer, plan="Prime Yearly", started_at=timezone.now() - timedelta(days=40))
    body = answer_of(mail("What does my membership include and when does it renew?", subject="Membership")).body
    assert "Your membership (Prime Yearly) is active" in body


@pytest.mark.parametrize("language, body", [
    ("ar", "أريد إلغاء الطلب A-1 من فضلكم."),  # Arabic
    ("ru", "Здравствуйте, пожалуйста, отмените мой заказ A-1, он мне больше не нужен."),  # Cyrillic
    ("ja", "注文をキャンセルしたいのですが、どうすればいいですか。注文番号はA-1です。"),  # CJK
    ("zh-hans", "我想取消订单A-1，请帮我取消。"),  # CJK
    ("de", "Bitte stornieren Sie meine Bestellung A-1, ich brauche sie nicht mehr."),  # Latin
])
def test_the_answer_is_in_the_language_the_customer_wrote_in(shop, mail, language, body):
    shop.send(shop.order_placed("A-1"), shop.payment_captured("A-1", "64.00"))
    conversation = mail(body)
    email = answer_of(conversation)
    assert email.language == language
    assert said(language, "We have cancelled it for you, as you asked.") in email.body
    assert said(language, "Not what you needed? Just reply and a person will take it.") in email.body
    conversation.refresh_from_db()
    assert conversation.language == language  # and a person's later replies follow


@pytest.mark.parametrize("body, why", [
    ("You useless idiots, cancel my order A-1 right now or I will find you.", NeedsPerson.ABUSIVE),
    ("I want to speak to a real person about my order A-1, not a robot.", NeedsPerson.ASKS),
    ("Hello, I have a question.", NeedsPerson.UNSURE),
])
def test_no_automatic_answer_to_abuse_a_wish_for_a_person_or_what_we_are_unsure_of(shop, mail, body, why):
    shop.send(shop.order_placed("A-1"))
    conversation = mail(body)
    reading = Reading.objects.get(conversation=conversation)
    assert reading.needs_person in (why, NeedsPerson.JUDGEMENT) and not reading.would_auto_answer
    assert not conversation.messages.filter(direction=Direction.OUT).exists()
    assert not OutboundEmail.objects.exists()
    assert Order.objects.get().cancelled_at is None
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.OPEN


def test_a_stranger_gets_no_automatic_answer(shop, mail):
    shop.send(shop.order_placed("A-1"))
    conversation = mail(CANCEL, sender="someone@elsewhere.example")
    assert Reading.objects.get(conversation=conversation).needs_person == NeedsPerson.NO_ORDER
    assert not OutboundEmail.objects.exists()


def test_a_reply_to_the_automatic_answer_goes_to_a_person_first_in_line_and_is_not_answered_again(shop, mail):
    shop.send(shop.order_placed("A-1"))
    conversation = mail(WHERE)
    email = answer_of(conversation)
    first_wrote = conversation.messages.get(direction=Direction.IN).created_at
    later = mail("Hello, another question from someone else.", sender="later@elsewhere.example")
    assert conversation.queue == Queue.DELIVERY
    Conversation.objects.filter(pk=later.pk).update(queue=Queue.DELIVERY)

    again = mail("That does not help, the tracking has not moved for a week. Where is my order A-1?",
                 subject=f"Re: {email.subject}", in_reply_to=email.message_id.strip("<>"))
    assert again == conversation
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.OPEN
    assert conversation.waiting_since == first_wrote
    order = [c.pk for c in queue_page(Queue.DELIVERY)["conversations"]]
    assert order.index(conversation.pk) < order.index(later.pk)  # ahead of everyone who wrote since
    assert conversation.messages.filter(direction=Direction.OUT).count() == 1  # no second automatic answer
    answered = AutomaticAnswer.objects.get(conversation=conversation)
    assert answered.customer_replied_at is not None
    assert Reading.objects.filter(conversation=conversation).order_by("pk").last().needs_person == (
        NeedsPerson.CONVERSATION)


def test_switching_a_reason_off_or_raising_its_threshold_leaves_it_to_a_person(shop, mail, operator):
    shop.send(shop.order_placed("A-1"), shop.order_placed("A-2"))
    AnswerPolicy.objects.create(reason="cancel_order", automatic=False, updated_by=operator)
    AnswerPolicy.objects.create(reason="order_status", threshold=0.99, updated_by=operator)
    cancel, where = mail(CANCEL), mail(WHERE.replace("A-1", "A-2"))
    assert Reading.objects.get(conversation=cancel).needs_person == NeedsPerson.SWITCHED_OFF
    assert Reading.objects.get(conversation=where).needs_person == NeedsPerson.UNSURE
    assert not OutboundEmail.objects.exists()
    assert Order.objects.get(external_id="A-1").cancelled_at is None


def test_no_automatic_answer_once_a_person_has_taken_the_conversation(shop, associate):
    shop.send(shop.order_placed("A-1"))
    raw = compose(sender=ALICE["email"], subject="Cancel", body=CANCEL)
    conversation = cases.mail_receive(raw, source="test")[0].conversation  # not committed: the task waits
    cases.conversation_take(conversation=conversation, by=associate)
    reading = Reading.objects.get(conversation=conversation)
    assert services.answer_reading(reading.pk) is False
    assert Order.objects.get().cancelled_at is None


def test_no_automatic_answer_to_what_was_handed_to_a_team_on_arrival(shop):
    # A reply to a statement of reasons is an appeal: the intake hands it to trust and safety with a note.
    shop.send(shop.order_placed("A-1"))
    raw = compose(sender=ALICE["email"], subject="Cancel", body=CANCEL)
    conversation = cases.mail_receive(raw, source="test")[0].conversation  # not committed: the task waits
    Conversation.objects.filter(pk=conversation.pk).update(queue=Queue.TRUST, escalation_reason="Appeal filed")
    assert services.answer_reading(Reading.objects.get(conversation=conversation).pk) is False
    assert Order.objects.get().cancelled_at is None


def test_an_answer_missed_by_a_dead_worker_is_given_by_the_clock_once(shop):
    shop.send(shop.order_placed("A-1"), shop.payment_captured("A-1", "64.00"))
    raw = compose(sender=ALICE["email"], subject="Cancel", body=CANCEL)
    cases.mail_receive(raw, source="test")  # never committed in this test: the task never ran
    assert services.answers_overdue() == 1
    assert services.answers_overdue() == 0  # again: nothing doubled
    assert Refund.objects.count() == 1 and AutomaticAnswer.objects.count() == 1
    assert services.answers_overdue(now=timezone.now() + timedelta(hours=2)) == 0
