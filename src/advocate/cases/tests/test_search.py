"""Search across every conversation: by a word of a message, an order number, a customer's address, in any
language (Chinese and Japanese have no spaces between words), narrowed by filters; staff only; the index kept
current as messages are written, and built again in bulk by `advocate search-reindex`."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from advocate.cases import segment, services
from advocate.cases.mail.compose import compose
from advocate.cases.models import Channel, Conversation, ConversationState, Message, Queue

pytestmark = pytest.mark.django_db


def receive(sender, subject, body, **kwargs):
    inbound, _ = services.mail_receive(compose(sender=sender, subject=subject, body=body, **kwargs), source="test")
    return inbound.conversation


@pytest.fixture
def kettle(shop):
    shop.send(shop.order_placed("A-10492"))
    conversation = receive("noah.baker@example.com", "Where is my kettle?",
                           "Hello, the kettle has not arrived and the tracking page says nothing.", name="Noah Baker")
    conversation.order = shop_order("A-10492")
    conversation.save()
    return conversation


@pytest.fixture
def chinese():
    return receive("wei@example.cn", "订单问题", "你好，我上周买的电饭煲到现在还没有收到，请帮我查一下物流信息。谢谢！")


@pytest.fixture
def japanese():
    return receive("yuki@example.jp", "お問い合わせ",
                   "先週注文した炊飯器がまだ届いていません。配送状況を確認していただけますか。")


@pytest.fixture
def arabic():
    return receive("layla@example.com", "طلب متأخر", "مَرْحَبًا، لَمْ يَصِلْ طَلَبِي بَعْدُ")


def shop_order(external_id):
    from advocate.commerce.models import Order

    return Order.objects.get(external_id=external_id)


def found(client, **params):
    response = client.get("/service/search/", params)
    assert response.status_code == 200
    return [conversation.pk for conversation, _ in response.context["results"]]


# --- the words -------------------------------------------------------------------------------------------


def test_cjk_text_is_cut_into_overlapping_pairs_and_other_scripts_into_words():
    assert segment.terms("电饭煲到") == ["电饭", "饭煲", "煲到"]
    assert segment.terms("Café, naïve Ünïcode!") == ["cafe", "naive", "unicode"]
    assert segment.terms("مَرْحَبًا") == segment.terms("مرحبا")  # harakat are optional
    assert segment.terms("ＡＢＣ１２３") == ["abc123"]  # full-width forms
    assert segment.terms("iPhone15が壊れた") == ["iphone15", "が壊", "壊れ", "れた"]
    assert segment.query_phrases("anna@example.com 物流") == [["anna", "example", "com"], ["物流"]]
    assert segment.query_phrases("配") == [["配*"]]
    assert segment.fts5_query([["a", "b"], ["配*"]]) == '"a b" AND "配"*'
    assert segment.tsquery([["o'neil"], ["配*"]]) == "('o''neil') & ('配':*)"


# --- finding -----------------------------------------------------------------------------------------------


def test_found_by_a_word_of_a_message_an_order_number_and_the_customers_address(kettle, chinese, login,
                                                                                 associate):
    client = login(associate)
    assert found(client, q="tracking") == [kettle.pk]
    assert found(client, q="TRACKING arrived") == [kettle.pk]  # every word, any case
    assert found(client, q="tracking refund") == []
    assert found(client, q="A-10492") == [kettle.pk]
    assert found(client, q="noah.baker@example.com") == [kettle.pk]
    assert found(client, q="Noah Baker") == [kettle.pk]
    assert found(client, q="kettle") == [kettle.pk]  # the subject
    page = client.get("/service/search/", {"q": "tracking"}).content.decode()
    assert "<mark>tracking</mark>" in page and "Where is my kettle?" in page


def test_a_chinese_conversation_is_found_by_a_two_character_word_from_the_middle_of_a_sentence(
        chinese, japanese, kettle, login, associate):
    client = login(associate)
    assert found(client, q="物流") == [chinese.pk]  # …请帮我查一下物流信息。
    assert found(client, q="电饭煲") == [chinese.pk]
    assert found(client, q="收到 物流") == [chinese.pk]
    assert found(client, q="物信") == []  # not side by side in the text
    assert "<mark>物流</mark>" in client.get("/service/search/", {"q": "物流"}).content.decode()


def test_a_japanese_conversation_is_found_by_a_two_character_word_from_the_middle_of_a_sentence(
        chinese, japanese, login, associate):
    client = login(associate)
    assert found(client, q="配送") == [japanese.pk]  # …配送状況を確認…
    assert found(client, q="炊飯器") == [japanese.pk]
    assert found(client, q="状況") == [japanese.pk]
    assert found(client, q="届いて") == [japanese.pk]
    assert found(client, q="配達") == []


def test_arabic_is_found_with_or_without_its_vowel_marks_and_russian_in_any_case(arabic, login, associate):
    russian = receive("ivan@example.ru", "Заказ", "Здравствуйте! Посылка до сих пор не пришла.")
    client = login(associate)
    assert found(client, q="مرحبا") == [arabic.pk]
    assert found(client, q="طَلَبِي") == [arabic.pk]
    assert found(client, q="ПОСЫЛКА") == [russian.pk]


def test_a_message_added_after_indexing_is_found(kettle, login, associate):
    client = login(associate)
    assert found(client, q="descaler") == []
    first = kettle.messages.get()
    later = receive("noah.baker@example.com", "Re: Where is my kettle?", "Also, could you add the descaler?",
                    name="Noah Baker", in_reply_to=first.message_id)
    assert later == kettle
    assert found(client, q="descaler") == [kettle.pk]
    services.internal_note_add(conversation=kettle, by=associate, text="Promised a courtesy call on Friday.")
    assert found(client, q="courtesy") == [kettle.pk]
    Message.objects.filter(body__contains="courtesy").delete()
    assert found(client, q="courtesy") == []


def test_bulk_written_rows_are_found_after_a_reindex(kettle, login, associate):
    now = timezone.now()
    conversation = Conversation.objects.bulk_create([Conversation(
        email="mira@example.com", subject="Parcel", created_at=now, updated_at=now)])[0]
    Message.objects.bulk_create([Message(conversation=conversation, direction="in", body="Das Paket ist beschädigt.",
                                         created_at=now)])
    client = login(associate)
    assert found(client, q="beschadigt") == []  # bulk writes send no signals
    call_command("search_reindex", stdout=open("/dev/null", "w"))
    assert found(client, q="beschadigt") == [conversation.pk]  # and diacritics do not matter
    assert found(client, q="tracking") == [kettle.pk]


def test_results_are_newest_first_and_paged(login, associate):
    now = timezone.now()
    for number in range(23):
        conversation = receive(f"c{number}@example.com", f"Question {number}", "Where is the blender?")
        Conversation.objects.filter(pk=conversation.pk).update(updated_at=now - timedelta(minutes=number))
    client = login(associate)
    first = client.get("/service/search/", {"q": "blender"})
    second = client.get("/service/search/", {"q": "blender", "page": "2"})
    subjects = [c.subject for c, _ in first.context["results"]] + [c.subject for c, _ in second.context["results"]]
    assert subjects == [f"Question {number}" for number in range(23)]
    assert first.context["has_next"] and not second.context["has_next"]
    assert "page=2" in first.content.decode()
    assert found(client, q="blender", page="junk")[0] == found(client, q="blender")[0]


# --- filters -----------------------------------------------------------------------------------------------


def test_filters_narrow_the_results(kettle, chinese, login, associate, operator):
    other = receive("olivia@example.com", "Kettle lid", "The kettle lid is cracked.")
    Conversation.objects.filter(pk=other.pk).update(
        state=ConversationState.RESOLVED, queue=Queue.DELIVERY, owner=associate, language="de",
        channel=Channel.WEB, reason="damaged_defective", updated_at=timezone.now() - timedelta(days=40))
    client = login(associate)
    assert sorted(found(client, q="kettle")) == sorted([kettle.pk, other.pk])
    assert found(client, q="kettle", state="resolved") == [other.pk]
    assert found(client, q="kettle", state="open") == [kettle.pk]
    assert found(client, q="kettle", queue="delivery") == [other.pk]
    assert found(client, q="kettle", owner="me") == [other.pk]
    assert found(client, q="kettle", owner=str(associate.pk)) == [other.pk]
    assert found(client, q="kettle", owner="nobody") == [kettle.pk]
    assert found(login(operator), q="kettle", owner="me") == []
    assert found(client, q="kettle", language="de") == [other.pk]
    assert found(client, q="kettle", channel="web") == [other.pk]
    assert found(client, q="kettle", reason="damaged_defective") == [other.pk]
    today = timezone.localdate()
    assert found(client, q="kettle", since=(today - timedelta(days=7)).isoformat()) == [kettle.pk]
    assert found(client, q="kettle", until=(today - timedelta(days=7)).isoformat()) == [other.pk]
    assert found(client, q="kettle", state="no-such-state") == found(client, q="kettle")  # ignored, not an error


def test_an_empty_or_punctuation_only_query_finds_nothing_and_fails_nothing(kettle, login, associate):
    client = login(associate)
    assert client.get("/service/search/").status_code == 200
    assert found(client, q="") == []
    assert found(client, q='" * AND OR ( ) -- \'') == []
    assert found(client, q="tracking\"") == [kettle.pk]
    assert found(client, q="x" * 500) == []


def test_only_service_staff_search(kettle, client, login, alice, northwind_user, operator):
    for outsider in (alice, northwind_user):
        assert login(outsider).get("/service/search/", {"q": "kettle"}).status_code == 403
    assert client.get("/service/search/", {"q": "kettle"}).status_code == 302  # signed out: to sign in
    assert found(login(operator), q="kettle") == [kettle.pk]
    queue = login(operator).get("/service/conversations/").content.decode()
    assert 'action="/service/search/"' in queue


def test_the_index_lives_in_the_database_the_project_runs_on():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'cases_search_document'")
            assert "gin" in cursor.fetchone()[0].lower()
        else:
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'cases_search'")
            assert "fts5" in cursor.fetchone()[0].lower()
