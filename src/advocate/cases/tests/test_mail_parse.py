"""The inbound mail parser, against real-looking mail from the programs and languages customers use.

The corpus (mail_corpus/*.eml) holds raw messages as mail programs send them: quoted-printable and base64, legacy
charsets in 8 bits, broken headers. No database is needed: the parser is plain Python.
"""

import base64
import email
import email.policy
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from pathlib import Path

import pytest

from advocate.cases.mail.parse import ParsedMail, parse, strip_quoted
from advocate.cases.mail.quotes import html_to_text

CORPUS = Path(__file__).parent / "mail_corpus"
# The bytes the corpus's attachments were made from, to check they come back exactly.
PNG = base64.b64decode(
    b"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n" \
      b"trailer<</Root 1 0 R>>\n%%EOF\n" + bytes(range(256))


def raw(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


@cache
def corpus(name: str) -> ParsedMail:
    return parse(raw(name))


def mail(headers: str, body: str = "Hello, where is my order?\n") -> bytes:
    """A small message from header lines (one per line) and a body."""
    lines = [line.rstrip() for line in headers.strip().splitlines() if line.strip()]
    if not any(line.lower().startswith("from:") for line in lines):
        lines.insert(0, "From: Alice Marchbanks <alice.marchbanks@example.com>")
    if not any(line.lower().startswith("content-type:") for line in lines):
        lines += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8"]
    return ("\r\n".join(lines) + "\r\n\r\n" + body.replace("\n", "\r\n")).encode("utf-8")


# --- replies from the common mail programs ----------------------------------------------------------------


def test_gmail_reply_threads_by_its_headers_and_shows_only_what_bob_wrote():
    reply = corpus("gmail_reply.eml")

    assert reply.message_id == "CAF=kq+7yT0bQ3xV9wX_c4mZp1@mail.gmail.com"
    assert reply.in_reply_to == ("case-1042.1@shop.example",)
    assert reply.references == ("case-1042.1@shop.example",)
    assert (reply.from_address, reply.from_name) == ("bob.quennell@example.net", "Bob Quennell")
    assert reply.recipients_hint == ("support+case-1042@shop.example",)
    assert reply.subject == "Re: Your order 1042 has shipped"
    assert reply.date == datetime(2026, 12, 3, 16, 14, 51, tzinfo=UTC)
    assert reply.automatic == ""
    assert reply.visible_text == (
        "Thanks! The parcel arrived this morning, but one of the mugs is cracked.\n"
        "Can you send a replacement? I have attached nothing yet, I can send photos.\n\nBob"
    )
    # The history stays in the full text (and the HTML) for whoever needs it.
    assert "> Tracking number: PN10421." in reply.text
    assert "gmail_quote" in reply.html


def test_outlook_reply_is_cut_at_the_underscore_rule_and_header_block():
    reply = corpus("outlook_reply.eml")

    assert reply.message_id == "AM9PR07MB7140A1B2C3D4E5F6A7B8C9D0E1F2A3B4@AM9PR07MB7140.eurprd07.prod.outlook.com"
    assert reply.language == "en-gb"
    assert reply.visible_text.endswith("Regards,\nCarla Mendes")
    assert "We received your return" not in reply.visible_text
    assert "We received your return" in reply.text
    # X-Auto-Response-Suppress is on every mail Outlook sends; it does not make a person's reply automatic.
    assert reply.automatic == ""


def test_outlook_original_message_separator_cuts_the_history():
    reply = corpus("outlook_original_message.eml")

    assert reply.visible_text == "The box had only the lamp, the bulb was missing.\n\nDan"
    assert reply.from_name == "Hughes, Dan"


def test_apple_mail_german_reply_is_unflowed_and_cut_at_schrieb():
    reply = corpus("apple_mail_german.eml")

    assert reply.from_name == "Jürgen Weiß"
    assert reply.cc == ("anna.weiss@web.example",)  # the encoded comma in "Weiss, Anna" did not split it
    assert reply.language == "de-de"
    # format=flowed: the soft line break inside the first sentence is joined back.
    assert "Laut Sendungsverfolgung wurde sie am Montag zugestellt" in reply.visible_text
    assert reply.visible_text.endswith("Viele Grüße\nJürgen Weiß")  # "Von meinem iPhone gesendet" dropped
    assert "Ihre Bestellung 1188 wurde heute versandt" in reply.text
    assert "Ihre Bestellung 1188 wurde heute versandt" not in reply.visible_text


def test_french_inline_answers_are_kept_and_the_questions_and_signature_dropped():
    reply = corpus("french_inline_reply.eml")

    assert reply.from_name == "Marie Dupré"
    assert reply.visible_text == (
        "Bonjour,\n\nC'est la commande 2044.\n\n"
        "Un échange, s'il vous plaît, même modèle en bleu.\n\nMerci d'avance."
    )
    assert "Souhaitez-vous un remboursement" in reply.text
    assert "06 12 34 56 78" in reply.text


def test_spanish_latin1_reply_decodes_and_cuts_at_wrapped_escribio():
    reply = corpus("spanish_reply.eml")

    assert reply.from_name == "Íñigo Martínez"
    assert reply.subject == "Re: Su pedido 3120 ha sido envíado"
    assert reply.visible_text.startswith("Hola:\n\nRecibí el pedido 3120")
    assert reply.visible_text.endswith("Gracias,\nÍñigo Martínez")


def test_russian_koi8r_body_and_subject_read_correctly():
    reply = corpus("russian_koi8r.eml")

    assert reply.subject == "Re: Ваш заказ 4410 отправлен"
    assert reply.from_name == "Ольга Смирнова"
    assert "Посылка пришла повреждённой" in reply.visible_text
    assert "написал(а)" not in reply.visible_text
    assert "Ваш заказ 4410 отправлен." in reply.text
    # X-Original-To keeps the plus-address the mail was really sent to.
    assert "support+case-4410@shop.example" in reply.recipients_hint


def test_chinese_mail_labelled_gb2312_keeps_its_gbk_characters():
    reply = corpus("chinese_gb2312.eml")

    # 堃 and 镕 are not in GB2312; mail labelled gb2312 carries them anyway.
    assert reply.subject == "回复：订单 5566 杯子破损（王堃）"
    assert reply.from_name == "王堃"
    assert "收件人是朱镕基路的王堃" in reply.visible_text
    assert "写道" not in reply.visible_text
    assert "您的订单 5566 已发货" in reply.text
    assert "\ufffd" not in reply.text


def test_chinese_outlook_header_block_and_raw_8bit_subject():
    reply = corpus("chinese_outlook_raw_subject.eml")

    # Old Chinese programs write the subject as raw GBK bytes; the body's charset tells how to read them.
    assert reply.subject == "答复: 您的退款申请"
    assert reply.from_name == "李娜"
    assert reply.language == "zh-cn"
    assert reply.visible_text == "您好，\n\n退款什么时候到账？\n\n李娜"


def test_japanese_iso_2022_jp_with_windows_characters():
    reply = corpus("japanese_iso2022jp.eml")

    assert reply.subject == "Re: ご注文の発送について"
    assert reply.from_name == "山田 太郎"
    # ① and ② are Windows (cp932) characters that Python's ISO-2022-JP codecs refuse.
    assert "①サイズが違います\n②色も違います" in reply.visible_text
    assert "発送しました" not in reply.visible_text
    assert "\ufffd" not in reply.text


def test_japanese_shift_jis_with_cp932_characters_and_sanwa_kakimashita():
    reply = corpus("japanese_shift_jis.eml")

    assert reply.from_name == "髙橋 一郎"
    assert reply.subject == "Re: ご注文 7788 ①"
    assert "㈱髙橋商事" in reply.visible_text
    assert "書きました" not in reply.visible_text
    assert "ご注文 7788 を発送しました" in reply.text


def test_arabic_windows_1256_reply_cut_at_katab_despite_direction_marks():
    reply = corpus("arabic_windows1256.eml")

    assert reply.subject == "رد: تم شحن طلبك"
    assert reply.from_name == "أحمد الفاسي"
    assert reply.language == "ar"
    assert "لم يصل طلبي رقم 8899 حتى الآن" in reply.visible_text
    assert "كتب" not in reply.visible_text
    assert "تم شحن طلبك رقم 8899" in reply.text


def test_html_only_mail_reads_as_lines_and_hides_the_gmail_quote():
    reply = corpus("html_only_gmail_quote.eml")

    assert reply.visible_text == (
        "Hello,\n\nI would like to exchange:\n\n- the blue jacket (size L)\n- the grey scarf\n\nThanks,\nPriya"
    )
    assert "never shown" not in reply.text and "color:red" not in reply.text and "ignored title" not in reply.text
    assert "> Which size would you like instead?" in reply.text
    assert reply.html.startswith("<html>")


# --- attachments ------------------------------------------------------------------------------------------


def test_inline_image_of_multipart_related_is_marked_inline_and_round_trips():
    mail_with_image = corpus("related_inline_image.eml")

    (image,) = mail_with_image.attachments
    assert (image.filename, image.content_type, image.content_id) == (
        "image001.png", "image/png", "image001.png@01DB4577.A1B2C3D0"
    )
    assert image.inline
    assert image.data == PNG
    assert "cid:image001.png@01DB4577.A1B2C3D0" in mail_with_image.html
    assert mail_with_image.text.startswith("Here is the damage:")


def test_attachment_filenames_are_decoded_and_safe_and_bytes_round_trip():
    attachments = corpus("attachment_rfc2231.eml").attachments

    assert [a.filename for a in attachments] == [
        "Rücksendeschein Nr. 9001.pdf",  # RFC 2231, UTF-8
        "发票单.xls",  # RFC 2231 continuations, GB2312
        "Schaden über Kante.jpg",  # an encoded-word in quotes, as Outlook and Gmail write it
        "notiz.txt",  # a Windows path: only the name is kept
        "attachment-5.bin",  # no name at all
    ]
    assert attachments[0].data == PDF
    assert attachments[0].content_type == "application/pdf"
    assert attachments[3].data == b"Bitte an Lager 3."
    assert not any(a.inline for a in attachments)
    assert corpus("attachment_rfc2231.eml").text == "Anbei der Rücksendeschein und die Rechnung."


def test_forwarded_message_is_an_eml_attachment_not_part_of_the_text():
    forward = corpus("forwarded_rfc822.eml")

    assert forward.text == "Please see the shipping mail below: the tracking number does not work."
    (attached,) = forward.attachments
    assert attached.filename == "Your order 1042 has shipped.eml"
    assert attached.content_type == "message/rfc822"
    inner = email.message_from_bytes(attached.data, policy=email.policy.default)
    assert inner["Message-ID"] == "<order-1042.shipped@shop.example>"
    assert "INNER-TEXT-MARKER" in inner.get_content()
    assert "INNER-TEXT-MARKER" not in forward.text


def test_forwarded_message_named_after_a_subject_with_a_slash_keeps_the_whole_subject():
    forward = raw("forwarded_rfc822.eml").replace(b"Subject: Your order 1042 has", b"Subject: Orders 1042/1043 have")
    assert parse(forward).attachments[0].filename == "Orders 1042-1043 have shipped.eml"


def test_winmail_dat_is_kept_as_an_ordinary_attachment():
    (winmail,) = corpus("tnef_winmail.eml").attachments

    assert (winmail.filename, winmail.content_type, winmail.inline) == ("winmail.dat", "application/ms-tnef", False)
    assert winmail.data.endswith(b"winmail payload")
    assert corpus("tnef_winmail.eml").text == "Please send an invoice for order 1101."


def test_image_referenced_by_cid_is_inline_even_without_inline_disposition():
    message = (
        b"From: a@example.com\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/related; boundary="b"\r\n\r\n'
        b'--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Look: <img src="cid:photo%401"></p>\r\n'
        b"--b\r\nContent-Type: image/jpeg\r\nContent-ID: <photo@1>\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"/9j/4AAQ\r\n--b--\r\n"
    )
    (photo,) = parse(message).attachments

    assert photo.inline and photo.content_id == "photo@1"
    assert photo.filename == "attachment-1.jpg"


# --- mail no person wrote ---------------------------------------------------------------------------------


def test_out_of_office_with_auto_submitted_is_an_auto_reply():
    assert corpus("auto_reply_out_of_office.eml").automatic == "auto_reply"
    assert corpus("auto_reply_out_of_office.eml").automatic_reason == "Auto-Submitted: auto-replied"


def test_exchange_auto_reply_is_known_by_its_subject():
    assert corpus("exchange_auto_reply.eml").automatic == "auto_reply"


def test_ordinary_exchange_mail_with_x_auto_response_suppress_is_a_person():
    assert corpus("exchange_ordinary.eml").automatic == ""


def test_dsn_bounce_names_the_failed_address_and_the_bounced_message():
    bounce = corpus("bounce_dsn.eml")

    assert bounce.automatic == "bounce"
    assert bounce.bounced_recipients == ("nobody@example.invalid",)
    assert bounce.bounced_message_id == "case-1042.7@shop.example"
    assert "could not\nbe delivered" in bounce.text
    assert "Hello, your order has shipped." not in bounce.text
    assert [a.content_type for a in bounce.attachments] == ["message/delivery-status", "message/rfc822"]


def test_mailing_list_post_is_list():
    assert corpus("mailing_list.eml").automatic == "list"


def test_every_corpus_reply_written_by_a_person_is_not_automatic():
    people = ["gmail_reply.eml", "outlook_reply.eml", "outlook_original_message.eml", "apple_mail_german.eml",
              "french_inline_reply.eml", "spanish_reply.eml", "russian_koi8r.eml", "chinese_gb2312.eml",
              "chinese_outlook_raw_subject.eml", "japanese_iso2022jp.eml", "japanese_shift_jis.eml",
              "arabic_windows1256.eml", "html_only_gmail_quote.eml", "related_inline_image.eml",
              "attachment_rfc2231.eml", "forwarded_rfc822.eml", "exchange_ordinary.eml", "no_message_id.eml",
              "references_only.eml", "malformed_headers.eml", "tnef_winmail.eml"]
    assert {name: corpus(name).automatic for name in people} == dict.fromkeys(people, "")


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ("Auto-Submitted: auto-generated", "auto_reply"),
        ("Auto-Submitted: auto-replied; owner-email=alice@example.com", "auto_reply"),
        ("Auto-Submitted: no", ""),
        ("X-Autoreply: yes", "auto_reply"),
        ("X-Autorespond: Out of office", "auto_reply"),
        ("X-Auto-Response-Suppress: All", ""),
        ("X-Auto-Response-Suppress: OOF, DR, RN", ""),
        ("Precedence: bulk", "auto_reply"),
        ("Precedence: junk", "auto_reply"),
        ("Precedence: auto_reply", "auto_reply"),
        ("Precedence: list", "list"),
        ("List-Unsubscribe: <mailto:leave@lists.example>", "list"),
        ("List-Post: <mailto:sellers@lists.example>", "list"),
        ("Return-Path: <>\nSubject: Vacation", "auto_reply"),
        ("X-Failed-Recipients: bob@example.net", "bounce"),
        ("From: MAILER-DAEMON@mx.example.net\nSubject: failure notice", "bounce"),
        ("From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
         "Subject: Delivery Status Notification (Failure)", "bounce"),
        ("From: postmaster@example.cn\nSubject: 系统退信", "bounce"),
        ("From: postmaster@example.de\nSubject: Unzustellbar: Ihre Bestellung", "bounce"),
        ("Return-Path: <>\nSubject: Undeliverable: Your order", "bounce"),
        ("Subject: Re: Automatic reply: Missing item", ""),
        ("Subject: Re: Your order 1042 has shipped", ""),
        ("Subject: Auto: Lieferung meiner Felgen", ""),  # "Auto" is German for car
        ("Subject: Absence de réponse à ma réclamation", ""),
        ("Subject: AUTO: Alice is out of the office\nIn-Reply-To: <case-1@shop.example>", "auto_reply"),
        ("Subject: Absence : Alice Dupont\nIn-Reply-To: <case-1@shop.example>", "auto_reply"),
    ],
)
def test_automatic_mail_is_recognised_from_its_headers(headers, expected):
    assert parse(mail(headers)).automatic == expected


@pytest.mark.parametrize(
    "subject",
    ["Automatic reply: Your order", "Out of Office: Re: Your order", "Out of office AutoReply: Your order",
     "Abwesenheitsnotiz: Ihre Bestellung", "Automatische Antwort: Ihre Bestellung",
     "Réponse automatique : Votre commande", "Respuesta automática: Su pedido", "Fuera de la oficina: Su pedido",
     "Автоответ: Ваш заказ", "Автоматический ответ: Ваш заказ", "自动回复: 您的订单", "自動応答: ご注文",
     "自動返信: ご注文", "رد تلقائي: طلبك"],
)
def test_out_of_office_subjects_in_every_product_language_are_auto_replies(subject):
    encoded = "=?utf-8?B?" + base64.b64encode(subject.encode()).decode() + "?="
    assert parse(mail(f"Subject: {encoded}")).automatic == "auto_reply"


def test_read_receipt_is_automatic():
    receipt = mail('Content-Type: multipart/report; report-type=disposition-notification; boundary="r"',
                   "--r\nContent-Type: text/plain\n\nYour message was read.\n--r--\n")
    assert parse(receipt).automatic == "auto_reply"


# --- identity and threading -------------------------------------------------------------------------------


def test_missing_message_id_gets_a_stable_synthetic_id():
    first = corpus("no_message_id.eml")

    assert first.message_id.startswith("sha256-") and first.message_id.endswith("@advocate.invalid")
    assert parse(raw("no_message_id.eml")).message_id == first.message_id  # fetched again: the same id
    assert parse(raw("no_message_id.eml") + b"\r\nP.S.").message_id != first.message_id
    assert first.reply_to == ("grace.ho@example.sg",)
    assert parse(mail("Message-ID: <>")).message_id.startswith("sha256-")
    assert parse(mail("Message-ID:   ")).message_id.startswith("sha256-")


def test_references_only_reply_keeps_ids_in_order_through_folds_junk_and_missing_brackets():
    reply = corpus("references_only.eml")

    assert reply.in_reply_to == ()
    assert reply.references == (
        "order-2210.1@shop.example", "ken-2210-1@example.org", "order-2210.2@shop.example", "ken-2210-2@example.org"
    )


def test_in_reply_to_with_prose_around_the_id():
    reply = parse(mail('In-Reply-To: Your message of "Tue, 1 Dec 2026" <case-77.1@shop.example>'))
    assert reply.in_reply_to == ("case-77.1@shop.example",)


def test_message_id_is_normalised():
    assert parse(mail("Message-ID:\n  <  abc.123@example.com >")).message_id == "abc.123@example.com"
    assert parse(mail("Message-ID: abc.456@example.com")).message_id == "abc.456@example.com"


def test_malformed_date_and_headers_with_invalid_bytes_degrade_instead_of_failing():
    broken = corpus("malformed_headers.eml")

    assert broken.date is None
    assert broken.subject == "Problème avec ma commande 1500"  # raw Latin-1 in the subject
    assert broken.from_address == "renee.dubois@example.fr"
    assert broken.from_name.startswith("Renée")
    # No charset on the body, Windows-1252 bytes in it.
    assert broken.text == "Ma commande 1500 est arrivée cassée. Merci de me rembourser."


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Thu, 3 Dec 2026 10:00:00 +0100", datetime(2026, 12, 3, 10, tzinfo=timezone(timedelta(hours=1)))),
        ("Thu, 3 Dec 2026 10:00:00 +0100 (CET)", datetime(2026, 12, 3, 9, tzinfo=UTC)),
        ("3 Dec 2026 10:00:00 -0000", datetime(2026, 12, 3, 10, tzinfo=UTC)),
        ("Thu, 3 Dec 2026 10:00:00", datetime(2026, 12, 3, 10, tzinfo=UTC)),
        ("2026-12-03T10:00:00+00:00", datetime(2026, 12, 3, 10, tzinfo=UTC)),
        ("Thu, 3 Dec 2026 10:00:00 +9999", None),
        ("yesterday", None),
        ("", None),
    ],
)
def test_dates_are_aware_or_none(header, expected):
    assert parse(mail(f"Date: {header}")).date == expected


def test_addresses_are_lowercased_and_display_names_decoded():
    message = parse(mail(
        "From: =?utf-8?q?Doe=2C_John?= <John.Doe@Example.COM>\n"
        'To: "Support" <Support@Shop.Example>, other@shop.example\n'
        "Cc: undisclosed-recipients:;\n"
        "Reply-To: =?iso-8859-1?q?Andr=E9?= <andre@example.fr>\n"
        "Delivered-To: support+case-9@shop.example\n"
        "Envelope-To: support+case-9@shop.example\n"
    ))

    assert (message.from_address, message.from_name) == ("john.doe@example.com", "Doe, John")
    assert message.to == ("support@shop.example", "other@shop.example")
    assert message.cc == ()
    assert message.reply_to == ("andre@example.fr",)
    assert message.recipients_hint == ("support+case-9@shop.example",)


def test_unparseable_from_gives_empty_address():
    assert parse(mail("From: nobody at all")).from_address == ""
    assert parse(mail("From: Bob (bob at example dot com) bob@example.net")).from_address == "bob@example.net"


def test_content_language_first_tag():
    assert parse(mail("Content-Language: de-DE, en-US")).language == "de-de"
    assert parse(mail("Subject: no language")).language == ""


# --- charsets ---------------------------------------------------------------------------------------------


def part_mail(content_type: str, body: bytes, encoding: str = "8bit") -> bytes:
    return (f"From: a@example.com\r\nMIME-Version: 1.0\r\nContent-Type: {content_type}\r\n"
            f"Content-Transfer-Encoding: {encoding}\r\n\r\n").encode() + body


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        ("text/plain; charset=us-ascii", "Grüße aus Köln".encode(), "Grüße aus Köln"),  # mislabelled UTF-8
        ("text/plain; charset=iso-8859-1", "Grüße – “Köln” €".encode(), "Grüße – “Köln” €"),
        ("text/plain; charset=iso-8859-1", "“Köln” €".encode("cp1252"), "“Köln” €"),  # Windows-1252 really
        ("text/plain; charset=x-unknown-charset", "Grüße".encode(), "Grüße"),
        ("text/plain; charset=x-unknown-charset", "Grüße".encode("latin-1"), "Grüße"),
        ("text/plain", "Привет".encode(), "Привет"),
        ("text/plain; charset=\"'utf-8'\"", "Grüße".encode(), "Grüße"),
        ("text/plain; charset=gbk", "王堃".encode("gbk"), "王堃"),
        ("text/plain; charset=GB2312", "朱镕基".encode("gb18030"), "朱镕基"),
        ("text/plain; charset=shift_jis", "①㈱".encode("cp932"), "①㈱"),
        ("text/plain; charset=windows-1256", "مرحبا".encode("cp1256"), "مرحبا"),
        ("text/plain; charset=koi8-r", "Привет".encode("koi8-r"), "Привет"),
        ("text/plain; charset=euc-kr", "안녕하세요".encode("cp949"), "안녕하세요"),
        ("text/plain; charset=ks_c_5601-1987", "안녕".encode("cp949"), "안녕"),
        ("text/plain; charset=iso-2022-jp", "こんにちは".encode("iso2022_jp"), "こんにちは"),
        ("text/plain; charset=iso-2022-jp", "ﾊﾝｶｸ ｶﾅ".encode("iso2022_jp_ext"), "ﾊﾝｶｸ ｶﾅ"),  # half-width kana
        ("text/plain; charset=iso-2022-jp", "ご注文".encode("shift_jis"), "ご注文"),  # labelled wrong: Shift_JIS
        ("text/plain; charset=utf-8", "broken \xff byte".encode("latin-1"), "broken ÿ byte"),
        # A character cut in two in otherwise good UTF-8 costs that character only, not the whole text.
        ("text/plain; charset=utf-8", "订单已发货，谢谢".encode() + "好".encode()[:2], "订单已发货，谢谢\ufffd"),
        ("text/html", b'<meta charset="koi8-r"><p>' + "Привет".encode("koi8-r"), "Привет"),
        ("text/plain; charset=rot13", b"plain", "plain"),
        ("text/plain; charset=undefined", b"plain", "plain"),
    ],
)
def test_text_in_legacy_and_mislabelled_charsets_reads_correctly(content_type, body, expected):
    assert parse(part_mail(content_type, body)).text == expected


def test_encoded_word_subjects_in_any_charset():
    def subject(value: str) -> str:
        return parse(mail(f"Subject: {value}")).subject

    assert subject("=?gb2312?B?" + base64.b64encode("王堃".encode("gbk")).decode() + "?=") == "王堃"
    assert subject("=?ISO-2022-JP?B?" + base64.b64encode("にほん".encode("iso2022_jp")).decode() + "?=") == "にほん"
    assert subject("=?koi8-r?Q?=F0=D2=C9=D7=C5=D4?=") == "Привет"
    assert subject("=?utf-8?Q?Caf=C3=A9?= =?utf-8?Q?_au_lait?=") == "Café au lait"
    assert subject("=?utf-8*fr?Q?Caf=C3=A9?=") == "Café"
    # A multi-byte character split across two encoded-words, as some Chinese and Japanese programs do.
    first, second = "订单".encode()[:4], "订单".encode()[4:]
    assert subject(f"=?utf-8?B?{base64.b64encode(first).decode()}?=\n =?utf-8?B?"
                   f"{base64.b64encode(second).decode()}?=") == "订单"
    assert subject("Re:   folded\n\tsubject") == "Re: folded subject"
    assert subject("=?utf-8?B?!!!?=") == ""  # nothing decodable: nothing to show, and no failure


def test_rfc2231_filename_in_a_legacy_charset_and_language():
    message = (
        b"From: a@example.com\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        b"--b\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename*=shift_jis'ja'%8F%A4%95%69%87%40.pdf\r\n\r\n%PDF\r\n--b--\r\n"
    )
    assert parse(message).attachments[0].filename == "商品①.pdf"


# --- quotes -----------------------------------------------------------------------------------------------

ANSWER = "Yes, a refund please."
QUOTED = "> Would you like a refund or a replacement?\n> Kind regards"


@pytest.mark.parametrize(
    "attribution",
    [
        "On Tue, 1 Dec 2026 at 10:00, Alice <alice@shop.example> wrote:",
        "On Tue, Dec 1, 2026 at 10:00 AM Advocate Retail Customer Service <\nsupport@shop.example> wrote:",
        "On 1 Dec 2026, at 10:00, Advocate Support <support@shop.example> wrote:",
        "On 12/1/26 10:00 AM, Advocate Support wrote:",
        "Advocate Support <support@shop.example> wrote:",
        "Am 01.12.2026 um 10:00 schrieb Advocate Kundenservice <support@shop.example>:",
        "Am Di., 1. Dez. 2026 um 10:00 Uhr schrieb Advocate Kundenservice <\nsupport@shop.example>:",
        "Le 1 déc. 2026 à 10:00, Service client <support@shop.example> a écrit :",
        "Le mar. 1 déc. 2026 à 10:00, Service client Advocate <support@shop.example>\na écrit :",
        "El mar, 1 dic 2026 a las 10:00, Atención al cliente (<support@shop.example>) escribió:",
        "1 дек. 2026 г., в 10:00, Служба поддержки <support@shop.example> написал(а):",
        "вт, 1 дек. 2026 г. в 10:00, Служба поддержки <support@shop.example>:",
        "01.12.2026 10:00, Служба поддержки пишет:",
        "Вы писали 1 декабря 2026 г., 10:00:",
        "1 декабря 2026 г., 10:00, Служба поддержки <support@shop.example> писал(а):",
        "Служба поддержки <support@shop.example> писала:",
        "Вы писали нам 01.12.2026 в 10:00 с адреса <support@shop.example>:",
        "在 2026年12月1日 10:00，客服 <support@shop.example> 写道：",
        "客服 <support@shop.example> 于2026年12月1日周二 10:00写道：",
        "2026年12月1日(火) 10:00 サポート <support@shop.example>:",
        "2026/12/01 10:00、サポートさんは書きました:",
        "在 2026年12月1日，上午10:00，客服 <\nsupport@shop.example> 写道：",
        "في الثلاثاء، 1 ديسمبر 2026 في 10:00 ص، خدمة العملاء <support@shop.example> كتب:",
        "\u202bفي الثلاثاء، 1 ديسمبر 2026 في 10:00 ص \u202aخدمة العملاء\u202c\u200f <support@shop.example> كتب:\u202c",
        "Il giorno mar 1 dic 2026 alle ore 10:00 Assistenza <support@shop.example> ha scritto:",
    ],
)
def test_top_posted_reply_is_cut_at_the_attribution_in_every_language(attribution):
    text = f"{ANSWER}\n\n{attribution}\n\n{QUOTED}\n"
    assert strip_quoted(text) == ANSWER


@pytest.mark.parametrize(
    "history",
    [
        "-----Original Message-----\nFrom: Support\nSent: Tuesday\nTo: Bob\nSubject: Order",
        "----- Original Message -----\nFrom: Support <support@shop.example>\nTo: Bob\nSent: Tuesday\n"
        "Subject: Order",
        "-----Ursprüngliche Nachricht-----\nVon: Kundenservice\nGesendet: Dienstag\nAn: Jürgen\nBetreff: Bestellung",
        "-----Message d'origine-----\nDe : Service client\nEnvoyé : mardi\nÀ : Marie\nObjet : Commande",
        "-----Mensaje original-----\nDe: Atención\nEnviado el: martes\nPara: Íñigo\nAsunto: Pedido",
        "-----Исходное сообщение-----\nОт: Поддержка\nОтправлено: 1 декабря\nКому: Ольга\nТема: Заказ",
        "------------------ 原始邮件 ------------------\n发件人: \"客服\"<support@shop.example>;\n"
        "发送时间: 2026年12月1日(星期二) 上午10:00\n收件人: \"王堃\"<w@qq.example>;\n主题: 订单",
        "-----元のメッセージ-----\n差出人: サポート\n送信日時: 2026年12月1日 10:00\n宛先: 山田\n件名: ご注文",
        "-----الرسالة الأصلية-----\nمن: خدمة العملاء\nتاريخ الإرسال: 1 ديسمبر\nإلى: أحمد\nالموضوع: طلبك",
        "From: Advocate Support <support@shop.example>\nSent: Tuesday, December 1, 2026 10:00 AM\n"
        "To: Bob <bob@example.net>\nSubject: Your order",
        "________________________________\nFrom: Advocate Support <support@shop.example>\n"
        "Sent: Tuesday, December 1, 2026 10:00 AM\nTo: Bob <bob@example.net>\nSubject: Your order",
        "________________________________\nVon: Advocate Kundenservice <support@shop.example>\n"
        "Gesendet: Dienstag, 1. Dezember 2026 10:00\nAn: Jürgen <j@web.example>\nBetreff: Ihre Bestellung",
        "De : Service client <support@shop.example>\nEnvoyé : mardi 1 décembre 2026 10:00\n"
        "À : Marie <m@orange.example>\nObjet : Votre commande",
        "De: Atención al cliente <support@shop.example>\nEnviado: martes, 1 de diciembre de 2026 10:00\n"
        "Para: Íñigo <i@example.es>\nAsunto: Su pedido",
        "От: Служба поддержки <support@shop.example>\nОтправлено: 1 декабря 2026 г. 10:00\n"
        "Кому: Ольга <o@yandex.example>\nТема: Ваш заказ",
        "发件人: 客服 <support@shop.example>\n发送时间: 2026年12月1日 10:00\n收件人: 王堃 <w@qq.example>\n主题: 订单",
        "差出人: サポート <support@shop.example>\n送信日時: 2026年12月1日 10:00\n宛先: 山田 <y@docomo.example>\n"
        "件名: ご注文",
        "من: خدمة العملاء <support@shop.example>\nتاريخ الإرسال: 1 ديسمبر 2026 10:00\nإلى: أحمد <a@example.ae>\n"
        "الموضوع: طلبك",
        "*From:* Advocate Support <support@shop.example>\n*Sent:* Tuesday\n*To:* Bob\n*Subject:* Your order",
        "From: Advocate Support Sent: Tuesday, December 1, 2026 10:00 AM To: Bob Subject: Your order",
    ],
)
def test_outlook_history_blocks_in_every_language_are_cut(history):
    text = f"{ANSWER}\n\n{history}\n\nWould you like a refund or a replacement?\n"
    assert strip_quoted(text) == ANSWER


@pytest.mark.parametrize(
    "text",
    [
        "My neighbour wrote: the parcel was left outside, but I never got it.",
        "Yesterday I got a mail From: your courier saying it was delivered.\nSent: nothing arrived.",
        "From: my account page I cannot change the address.\nCan you help?",
        "My colleague wrote:\nThe lamp arrived broken.",
        "I wrote to you on Tuesday, December 1 and nobody answered.\nOn Monday I will call.",
        "Subject: refund\nOrder: 1042\nFrom: Bob",
        "Вы писали, что посылка придёт завтра.\nНо её нет.",
        "Мне писали из службы доставки:\nпосылка потеряна.",
    ],
)
def test_ordinary_sentences_with_wrote_or_from_are_not_cut(text):
    assert strip_quoted(text) == text


def test_inline_answers_are_kept_without_the_quoted_lines():
    text = (
        "Hi,\n\n"
        "On Tue, 1 Dec 2026 at 10:00, Advocate Support <support@shop.example> wrote:\n"
        "> What is your order number?\n"
        "1042.\n"
        "> And the colour you want instead?\n"
        "Blue, please.\n"
    )
    assert strip_quoted(text) == "Hi,\n\n1042.\nBlue, please."


def test_quoted_line_wrapped_without_its_marker_is_still_quote():
    text = (
        "Sounds good.\n\n"
        "On Tue, 1 Dec 2026 at 10:00, Alice <alice@shop.example> wrote:\n"
        "> We can offer a replacement or a refund, whichever you\n"
        "prefer.\n"
    )
    assert strip_quoted(text) == "Sounds good."


def test_quote_without_attribution_and_nested_quotes():
    assert strip_quoted("Thanks!\n\n> > older\n> newer\n") == "Thanks!"


def test_signature_and_phone_footer_are_dropped():
    assert strip_quoted("Please call me.\n\n-- \nBob Quennell\nAcme Ltd") == "Please call me."
    assert strip_quoted("Please call me.\n--\nBob") == "Please call me."
    assert strip_quoted("Please call me.\n\nSent from my iPhone") == "Please call me."
    assert strip_quoted("请给我打电话。\n\n发自我的iPhone") == "请给我打电话。"


def test_visible_text_is_never_empty_when_there_is_text():
    everything_quoted = "> Would you like a refund?\n> Kind regards"
    assert strip_quoted(everything_quoted) == everything_quoted
    assert strip_quoted("-- \nBob") == "--\nBob"  # only a signature: shown rather than nothing
    assert strip_quoted("   \n") == ""


def test_forwarded_message_headers_are_not_cut_as_history():
    text = ("Please look at this.\n\n---------- Forwarded message ---------\n"
            "From: ParcelNet <no-reply@parcel.example>\nDate: Tue, 1 Dec 2026 at 10:00\nSubject: Delivered\n"
            "To: <bob@example.net>\n\nYour parcel was delivered.")
    assert strip_quoted(text) == text


# --- HTML -------------------------------------------------------------------------------------------------


def test_html_to_text_keeps_lines_paragraphs_lists_and_tables():
    html = (
        "<html><head><title>t</title><style>p{}</style></head><body>"
        "<script>var x = 1;</script><!-- a comment -->"
        "<div>Line one<br>Line two</div><div><br></div><div>After a blank line</div>"
        "<p>Paragraph</p><p>Another&nbsp;paragraph</p>"
        "<ol><li>first</li><li>second</li></ol>"
        "<table><tr><td>Order</td><td>1042</td></tr><tr><td>Total</td><td>64.00</td></tr></table>"
        "<p></p><p></p><p></p><div>End with a <a href='https://shop.example/track/1042'>tracking link</a></div>"
        "</body></html>"
    )
    assert html_to_text(html) == (
        "Line one\nLine two\n\nAfter a blank line\n\nParagraph\n\nAnother paragraph\n\n1. first\n2. second\n\n"
        "Order 1042\nTotal 64.00\n\nEnd with a tracking link <https://shop.example/track/1042>"
    )


def test_outlook_html_lines_are_not_double_spaced():
    html = ("<p class=MsoNormal>Hello,<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p>"
            "<p class=MsoNormal>the lamp is broken.<o:p></o:p></p><p class=MsoNormal>Tom<o:p></o:p></p>")
    assert html_to_text(html) == "Hello,\n\nthe lamp is broken.\nTom"


def test_html_quotes_are_prefixed_in_text_and_removed_from_visible_text():
    html = ('<div>Answer</div><div class="moz-cite-prefix">On 01/12/2026 10:00, Support wrote:<br></div>'
            '<blockquote type="cite"><p>Question?</p><blockquote>Older</blockquote></blockquote>')
    assert html_to_text(html) == "Answer\nOn 01/12/2026 10:00, Support wrote:\n\n> Question?\n>\n> > Older"
    assert html_to_text(html, without_quotes=True) == "Answer"


def test_outlook_web_history_after_appendonsend_is_removed_from_visible_text():
    visible = corpus("outlook_reply.eml")
    html_only = parse(part_mail("text/html; charset=utf-8", visible.html.encode()))

    assert html_only.visible_text.endswith("Regards,\nCarla Mendes")
    assert "refund you within 5 days" in html_only.text


@pytest.mark.parametrize(
    ("html", "visible", "quoted"),
    [
        (  # Outlook desktop: the history is not in a blockquote, only under a header block
            "<div class=WordSection1><p class=MsoNormal>Thanks, that helps.<o:p></o:p></p>"
            "<p class=MsoNormal><o:p>&nbsp;</o:p></p><p class=MsoNormal>Dan<o:p></o:p></p>"
            "<div style='border:none;border-top:solid #E1E1E1 1.0pt'><p class=MsoNormal><b>From:</b> Advocate "
            "Support &lt;support@shop.example&gt;<br><b>Sent:</b> Tuesday, December 1, 2026 10:00 AM<br><b>To:</b> "
            "Dan<br><b>Subject:</b> Missing item</p></div><p class=MsoNormal>Which item is missing?</p></div>",
            "Thanks, that helps.\n\nDan",
            "Which item is missing?",
        ),
        (  # Apple Mail: the attribution inside the blockquote
            '<div dir="ltr">Paket ist da, danke!</div><div dir="ltr"><br><blockquote type="cite">Am 01.12.2026 um '
            "10:00 schrieb Advocate &lt;support@shop.example&gt;:<br><br></blockquote></div>"
            '<blockquote type="cite"><div dir="ltr">Hallo, Ihr Paket ist unterwegs.</div></blockquote>',
            "Paket ist da, danke!",
            "Hallo, Ihr Paket ist unterwegs.",
        ),
        (  # Yahoo
            '<div>Still waiting.</div><div class="yahoo_quoted"><div>On Tuesday, December 1, 2026, 10:00:00 AM GMT, '
            "Advocate Support &lt;support@shop.example&gt; wrote:</div><div>Your parcel is on its way.</div></div>",
            "Still waiting.",
            "Your parcel is on its way.",
        ),
        (  # QQ Mail
            "<div>收到了，谢谢。</div><div>------------------&nbsp;原始邮件&nbsp;------------------</div>"
            '<div><div><b>发件人:</b>&nbsp;"客服"&lt;support@shop.example&gt;;</div><div><b>发送时间:</b>&nbsp;'
            "2026年12月1日(星期二) 上午10:00</div><div><b>收件人:</b>&nbsp;王堃</div><div><b>主题:</b>&nbsp;订单</div>"
            "</div>您的订单已发货。",
            "收到了，谢谢。",
            "您的订单已发货。",
        ),
    ],
)
def test_html_only_replies_from_other_mail_programs_show_only_the_answer(html, visible, quoted):
    reply = parse(part_mail("text/html; charset=utf-8", html.encode()))

    assert reply.visible_text == visible
    assert quoted in reply.text


def test_plain_part_that_only_points_to_html_gives_way_to_the_html():
    message = (
        b"From: shop@example.com\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=a\r\n\r\n"
        b"--a\r\nContent-Type: text/plain\r\n\r\nThis is an HTML message. Please use an HTML capable mail program.\r\n"
        b"--a\r\nContent-Type: text/html\r\n\r\n<p>The real text.</p>\r\n--a--\r\n"
    )
    assert parse(message).text == "The real text."


# --- robustness -------------------------------------------------------------------------------------------

HOSTILE = [
    b"",
    b"\r\n",
    b"no headers, no blank line, just words",
    b"From: a@example.com\r\nContent-Type: multipart/mixed\r\n\r\nno boundary here\r\n--x\r\nnot a part\r\n",
    b'From: a@example.com\r\nContent-Type: multipart/mixed; boundary=""\r\n\r\n--\r\n\r\n--\r\n',
    b'From: a@example.com\r\nContent-Type: text/plain; charset="\r\n\r\nunterminated quote\r\n',
    b"From: a@example.com\r\nContent-Type: text/plain; charset=unicode_escape\r\n\r\n\\u0041\\xff\r\n",
    b"From: a@example.com\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!A\r\n",
    b"From: a@example.com\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ=\r\n=",
    b"From: a@example.com\r\nContent-Type: application/pdf\r\n"
    b"Content-Disposition: attachment; filename*0*=bad; filename*1*=%E4%B8; filename*=utf-8''%E4%B8\r\n\r\nx",
    b"From: a@example.com\r\nContent-Type: image/png\r\n"
    b"Content-Disposition: attachment; filename=\"../../.htaccess\"\r\n\r\nx",
    b"Subject: =?utf-8?B?===?= =?x-unknown?Q?abc?= =?utf-8?Q?=E4=B8?=\r\n"
    b"Date: Mon, 99 Foo 99999 99:99:99 +9999\r\n\r\nx",
    b"Date: 9999999999999999999999\r\nMessage-ID: <>\r\nReferences: <<<>>> <\r\nIn-Reply-To: (((\r\n\r\nx",
    b"From: \x00\x01\x02 <\x00@\x00>\r\nSubject: nul\x00byte\r\n\r\nbody\x00with nul",
    b"From: a@example.com\r\nX-Long: " + b"a" * 200_000 + b"\r\n\r\nbody",
    b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\nU3ViamVjdDogaGkKCmJvZHkK\r\n",
    b"Content-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822\r\nAction: failed\r\n",
    b"Content-Type: text/html\r\n\r\n" + b"<div>" * 5000 + b"deep" + b"</div>" * 5000,
    b"Content-Type: text/html\r\n\r\n<blockquote>" * 300 + b"quoted",
    b"Content-Type: text/plain; format=flowed; delsp=yes\r\n\r\n>>> a \r\n>> b \r\n-- \r\n",
]


def nested_multipart(depth: int) -> bytes:
    head = b"".join(f"Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n".encode() for i in range(depth))
    return head + b"Content-Type: text/plain\r\n\r\ndeepest\r\n"


def check_sane(message: ParsedMail) -> None:
    assert isinstance(message, ParsedMail)
    assert message.message_id
    assert message.automatic in ("", "auto_reply", "bounce", "list")
    for value in (message.message_id, message.from_address, message.from_name, message.subject, message.text,
                  message.visible_text, message.html, message.language, *message.to, *message.references):
        assert isinstance(value, str) and "\x00" not in value
        value.encode("utf-8")  # storable: no lone surrogates
    assert bool(message.visible_text) == bool(message.text)
    assert message.date is None or message.date.tzinfo is not None
    for attachment in message.attachments:
        assert attachment.filename and "/" not in attachment.filename and "\\" not in attachment.filename
        assert isinstance(attachment.data, bytes)


@pytest.mark.parametrize("message", [*HOSTILE, nested_multipart(60), nested_multipart(1500)])
def test_hostile_messages_never_raise(message):
    check_sane(parse(message))


def test_dangerous_filenames_are_made_safe():
    (attachment,) = parse(HOSTILE[10]).attachments
    assert attachment.filename == "htaccess"


@pytest.mark.parametrize("control", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067",
                                     "\u2068", "\u2069", "\u200e", "\u200f", "\u061c"])
def test_attachment_names_lose_bidi_controls_so_they_read_as_they_are(control):
    from advocate.cases.mail.compose import compose

    # "invoice\u202Efdp.exe" shows as "invoiceexe.pdf": without the control it shows what it is.
    raw = compose(sender="a@example.com", attachment=(f"invoice{control}fdp.exe", "application/octet-stream", b"MZ"))
    (attachment,) = parse(raw).attachments
    assert attachment.filename == "invoicefdp.exe"
    # Also in an RFC 2231 name and when nothing but controls is left.
    rfc2231 = mail('Content-Type: multipart/mixed; boundary="b"', "--b\nContent-Type: text/plain\n\nHi\n--b\n"
                   "Content-Type: application/pdf\nContent-Disposition: attachment; "
                   f"filename*=utf-8''%E2%80%AE%E2%81%A6{control.encode().hex('%').upper().join(['%', ''])}x.pdf\n"
                   "\nJVBERi0=\n--b--\n")
    assert [a.filename for a in parse(rfc2231).attachments] == ["x.pdf"]
    only = compose(sender="a@example.com", attachment=(control * 3, "application/pdf", b"%PDF"))
    assert parse(only).attachments[0].filename == "attachment-1.pdf"


def garbled(data: bytes, rng: random.Random) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        position = rng.randrange(len(data)) if data else 0
        choice = rng.randrange(6)
        if choice == 0:  # flip a byte
            if data:
                data[position] = rng.randrange(256)
        elif choice == 1:  # insert junk
            data[position:position] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 20)))
        elif choice == 2:  # cut a stretch out
            del data[position:position + rng.randint(1, 200)]
        elif choice == 3:  # repeat a stretch
            data[position:position] = data[position:position + rng.randint(1, 200)]
        elif choice == 4:  # break a line ending
            data[position:position] = rng.choice([b"\r", b"\n", b"\r\n\r\n", b"\n ", b"=", b"=?", b"--"])
        else:  # a header-breaking character
            data[position:position] = rng.choice([b":", b";", b'"', b"<", b">", b"\x00", b"\xff", b"\x1b$B"])
    return bytes(data)


@pytest.mark.parametrize("name", sorted(path.name for path in CORPUS.glob("*.eml")))
def test_truncated_and_garbled_corpus_mail_never_raises(name):
    original = raw(name)
    rng = random.Random(name)  # the same variations on every run
    for cut in range(0, len(original), max(1, len(original) // 25)):
        check_sane(parse(original[:cut]))
    for _ in range(40):
        check_sane(parse(garbled(original, rng)))


def test_the_parser_is_plain_python_without_django():
    probe = "import sys, advocate.cases.mail.parse; print(any(m.startswith('django') for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# --- what makes two mails the same mail -----------------------------------------------------------------------


def test_content_digest_ignores_the_route_but_not_what_the_mail_says():
    from advocate.cases.mail.parse import content_digest

    plain = mail("Message-ID: <d@x>\nSubject: Lamp", "Still broken.\n")
    routed = mail("Received: from mx by imap\nMessage-ID: <d@x>\nSubject:  Lamp ", "Still  broken.\r\n\n")
    assert content_digest(parse(plain)) == content_digest(parse(routed))
    for other in (mail("Message-ID: <d@x>\nSubject: Lamp", "Still broken!\n"),
                  mail("Message-ID: <d@x>\nSubject: Lamp 2", "Still broken.\n"),
                  mail("From: bob@example.net\nMessage-ID: <d@x>\nSubject: Lamp", "Still broken.\n")):
        assert content_digest(parse(other)) != content_digest(parse(plain))


def test_content_digest_tells_two_photos_under_one_message_id_apart():
    from advocate.cases.mail.compose import compose
    from advocate.cases.mail.parse import content_digest

    first, second = (compose(sender="a@example.com", message_id="m@phone", body="", subject="Photo",
                             attachment=("photo.jpg", "image/jpeg", data)) for data in (b"one", b"two"))
    assert content_digest(parse(first)) != content_digest(parse(second))


def test_x_loop_values_are_read_lowercased_without_brackets():
    assert parse(mail("X-Loop: <Service@Shop.Example>\nX-Loop: other@list.example")).loops == (
        "service@shop.example", "other@list.example")
