"""Mail as customers' mail programs write it, for the tests."""

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.utils import timezone


def compose(*, sender: str, to: str = "service@advocate.localhost", subject: str = "Question about my order",
            body: str = "Hello, where is my parcel?", message_id: str | None = None,
            in_reply_to: str | None = None, references: list[str] | None = None, cc: list[str] | None = None,
            headers: dict | None = None, name: str = "") -> bytes:
    """One email as bytes. Message-IDs are given and compared without angle brackets."""
    mail = EmailMessage()
    mail["From"] = f"{name} <{sender}>" if name else sender
    mail["To"] = to
    if cc:
        mail["Cc"] = ", ".join(cc)
    mail["Subject"] = subject
    mail["Date"] = format_datetime(timezone.now())
    mail["Message-ID"] = f"<{message_id}>" if message_id else make_msgid(domain="mail.example")
    if in_reply_to:
        mail["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        mail["References"] = " ".join(f"<{r}>" for r in references)
    for key, value in (headers or {}).items():
        mail[key] = value
    mail.set_content(body)
    return mail.as_bytes()
