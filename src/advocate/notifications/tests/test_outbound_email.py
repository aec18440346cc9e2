"""Email is sent after the transaction that decided it commits, exactly once, and retried when the mail
server cannot be reached (a real connection to a closed port, not a stand-in)."""

import socket
from datetime import timedelta
from functools import partial
from types import SimpleNamespace

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from advocate.conftest import run_together
from advocate.notifications import services
from advocate.notifications.models import EmailState, OutboundEmail


def queue(key="k1", language="en"):
    return services.email_queue(
        key=key, to="ann@example.com", template="claims/email/customer.txt", language=language,
        context={"event": "order_cancelled", "customer": SimpleNamespace(name="Ann"),
                 "order": SimpleNamespace(external_id="A-1"),
                 "support_phone": "+1 800", "site_url": "http://x"},
    )


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def no_worker(settings):
    """Tasks are recorded but nothing runs them, as when the worker is busy or down."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def unreachable_smtp(settings, no_worker):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": closed_port(), "timeout": 2}}}


@pytest.mark.django_db
def test_nothing_is_sent_until_the_deciding_transaction_commits(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        email = queue()
    assert mailoutbox == [] and len(callbacks) == 1

    callbacks[0]()
    assert [m.subject for m in mailoutbox] == ["Your order A-1 was cancelled — refund issued"]
    message = mailoutbox[0]
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert message.extra_headers["Message-ID"] == email.message_id
    assert OutboundEmail.objects.get().state == EmailState.SENT


@pytest.mark.django_db
def test_the_same_key_queues_and_sends_once(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first, again = queue(), queue()
    assert first.pk == again.pk
    assert services.email_send(first.pk) is False  # already sent: a repeated task changes nothing
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_an_unreachable_mail_server_is_retried_with_growing_pauses_then_given_up(settings, unreachable_smtp):
    email = queue()
    assert services.email_send(email.pk) is False
    email.refresh_from_db()
    assert email.state == EmailState.QUEUED and email.attempts == 1
    assert "Connection refused" in email.last_error or "Errno 111" in email.last_error
    first_pause = email.next_attempt_at - timezone.now()
    assert timedelta(seconds=50) < first_pause <= timedelta(minutes=1)
    assert services.emails_send_due() == 0  # not due yet

    later = timezone.now() + timedelta(minutes=2)
    assert services.emails_send_due(now=later) == 0
    email.refresh_from_db()
    assert email.attempts == 2 and email.next_attempt_at - later > timedelta(minutes=4)

    for _ in range(services.MAX_ATTEMPTS):
        OutboundEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
        services.email_send(email.pk)
    email.refresh_from_db()
    assert email.state == EmailState.FAILED and email.attempts == services.MAX_ATTEMPTS


@pytest.mark.django_db
def test_once_the_server_is_back_the_due_email_goes_out_once(settings, unreachable_smtp):
    email = queue()
    services.email_send(email.pk)
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    mail.outbox = []

    later = timezone.now() + timedelta(minutes=5)
    assert services.emails_send_due(now=later) == 1
    assert services.emails_send_due(now=later) == 0
    assert len(mail.outbox) == 1
    assert OutboundEmail.objects.get().state == EmailState.SENT


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_email_at_once_send_it_once(mailoutbox, no_worker):
    email = queue()
    results = run_together(*[partial(services.email_send, email.pk)] * 4)
    assert sorted(results) == [False, False, False, True]
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_decision_sends_nothing(mailoutbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue()
        raise RuntimeError("the decision failed half-way")
    assert OutboundEmail.objects.count() == 0 and mailoutbox == []


@pytest.mark.mail
@pytest.mark.django_db
def test_one_click_unsubscribe_headers_reach_the_mailbox_folded_not_encoded(mail_server, settings,
                                                                             django_capture_on_commit_callbacks):
    settings.MAILERS = mail_server.mailer()
    to = mail_server.address("ann")
    opt_out = "https://shop.example/messages/stop/" + "eyJjdXN0b21lciI6MTd9." * 4 + "1vXyZ:AbCdEfGhIjKlMnOp/"
    with django_capture_on_commit_callbacks(execute=True):
        services.email_queue(key="u1", to=to, template="claims/email/customer.txt", language="en",
                             context={"event": "order_cancelled", "customer": SimpleNamespace(name="Ann"),
                                      "order": SimpleNamespace(external_id="A-1"), "support_phone": "+1 800",
                                      "site_url": "http://x"},
                             headers={"List-Unsubscribe": f"<{opt_out}>, <mailto:stop@shop.example>",
                                      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
    raw = mail_server.wait_for(to, 1)[0]
    head = raw.split(b"\r\n\r\n", 1)[0]
    # Folded: each URL whole on a line of its own, nothing RFC 2047-encoded.
    assert f"List-Unsubscribe:\r\n <{opt_out}>,\r\n <mailto:stop@shop.example>\r\n".encode() in head
    assert b"\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in head
    assert f"\r\nX-Loop: {settings.DEFAULT_FROM_EMAIL}\r\n".encode() in head


@pytest.mark.django_db
def test_a_subject_never_carries_a_line_break_into_the_header(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.email_queue(key="s1", to="ann@example.com", template="cases/email/reply.txt", language="en",
                             context={"subject": "Lamp\rBcc: evil@example.com", "body": "x", "author": "Sam"})
    assert OutboundEmail.objects.get().state == EmailState.SENT
    raw = mailoutbox[0].message().as_bytes()
    assert b"\nBcc:" not in raw and b"Subject: Lamp Bcc: evil@example.com" in raw
