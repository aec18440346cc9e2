"""Inbound email read as a helpdesk needs it: who wrote, to which thread, what they wrote and attached, and
whether a person wrote it at all.

`parse(raw)` never raises. Mail programs write broken headers, wrong charset labels, bad base64 and defective
MIME every day, and a customer's message must not be lost to any of it: each step degrades (a replacement
character, a default, an empty field) instead of failing. Plain Python: no Django imports, so it is tested without
a database.
"""

import email
import email.policy
import email.utils
import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage, Message

from advocate.cases.mail.quotes import html_to_text, strip_quoted

from .automatic import _automatic
from .body import Attachment, _Body
from .charsets import _or_default, decode_text
from .headers import (
    _Headers,
    _language,
    _parse_date,
    _raw_header_values,
    _unique,
    decode_header_value,
    normalise_subject,
)

__all__ = ["Attachment", "ParsedMail", "content_digest", "decode_header_value", "decode_text", "html_to_text",
           "normalise_subject", "parse", "strip_quoted"]


@dataclass(frozen=True)
class ParsedMail:
    message_id: str  # without <>; "sha256-<hex of raw>@advocate.invalid" when the mail has none
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]  # in header order
    from_address: str  # lowercased, "" if unparseable
    from_name: str
    reply_to: tuple[str, ...]
    to: tuple[str, ...]
    cc: tuple[str, ...]
    recipients_hint: tuple[str, ...]  # Delivered-To, X-Original-To, Envelope-To: where the mail really went
    subject: str
    date: datetime | None  # aware; None when missing or unparseable
    language: str  # the first Content-Language tag, lowercased
    text: str  # the whole message as text (plain part preferred, else the HTML as text)
    visible_text: str  # `text` without quoted history and signature: what the associate reads
    html: str
    attachments: tuple[Attachment, ...]
    automatic: str  # "auto_reply", "bounce", "list", or "" for mail a person wrote
    # Why `automatic` was decided, as the header or subject that showed it, e.g. "Auto-Submitted: auto-replied".
    automatic_reason: str = ""
    # For a bounce: the addresses that failed, and the Message-ID of the mail that bounced (to find its case).
    bounced_recipients: tuple[str, ...] = ()
    bounced_message_id: str = ""
    # X-Loop header values, lowercased and without <>: a sender's "this came from me", ours included.
    loops: tuple[str, ...] = ()


def parse(raw: bytes) -> ParsedMail:
    """Read one raw RFC 5322 message (as fetched over IMAP or received over SMTP). Never raises."""
    raw = _as_bytes(raw)
    message = _message(raw)
    body = _Body()
    body.read(message)
    headers = _Headers(message, charset_hint=body.first_charset)
    # Each field is worked out on its own, so a surprise in one header costs that field, not the mail.
    from_name, from_address = _or_default(headers.sender, ("", ""))
    subject = _or_default(headers.subject, "")
    automatic, reason = _or_default(lambda: _automatic(message, headers, from_address, subject, body), ("", ""))
    bounce = automatic == "bounce"
    return ParsedMail(
        message_id=_or_default(headers.message_id, "") or _synthetic_message_id(raw),
        in_reply_to=_or_default(lambda: tuple(headers.message_ids("in-reply-to")), ()),
        references=_or_default(lambda: tuple(headers.message_ids("references")), ()),
        from_address=from_address,
        from_name=from_name,
        reply_to=_or_default(lambda: headers.addresses("reply-to"), ()),
        to=_or_default(lambda: headers.addresses("to"), ()),
        cc=_or_default(lambda: headers.addresses("cc"), ()),
        recipients_hint=_or_default(
            lambda: headers.addresses("delivered-to", "x-original-to", "envelope-to", "x-envelope-to"), ()),
        subject=subject,
        date=_or_default(lambda: _parse_date(headers.text("date")), None),
        language=_or_default(lambda: _language(headers.text("content-language")) or body.language, ""),
        text=_or_default(body.text, ""),
        visible_text=_or_default(body.visible_text, ""),
        html=_or_default(body.html, ""),
        attachments=_or_default(body.attachments, ()),
        automatic=automatic,
        automatic_reason=reason,
        bounced_recipients=_or_default(
            lambda: tuple(_unique([*body.failed_recipients, *headers.addresses("x-failed-recipients")])), ()
        ) if bounce else (),
        bounced_message_id=body.bounced_message_id if bounce else "",
        loops=_or_default(lambda: tuple(_unique(
            value.strip().strip("<>").strip().lower() for value in _raw_header_values(message, "x-loop")
            if value.strip())), ()),
    )


def content_digest(mail: ParsedMail) -> str:
    """What makes two mails the same mail, whatever the route: the sender, the subject, the text and the
    attachments, normalised (Unicode NFC, whitespace collapsed) so that one mail received by IMAP and by SMTP,
    or re-encoded by a server on the way, digests the same. Some phone mail programs mint one Message-ID per
    minute, so two different mails may share one: their digests differ."""
    def normal(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text or "").split())

    digest = hashlib.sha256()
    for part in (mail.from_address.lower(), normal(mail.subject), normal(mail.text)):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\x00")
    for attachment in mail.attachments:
        digest.update(hashlib.sha256(attachment.data).digest())
    return digest.hexdigest()


def _message(raw: bytes) -> Message:
    try:
        return email.message_from_bytes(raw, policy=email.policy.default)
    except Exception:  # the parser is lenient, but a mail must survive even a parser bug
        return EmailMessage(policy=email.policy.default)


def _as_bytes(raw) -> bytes:
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    return bytes(raw or b"")


def _synthetic_message_id(raw: bytes) -> str:
    # Stable, so fetching the same mail twice finds the message already stored instead of adding it again.
    return f"sha256-{hashlib.sha256(raw).hexdigest()}@advocate.invalid"
