"""Threading: every reply finds its conversation, nobody's mail lands in someone else's, nothing is stored
twice, and no robot is ever answered. A corpus of the header cases real mail programs produce."""

import io

import pytest
from django.conf import settings
from django.core.management import call_command

from advocate.cases import services, tokens
from advocate.cases.mail.compose import compose
from advocate.cases.models import Conversation, ConversationState, Direction, InboundMail, InboundOutcome, Message
from advocate.conftest import ALICE, BOB
from advocate.notifications.models import OutboundEmail
from advocate.notifications.services import new_message_id

pytestmark = pytest.mark.django_db

ALICE_MAIL = ALICE["email"]
STRANGER = "mallory@evil.example"


def receive(raw: bytes, **kwargs):
    return services.mail_receive(raw, source="test", **kwargs)[0]


@pytest.fixture
def thread(shop, associate, commit):
    """Alice wrote about order A-1, and an associate answered: the conversation, her first mail, our reply."""
    shop.send(shop.order_placed("A-1"))
    first = receive(compose(sender=ALICE_MAIL, name=ALICE["name"], subject="Order A-1: lamp is flickering",
                            message_id="first@alice.example"))
    conversation = first.conversation
    reply = commit(lambda: services.reply_send(conversation=conversation, by=associate, body="Sorry! Refunded.",
                                               request_key="r1"))
    conversation.refresh_from_db()
    return conversation, reply


def test_a_new_mail_from_a_customer_starts_a_conversation_about_the_order_it_names(thread):
    conversation, _ = thread
    assert conversation.customer.external_id == ALICE["id"]
    assert conversation.order.external_id == "A-1"
    assert conversation.subject == "Order A-1: lamp is flickering"
    assert conversation.messages.filter(direction=Direction.IN).count() == 1


def test_our_reply_carries_threading_headers_and_signed_tokens(thread):
    conversation, reply = thread
    email = OutboundEmail.objects.get(pk=reply.email_id)
    assert email.headers["In-Reply-To"] == "<first@alice.example>"
    assert email.headers["References"] == "<first@alice.example>"
    assert tokens.subject_token(conversation.pk, settings.SECRET_KEY) in email.subject
    assert email.reply_to == tokens.reply_address(settings.DEFAULT_FROM_EMAIL, conversation.pk, settings.SECRET_KEY)
    assert email.automatic is False  # a person wrote it: not marked Auto-Submitted
    assert conversation.state == ConversationState.WAITING and conversation.waiting_since is None


@pytest.mark.parametrize("how", ["in_reply_to", "references", "address", "subject"])
def test_a_reply_joins_its_conversation_by_each_rule_in_turn(thread, how):
    conversation, reply = thread
    secret = settings.SECRET_KEY
    headers = {
        "in_reply_to": {"in_reply_to": reply.message_id, "references": ["first@alice.example", reply.message_id]},
        # Some mail programs drop In-Reply-To and keep only References.
        "references": {"references": ["first@alice.example", reply.message_id]},
        # Headers stripped (a webmail "reply" that starts a new mail), but sent to the reply address.
        "address": {"to": tokens.reply_address(settings.DEFAULT_FROM_EMAIL, conversation.pk, secret)},
        # Only the subject survived (copied into a brand-new mail).
        "subject": {"subject": f"Still broken {tokens.subject_token(conversation.pk, secret)}"},
    }[how]
    inbound = receive(compose(sender=ALICE_MAIL, body="It is still flickering.", **headers))
    assert inbound.conversation_id == conversation.pk
    assert inbound.thread_rule == how
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.OPEN  # her reply puts it back in the queue
    assert conversation.waiting_since is not None
    assert Conversation.objects.count() == 1


def test_a_stranger_quoting_someone_elses_references_and_subject_token_starts_their_own_conversation(thread):
    conversation, reply = thread
    secret = settings.SECRET_KEY
    inbound = receive(compose(
        sender=STRANGER, in_reply_to=reply.message_id, references=[reply.message_id],
        subject=f"Re: lamp {tokens.subject_token(conversation.pk, secret)}", body="Give me the refund instead.",
    ))
    assert inbound.conversation_id != conversation.pk
    assert inbound.conversation.customer is None and inbound.conversation.email == STRANGER
    assert not conversation.messages.filter(from_email=STRANGER).exists()


ALICE_AT_WORK = "alice.m@work.example"


def test_a_reply_to_the_signed_reply_address_joins_from_another_address_of_the_same_person(thread, login,
                                                                                          associate):
    conversation, reply = thread
    address = tokens.reply_address(settings.DEFAULT_FROM_EMAIL, conversation.pk, settings.SECRET_KEY)
    # Alice answers from her work account: the headers would not let that address in, the reply address does.
    inbound = receive(compose(sender=ALICE_AT_WORK, to=address, in_reply_to=reply.message_id,
                              subject="Re: lamp", body="Writing from work: it flickers again."))
    assert (inbound.conversation_id, inbound.thread_rule) == (conversation.pk, "address")
    message = conversation.messages.get(body__startswith="Writing from work")
    assert (message.from_email, message.thread_rule) == (ALICE_AT_WORK, "address")
    conversation.refresh_from_db()
    assert conversation.email == ALICE_MAIL  # we still answer the customer's own address
    assert conversation.state == ConversationState.OPEN
    # The associate sees that it came from another address, and why it is here; not on Alice's own mail.
    page = login(associate).get(f"/service/conversations/{conversation.pk}/").content.decode()
    assert page.count("not the customer's address") == 1
    assert f"Sent from {ALICE_AT_WORK}, not the customer's address; replies go to {ALICE_MAIL}." in page
    assert "signed reply address" in page


def test_the_subject_token_alone_never_lets_another_address_in(thread):
    conversation, _ = thread
    inbound = receive(compose(sender=ALICE_AT_WORK, subject=f"Re: lamp "
                              f"{tokens.subject_token(conversation.pk, settings.SECRET_KEY)}"))
    assert inbound.conversation_id != conversation.pk and inbound.outcome == "new"


def test_a_reply_address_with_a_forged_signature_lets_nobody_in(thread):
    conversation, _ = thread
    local, _, domain = settings.DEFAULT_FROM_EMAIL.partition("@")
    inbound = receive(compose(sender=ALICE_AT_WORK, to=f"{local}+c{conversation.pk}-00000000@{domain}"))
    assert inbound.conversation_id != conversation.pk


def test_a_forged_token_is_not_trusted(thread):
    conversation, _ = thread
    forged = f"[#{conversation.pk}-00000000]"
    inbound = receive(compose(sender=ALICE_MAIL, subject=f"Hello {forged}"))
    assert inbound.conversation_id != conversation.pk


def test_someone_copied_on_the_customers_mail_may_answer_in_the_conversation(shop, commit, associate):
    shop.send(shop.order_placed("A-2"))
    first = receive(compose(sender=ALICE_MAIL, cc=["partner@home.example"], message_id="cc1@alice.example",
                            subject="Gift for my partner"))
    reply_all = receive(compose(sender="partner@home.example", cc=[ALICE_MAIL], in_reply_to="cc1@alice.example",
                                subject="Re: Gift for my partner", body="It was for me; the size is wrong."))
    assert reply_all.conversation_id == first.conversation_id
    assert first.conversation.messages.get(message_id="cc1@alice.example").cc == "partner@home.example"


def test_a_forwarded_mail_starts_a_new_conversation(thread):
    conversation, reply = thread
    # Alice forwards our reply to her brother, who writes to us with it quoted: he is not in the conversation.
    inbound = receive(compose(sender=BOB["email"], subject=f"Fwd: {reply.subject}",
                              body=f"---------- Forwarded message ---------\n{reply.body}"))
    assert inbound.conversation_id != conversation.pk
    assert inbound.conversation.email == BOB["email"]


def test_fetching_the_same_mail_twice_stores_it_once(thread):
    raw = compose(sender=ALICE_MAIL, message_id="twice@alice.example", subject="Another thing")
    first, created = services.mail_receive(raw, source="imap")
    again, created_again = services.mail_receive(raw, source="smtp")
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Message.objects.filter(message_id="twice@alice.example").count() == 1
    assert InboundMail.objects.filter(message_id="twice@alice.example").count() == 1


def test_a_mail_without_a_message_id_is_still_stored_once():
    raw = compose(sender=ALICE_MAIL, subject="No id").replace(b"Message-ID:", b"X-Old-Message-ID:")
    first, _ = services.mail_receive(raw, source="imap")
    again, created = services.mail_receive(raw, source="imap")
    assert not created and again.pk == first.pk
    assert first.message_id.endswith("@advocate.invalid")


@pytest.mark.parametrize("headers", [
    {"Auto-Submitted": "auto-replied", "Subject": "Automatic reply: lamp"},
    {"Subject": "Abwesenheitsnotiz: Lampe", "X-Autoreply": "yes"},
    {"Precedence": "bulk"},
])
def test_an_auto_reply_to_our_answer_is_kept_but_never_reopens_or_answers(thread, headers, commit):
    conversation, reply = thread
    subject = headers.pop("Subject", "Re: lamp")
    sent_before = OutboundEmail.objects.count()
    inbound = commit(lambda: receive(compose(sender=ALICE_MAIL, in_reply_to=reply.message_id, subject=subject,
                                             body="I am away until Monday.", headers=headers)))
    assert inbound.automatic == "auto_reply"
    assert inbound.conversation_id == conversation.pk
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.WAITING  # still waiting for Alice herself
    assert OutboundEmail.objects.count() == sent_before


def test_bounces_and_list_mail_start_no_conversation():
    bounce = receive(compose(sender="MAILER-DAEMON@mx.example", subject="Undelivered Mail Returned to Sender",
                             headers={"Auto-Submitted": "auto-replied"}))
    listed = receive(compose(sender="news@shop.example", subject="Our November deals",
                             headers={"List-Id": "<deals.shop.example>", "List-Unsubscribe": "<mailto:x@y>"}))
    assert (bounce.automatic, listed.automatic) == ("bounce", "list")
    assert bounce.conversation is None and listed.conversation is None
    assert Conversation.objects.count() == 0


def test_a_bounce_of_our_reply_is_shown_in_its_conversation_without_reopening_it(thread):
    conversation, reply = thread
    report = (
        "From: MAILER-DAEMON@mx.example\r\nTo: service@advocate.localhost\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nAuto-Submitted: auto-replied\r\n"
        "Message-ID: <bounce-1@mx.example>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered: mailbox full.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n"
        f"Final-Recipient: rfc822; {ALICE_MAIL}\r\nAction: failed\r\nStatus: 5.2.2\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: <{reply.message_id}>\r\nSubject: Re: lamp\r\n"
        "--B--\r\n"
    ).encode()
    inbound = receive(report)
    assert inbound.automatic == "bounce"
    assert (inbound.conversation_id, inbound.thread_rule) == (conversation.pk, "bounce")
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.WAITING


def test_a_reply_to_one_of_our_automatic_emails_starts_a_conversation_about_that_order(shop, commit):
    from advocate.notifications.services import email_queue

    shop.send(shop.order_placed("A-3"))
    from advocate.commerce.models import Order

    order = Order.objects.get(external_id="A-3")
    email = commit(lambda: email_queue(key="t:1", to=ALICE_MAIL, template="cases/email/reply.txt",
                                       context={"subject": "Refund issued", "body": "x", "author": "Advocate"},
                                       language="en", order=order))
    inbound = receive(compose(sender=ALICE_MAIL, in_reply_to=email.message_id.strip("<>"), subject="Re: Refund issued",
                              body="Thanks, but when will I see the money?"))
    assert inbound.outcome == "new"
    assert inbound.conversation.order == order


def test_a_forged_message_id_cannot_take_over_one_of_ours(thread):
    _, reply = thread
    inbound = receive(compose(sender=STRANGER, message_id=reply.message_id, subject="hijack"))
    assert Message.objects.get(message_id=reply.message_id).direction == Direction.OUT
    # A Message-ID we minted is our own mail coming back: kept for the record, in no conversation.
    assert (inbound.outcome, inbound.conversation) == (InboundOutcome.OWN, None)
    assert Conversation.objects.count() == 1


# --- our own mail coming back ---------------------------------------------------------------------------------


def _own_mail_variants(conversation, reply):
    """Our mail as it comes back: each is ours by one sign only, and each claims Alice's conversation."""
    ours = settings.DEFAULT_FROM_EMAIL
    address = tokens.reply_address(ours, conversation.pk, settings.SECRET_KEY)
    claims = {"in_reply_to": reply.message_id, "to": address,
              "subject": f"Re: lamp {tokens.subject_token(conversation.pk, settings.SECRET_KEY)}"}
    return {
        "from_us_in_capitals": compose(sender=ours.upper(), message_id="back1@relay.example", **claims),
        "from_our_reply_address": compose(sender=address.replace("service", "Service"),
                                          message_id="back2@relay.example", **claims),
        # A forwarding rule that rewrote From to the customer but kept our X-Loop header.
        "x_loop": compose(sender=ALICE_MAIL, message_id="back3@relay.example",
                          headers={"X-Loop": f"<{ours.upper()}>"}, **claims),
        # A Message-ID we minted (our domain), From rewritten, X-Loop dropped.
        "our_message_id": compose(sender=ALICE_MAIL, message_id=new_message_id().strip("<>"), **claims),
        # The very Message-ID of our reply, under an older mail domain of ours (kept in OutboundEmail).
        "our_recorded_message_id": compose(
            sender=ALICE_MAIL, message_id=OutboundEmail.objects.get(pk=reply.email_id).message_id.strip("<>"),
            **claims),
    }


@pytest.mark.parametrize("variant", ["from_us_in_capitals", "from_our_reply_address", "x_loop", "our_message_id",
                                     "our_recorded_message_id"])
def test_our_own_mail_coming_back_is_kept_but_never_joins_reopens_or_is_answered(thread, commit, variant):
    conversation, reply = thread
    raw = _own_mail_variants(conversation, reply)[variant]
    sent_before, messages_before = OutboundEmail.objects.count(), Message.objects.count()
    inbound, created = commit(lambda: services.mail_receive(raw, source="test"))
    assert created and inbound.outcome == InboundOutcome.OWN
    assert inbound.conversation is None and inbound.raw.read() == raw  # kept, exactly as it arrived
    assert Message.objects.count() == messages_before and Conversation.objects.count() == 1
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.WAITING  # not reopened
    assert OutboundEmail.objects.count() == sent_before  # and nothing answers it
    assert services.mail_receive(raw, source="test")[1] is False  # once


def test_every_email_we_send_carries_our_x_loop_header(thread, mailoutbox):
    assert [m.extra_headers.get("X-Loop") for m in mailoutbox] == [settings.DEFAULT_FROM_EMAIL]
    assert mailoutbox[0].message()["X-Loop"] == settings.DEFAULT_FROM_EMAIL


def test_someone_else_at_our_domain_is_not_us(thread, settings):
    # The shop's own people at the same domain may write as customers; only the address we send from is ours.
    inbound = receive(compose(sender="jo@" + settings.ADVOCATE_MAIL_DOMAIN, subject="My own order",
                              headers={"X-Loop": "lists@elsewhere.example"}))
    assert inbound.outcome == InboundOutcome.NEW and inbound.conversation is not None


# --- a Message-ID used twice ----------------------------------------------------------------------------------


def test_a_different_mail_reusing_a_message_id_is_kept_in_its_own_conversation(thread):
    conversation, reply = thread
    # Alice's phone mints one Message-ID a minute: her answer to our reply, then a new question, share one.
    answer = compose(sender=ALICE_MAIL, message_id="minute-1@phone.example", in_reply_to=reply.message_id,
                     subject="Re: lamp", body="Thank you, the refund arrived.")
    question = compose(sender=ALICE_MAIL, message_id="minute-1@phone.example", subject="Gift wrapping?",
                       body="Do you wrap gifts?")
    first, second = receive(answer), receive(question)
    assert (first.conversation_id, first.reused_message_id) == (conversation.pk, False)
    assert second.pk != first.pk and second.reused_message_id
    assert second.outcome == InboundOutcome.NEW and second.conversation_id != conversation.pk
    assert second.conversation.messages.get().body == "Do you wrap gifts?"
    assert conversation.messages.filter(message_id="minute-1@phone.example").get().body.startswith("Thank you")
    # Each one again is a duplicate of itself.
    assert services.mail_receive(answer, source="imap") == (first, False)
    assert services.mail_receive(question, source="imap") == (second, False)
    assert InboundMail.objects.filter(message_id="minute-1@phone.example").count() == 2


def test_the_same_mail_re_encoded_on_the_way_is_still_a_duplicate(thread):
    original = compose(sender=ALICE_MAIL, message_id="enc@alice.example", subject="Lamp", body="Still broken.\n")
    # The same mail as another route hands it over: another header, line endings and the body in base64.
    import base64
    head, _, body = original.partition(b"\n\n")
    rewritten = (b"Received: from mx by imap; Mon, 7 Dec 2026 10:00:00 +0000\r\n"
                 + head.replace(b"Content-Transfer-Encoding: 7bit", b"Content-Transfer-Encoding: base64")
                 .replace(b"\n", b"\r\n") + b"\r\n\r\n" + base64.encodebytes(body.replace(b"\n", b"\r\n")))
    first, created = services.mail_receive(original, source="smtp")
    again, created_again = services.mail_receive(rewritten, source="imap")
    assert (created, created_again) == (True, False) and again.pk == first.pk


def test_mail_stored_before_digests_were_kept_is_matched_by_its_message_id(thread):
    raw = compose(sender=ALICE_MAIL, message_id="old@alice.example", subject="Old")
    first = receive(raw)
    InboundMail.objects.filter(pk=first.pk).update(content_hash="")  # as an earlier version stored it
    again, created = services.mail_receive(raw, source="imap")
    assert not created and again.pk == first.pk


def test_the_mail_command_says_what_was_new_duplicate_reused_or_ours(thread, tmp_path):
    conversation, reply = thread
    mails = {
        "a.eml": compose(sender=ALICE_MAIL, message_id="cli@alice.example", subject="One"),
        "b.eml": compose(sender=ALICE_MAIL, message_id="cli@alice.example", subject="Two", body="Another"),
        "c.eml": compose(sender=BOB["email"], message_id="cli-bob@bob.example", subject="Three"),
        "d.eml": _own_mail_variants(conversation, reply)["x_loop"],
    }
    for name, raw in mails.items():
        (tmp_path / name).write_bytes(raw)
    files = [str(tmp_path / name) for name in [*mails, "a.eml", "b.eml"]]
    out = io.StringIO()
    call_command("mail", "import", *files, stdout=out)
    assert out.getvalue().strip() == (
        "2 new, 2 duplicates skipped, 1 reused Message-ID kept as new, 1 of our own kept, not answered")


def test_the_whole_corpus_has_no_wrong_merges_and_no_duplicates(shop, associate, commit):
    """Each mail is labelled with the conversation it must end in; the corpus is fed twice."""
    shop.send(shop.order_placed("A-9"), shop.order_placed("B-9", customer=BOB))
    secret = settings.SECRET_KEY
    corpus = [("alice", compose(sender=ALICE_MAIL, message_id="c1@a", subject="A-9 broken")),
              ("bob", compose(sender=BOB["email"], message_id="c2@b", subject="B-9 late"))]
    for _label, raw in corpus:
        receive(raw)
    alice_conv = Conversation.objects.get(email=ALICE_MAIL)
    bob_conv = Conversation.objects.get(email=BOB["email"])
    reply_a = commit(lambda: services.reply_send(conversation=alice_conv, by=associate, body="On it", request_key="a"))
    reply_b = commit(lambda: services.reply_send(conversation=bob_conv, by=associate, body="On it", request_key="b"))
    corpus += [
        ("alice", compose(sender=ALICE_MAIL, message_id="c3@a", in_reply_to=reply_a.message_id)),
        ("alice", compose(sender=ALICE_MAIL.upper(), message_id="c4@a", references=["c1@a", reply_a.message_id])),
        ("bob", compose(sender=BOB["email"], message_id="c5@b",
                        to=tokens.reply_address(settings.DEFAULT_FROM_EMAIL, bob_conv.pk, secret))),
        ("bob", compose(sender=BOB["email"], message_id="c6@b",
                        subject=f"Re: {tokens.subject_token(bob_conv.pk, secret)}")),
        # Bob replying with Alice's thread headers (a mix-up in his mail program) must not land in hers.
        ("new", compose(sender=BOB["email"], message_id="c7@b", in_reply_to=reply_a.message_id)),
        ("new", compose(sender=STRANGER, message_id="c8@m", in_reply_to=reply_b.message_id,
                        subject=f"Re: {tokens.subject_token(bob_conv.pk, secret)}")),
        ("none", compose(sender=ALICE_MAIL, message_id="c9@a", in_reply_to=reply_a.message_id,
                         headers={"Auto-Submitted": "auto-replied"})),
        # Our own mail coming back, claiming Alice's conversation: kept, in none.
        ("own", compose(sender=settings.DEFAULT_FROM_EMAIL.upper(), message_id="c10@relay", to=ALICE_MAIL,
                        in_reply_to="c1@a")),
        ("own", compose(sender=ALICE_MAIL, message_id="c11@relay", in_reply_to=reply_a.message_id,
                        headers={"X-Loop": settings.DEFAULT_FROM_EMAIL})),
        ("own", compose(sender=ALICE_MAIL, message_id=reply_a.message_id, in_reply_to=reply_a.message_id)),
        # A phone that reuses Message-IDs: a different mail under an id already seen is kept where it belongs.
        ("alice", compose(sender=ALICE_MAIL, message_id="c3@a", in_reply_to=reply_a.message_id,
                          body="And the cable is loose.")),
        ("new", compose(sender=ALICE_MAIL, message_id="c1@a", subject="Gift wrapping?", body="Do you wrap?")),
        # Bob from his other address: the subject token alone does not let him in, the signed reply address does
        # (and from then on that address has taken part).
        ("new", compose(sender="bob@work.example", message_id="c12@bw", in_reply_to=reply_b.message_id,
                        subject=f"Re: {tokens.subject_token(bob_conv.pk, secret)}")),
        ("bob", compose(sender="bob@work.example", message_id="c13@bw",
                        cc=[tokens.reply_address(settings.DEFAULT_FROM_EMAIL, bob_conv.pk, secret)])),
        # Alice answers in Russian under a "Вы писали …:" attribution, with a file named to look like a photo.
        ("alice", compose(sender=ALICE_MAIL, message_id="c14@a", in_reply_to=reply_a.message_id,
                          body="Лампа всё ещё мигает.\n\nВы писали 1 декабря 2026 г., 10:00:\n> On it\n",
                          attachment=("лампа\u202egpj.exe", "application/octet-stream", b"MZ"))),
    ]
    expected = {"alice": alice_conv.pk, "bob": bob_conv.pk}
    for _round in range(2):
        for label, raw in corpus:
            inbound = receive(raw)
            if label in expected:
                assert inbound.conversation_id == expected[label], (label, inbound.message_id)
            elif label == "new":
                assert inbound.conversation_id not in expected.values(), inbound.message_id
            elif label == "own":
                assert (inbound.outcome, inbound.conversation_id) == (InboundOutcome.OWN, None), inbound.message_id
    own = sum(label == "own" for label, _ in corpus)
    assert InboundMail.objects.count() == len(corpus)
    assert InboundMail.objects.filter(reused_message_id=True).count() == 2
    # Every mail is a message once (the auto-reply too), except our own.
    assert Message.objects.filter(direction=Direction.IN).count() == len(corpus) - own
    # Alice's, Bob's, Bob's mixed-up reply, the stranger's, Alice's new question under a reused id, Bob's from
    # work with only the subject token.
    assert Conversation.objects.count() == 6
    alice_conv.refresh_from_db()
    assert alice_conv.messages.filter(direction=Direction.IN).count() == 6  # c1, c3, c4, c9, the second c3, c14
    russian = alice_conv.messages.get(message_id="c14@a")
    assert russian.body == "Лампа всё ещё мигает." and russian.attachments.get().filename == "лампаgpj.exe"
