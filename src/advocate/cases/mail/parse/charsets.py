"""Charsets as mail really carries them: wrong labels, legacy encodings (GB2312 read as GB18030, Shift_JIS as
cp932, ISO-2022-JP with its extensions), mislabelled UTF-8 and raw 8-bit bytes. Plain Python."""

import codecs


def _or_default(compute, default):
    try:
        return compute()
    except Exception:
        return default


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
