"""Headers as mail programs really write them: encoded words in any charset, raw 8-bit values, folded and
broken addresses, Message-IDs without brackets, RFC 2231 parameters. Plain Python."""

import binascii
import email
import email.policy
import email.utils
import re
from datetime import UTC, datetime
from email.message import Message

from .charsets import _clean, _decode_guessing, _raw_bytes, decode_text

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


def normalise_subject(subject: str) -> str:
    """A subject on one line: line breaks (CR, LF, and Unicode's), tabs and other control characters become
    single spaces, so nothing of it can start a new header line when we answer."""
    return re.sub(r"[\s\x00-\x1f\x7f-\x9f\u2028\u2029]+", " ", subject or "").strip()


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
        return normalise_subject(self.text("subject"))

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
