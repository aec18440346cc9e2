"""Mail as customers' mail programs write it: for the demo's sample mail, the tests and the benchmarks.
Plain Python: no Django. Message-IDs are given and compared without angle brackets."""

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid


def compose(*, sender: str, to: str = "service@advocate.localhost", subject: str = "Question about my order",
            body: str = "Hello, where is my parcel?", message_id: str | None = None,
            in_reply_to: str | None = None, references: list[str] | None = None, cc: list[str] | None = None,
            headers: dict | None = None, name: str = "", when: datetime | None = None, html: str = "",
            attachment: tuple[str, str, bytes] | None = None) -> bytes:
    """One email as bytes: plain text, or HTML only when `html` is given; `attachment` is (filename,
    content type, bytes)."""
    mail = EmailMessage()
    mail["From"] = f"{name} <{sender}>" if name else sender
    mail["To"] = to
    if cc:
        mail["Cc"] = ", ".join(cc)
    mail["Subject"] = subject
    mail["Date"] = format_datetime(when or datetime.now(UTC))
    mail["Message-ID"] = f"<{message_id}>" if message_id else make_msgid(domain="mail.example")
    if in_reply_to:
        mail["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        mail["References"] = " ".join(f"<{r}>" for r in references)
    for key, value in (headers or {}).items():
        mail[key] = value
    if html:
        mail.set_content(html, subtype="html")
    else:
        mail.set_content(body)
    if attachment:
        filename, content_type, data = attachment
        maintype, _, subtype = content_type.partition("/")
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return mail.as_bytes()
