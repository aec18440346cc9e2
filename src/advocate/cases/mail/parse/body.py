"""The body: walking the MIME tree (however deep or broken), choosing what the person wrote (plain, or HTML
made text), attachments and inline images, forwarded mail, TNEF, delivery reports. Plain Python."""

import email
import email.policy
import email.utils
import io
import mimetypes
import quopri
import re
from dataclasses import dataclass, field
from email.generator import BytesGenerator
from email.message import Message
from functools import cached_property
from urllib.parse import unquote

from advocate.cases.mail.quotes import html_to_text_and_visible, strip_quoted

from .charsets import _clean, _decode_guessing, _or_default, _raw_bytes, decode_text
from .headers import (
    _ADDRESS,
    _decode_base64,
    _header_parameters,
    _Headers,
    _language,
    _raw_header,
    _unfold,
    decode_header_value,
)


@dataclass(frozen=True)
class Attachment:
    filename: str  # decoded and made safe to store: no path, never empty ("attachment-1.bin")
    content_type: str  # lowercased, e.g. "image/png"
    data: bytes
    content_id: str  # without <>, "" if none
    inline: bool  # an image shown inside the HTML (referenced by cid:) or marked inline


_MAX_DEPTH = 40  # deeper MIME nesting is an attack or a loop, not a mail
_CONTENT_TYPE = re.compile(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+")
# A plain part that only asks to read the HTML one ("This is an HTML message. Please use an HTML mail client").
_HTML_PLEASE = re.compile(r"html", re.IGNORECASE)
_HTML_PLEASE_CONTEXT = re.compile(r"view|read|support|capable|compatible|enable|client|browser|program|format",
                                  re.IGNORECASE)
_HTML_SOURCE = re.compile(r"^\s*(<!doctype html|<html)", re.IGNORECASE)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_CID_REFERENCE = re.compile(r"cid:([^\"'\s>)]+)", re.IGNORECASE)


@dataclass
class _Segment:
    """One stretch of the message's own text, in its plain form, its HTML form, or both."""

    plain: str | None = None
    html: str | None = None


@dataclass
class _PendingAttachment:
    filename: str
    content_type: str
    data: bytes
    content_id: str
    disposition: str


@dataclass
class _Body:
    segments: list[_Segment] = field(default_factory=list)
    pending: list[_PendingAttachment] = field(default_factory=list)
    first_charset: str | None = None
    language: str = ""
    report_type: str = ""
    has_delivery_status: bool = False
    failed_recipients: list[str] = field(default_factory=list)
    bounced_message_id: str = ""

    def read(self, message: Message) -> None:
        main, parameters = _or_default(lambda: _header_parameters(_raw_header(message, "content-type")), ("", {}))
        if main == "multipart/report":
            self.report_type = parameters.get("report-type", "").strip().lower()
        self.segments = self._read(message, depth=0, default_type="text/plain")

    # Reading the MIME tree.

    def _read(self, part: Message, *, depth: int, default_type: str) -> list[_Segment]:
        """The text segments of `part`, noting its attachments on the way. A part that cannot be read is skipped
        and its siblings still are."""
        if depth > _MAX_DEPTH:
            return []
        return _or_default(lambda: self._read_part(part, depth=depth, default_type=default_type), [])

    def _read_part(self, part: Message, *, depth: int, default_type: str) -> list[_Segment]:
        content_type, parameters = _header_parameters(_raw_header(part, "content-type"))
        if not _CONTENT_TYPE.fullmatch(content_type):
            content_type = default_type
        payload = _undecoded_payload(part)
        if content_type in ("message/rfc822", "message/global"):
            self._attach_message(part)
            return []
        if content_type == "message/delivery-status":
            self._read_delivery_status(part)
            return []
        if isinstance(payload, list):
            children = [child for child in payload if isinstance(child, Message)]
            child_default = "message/rfc822" if content_type == "multipart/digest" else "text/plain"
            if content_type == "multipart/alternative":
                return self._read_alternative(children, depth=depth, default_type=child_default)
            return [segment for child in children
                    for segment in self._read(child, depth=depth + 1, default_type=child_default)]
        if content_type.startswith("multipart/"):
            content_type = "text/plain"  # no boundary, so no parts: its body is best read as text
        disposition, disposition_parameters = _header_parameters(_raw_header(part, "content-disposition"))
        filename = disposition_parameters.get("filename") or parameters.get("name") or ""
        if content_type in ("text/plain", "text/html") and disposition != "attachment" and not filename.strip():
            text = self._text_of(part, content_type, parameters)
            return [_Segment(plain=text)] if content_type == "text/plain" else [_Segment(html=text)]
        self._attach(part, content_type, filename, disposition)
        if content_type == "text/rfc822-headers":
            self._note_bounced_message(_payload_bytes(part))
        return []

    def _read_alternative(self, children: list[Message], *, depth: int, default_type: str) -> list[_Segment]:
        """The plain alternative for the text (unless it is empty or only asks to read the HTML one), the last
        (richest) HTML alternative for the HTML."""
        choices = [self._read(child, depth=depth + 1, default_type=default_type) for child in children]
        plain = html = None
        for segments in choices:
            if segments and all(segment.plain is not None for segment in segments):
                candidate = "\n\n".join(segment.plain or "" for segment in segments)
                if not _only_points_to_html(candidate):
                    plain = candidate
                    break
        for segments in reversed(choices):
            if any(segment.html is not None for segment in segments):
                html = "\n".join(segment.html for segment in segments if segment.html is not None)
                break
        if plain is None and html is None:
            return [segment for segments in choices for segment in segments]
        return [_Segment(plain=plain, html=html)]

    def _text_of(self, part: Message, content_type: str, parameters: dict[str, str]) -> str:
        data = _payload_bytes(part)
        label = parameters.get("charset")
        if not label and content_type == "text/html":
            found = _META_CHARSET.search(data[:4096])
            label = found[1].decode("ascii") if found else None
        if label and self.first_charset is None:
            self.first_charset = label
        if not self.language:
            self.language = _language(decode_header_value(_raw_header(part, "content-language")))
        text = decode_text(data, label).lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
        if content_type == "text/plain" and parameters.get("format", "").lower() == "flowed":
            text = _unflow(text, delete_space=parameters.get("delsp", "").lower() == "yes")
        return _clean(text)

    def _attach(self, part: Message, content_type: str, filename: str, disposition: str,
                data: bytes | None = None) -> None:
        content_id = decode_header_value(_raw_header(part, "content-id")).strip().strip("<>").strip()
        self.pending.append(_PendingAttachment(
            filename, content_type, _payload_bytes(part) if data is None else data, _clean(content_id), disposition
        ))

    def _attach_message(self, part: Message) -> None:
        """A forwarded or bounced mail: kept whole as a .eml named after its subject, never mixed into the text."""
        data = _attached_message_bytes(part)
        try:
            inner = email.message_from_bytes(data, policy=email.policy.default)
            subject = re.sub(r"\s+", " ", decode_header_value(_raw_header(inner, "subject"))).strip()
            self._note_bounced_message(data, inner)
        except Exception:
            subject = ""
        _, parameters = _header_parameters(_raw_header(part, "content-disposition"))
        # "Order 1042/1043" is a subject, not a path: its slashes must not cut the name short.
        filename = re.sub(r"[/\\]", "-", subject) or parameters.get("filename", "")
        if filename and not filename.lower().endswith(".eml"):
            filename += ".eml"
        self._attach(part, "message/rfc822", filename, "attachment", data)

    def _note_bounced_message(self, data: bytes, inner: Message | None = None) -> None:
        if self.bounced_message_id or not self.report_type:
            return
        try:
            inner = inner or email.message_from_bytes(data, policy=email.policy.default)
            self.bounced_message_id = _Headers(inner, charset_hint=None).message_id()
        except Exception:
            pass

    def _read_delivery_status(self, part: Message) -> None:
        self.has_delivery_status = True
        status = _delivery_status_text(part)
        self.failed_recipients.extend(_failed_recipients(status))
        self.pending.append(_PendingAttachment("delivery-status.txt", "message/delivery-status",
                                               status.encode("utf-8"), "", "attachment"))

    # What the reader gets.

    @cached_property
    def _renderings(self) -> list[tuple[str, str]]:
        """Each segment as (text, text without quotes); HTML is converted once, it is the slow part."""
        renderings = []
        for segment in self.segments:
            if segment.plain is not None:
                renderings.append((segment.plain, segment.plain))
            else:
                renderings.append(html_to_text_and_visible(segment.html or ""))
        return renderings

    def text(self) -> str:
        return _joined(text for text, _ in self._renderings)

    def visible_text(self) -> str:
        text = self.text()
        if not text:
            return ""
        without_quotes = _joined(visible for _, visible in self._renderings)
        return strip_quoted(without_quotes) or strip_quoted(text) or text

    def html(self) -> str:
        return "\n".join(segment.html for segment in self.segments if segment.html)

    def attachments(self) -> tuple[Attachment, ...]:
        referenced = {reference.lower() for reference in _cid_references(self.html())}
        attachments = []
        for number, pending in enumerate(self.pending, start=1):
            inline = (bool(pending.content_id) and pending.content_id.lower() in referenced) or (
                pending.disposition == "inline" and pending.content_type.startswith("image/")
            )
            attachments.append(Attachment(
                filename=_safe_filename(pending.filename, pending.content_type, number),
                content_type=pending.content_type,
                data=pending.data,
                content_id=pending.content_id,
                inline=inline,
            ))
        return tuple(attachments)


def _only_points_to_html(plain: str) -> bool:
    stripped = plain.strip()
    if not stripped or _HTML_SOURCE.match(stripped):
        return True
    return len(stripped) < 300 and bool(_HTML_PLEASE.search(stripped)) and bool(_HTML_PLEASE_CONTEXT.search(stripped))


def _joined(pieces) -> str:
    return "\n\n".join(piece.strip("\n") for piece in pieces if piece and piece.strip()).strip()


def _cid_references(html: str) -> list[str]:
    return [unquote(reference) for reference in _CID_REFERENCE.findall(html)]


def _content_transfer_encoding(part: Message) -> str:
    return _raw_header(part, "content-transfer-encoding").strip().split(";")[0].strip().lower()


def _payload_bytes(part: Message) -> bytes:
    """The decoded content of a leaf part; bad base64 or quoted-printable yields what can be recovered."""
    try:
        payload = _undecoded_payload(part)
        if not isinstance(payload, str):
            return b""
        raw = _raw_bytes(payload)
        encoding = _content_transfer_encoding(part)
        if encoding == "base64":
            return _decode_base64(raw)
        if encoding == "quoted-printable":
            return quopri.decodestring(raw)
        if encoding in ("x-uuencode", "uuencode", "x-uue", "uue"):
            return part.get_payload(decode=True) or b""
        return raw
    except Exception:
        return b""


def _undecoded_payload(part: Message):
    """The payload exactly as it came off the wire (8-bit bytes kept as surrogates).

    The public `get_payload()` decodes 8-bit text with the declared charset and errors="replace", which loses
    the bytes a mislabelled part needs to be read correctly; the email package's own generator reads `_payload`
    for the same reason.
    """
    payload = getattr(part, "_payload", None)
    return payload if payload is not None else part.get_payload()


def _attached_message_bytes(part: Message) -> bytes:
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload and isinstance(payload[0], Message) else None
    encoding = _content_transfer_encoding(part)
    if inner is None:
        return _payload_bytes(part)
    if encoding in ("base64", "quoted-printable") and not list(inner.raw_items()):
        # Encoded against the rules; the parser read the encoded text as a body without headers.
        inner_payload = _undecoded_payload(inner)
        body = _raw_bytes(inner_payload if isinstance(inner_payload, str) else "")
        return _decode_base64(body) if encoding == "base64" else quopri.decodestring(body)
    try:
        buffer = io.BytesIO()
        policy = email.policy.default.clone(linesep="\r\n", refold_source="none", max_line_length=0)
        BytesGenerator(buffer, mangle_from_=False, policy=policy).flatten(inner)
        return buffer.getvalue()
    except Exception:
        try:
            return inner.as_bytes(policy=email.policy.compat32)
        except Exception:
            return _raw_bytes(str(inner.get_payload()))


def _delivery_status_text(part: Message) -> str:
    blocks = part.get_payload()
    if not isinstance(blocks, list):
        return decode_text(_payload_bytes(part), None)
    lines: list[str] = []
    for block in blocks:
        if not isinstance(block, Message):
            continue
        lines.extend(f"{key}: {_unfold(str(value))}" for key, value in block.raw_items())
        body = _undecoded_payload(block)
        if isinstance(body, str) and body.strip():
            lines.append(body.strip())
        lines.append("")
    text = "\n".join(lines)
    if _content_transfer_encoding(part) == "base64" and ":" not in text:
        text = decode_text(_decode_base64(_raw_bytes(text)), None)
    return _clean(_decode_guessing(_raw_bytes(text), None))


def _failed_recipients(status: str) -> list[str]:
    failed = []
    for block in re.split(r"\n\s*\n", status):
        fields: dict[str, str] = {}
        for line in re.sub(r"\n[ \t]+", " ", block).split("\n"):
            key, colon, value = line.partition(":")
            if colon:
                fields.setdefault(key.strip().lower(), value.strip())
        recipient = fields.get("final-recipient") or fields.get("original-recipient") or ""
        address = recipient.split(";", 1)[-1].strip().strip("<>").lower()
        action = fields.get("action", "").lower()
        if _ADDRESS.match(address) and (action == "failed" or (not action and fields.get("status", "")[:1] == "5")):
            failed.append(address)
    return failed


def _unflow(text: str, *, delete_space: bool) -> str:
    """RFC 3676 format=flowed: soft line breaks (a line ending in a space) joined back into paragraphs."""
    lines: list[str] = []
    current: str | None = None
    current_depth = 0
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]  # space-stuffing
        if current is not None and depth != current_depth:
            lines.append(_quote_prefix(current_depth) + current)
            current = None
        flowed = content.endswith(" ") and content != "-- "
        if flowed and delete_space:
            content = content[:-1]
        current = content if current is None else current + content
        current_depth = depth
        if not flowed:
            lines.append((_quote_prefix(depth) + current) if current else _quote_prefix(depth).rstrip())
            current = None
    if current is not None:
        lines.append(_quote_prefix(current_depth) + current)
    return "\n".join(lines)


def _quote_prefix(depth: int) -> str:
    return ">" * depth + " " if depth else ""


_UNSAFE_IN_FILENAME = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')
# Bidirectional controls (embeddings, overrides, isolates, marks) make "invoice\u202Efdp.exe" read as
# "invoiceexe.pdf": a name loses them.
_BIDI_IN_FILENAME = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
_MAX_FILENAME_CHARS = 200


def _safe_filename(filename: str, content_type: str, number: int) -> str:
    """A name safe to store and offer for download: no directories, no control or bidi characters, never empty."""
    name = re.split(r"[/\\]", _BIDI_IN_FILENAME.sub("", filename.replace("\x00", "")))[-1]
    name = re.sub(r"\s+", " ", _UNSAFE_IN_FILENAME.sub("_", name)).strip().lstrip(".").strip()
    if len(name) > _MAX_FILENAME_CHARS:
        _, dot, extension = name.rpartition(".")
        keep = extension if dot and len(extension) <= 10 else ""
        name = name[:_MAX_FILENAME_CHARS - len(keep) - 1].rstrip() + ("." + keep if keep else "")
    if not name:
        extension = ".eml" if content_type == "message/rfc822" else (
            mimetypes.guess_extension(content_type, strict=False) or ".bin")
        name = f"attachment-{number}{extension}"
    return name
