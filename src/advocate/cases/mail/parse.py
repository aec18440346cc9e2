"""Inbound email read as a helpdesk needs it: who wrote, to which thread, what they wrote and attached, and
whether a person wrote it at all.

`parse(raw)` never raises. Mail programs write broken headers, wrong charset labels, bad base64 and defective
MIME every day, and a customer's message must not be lost to any of it: each step degrades (a replacement
character, a default, an empty field) instead of failing. Plain Python: no Django imports, so it is tested without
a database.
"""

import binascii
import codecs
import email
import email.policy
import email.utils
import hashlib
import io
import mimetypes
import quopri
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.generator import BytesGenerator
from email.message import EmailMessage, Message
from functools import cached_property
from urllib.parse import unquote

from advocate.cases.mail.quotes import html_to_text, html_to_text_and_visible, strip_quoted

__all__ = ["Attachment", "ParsedMail", "decode_header_value", "html_to_text", "parse", "strip_quoted"]


@dataclass(frozen=True)
class Attachment:
    filename: str  # decoded and made safe to store: no path, never empty ("attachment-1.bin")
    content_type: str  # lowercased, e.g. "image/png"
    data: bytes
    content_id: str  # without <>, "" if none
    inline: bool  # an image shown inside the HTML (referenced by cid:) or marked inline


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
    )


def _message(raw: bytes) -> Message:
    try:
        return email.message_from_bytes(raw, policy=email.policy.default)
    except Exception:  # the parser is lenient, but a mail must survive even a parser bug
        return EmailMessage(policy=email.policy.default)


def _or_default(compute, default):
    try:
        return compute()
    except Exception:
        return default


def _as_bytes(raw) -> bytes:
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    return bytes(raw or b"")


def _synthetic_message_id(raw: bytes) -> str:
    # Stable, so fetching the same mail twice finds the message already stored instead of adding it again.
    return f"sha256-{hashlib.sha256(raw).hexdigest()}@advocate.invalid"


# --- charsets ---------------------------------------------------------------------------------------------

# What mail programs really send under a label, where that is more than the label says: mail labelled gb2312 or
# gbk holds GBK and GB18030 characters (镕, 堃); Shift_JIS mail holds Windows' cp932 characters (①, ㈱); Latin-1
# mail holds Windows-1252 quotes and euro signs; EUC-KR mail holds cp949 syllables.
_SUPERSET_CODEC = {
    "gb2312": "gb18030", "gbk": "gb18030",
    "shift_jis": "cp932", "euc_kr": "cp949", "big5": "big5hkscs",
    "iso8859-1": "cp1252", "latin-1": "cp1252", "ascii": "cp1252", "tis-620": "cp874", "iso8859-11": "cp874",
}
# Labels Python does not know by the name mail programs use.
_CODEC_ALIASES = {
    "x-gbk": "gb18030", "windows-936": "gb18030", "gb_2312-80": "gb18030", "csgb2312": "gb18030",
    "windows-31j": "cp932", "x-sjis": "cp932", "csshiftjis": "cp932", "x-euc-jp": "euc_jp",
    "windows-874": "cp874", "iso-8859-8-i": "iso8859-8", "iso-8859-6-i": "iso8859-6", "x-mac-roman": "mac_roman",
    "x-mac-cyrillic": "mac_cyrillic", "unicode-1-1-utf-7": "utf-7", "x-unicode20utf8": "utf-8",
    "ks_c_5601-1987": "cp949", "ks_c_5601": "cp949", "x-windows-949": "cp949", "cp-850": "cp850",
}
# Python codecs that are not charsets a mail could be written in.
_NOT_MAIL_CHARSETS = frozenset({"undefined", "unicode_escape", "raw_unicode_escape", "idna", "punycode", "mbcs",
                                "oem", "palmos"})
_LATIN = frozenset({"cp1252"})
_ISO_2022_JP = "iso2022_jp"


def _codec(label: str | None) -> str | None:
    """The codec to decode text labelled `label`, or None for a missing or unknown label."""
    if not label:
        return None
    label = label.strip().strip("\"'").strip().lower()
    label = _CODEC_ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except (LookupError, ValueError, TypeError):
        return None
    if name in _NOT_MAIL_CHARSETS:
        return None
    if name.startswith("iso2022_jp"):
        return _ISO_2022_JP
    return _SUPERSET_CODEC.get(name, name)


def decode_text(data: bytes, label: str | None) -> str:
    """Bytes of mail text as characters, trusting the charset label only as far as the bytes agree with it."""
    codec = _codec(label)
    if not data:
        return ""
    if codec == _ISO_2022_JP or (codec is None and b"\x1b$" in data):
        return _decode_iso_2022_jp(data)
    if codec is None:
        return _decode_unlabelled(data)
    if codec in _LATIN or codec == "utf-8":
        # "us-ascii" and Latin-1 labels are often wrong about UTF-8 text; valid UTF-8 with non-ASCII in it is
        # almost never really Latin-1, so UTF-8 wins.
        return _decode_unlabelled(data)
    try:
        return data.decode(codec)
    except (UnicodeError, LookupError):
        pass
    try:
        return data.decode("utf-8")
    except UnicodeError:
        pass
    try:
        return data.decode(codec, "replace")
    except (UnicodeError, LookupError):
        return _decode_unlabelled(data)


def _decode_unlabelled(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeError:
        pass
    text = data.decode("utf-8", "replace")
    broken = text.count("\ufffd")
    readable = sum(1 for character in text if character > "\x7f") - broken
    if readable > 4 * broken:
        return text  # UTF-8 with a few broken bytes (a character cut in two), not another charset
    try:
        return data.decode("cp1252")
    except UnicodeError:
        return data.decode("latin-1")  # maps every byte; cp1252 leaves five undefined


def _decode_iso_2022_jp(data: bytes) -> str:
    for codec in ("iso2022_jp", "iso2022_jp_ext"):
        try:
            return data.decode(codec)
        except UnicodeError:
            pass
    try:
        return _iso_2022_jp_as_cp932(data).decode("cp932")
    except (UnicodeError, ValueError):
        pass
    for codec in ("iso2022_jp_2", "iso2022_jp_2004", "cp932", "utf-8"):
        try:
            return data.decode(codec)
        except UnicodeError:
            pass
    return data.decode("iso2022_jp_ext", "replace")


def _iso_2022_jp_as_cp932(data: bytes) -> bytes:
    """ISO-2022-JP re-encoded as Shift_JIS, so the cp932 codec can read it.

    Outlook and other Windows programs write Windows' extra characters (①, Ⅱ, ㈱, NEC and IBM kanji) into
    ISO-2022-JP; Python's ISO-2022-JP codecs refuse them, cp932 knows them all.
    """
    shift_jis = bytearray()
    mode = "ascii"
    index = 0
    while index < len(data):
        byte = data[index]
        if byte == 0x1B:
            escape = data[index + 1:index + 3]
            if escape in (b"$@", b"$B"):
                mode = "jis0208"
            elif escape in (b"(B", b"(J"):
                mode = "ascii"
            elif escape == b"(I":
                mode = "katakana"
            else:
                raise ValueError("a character set cp932 does not hold")
            index += 3
        elif byte >= 0x80:
            raise ValueError("8-bit byte in 7-bit ISO-2022-JP")
        elif mode == "jis0208" and byte > 0x20:
            if index + 1 >= len(data):
                raise ValueError("truncated double-byte character")
            row, cell = byte, data[index + 1]
            lead = (row + 1) // 2 + 0x70
            shift_jis.append(lead + 0x40 if lead >= 0xA0 else lead)
            if row % 2:
                trail = cell + 0x1F
                shift_jis.append(trail + 1 if trail >= 0x7F else trail)
            else:
                shift_jis.append(cell + 0x7E)
            index += 2
        elif mode == "katakana" and 0x21 <= byte <= 0x5F:
            shift_jis.append(byte + 0x80)
            index += 1
        else:
            shift_jis.append(byte)
            index += 1
    return bytes(shift_jis)


def _decode_guessing(data: bytes, hint: str | None) -> str:
    """Raw 8-bit bytes in a header, where no label says what they are: UTF-8 (RFC 6532), then the charset the
    body declared (old Chinese and Russian programs write headers in it), then Windows-1252."""
    if data.isascii():
        return data.decode("ascii")
    if b"\x1b$" in data:
        return _decode_iso_2022_jp(data)
    try:
        return data.decode("utf-8")
    except UnicodeError:
        pass
    codec = _codec(hint)
    if codec and codec not in _LATIN and codec != _ISO_2022_JP:
        try:
            return data.decode(codec)
        except (UnicodeError, LookupError):
            pass
    return _decode_unlabelled(data)


def _raw_bytes(text: str) -> bytes:
    # The parser keeps bytes it could not read as ASCII as lone surrogates; this gets the bytes back.
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeError:
        return text.encode("utf-8", "replace")


def _clean(text: str) -> str:
    # NUL cannot be stored in a PostgreSQL text column; lone surrogates cannot be encoded as UTF-8 at all.
    text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


# --- headers ----------------------------------------------------------------------------------------------

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=")


def decode_header_value(value: str, charset_hint: str | None = None) -> str:
    """A raw header value as text: RFC 2047 encoded-words in any charset, and raw 8-bit bytes, decoded.

    Adjacent encoded-words in one charset are joined before decoding, because some programs split a multi-byte
    character across two of them.
    """
    pieces: list[tuple[str | None, bytes]] = []  # (charset of an encoded-word, or None for raw text; bytes)
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[position:match.start()]
        if between and not (between.isspace() and pieces and pieces[-1][0] is not None):
            pieces.append((None, _raw_bytes(between)))
        charset = match[1].split("*")[0].lower()  # RFC 2231 allows a language after "*"
        data = _decode_b(match[3]) if match[2] in "bB" else _decode_q(match[3])
        if pieces and pieces[-1][0] == charset:
            pieces[-1] = (charset, pieces[-1][1] + data)
        else:
            pieces.append((charset, data))
        position = match.end()
    if position < len(value):
        pieces.append((None, _raw_bytes(value[position:])))
    return "".join(
        _decode_guessing(data, charset_hint) if charset is None else decode_text(data, charset)
        for charset, data in pieces
    )


def _decode_b(text: str) -> bytes:
    return _decode_base64(_raw_bytes(text))


def _decode_base64(data: bytes) -> bytes:
    """Lenient base64: stray characters skipped, padding repaired, separately encoded chunks run together
    ("QUI=Qw==") each decoded."""
    decoded = []
    for chunk in re.findall(rb"[A-Za-z0-9+/]+", re.sub(rb"[^A-Za-z0-9+/=]", b"", data)):
        if len(chunk) % 4 == 1:
            chunk = chunk[:-1]  # a stray character: no base64 text ends like this
        try:
            decoded.append(binascii.a2b_base64(chunk + b"=" * (-len(chunk) % 4)))
        except (binascii.Error, ValueError):
            continue
    return b"".join(decoded)


def _decode_q(text: str) -> bytes:
    data = _raw_bytes(text).replace(b"_", b" ")
    return re.sub(rb"=([0-9A-Fa-f]{2})", lambda match: bytes([int(match[1], 16)]), data)


def _unfold(value: str) -> str:
    return re.sub(r"[\r\n]+", " ", re.sub(r"\r?\n(?=[ \t])", "", value))


def _raw_header_values(message: Message, name: str) -> list[str]:
    try:
        return [str(value) for key, value in message.raw_items() if str(key).lower() == name]
    except Exception:
        return []


def _raw_header(message: Message, name: str) -> str:
    values = _raw_header_values(message, name)
    return _unfold(values[0]) if values else ""


_ADDRESS = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]]+$")
_ADDRESS_DELIMITERS = re.compile(r"[\s<>(),;:\"\[\]']+")
_MESSAGE_ID_TOKEN = re.compile(r"<([^<>]*)>|\([^()]*\)|([^\s<>(),;]+)")


class _Headers:
    def __init__(self, message: Message, *, charset_hint: str | None):
        self.message = message
        self.charset_hint = charset_hint

    def raw(self, name: str) -> str:
        return _raw_header(self.message, name)

    def text(self, name: str) -> str:
        return _clean(decode_header_value(self.raw(name), self.charset_hint)).strip()

    def subject(self) -> str:
        return re.sub(r"[\s\x00-\x1f\x7f]+", " ", self.text("subject")).strip()

    def sender(self) -> tuple[str, str]:
        pairs = self._address_pairs("from")
        if pairs:
            return pairs[0]
        # Nothing parsed as an address: take anything address-shaped, so the customer can still be answered.
        for word in _ADDRESS_DELIMITERS.split(self.text("from")):
            if _ADDRESS.match(word) and "." in word.split("@")[1]:
                return "", word.lower()
        return "", ""

    def addresses(self, *names: str) -> tuple[str, ...]:
        return tuple(_unique(address for name in names for _, address in self._address_pairs(name)))

    def _address_pairs(self, name: str) -> list[tuple[str, str]]:
        values = [_unfold(value) for value in _raw_header_values(self.message, name)]
        try:
            # Parsed before decoding: a decoded display name may hold the commas and brackets that separate
            # addresses ("=?utf-8?q?Doe=2C_John?=").
            parsed = email.utils.getaddresses(values)
        except Exception:
            parsed = []
        pairs = []
        for display_name, address in parsed:
            address = _clean(_decode_guessing(_raw_bytes(address), None)).strip().strip("<>").lower()
            if _ADDRESS.match(address):
                name_text = _clean(decode_header_value(display_name, self.charset_hint))
                pairs.append((re.sub(r"\s+", " ", name_text).strip().strip("\"'").strip(), address))
        return pairs

    def message_id(self) -> str:
        ids = self.message_ids("message-id")
        if ids:
            return ids[0]
        words = self.text("message-id").strip("<> \t").split()
        return words[0] if words else ""

    def message_ids(self, name: str) -> list[str]:
        """Message ids in header order, tolerating what real mail puts around them: comments, prose ("Your
        message of …"), commas, ids without angle brackets."""
        ids = []
        for value in _raw_header_values(self.message, name):
            for match in _MESSAGE_ID_TOKEN.finditer(_clean(_decode_guessing(_raw_bytes(_unfold(value)), None))):
                if match[1] is not None:
                    candidate = re.sub(r"\s+", "", match[1])
                elif match[2] is not None and "@" in match[2]:
                    candidate = match[2].strip("\"'")
                else:
                    continue
                if candidate:
                    ids.append(candidate)
        return _unique(ids)


def _unique(items) -> list:
    return list(dict.fromkeys(items))


def _parse_date(value: str) -> datetime | None:
    if not value:
        return None
    moment = None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except Exception:  # a malformed date raises whatever the date parser trips over
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if moment is None:
        return None
    # RFC 5322's "-0000" (and a date without a zone) means UTC with the sender's zone unknown.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _language(value: str) -> str:
    first = value.split(",")[0].strip().lower().replace("_", "-")
    return first if re.fullmatch(r"[a-z]{1,8}(-[a-z0-9]{1,8})*", first) else ""


def _header_parameters(value: str, charset_hint: str | None = None) -> tuple[str, dict[str, str]]:
    """A structured header (Content-Type, Content-Disposition) as its value and decoded parameters.

    Handles RFC 2231 (continuations, charset and percent-encoding: `filename*0*=gb2312''%D6%D0`) and what
    programs write instead of it: encoded-words inside quotes, raw UTF-8 bytes.
    """
    parts = _split_parameters(value)
    main = parts[0].strip().lower() if parts else ""
    simple: dict[str, str] = {}
    sections: dict[str, list[tuple[int, bool, str]]] = {}
    for part in parts[1:]:
        key, equals, raw_value = part.partition("=")
        if not equals:
            continue
        key, raw_value = key.strip().lower(), _unquote(raw_value.strip())
        match = re.fullmatch(r"([^*]+)(?:\*(\d+))?(\*)?", key)
        if not match:
            continue
        if match[2] is None and match[3] is None:
            simple.setdefault(key, decode_header_value(raw_value, charset_hint))
        else:
            sections.setdefault(match[1], []).append((int(match[2] or 0), bool(match[3]), raw_value))
    parameters = dict(simple)
    for name, pieces in sections.items():
        parameters[name] = _rfc2231_value(sorted(pieces, key=lambda piece: piece[0]), charset_hint)
    return main, {name: _clean(value) for name, value in parameters.items()}


def _split_parameters(value: str) -> list[str]:
    parts, current, quoted, escaped = [], [], False, False
    for character in value:
        if escaped:
            escaped = False
        elif character == "\\" and quoted:
            escaped = True
        elif character == '"':
            quoted = not quoted
        elif character == ";" and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(character)
    parts.append("".join(current))
    return parts


def _unquote(value: str) -> str:
    if value.startswith('"'):
        value = value[1:-1] if value.endswith('"') and len(value) > 1 else value[1:]
        value = re.sub(r"\\(.)", r"\1", value)
    return value


def _rfc2231_value(pieces: list[tuple[int, bool, str]], charset_hint: str | None) -> str:
    charset = None
    data = b""
    for number, (_, encoded, value) in enumerate(pieces):
        if encoded and number == 0 and value.count("'") >= 2:
            charset, _, value = value.split("'", 2)
        raw = _raw_bytes(value)
        data += re.sub(rb"%([0-9A-Fa-f]{2})", lambda match: bytes([int(match[1], 16)]), raw) if encoded else raw
    return decode_text(data, charset) if charset else _decode_guessing(data, charset_hint)


# --- the body -------------------------------------------------------------------------------------------------

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
_MAX_FILENAME_CHARS = 200


def _safe_filename(filename: str, content_type: str, number: int) -> str:
    """A name safe to store and offer for download: no directories, no control characters, never empty."""
    name = re.split(r"[/\\]", filename.replace("\x00", ""))[-1]
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


# --- mail no person wrote ---------------------------------------------------------------------------------

_DAEMONS = frozenset({"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon", "mailer_daemon"})
_FAILURE_SUBJECT = re.compile(
    r"undeliver|undelivered|delivery (status notification \(failure\)|failure|has failed|failed)|"
    r"mail delivery failed|failure notice|returned mail|could not be delivered|returned to sender|"
    r"non remis|non distribuable|unzustellbar|nicht zustellbar|no se puede entregar|no entregado|"
    r"не доставлено|недоставленное|未送达|退信|配信不能|配信エラー|تعذر التسليم|لم يتم تسليم",
    re.IGNORECASE,
)
# Out-of-office subjects in the product's languages and neighbours. Matched at the start only: "Re: Automatic
# reply: …" is a person answering an auto-reply.
_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto[- ]?reply|autoreply|out of (the )?office|abwesenheitsnotiz|automatische antwort|"
    r"réponse automatique|respuesta automática|respuesta automatica|fuera de la oficina|автоответ|"
    r"автоматический ответ|自动回复|自動回覆|自動応答|自動返信|رد تلقائي|risposta automatica|automatisch antwoord|"
    r"resposta automática)",
    re.IGNORECASE,
)
# "Auto:" (Lotus Notes, some phones) and "Absence" (French) are also ordinary words in subjects ("Auto: Lieferung"
# is about a car; "Absence de réponse" complains that nobody answered), so they count only in the auto-reply form.
_WEAK_AUTO_REPLY_SUBJECT = re.compile(r"^\s*(auto\s*:|absence\s*:|absence du bureau)", re.IGNORECASE)
_AUTO_REPLY_HEADERS = ("x-autoreply", "x-autorespond", "x-autoreply-from", "x-mail-autoreply")


def _automatic(message: Message, headers: _Headers, from_address: str, subject: str,
               body: _Body) -> tuple[str, str]:
    """Whether (and why) this mail must never be answered: "bounce", "auto_reply", "list", or "".

    A bounce is checked first (it may also say Auto-Submitted), then the signs of an auto-reply, then lists.
    X-Auto-Response-Suppress is deliberately not a sign: Exchange puts it on ordinary mail people write.
    """
    from_daemon = from_address.split("@")[0] in _DAEMONS
    empty_return_path = bool(_raw_header_values(message, "return-path")) and \
        headers.raw("return-path").strip().strip("<>").strip() == ""
    failure_subject = bool(_FAILURE_SUBJECT.search(subject))

    if body.report_type == "delivery-status":
        return "bounce", "Content-Type: multipart/report; report-type=delivery-status"
    if body.has_delivery_status:
        return "bounce", "a message/delivery-status part"
    if headers.raw("x-failed-recipients"):
        return "bounce", "X-Failed-Recipients"
    if from_daemon and failure_subject:
        return "bounce", f"From: {from_address} with subject {subject!r}"
    if empty_return_path and failure_subject:
        return "bounce", f"Return-Path: <> with subject {subject!r}"

    auto_submitted = headers.raw("auto-submitted").strip().split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return "auto_reply", f"Auto-Submitted: {auto_submitted}"
    for name in _AUTO_REPLY_HEADERS:
        value = headers.raw(name).strip().lower()
        if _raw_header_values(message, name) and value not in ("no", "false", "0"):
            return "auto_reply", f"{name.title()}: {value}".strip()
    if headers.raw("x-autogenerated").strip().lower() == "reply":
        return "auto_reply", "X-Autogenerated: Reply"
    precedence = headers.raw("precedence").strip().lower()
    if precedence in ("auto_reply", "auto-reply"):
        return "auto_reply", f"Precedence: {precedence}"
    if body.report_type:  # read receipts (disposition-notification), abuse reports (feedback-report)
        return "auto_reply", f"Content-Type: multipart/report; report-type={body.report_type}"
    if from_daemon:
        return "auto_reply", f"From: {from_address}"
    if _AUTO_REPLY_SUBJECT.match(subject):
        return "auto_reply", f"Subject: {subject}"
    if _WEAK_AUTO_REPLY_SUBJECT.match(subject) and (headers.raw("in-reply-to") or headers.raw("references")):
        return "auto_reply", f"Subject: {subject}"

    for name in ("list-id", "list-unsubscribe", "list-post"):
        if _raw_header_values(message, name):
            return "list", name.title()
    if precedence == "list":
        return "list", "Precedence: list"
    if precedence in ("bulk", "junk"):
        return "auto_reply", f"Precedence: {precedence}"
    if empty_return_path:
        return "auto_reply", "Return-Path: <>"
    return "", ""
