"""Associates get suggested answers from the library, ranked by what the customer wrote, across languages, in the
conversation's language where the team has written one — and inserting one keeps their draft."""

import re

import pytest

from advocate.cases import services as cases
from advocate.cases.mail.compose import compose
from advocate.conftest import ALICE
from advocate.demo.cases import seed_answers
from advocate.triage.suggestions import suggested

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(db):
    seed_answers()


def test_a_question_in_any_language_finds_the_answer_about_the_same_thing_in_the_conversations_language(library):
    where = suggested("مرحبا، أين طلبي A-1؟ أريد أن أعرف متى سيتم توصيله.", language="ar")
    assert (where[0][0].family, where[0][0].language) == ("where-is-my-order", "ar")
    refund = suggested("Где мой возврат денег за заказ A-1? Деньги до сих пор не пришли.", language="ru")
    assert refund[0][0].family == "refund-timing"  # written in English only: offered in English
    broken = suggested("Der Wasserkocher aus Bestellung A-1 ist kaputt angekommen, das Glas ist gesprungen.",
                       language="de")
    assert broken[0][0].family == "damaged-item"
    assert len({answer.family for answer, _ in where}) == len(where)  # one per family


def test_nothing_is_suggested_for_what_no_answer_is_about(library):
    assert suggested("My account was hacked and someone changed my password.", language="en") == []


def test_the_conversation_page_offers_them_ready_to_insert(shop, library, login, associate):
    shop.send(shop.order_placed("A-1"))
    raw = compose(sender=ALICE["email"], subject="Broken kettle",
                  body="The kettle from order A-1 arrived broken, the glass is cracked. I want a person please.")
    conversation = cases.mail_receive(raw, source="test")[0].conversation
    html = login(associate).get(f"/service/conversations/{conversation.pk}/").content.decode()
    assert "Suggested answers" in html
    assert 'data-insert="Hello Alice,' in html and "order A-1 arrived damaged" in html
    # The reply box follows the direction of what is written in it (an Arabic answer reads right to left).
    assert re.search(r'<textarea name="body"[^>]*dir="auto"', html)
