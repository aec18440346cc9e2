"""Every inbound message is understood on arrival: its language, reason, whether it is abusive or asks for a
person, and the order it is about — kept as a reading, filled into the conversation where nobody has chosen,
and correctable by associates (corrections become training lines)."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from advocate.cases import services as cases
from advocate.cases.mail.compose import compose
from advocate.cases.models import Conversation, Queue
from advocate.conftest import ALICE
from advocate.triage import services
from advocate.triage.models import AnswerPolicy, Correction, OrderFoundBy, Reading

pytestmark = pytest.mark.django_db


def receive(body: str, subject: str = "Hello", sender: str = ALICE["email"]) -> Conversation:
    inbound, _ = cases.mail_receive(compose(sender=sender, subject=subject, body=body), source="test")
    return inbound.conversation


def test_a_mail_is_read_on_arrival_and_its_reading_kept(shop):
    shop.send(shop.order_placed("A-1"))
    conversation = receive("Hi, I ordered a week ago and I still have no idea when my order A-1 will arrive. "
                           "Can you tell me where it is?", subject="Where is my order?")
    reading = Reading.objects.get(conversation=conversation)
    assert reading.language == "en"
    assert reading.reason == "order_status"
    assert not reading.abusive and not reading.wants_person
    assert reading.order.external_id == "A-1" and reading.order_found_by == OrderFoundBy.CONVERSATION
    conversation.refresh_from_db()
    assert conversation.reason == "order_status"
    assert conversation.queue == Queue.DELIVERY


def test_the_order_is_found_by_tracking_number_product_or_the_open_one(shop):
    now = timezone.now()
    shop.send(shop.order_placed("A-1", placed_at=now - timedelta(days=20), lines=[
        {"sku": "KETTLE", "title": "Stainless steel kettle", "quantity": 1, "unit_price": "30.00"}]))
    shop.send(shop.order_placed("A-2", placed_at=now - timedelta(days=3)))
    shop.send(shop.shipment_created("A-1", "S1"), shop.shipment_delivered("S1"))
    shop.send(shop.order_placed("A-3", placed_at=now - timedelta(days=1)))
    shop.send(shop.shipment_created("A-3", "S3"))

    tracked = receive("Parcel PNS3 has not moved for days, what is going on?")
    named = receive("The stainless steel kettle I received leaks from the bottom.")
    vague = receive("Hello, could you tell me when my parcel will come?")

    assert (tracked.order.external_id, Reading.objects.get(conversation=tracked).order_found_by) == (
        "A-3", OrderFoundBy.TRACKING)
    assert (named.order.external_id, Reading.objects.get(conversation=named).order_found_by) == (
        "A-1", OrderFoundBy.PRODUCT)
    assert (vague.order.external_id, Reading.objects.get(conversation=vague).order_found_by) == (
        "A-3", OrderFoundBy.RECENT)


def test_a_stranger_has_no_order_found_for_them(shop):
    shop.send(shop.order_placed("A-1"))
    conversation = receive("Where is my order A-1?", sender="someone@elsewhere.example")
    assert conversation.order is None
    assert Reading.objects.get(conversation=conversation).order is None


@pytest.mark.parametrize("body, language", [
    ("Hola, hice un pedido hace dos semanas y todavía no ha llegado. ¿Pueden decirme qué pasa?", "es"),
    ("Bonjour, ma commande n'est toujours pas arrivée alors qu'elle devait être livrée lundi.", "fr"),
    ("Hallo, meine Bestellung ist immer noch nicht angekommen, obwohl sie am Montag kommen sollte.", "de"),
    ("Здравствуйте, мой заказ до сих пор не пришёл, хотя должен был прийти в понедельник.", "ru"),
    ("مرحبا، طلبي لم يصل بعد مع أنه كان من المفترض أن يصل يوم الاثنين.", "ar"),
    ("你好，我的订单到现在还没有到，本来应该星期一送到的。", "zh-hans"),
    ("こんにちは、注文した商品がまだ届いていません。月曜日に届く予定でした。", "ja"),
])
def test_the_language_is_read_from_the_text(shop, body, language):
    conversation = receive(body, sender="new@elsewhere.example")
    assert Reading.objects.get(conversation=conversation).language == language


def test_abuse_goes_to_trust_and_a_wish_for_a_person_is_kept(shop):
    abusive = receive("You are useless idiots and I know where your office is. Watch your back.")
    person = receive("My parcel is late again. I want to talk to a real person, not a robot.")
    abusive_reading = Reading.objects.get(conversation=abusive)
    assert abusive_reading.abusive and not abusive_reading.would_auto_answer
    abusive.refresh_from_db()
    assert abusive.queue == Queue.TRUST
    person_reading = Reading.objects.get(conversation=person)
    assert person_reading.wants_person and not person_reading.would_auto_answer


def test_frustration_is_not_abuse(shop):
    conversation = receive("This is ridiculous!!! Three weeks and STILL no parcel. Worst delivery ever.")
    assert not Reading.objects.get(conversation=conversation).abusive


def test_a_persons_choice_is_never_overwritten_and_a_message_is_read_once(shop, associate, commit):
    shop.send(shop.order_placed("A-1"))
    conversation = receive("Where is my order A-1?")
    Conversation.objects.filter(pk=conversation.pk).update(reason="feedback", queue=Queue.GENERAL)
    message = conversation.messages.get()
    cases.mail_receive(compose(sender=ALICE["email"], subject="Re: Hello", body="Still nothing. Cancel it please.",
                               in_reply_to=message.message_id), source="test")
    again = conversation.messages.latest("pk")
    conversation.refresh_from_db()
    assert (conversation.reason, conversation.queue) == ("feedback", Queue.GENERAL)
    assert Reading.objects.filter(conversation=conversation).count() == 2
    assert services.message_read(again) == Reading.objects.get(message=again)  # the same reading, not a new one
    assert Reading.objects.filter(conversation=conversation).count() == 2


def test_the_contact_form_is_read_too(shop):
    from advocate.commerce.models import Customer

    shop.send(shop.order_placed("A-1"))
    customer = Customer.objects.get(external_id=ALICE["id"])
    conversation = cases.contact_form_send(customer=customer, subject="Refund", body="I returned the lamp two "
                                           "weeks ago and the refund is still not on my card.", order=None,
                                           request_key="k1")
    assert Reading.objects.get(conversation=conversation).reason == "refund_status"


def test_a_correction_is_recorded_moves_the_conversation_and_becomes_a_training_line(shop, associate):
    conversation = receive("I would like to know more about your membership, what does it cost?")
    reading = Reading.objects.get(conversation=conversation)
    changed = services.reading_correct(reading, by=associate, changes={"reason": "product_question",
                                                                       "abusive": "false"})
    assert changed == 1  # abusive was already false: nothing to record
    conversation.refresh_from_db()
    assert conversation.reason == "product_question"
    correction = Correction.objects.get()
    assert (correction.field, correction.now, correction.by) == ("reason", "product_question", associate)
    assert services.reading_correct(reading, by=associate, changes={"reason": "product_question"}) == 0

    out = io.StringIO()
    call_command("triage", "corrections", stdout=out)
    line = json.loads(out.getvalue())
    assert line["reason"] == "product_question" and "membership" in line["text"]


def test_the_command_line_reads_json_lines(tmp_path):
    source = tmp_path / "messages.jsonl"
    rows = [
        {"id": 1, "text": "Where is my order? It was supposed to arrive yesterday."},
        {"id": "b", "text": "Je veux annuler ma commande, je l'ai passée par erreur."},
        {"id": 3, "text": "Quero cancelar o meu pedido, por favor."},
        {"id": 4, "text": "You stupid idiots, I will come to your office and smash your faces."},
        {"id": 5, "text": "ok", "lang": "de"},
    ]
    source.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n", encoding="utf-8")
    out = io.StringIO()
    call_command("triage", "classify", str(source), stdout=out, stderr=io.StringIO())
    results = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["id"] for r in results] == [1, "b", 3, 4, 5]
    assert set(results[0]) == {"id", "language", "reason", "confidence", "abusive", "wants_person",
                               "would_auto_answer"}
    assert [r["language"] for r in results[:4]] == ["en", "fr", "pt", "en"]
    assert results[4]["language"] == "de"  # too short to tell: the known language stands
    assert results[1]["reason"] == "cancel_order"
    assert results[2]["would_auto_answer"] is False  # not a language we answer in
    assert results[3]["abusive"] is True and results[3]["would_auto_answer"] is False
    assert all(0.0 <= r["confidence"] <= 1.0 for r in results)


def test_the_operators_switch_and_threshold_decide_automatic_answers(tmp_path):
    source = tmp_path / "one.jsonl"
    source.write_text(json.dumps({"id": 1, "text": "I want to cancel my order please, I ordered it by mistake."}))

    def classify():
        out = io.StringIO()
        call_command("triage", "classify", str(source), stdout=out, stderr=io.StringIO())
        return json.loads(out.getvalue())

    first = classify()
    assert first["reason"] == "cancel_order" and first["would_auto_answer"] is True
    AnswerPolicy.objects.create(reason="cancel_order", automatic=False)
    assert classify()["would_auto_answer"] is False
    AnswerPolicy.objects.filter(reason="cancel_order").update(automatic=True, threshold=1.01)
    assert classify()["would_auto_answer"] is False
    AnswerPolicy.objects.filter(reason="cancel_order").update(threshold=None)
    assert classify()["would_auto_answer"] is True


def test_a_bad_line_is_refused_with_its_number(tmp_path):
    source = tmp_path / "bad.jsonl"
    source.write_text('{"id": 1, "text": "fine"}\n{"id": 2}\n')
    with pytest.raises(CommandError, match="line 2"):
        call_command("triage", "classify", str(source), stdout=io.StringIO(), stderr=io.StringIO())


def test_an_associate_corrects_a_reading_on_the_conversation_page_and_a_customer_cannot(shop, login, associate,
                                                                                         alice):
    conversation = receive("Hi, my new kettle arrived with a cracked lid. What can you do?")
    reading = Reading.objects.get(conversation=conversation)
    page = login(associate).get(f"/service/conversations/{conversation.pk}/").content.decode()
    assert "Understood on arrival" in page and f"/service/triage/{reading.pk}/correct/" in page

    form = {"reason": "not_as_described", "language": "en", "abusive": "true"}
    assert login(alice).post(f"/service/triage/{reading.pk}/correct/", form).status_code == 403
    assert not Correction.objects.exists()

    client = login(associate)
    response = client.post(f"/service/triage/{reading.pk}/correct/", form)
    assert response.status_code == 302 and response["Location"] == f"/service/conversations/{conversation.pk}/"
    assert {(c.field, c.now) for c in Correction.objects.all()} == {("reason", "not_as_described"),
                                                                    ("abusive", "true")}
    page = client.get(f"/service/conversations/{conversation.pk}/").content.decode()
    assert "(corrected)" in page and "Abusive" in page
    refused = client.post(f"/service/triage/{reading.pk}/correct/", {"reason": "nonsense", "language": "en"})
    assert refused.status_code == 302 and Correction.objects.count() == 2
