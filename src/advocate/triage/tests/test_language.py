"""Which language a message is in: ours told apart from their neighbours, mixed-language messages by the
writer's own script, and short ones by what we already know of the writer."""

import pytest

from advocate.triage.language import detect


@pytest.mark.parametrize("text, language", [
    ("Olá, a minha encomenda ainda não chegou e já passaram duas semanas. Podem ajudar?", "pt"),
    ("Buongiorno, il mio ordine non è ancora arrivato e sono passate due settimane.", "it"),
    ("Добрий день, моє замовлення досі не прийшло, хоча минуло два тижні.", "uk"),
    ("안녕하세요, 주문한 물건이 아직 도착하지 않았어요. 확인 부탁드립니다.", "ko"),
    ("سلام، سفارش من هنوز نرسیده است. لطفا بررسی کنید.", "fa"),
    ("你好，我的訂單還沒有到，請幫我查一下這個問題。", "zh-hant"),
    ("tracking لو سمحت، A-5577", "ar"),
    ("UPS tracking says delivered to front desk, но у нас нет ресепшена вообще", "ru"),
    ("Where is my parcel? It was due on Monday.", "en"),
])
def test_ours_and_their_neighbours(text, language):
    assert detect(text) == language


def test_a_short_message_keeps_the_writers_known_language():
    assert detect("ok", known="de") == "de"
    assert detect("refund?") == "en"
    assert detect("спасибо", known="ru") == "ru"
