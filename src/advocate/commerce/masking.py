"""Contact details in buyer–seller messages: find e-mail addresses, phone numbers and links, and mask them.

Buyers and sellers talk through the marketplace only. Before one side reads the other's message, every
e-mail address, phone number and link in it is replaced by a placeholder, and the sender is told what
kinds of detail were hidden (`Masked.kinds`). Handles on messaging apps that move the conversation
elsewhere ("WeChat: abc123", "Telegram @shop", "WhatsApp me") count as links.

Plain Python, no Django: the caller passes translated placeholders.

How a message is read. Detection runs on a *detection form* of the text: each character NFKC-normalised
(fullwidth ＠．１ become @.1), digits of every script made ASCII (Arabic-Indic ٠٥٠, Persian ۰۵۰, and the
Chinese numerals 〇一二…九 people use to spell a number past a filter), dashes made "-", and invisible
characters (zero-width spaces, direction marks, combining marks) dropped so they cannot split an address.
Spans are mapped back, so findings always point into the original text.

Decisions worth knowing:
- Order numbers, references, tracking numbers, prices, dates, times, postcodes and quantities are not
  phone numbers: a digit run glued to a Latin letter ("A00001052", "1Z999AA1…", "RF-23456789") is a code;
  a run right after a label such as "order", "tracking", "Bestellnummer", "заказ", "订单号", "追跡番号" is a
  reference; amounts next to a currency, dates, year ranges and opening hours are set aside; "100-0001"
  is a Japanese postcode unless a phone word ("tel", "电话"…) comes right before it.
- A phone number has 7 to 15 digits (not counting an international "00" or a "(0)") in a run of digits
  separated by at most three spaces, dots, dashes, slashes or parentheses at a time, so a number spread
  out to dodge a filter ("0 7 9 4 6  0 0 1 8") is caught too. A longer run is split where two numbers
  meet ("… / …"); a long run with no such gap (a card, an account, a barcode) is not a phone number.
- A bare domain counts as a link only with a known top-level domain, so "e.g.", "etc.", "v2.1", "3.5" and
  filenames ("file.pdf", "photo.jpg") are left alone. Top-level domains that are also everyday words or
  file extensions ("it", "to", "me", "in", "so", "py", "sh", "md"…) count only with a path ("t.me/shop"),
  "www." or a scheme, or with three labels or more ("shop.example.it"); "paid.It" (a missing space, mixed
  case) is not a domain.
- Spelled-out addresses must look like one: "name at domain dot com" and "name (at) domain.com" are
  addresses; "name at domain.com" is one only at a well-known mail service ("anna at gmail.com"; any
  other domain is still masked as a link), so "I bought it at example.com" keeps its words.
- A messaging app counts when a handle follows it ("WeChat: abc123", "LINE ID: abc", "Telegram @shop") or
  the sentence asks to move there ("WhatsApp me", "add me on WeChat", "加我微信", "LINEで連絡ください");
  naming an app ("comes with WhatsApp installed") is fine.
- Where findings overlap (an address inside a link, a number inside an address) they become one finding,
  of the kind of the longest, so nothing is left half hidden.
- Not caught: numbers spelled out in words ("zero seven nine…"), addresses spelled a letter at a time
  ("b o b @ gmail . com" loses only its last letter), 7-digit local numbers written like a Japanese
  postcode ("555-2671"), and a reference label used as cover ("order 07911 123456").
"""

import bisect
import functools
import itertools
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    LINK = "link"


@dataclass(frozen=True)
class Finding:
    kind: Kind
    start: int  # span in the original text
    end: int
    text: str  # what was found, as written


@dataclass(frozen=True)
class Masked:
    text: str  # the text with each finding replaced by a placeholder
    findings: tuple[Finding, ...]

    @property
    def kinds(self) -> frozenset[Kind]:
        return frozenset(finding.kind for finding in self.findings)


DEFAULT_PLACEHOLDERS: Mapping[Kind, str] = {
    Kind.EMAIL: "[email hidden]",
    Kind.PHONE: "[phone hidden]",
    Kind.LINK: "[link hidden]",
}


def find_contact_details(text: str) -> list[Finding]:
    """E-mail addresses, phone numbers and links in `text`, sorted and non-overlapping."""
    if not text:
        return []
    detection = _DetectionText(text)
    # Lower case keeps positions ("İ" is the one letter that grows, so it is lowered by hand): scanning for
    # words without re.IGNORECASE lets the regex engine skip ahead, which keeps long texts fast.
    lowered = detection.text.replace("İ", "i").lower()
    spans: list[tuple[int, int, Kind]] = []
    for finder in (_find_emails, _find_urls, _find_bare_domains, _find_messaging, _find_phones):
        found = finder(detection.text, lowered)
        spans += (detection.original_span(start, end, kind) for start, end, kind in found)
    return [Finding(kind, start, end, text[start:end]) for start, end, kind in _merge_overlaps(spans)]


def mask(text: str, placeholders: Mapping[Kind, str] | None = None) -> Masked:
    """`text` with each contact detail replaced by the placeholder for its kind."""
    chosen = {**DEFAULT_PLACEHOLDERS, **(placeholders or {})}
    findings = find_contact_details(text)
    pieces, position = [], 0
    for finding in findings:
        pieces += [text[position:finding.start], chosen[finding.kind]]
        position = finding.end
    pieces.append(text[position:])
    return Masked("".join(pieces), tuple(findings))


# --- Detection form ----------------------------------------------------------------------------------------

# Han, kana and Hangul: scripts written without spaces, so a word boundary cannot be relied on next to them.
_CJK = "\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_CHINESE_NUMERALS = dict(zip("〇零一幺二三四五六七八九", "001123456789", strict=True))
_WAVE_DASHES = frozenset("〜〰゠")  # Pd, but they mean "from–to" or decoration, never a digit separator


@functools.cache
def _detection_character(char: str) -> str:
    if char in _CHINESE_NUMERALS:
        return _CHINESE_NUMERALS[char]
    form = []
    for part in unicodedata.normalize("NFKC", char):
        category = unicodedata.category(part)
        if category in ("Mn", "Me", "Cf"):
            continue
        if category == "Nd":
            form.append(str(unicodedata.decimal(part, 0)))
        elif (category == "Pd" and part not in _WAVE_DASHES) or part == "\u2212":
            form.append("-")
        else:
            form.append(part)
    return "".join(form)


@functools.cache
def _detection_table() -> tuple[list[str], re.Pattern]:
    """The detection form of every character of the Basic Multilingual Plane, as a table for str.translate,
    and a pattern for the characters whose form has another length ("№" → "No", a zero-width space → "").
    Characters beyond that plane are few in messages and are looked at one by one."""
    table, resizing = [chr(code) for code in range(0x10000)], []
    for code in range(0x80, 0x10000):
        if 0xD800 <= code < 0xE000:
            continue
        table[code] = form = _detection_character(chr(code))
        if len(form) != 1:
            resizing.append(re.escape(chr(code)))
    return table, re.compile(f"[{''.join(resizing)}{_ASTRAL}]")


_ASTRAL = "\U00010000-\U0010ffff"
_ASTRAL_RUN = re.compile(f"[{_ASTRAL}]+")


def _astral_form(run: re.Match) -> str:
    return "".join(map(_detection_character, run.group()))


class _DetectionText:
    """The detection form of a text, and the way back from its positions to the original's."""

    def __init__(self, original: str):
        # Each character whose form has another length: where it is in the original, where its form starts
        # in the detection form, how long that form is, and how far the positions after it have moved.
        self._orig_positions: list[int] = []
        self._norm_positions: list[int] = []
        self._lengths: list[int] = []
        self._shifts_after: list[int] = []
        self.text = self._original = original
        if original.isascii():
            return
        table, resizing = _detection_table()
        self.text = _ASTRAL_RUN.sub(_astral_form, original.translate(table))
        positions = [found.start() for found in resizing.finditer(original)]
        lengths = [len(_detection_character(original[position])) for position in positions]
        resized = [(position, length) for position, length in zip(positions, lengths, strict=True) if length != 1]
        if not resized:
            return
        self._orig_positions, self._lengths = [position for position, _ in resized], [length for _, length in resized]
        self._shifts_after = list(itertools.accumulate(length - 1 for length in self._lengths))
        shifts_before = [0, *self._shifts_after[:-1]]
        self._norm_positions = [
            position + shift for position, shift in zip(self._orig_positions, shifts_before, strict=True)
        ]

    def _original_index(self, index: int) -> int:
        resized = bisect.bisect_right(self._norm_positions, index) - 1
        if resized < 0:
            return index
        if index < self._norm_positions[resized] + self._lengths[resized]:
            return self._orig_positions[resized]  # inside what one character became
        return index - self._shifts_after[resized]

    def original_span(self, start: int, end: int, kind: Kind) -> tuple[int, int, Kind]:
        if not self._norm_positions:
            return start, end, kind
        end = self._original_index(end - 1) + 1
        # Combining marks right after the last character belong to it (the keycap of "9️⃣"); direction marks
        # stay, since they keep the placeholder in place in right-to-left text.
        while end < len(self._original) and unicodedata.category(self._original[end]) in ("Mn", "Me"):
            end += 1
        return self._original_index(start), end, kind


# --- Domains -----------------------------------------------------------------------------------------------

_ALNUM_NOT_CJK = rf"[^\W_{_CJK}]"  # a letter or digit of a script written with spaces (Latin, Cyrillic, Arabic…)
# A domain label: a run of letters, digits and hyphens, or a run of CJK characters (Chinese runs straight
# into an address, so the two are told apart where the script changes).
_LABEL = rf"(?:{_ALNUM_NOT_CJK}|-){{1,63}}|[{_CJK}]{{1,63}}"
_LABEL_RE = re.compile(_LABEL)
_REVERSED_DOMAIN = re.compile(rf"(?:{_LABEL})(?:[.。](?:{_LABEL})){{0,8}}")
_FIRST_LABEL = re.compile(r"[^.。]+")
_DOTS = re.compile(r"[.。]")

_GENERIC_TLDS = (
    "com net org info biz io co me tv ly to gg cc ai app dev shop store online site xyz top club pro mobi asia "
    "icu vip tech eu ws fm"
).split()
_COUNTRY_TLDS = (
    "uk de fr es ru su cn jp ae sa eg ma dz tn jo lb kw qa bh om iq us ca mx ar cl pe br au nz ie it nl be ch "
    "at pl pt cz sk hu ro bg gr tr ua by kz uz ge am az il in pk bd kr tw hk sg my th vn id ph se no dk fi is "
    "ee lv lt lu li mc mt cy hr si rs ba md al mk za ng ke im je gl so do la ne et ps sh py"
).split()
# Internationalised top-level domains of the markets served.
_IDN_TLDS = (
    "中国 中國 公司 网络 網絡 网址 在线 商城 香港 台湾 台灣 新加坡 みんな コム рф рус москва сайт онлайн укр бел қаз "
    "السعودية امارات مصر المغرب قطر الاردن البحرين تونس الجزائر عمان موقع شبكة"
).split()
_KNOWN_TLDS = frozenset(_GENERIC_TLDS + _COUNTRY_TLDS + _IDN_TLDS)
# Also everyday words ("paid.it", "back.to", "ok.so") or file extensions ("run.sh", "main.py", "logo.ai").
_AMBIGUOUS_TLDS = frozenset(
    "it to me in is so no do my us at be by am as la ma se il je ne et im sa id al ba ai ps sh md py pl rs".split()
)
_MESSAGING_DOMAINS = frozenset({"wa.me", "t.me", "m.me", "ig.me", "line.me", "telegram.me", "telegram.dog"})
# The mail services people give addresses at, by the name their domains start with ("yahoo.co.uk").
_MAIL_PROVIDERS = frozenset(
    "gmail googlemail yahoo ymail hotmail outlook live msn icloud aol proton protonmail gmx web t-online orange "
    "free laposte sfr wanadoo mail bk inbox list yandex ya rambler qq 163 126 sina sohu foxmail aliyun docomo "
    "ezweb softbank telefonica".split()
)


def _is_tld(label: str, *, any_ascii: bool) -> bool:
    if label.lower() in _KNOWN_TLDS:
        return True
    return any_ascii and 2 <= len(label) <= 24 and label.isascii() and (label.isalpha() or label.startswith("xn--"))


def _idn_tld_at_start(label: str) -> str | None:
    """The top-level domain a CJK run starts with ("中国谢谢" → "中国"): the sentence goes on unspaced."""
    return next((tld for tld in _IDN_TLDS_LONGEST_FIRST if label.startswith(tld)), None)


_IDN_TLDS_LONGEST_FIRST = sorted(_IDN_TLDS, key=len, reverse=True)
# Where Chinese or Japanese text runs into an address, the words before it are not part of it.
_CJK_LEAD_CUES = (
    "邮箱", "郵箱", "邮件", "郵件", "电邮", "電郵", "地址", "网址", "網址", "网站", "網站", "访问", "訪問",
    "联系", "聯繫", "发到", "發到", "发送到", "是", "为", "為", "到", "在",
    "メール", "アドレス", "サイト", "は", "を", "へ", "まで", "で", "に",
)


def _after_cue_words(run: str) -> int:
    """How many leading characters of a CJK run are words about the address rather than the address."""
    cut = 0
    for cue in _CJK_LEAD_CUES:
        at = run.rfind(cue)
        if at >= 0 and at + len(cue) < len(run):
            cut = max(cut, at + len(cue))
    return cut


# What a link may hold: not whitespace, quotes or angle brackets, nor the punctuation of CJK text.
_LINK_BODY = re.compile(r"[^\s<>\"'`\x00-\x1f\x7f。、「」『』【】《》…]{1,2048}")
_TRAILING_PUNCTUATION = ".,;:!?'\"*-_~"
_PORT = re.compile(r":\d{1,5}(?=[/?#]|\s|$)")
_CLOSING_BRACKETS = {")": "(", "]": "[", "}": "{"}


def _link_end(text: str, start: int, host_end: int, *, shortest: int) -> int:
    """Where a link whose host ends at `host_end` ends: its path, if any, without the sentence after it (a
    full stop, a closing bracket with no opening one in the link), and not before `shortest`."""
    end = host_end
    port = _PORT.match(text, end)
    if port:
        end = port.end()
    if end < len(text) and text[end] in "/?#":
        body = _LINK_BODY.match(text, end)
        if body:
            path = body.group()
            cjk = _CJK_CHAR.search(path)  # paths are percent-encoded; raw CJK is the sentence going on
            end += cjk.start() if cjk else len(path)
    while end > shortest:
        last = text[end - 1]
        opening = _CLOSING_BRACKETS.get(last)
        unbalanced = opening and text.count(last, start, end) > text.count(opening, start, end)
        if last in _TRAILING_PUNCTUATION or unbalanced:
            end -= 1
        else:
            break
    return end


# --- E-mail addresses --------------------------------------------------------------------------------------

# What stands for "@": the sign itself (spaced or not), a word in brackets ("[at]", "(at)", "(собака)"), a
# word between spaces ("at", German "ät", Russian "собака", Spanish "arroba", French "arobase"), or the
# Chinese and Japanese transliterations "艾特" and "アットマーク". Only where a domain with a dot follows.
_AT_WORDS = "at|ät|собака|arroba|arobase"
_DOT_WORDS = "dot|punto|point|punkt|точка"
_AT = re.compile(
    rf"(?:[\[({{<]\s{{0,2}}(?:{_AT_WORDS}|@|艾特|アット)\s{{0,2}}[\])}}>]|@|艾特|アットマーク|{_AT_WORDS})"
    rf"(?=\s{{0,2}}[\w.-]{{1,80}}?(?:\s{{0,2}}[.。]\s{{0,2}}[^\W\d_]{{2}}|\s{{0,2}}[\[({{<]"
    rf"|\s{{1,2}}(?:{_DOT_WORDS})\s{{1,2}}[^\W\d_]{{2}}|(?:点|點|ドット)\s{{0,2}}[^\W\d_]{{2}}))"
)
_TRANSLITERATED_AT = frozenset({"艾特", "アットマーク"})
_OPENING, _CLOSING = "[({<", "])}>"
_ANY_DOT = re.compile(
    rf"\s{{0,2}}[.。]\s{{0,2}}"
    rf"|\s{{0,2}}[\[({{<]\s{{0,2}}(?:{_DOT_WORDS}|\.|点|點|ドット)\s{{0,2}}[\])}}>]\s{{0,2}}"
    rf"|\s{{1,2}}(?:{_DOT_WORDS})\s{{1,2}}"
    rf"|\s{{0,2}}(?:点|點|ドット)\s{{0,2}}",
    re.IGNORECASE,
)
_REVERSED_LOCAL_PART = re.compile(rf"(?:{_ALNUM_NOT_CJK}|[_.+%-]){{1,64}}")
_REVERSED_CJK_LOCAL_PART = re.compile(f"[{_CJK}]{{1,64}}")
_LOCAL_PART_CHAR = re.compile(rf"{_ALNUM_NOT_CJK}|[_.+%-]")


def _find_emails(text: str, lowered: str) -> Iterator[tuple[int, int, Kind]]:
    for core in _AT.finditer(lowered):
        at = _at_sign(text, core.start(), core.end(), core.group())
        if not at:
            continue
        at_start, at_end, style = at
        local_start = _local_part_start(text, at_start)
        if local_start is None:
            continue
        domain_end = _email_domain_end(text, at_end, strict=style == "sign", spelled=style == "word")
        if domain_end is None:
            continue
        if lowered[max(0, local_start - 7):local_start] == "mailto:":
            local_start -= 7
        yield local_start, domain_end, Kind.EMAIL


def _at_sign(text: str, start: int, end: int, word: str) -> tuple[int, int, str] | None:
    """The whole "@" around a candidate word, with the spaces and brackets that belong to it, and its style:
    "sign" (a plain @), "spaced", "bracketed", "transliterated" or "word"; None when it is just a word."""
    if word[0] in _OPENING:
        return _spaces_before(text, start), _spaces_after(text, end), "bracketed"
    left, right = _spaces_before(text, start), _spaces_after(text, end)
    if word == "@":
        return left, right, "sign" if (left, right) == (start, end) else "spaced"
    if word in _TRANSLITERATED_AT:
        return left, right, "transliterated"
    if left < start and right > end:
        return left, right, "word"
    return None  # "at" inside a word ("that", "data")


def _spaces_before(text: str, position: int) -> int:
    limit = max(0, position - 2)
    while position > limit and text[position - 1].isspace():
        position -= 1
    return position


def _spaces_after(text: str, position: int) -> int:
    limit = min(len(text), position + 2)
    while position < limit and text[position].isspace():
        position += 1
    return position


def _local_part_start(text: str, at: int) -> int | None:
    before = text[max(0, at - 65):at][::-1]
    local = _REVERSED_LOCAL_PART.match(before)
    if local:
        start = at - len(local.group())
        if start > 0 and _LOCAL_PART_CHAR.match(text[start - 1]):
            return None  # longer than an address may be: not an address
        while start < at and text[start] == ".":
            start += 1
        return start if start < at else None
    # A local part in Chinese or Japanese ("用户@例子.中国"), after the words that introduce it.
    local = _REVERSED_CJK_LOCAL_PART.match(before)
    if not local:
        return None
    start = at - len(local.group())
    return start + _after_cue_words(text[start:at])


def _email_domain_end(text: str, position: int, *, strict: bool, spelled: bool) -> int | None:
    """Where the domain after an "@" ends, or None when what follows is not a domain."""
    labels: list[tuple[str, int]] = []  # each label and where it ends
    dots: list[str] = []  # what separates them
    while len(labels) < 10:
        label = _LABEL_RE.match(text, position)
        if not label:
            break
        labels.append((label.group(), label.end()))
        dot = _ANY_DOT.match(text, label.end())
        if not dot or not _LABEL_RE.match(text, dot.end()):
            break
        dots.append(dot.group())
        position = dot.end()
    for count in range(len(labels), 1, -1):
        plain_dots = all(dot in (".", "。") for dot in dots[:count - 1])
        if spelled and plain_dots:
            # "I bought it at example.com" is a sentence; "write to anna at gmail.com" is an address.
            if labels[0][0].lower() not in _MAIL_PROVIDERS:
                continue
        tld, end = labels[count - 1]
        if _CJK_CHAR.match(tld):
            idn_tld = _idn_tld_at_start(tld)
            if idn_tld:
                return end - len(tld) + len(idn_tld)
        elif _is_tld(tld, any_ascii=strict and plain_dots):
            return end
    return None


# --- Links -------------------------------------------------------------------------------------------------

_URL_START = re.compile(r"https?://|hxxps?://|ftp://|whatsapp://|tg://|viber://|weixin://|line://|www\d{0,3}\.")
_TLD_ANCHOR = re.compile(
    "[.。](?:" + "|".join(re.escape(tld) for tld in sorted(_KNOWN_TLDS, key=len, reverse=True)) + ")"
    rf"(?!{_ALNUM_NOT_CJK}|-)"
)
_HOST_GOES_ON = re.compile(r"[.。][a-z0-9]")
_LONGEST_HOST = 128  # characters before the top-level domain; real ones are far shorter than the allowed 253
_BEFORE_BARE_DOMAIN = re.compile(rf"{_ALNUM_NOT_CJK}|[@./\\+%_-]")
_HOST_END = re.compile(r"[/?#]")
_HAS_WORD = re.compile(r"[^\W_]")
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]")


def _find_urls(text: str, lowered: str) -> Iterator[tuple[int, int, Kind]]:
    covered = 0
    for scheme in _URL_START.finditer(lowered):
        start = scheme.start()
        before = text[start - 1] if start else " "
        if start < covered or _ASCII_ALNUM.match(before) or (scheme.group()[0] == "w" and before in ".@/-"):
            continue  # inside a link already found, or part of a longer word ("mywww.", "shop.www.")
        body = _LINK_BODY.match(text, scheme.end())
        host = _HOST_END.split(body.group(), maxsplit=1)[0] if body else ""
        if not _HAS_WORD.search(host):
            continue  # "http://." is not a link to anywhere
        covered = _link_end(text, start, scheme.end() + _host_length(host), shortest=scheme.end() + 1)
        yield start, covered, Kind.LINK


def _host_length(host: str) -> int:
    """How much of what follows a scheme is the host, when a CJK sentence runs straight on."""
    cjk = _CJK_CHAR.search(host)
    if not cjk:
        return len(host)
    if cjk.start() > 0:
        return cjk.start()
    for label in _FIRST_LABEL.finditer(host):
        idn_tld = _idn_tld_at_start(label.group()) if label.start() > 0 else None
        if idn_tld:
            return label.start() + len(idn_tld)
    return len(host)


def _find_bare_domains(text: str, lowered: str) -> Iterator[tuple[int, int, Kind]]:
    covered = 0
    for anchor in _TLD_ANCHOR.finditer(lowered):
        dot = anchor.start()
        if dot < covered or _HOST_GOES_ON.match(text, anchor.end()):
            continue  # inside a link already found, or not the last label ("shop" in "mx.shop.example")
        before = _REVERSED_DOMAIN.match(text[max(0, dot - _LONGEST_HOST):dot][::-1])
        if not before:
            continue
        start = dot - len(before.group())
        if start > 0 and _BEFORE_BARE_DOMAIN.match(text[start - 1]):
            continue  # part of an address, a path, a longer word or an ellipsis
        first_label = _FIRST_LABEL.match(text, start).group()
        if _CJK_CHAR.match(first_label):
            start += _after_cue_words(first_label)
        if not _is_bare_domain(text[start:anchor.end()], text[anchor.end():anchor.end() + 1]):
            continue
        covered = _link_end(text, start, anchor.end(), shortest=anchor.end())
        yield start, covered, Kind.LINK


def _is_bare_domain(host: str, following: str) -> bool:
    if host.lower() in _MESSAGING_DOMAINS:
        return True
    labels = _DOTS.split(host)
    tld = labels[-1]
    if tld.isascii() and not (tld.islower() or tld.isupper()):
        return False  # "paid.It arrived": a missing space, not a domain
    if tld.lower() in _AMBIGUOUS_TLDS:
        return (following == "/" or len(labels) > 2) and len(labels[-2]) > 1
    return True


# --- Messaging apps ----------------------------------------------------------------------------------------

# Written in lower case and matched against the lowered text, except the names that are everyday words in
# another case ("LINE", "Signal", "QQ", "VX").
_APP = re.compile(
    "whats ?app|whatsap|watsapp|واتس ?اب|واتساب|واتس|ワッツアップ|telegramm?|تيليجرام|تلغرام|تليجرام|تيليغرام"
    "|テレグラム|电报|電報|we ?chat|weixin|微信|薇信|威信|ライン|viber|فايبر|skype|سكايب|kakao ?talk|カカオトーク"
    "|instagram|insta|انستغرام|انستقرام|インスタ|snapchat|discord"
    # Russian declines them: "в телеграме", "в вотсапе".
    "|вотсап[а-яё]{0,4}|ватсап[а-яё]{0,4}|вацап[а-яё]{0,3}|телеграм[а-яё]{0,4}|телег[а-яё]{1,2}|вайбер[а-яё]{0,3}"
    "|скайп[а-яё]{0,3}|инстаграм[а-яё]{0,3}"
)
_CASED_APP = re.compile(r"LINE|[Ll]ine(?= ?(?:ID|Id|id)\b)|Signal|QQ|VX|vx|Vx|[Vv]信|IG")
_LATIN_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_LATIN_OR_CYRILLIC_LETTERS = _LATIN_LETTERS | frozenset(map(chr, range(0x410, 0x450))) | {"Ё", "ё"}
# "WeChat: abc123", "LINE ID: abc", "我的微信是abc123", "Telegram @shop", "my insta is @shop_tokyo". After a
# marker that says a handle follows ("ID", ":", "是", "号"…) any handle counts; after a space or a word like
# "is" it needs an "@" or must look like one (digits or "_" in it), so "WhatsApp is great" stays. A handle
# that goes on as a phone number is left to the phone number.
_HANDLE = re.compile(
    r"\s{0,2}(?:(?i:is|ist|est|es|это)\s{1,2}|[—-]\s{0,2}"
    r"|(?P<marker>(?:(?i:id)|號|号|账号|帳號|是|は|アカウント|ник|номер|رقم)?\s{0,2}[:=]?))\s{0,2}"
    r"(?P<handle>@?[A-Za-z0-9_][A-Za-z0-9_.\-]{2,31})(?![A-Za-z0-9_@-]|\.[A-Za-z0-9])(?![ \-./()]{0,3}\d)"
)
_HAS_DIGIT = re.compile(r"[0-9]")
# Asking to move there: "WhatsApp me", "add me on WeChat", "加我微信", "LINEで連絡ください", "пишите в телеграм".
_CUES = (
    "contact|message me|message us|msg me|text me|text us|write me|write us|write to me|write to us|add me"
    "|reach me|reach us|call me|call us|chat with me|chat with us|talk to me|talk to us|ping me|dm me|dm us"
    "|hit me up|find me|find us|me on|us on|me via|us via|me at|us at"
    "|schreib|kontaktier|meld|ruf|erreich|mir auf|mir per|mir über|mich auf|mich über|uns auf|uns per|uns über"
    "|écri|ecri|joign|appel|moi sur|moi via|nous sur|nous via|ajoute"
    "|escríb|escrib|contáct|llám|llam|háblame|hablame|mánda|manda|agrég|agreg|añád"
    "|пиш|напиш|звон|свяж|добав|стучи|в личку|мне в|нам в"
    "|加|联系|聯繫|联络|私聊|私信|找我|发我|發我|連絡|追加|友達"
    "|تواصل|راسل|اتصل|كلم|أضف|اضف|ضيف|ابعث|ارسل|أرسل"
)
_CUE = re.compile(_CUES)
_CUES_AFTER = re.compile("联系|聯繫|聊|私聊|連絡|追加|友達|пиш|напиш|звон|تواصل|راسل")
_ME_AFTER = re.compile(r"\s+(?:me|us)\b")
_CLAUSE_END = re.compile(r"[\n.!?,;。！？]")
_CUE_REACH, _CUE_AFTER_REACH = 25, 12  # characters between a cue and the app it is about


def _find_messaging(text: str, lowered: str) -> Iterator[tuple[int, int, Kind]]:
    apps = sorted(
        app.span()
        for found in (_APP.finditer(lowered), _CASED_APP.finditer(text))
        for app in found
        if _stands_alone(text, *app.span())
    )
    if not apps:
        return
    cue_ends = [cue.end() for cue in _CUE.finditer(lowered) if not _letter_before(text, cue.start())]
    cue_after_starts = [cue.start() for cue in _CUES_AFTER.finditer(lowered)]
    for app_start, app_end in apps:
        handle = _HANDLE.match(text, app_end)
        if handle and _is_handle(handle.group("handle"), explicit=bool((handle.group("marker") or "").strip())):
            yield app_start, handle.start("handle") + len(handle.group("handle").rstrip(".-")), Kind.LINK
        elif (
            _ME_AFTER.match(lowered, app_end)
            or _cue_before(text, cue_ends, app_start)
            or _cue_after(text, cue_after_starts, app_end)
        ):
            yield app_start, app_end, Kind.LINK


def _letter_before(text: str, position: int) -> bool:
    return position > 0 and text[position - 1] in _LATIN_OR_CYRILLIC_LETTERS


def _stands_alone(text: str, start: int, end: int) -> bool:
    """Not part of a longer word: "insta" in "instant", "LINE" in "ONLINE"."""
    return not _letter_before(text, start) and not (end < len(text) and text[end] in _LATIN_LETTERS)


def _is_handle(handle: str, *, explicit: bool) -> bool:
    handle = handle.rstrip(".-")
    if handle.isdigit():
        return len(handle) >= 5  # QQ numbers; longer ones are phone numbers as well
    if handle.isalpha():
        return explicit  # a word after an app is a handle only after "ID", ":" and the like
    return explicit or handle.startswith("@") or "_" in handle or bool(_HAS_DIGIT.search(handle))


def _cue_before(text: str, cue_ends: list[int], app_start: int) -> bool:
    """Whether a cue ends shortly before the app, in the same clause: "add me on WeChat"."""
    nearest = bisect.bisect_right(cue_ends, app_start) - 1
    if nearest < 0 or app_start - cue_ends[nearest] > _CUE_REACH:
        return False
    return not _CLAUSE_END.search(text, cue_ends[nearest], app_start)


def _cue_after(text: str, cue_starts: list[int], app_end: int) -> bool:
    """Whether a cue starts shortly after the app, in the same clause: "微信联系", "LINEで連絡ください"."""
    nearest = bisect.bisect_left(cue_starts, app_end)
    if nearest == len(cue_starts) or cue_starts[nearest] - app_end > _CUE_AFTER_REACH:
        return False
    return not _CLAUSE_END.search(text, app_end, cue_starts[nearest])


# --- Phone numbers -----------------------------------------------------------------------------------------

_DIGIT_RUN = re.compile(r"[0-9](?:[ \t.\-/()ー]{0,3}[0-9])*")
_REVERSED_PHONE_PREFIX = re.compile(r"(?:\s?\()?(?:\s?\+)?(?:\s?\()?")
_MIN_PHONE_DIGITS, _MAX_PHONE_DIGITS = 7, 15
_LONGEST_NUMBER = 80  # characters: 15 digits with their separators and a prefix, with room to spare
_GAP_BETWEEN_NUMBERS = re.compile(r"\s?/\s?|\s{2,}|\s-\s")
_TRUNK_ZERO = re.compile(r"\(\s?0\s?\)")


def _reversed_words(words: list[str]) -> str:
    """An alternation matching `words` written backwards, for matching what comes right before a position."""
    return "|".join(re.escape(word[::-1]) for word in sorted(words, key=len, reverse=True))


_CURRENCIES = (
    "€ $ £ ¥ ₽ ₹ ₩ ¢ eur usd gbp rub cny rmb jpy aed sar chf us$ euro euros dollar dollars yuan yen "
    "руб руб. рублей р. 元 円 块 圆 درهم ريال د.إ ر.س"
).split()
_CURRENCY_BEFORE = re.compile(rf"\s?(?:{_reversed_words(_CURRENCIES)})(?![a-zа-я])")
_CURRENCY_AFTER = re.compile(
    "(?:[.,][0-9]{1,2})?\\s?(?:" + "|".join(re.escape(c) for c in sorted(_CURRENCIES, key=len, reverse=True)) + ")"
    "(?![a-zа-я])"
)
_AMOUNT = re.compile(r"[0-9]{1,3}(?:[ .,'][0-9]{3})+(?:[.,][0-9]{1,2})?|[0-9]+(?:[.,][0-9]{1,2})?")
_DAY, _MONTH, _YEAR = r"(?:0?[1-9]|[12][0-9]|3[01])", r"(?:0?[1-9]|1[0-2])", r"(?:19|20)[0-9]{2}"
_CLOCK = r"(?:[01]?[0-9]|2[0-3])[.:h][0-5][0-9]"
# Dates, year ranges and opening hours, which run into phone-shaped digits ("03.12.2026", "9.00-18.00").
_DATES = re.compile(
    rf"(?<![0-9])(?<![0-9][-/.])"
    rf"(?:{_YEAR}(?P<s1>[-/.]){_MONTH}(?P=s1){_DAY}|{_DAY}(?P<s2>[-/.]){_MONTH}(?P=s2){_YEAR}"
    rf"|{_MONTH}(?P<s3>[-/.]){_DAY}(?P=s3){_YEAR}|{_YEAR}\s?-\s?{_YEAR}|{_CLOCK}\s?-\s?{_CLOCK}"
    # two-digit years only with "/" or ".", since "12-10-25" is how Russian numbers end
    rf"|{_DAY}(?P<s4>[/.]){_MONTH}(?P=s4)[0-9]{{2}}|{_MONTH}/{_DAY}/[0-9]{{2}})"
    r"(?![0-9]|[-/.][0-9])"
)
_REFERENCE_LABELS = (
    "order orders tracking track trace invoice receipt ref reference case ticket claim return rma parcel shipment "
    "consignment item product article sku ean gtin upc isbn asin imei serial s/n sn transaction awb "
    "bestellung bestellnummer bestell bestell-nr auftrag auftragsnummer sendung sendungsnummer sendungsverfolgung "
    "rechnung rechnungsnummer artikel artikelnummer paket retoure kundennummer vorgang "
    "commande suivi colis facture référence réf retour pedido seguimiento rastreo envío envio factura referencia "
    "artículo devolución paquete ref. réf. art art. заказ заказа трек трек-номер отслеживания накладной накладная счёт "
    "счет счета посылка посылки артикул возврат шпи отправления отправление "
    "订单 訂單 单号 單號 运单 運單 编号 編號 货号 貨號 发票 發票 注文 追跡 伝票 送り状 お問い合わせ 請求書 品番 返品 "
    "طلب الطلب تتبع التتبع الشحنة شحنة فاتورة الفاتورة مرجع المرجع"
).split()
_NUMBER_WORDS = "number no. no nr. nr nummer -nr. -nr n° nº num. num numéro número номер # 号 號 番号 رقم".split()
_LINKING_WORDS = "is ist est es это 是 为 為 は".split()
# "order 12345678", "order no. 12345678", "my order number is 12345678", "номер заказа 12345678", "订单号：12345678",
# matched backwards. Not across a full stop or a line: "Please return the item. 07911 123456" is a phone number.
_REFERENCE_BEFORE = re.compile(
    rf"[ \t:#\-]*(?:(?:{_reversed_words(_LINKING_WORDS)})(?![a-z])[ \t:]*)?"
    rf"(?:(?:{_reversed_words(_NUMBER_WORDS)})[ \t]?)?(?:{_reversed_words(_REFERENCE_LABELS)})(?![a-z])"
)
_PHONE_WORDS = (
    "tel tél tlf telf tfno phone ph call mob mobile cell fax whatsapp wa viber handy telefon téléphone teléfono "
    "telefono móvil movil portable телефон тел моб 电话 電話 手机 手機 携帯 هاتف الهاتف جوال موبايل"
).split()
_PHONE_WORD_BEFORE = re.compile(rf"\s{{0,2}}[.:]?(?:{_reversed_words(_PHONE_WORDS)})(?![a-z])")
_CODE_BEFORE = re.compile(r"(?:[A-Za-z0-9_][-_#/]?|#)\Z")
_CODE_AFTER = re.compile(r"[A-Za-z]|[-_][A-Za-z0-9]")
_DECIMAL = re.compile(r"[0-9]+\.[0-9]{1,2}")
_IPV4 = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")
_JAPANESE_POSTCODE = re.compile(r"[0-9]{3}-[0-9]{4}")


def _find_phones(text: str, lowered: str) -> Iterator[tuple[int, int, Kind]]:
    for run in _DIGIT_RUN.finditer(text):
        start, end = run.span()
        if end - start < _MIN_PHONE_DIGITS:
            continue
        if end - start <= _LONGEST_NUMBER:
            yield from _phones_in_run(text, lowered, start, end)
            continue
        # Far too long for one number: numbers side by side, each judged alone.
        piece_start = start
        for gap in [*_GAP_BETWEEN_NUMBERS.finditer(text, start, end), None]:
            piece_end = gap.start() if gap else end
            if _MIN_PHONE_DIGITS <= piece_end - piece_start <= _LONGEST_NUMBER:
                yield from _phones_in_run(text, lowered, piece_start, piece_end)
            piece_start = gap.end() if gap else end


def _phones_in_run(text: str, lowered: str, start: int, end: int) -> Iterator[tuple[int, int, Kind]]:
    if _is_amount(text, lowered, start, end):
        return
    dates = list(_DATES.finditer(text, start, end))
    if not dates:
        yield from _phone_numbers(text, lowered, _with_prefix(text, start, end), end, alone=True)
        return
    # What is left around a date is judged alone ("3/12/2026 14:00", "03.12.2026 0207 946 0018").
    bounds = [start, *(edge for date in dates for edge in date.span()), end]
    for piece_start, piece_end in zip(bounds[::2], bounds[1::2], strict=True):
        for rest in _DIGIT_RUN.finditer(text, piece_start, piece_end):
            rest_start = _with_prefix(text, *rest.span()) if rest.start() == start else rest.start()
            yield from _phone_numbers(text, lowered, rest_start, rest.end(), alone=True)


def _is_amount(text: str, lowered: str, start: int, end: int) -> bool:
    """ "€ 1 299 000", "1.299.000 руб.", "1 234 567,00 USD": an amount written next to its currency."""
    if not _AMOUNT.fullmatch(text, start, end):
        return False
    return bool(_CURRENCY_BEFORE.match(lowered[max(0, start - 8):start][::-1]) or _CURRENCY_AFTER.match(lowered, end))


def _with_prefix(text: str, start: int, end: int) -> int:
    """Where a number starts with its "+" and opening bracket: "+1 (415) 555-2671", "(020) 7946 0018"; the
    bracket in "(call me on 02079460018)" belongs to the sentence."""
    prefix = _REVERSED_PHONE_PREFIX.match(text[max(0, start - 6):start][::-1]).group()[::-1].lstrip()
    if ")" not in text[start:end]:
        plus = prefix.find("+")
        prefix = prefix[plus:] if plus >= 0 and "(" not in prefix[plus:] else ""
    return start - len(prefix)


def _phone_numbers(text: str, lowered: str, start: int, end: int, *, alone: bool) -> Iterator[tuple[int, int, Kind]]:
    number = text[start:end]
    digits = _significant_digits(number)
    if digits > _MAX_PHONE_DIGITS:
        # Two numbers side by side ("020 7946 0018 / 020 7946 0019") are judged each alone; one long run with
        # no such gap (a card, an account, a barcode) is not a phone number.
        piece_start = start
        for gap in _GAP_BETWEEN_NUMBERS.finditer(number):
            yield from _phone_numbers(text, lowered, piece_start, start + gap.start(), alone=False)
            piece_start = start + gap.end()
        if piece_start > start:
            yield from _phone_numbers(text, lowered, piece_start, end, alone=False)
    elif digits >= _MIN_PHONE_DIGITS and _looks_like_phone(text, lowered, start, end, alone=alone):
        yield start, end, Kind.PHONE


def _significant_digits(number: str) -> int:
    digits = sum(char.isdigit() for char in number)
    if number.lstrip("( ").startswith("00"):
        digits -= 2  # the international prefix
    if _TRUNK_ZERO.search(number):
        digits -= 1  # "+49 (0)30…": the trunk zero is dialled at home only
    return digits


def _looks_like_phone(text: str, lowered: str, start: int, end: int, *, alone: bool) -> bool:
    number = text[start:end]
    before = lowered[max(0, start - 40):start][::-1]  # backwards, to match what ends right before the number
    if _DECIMAL.fullmatch(number) or _IPV4.fullmatch(number):
        return False
    if _JAPANESE_POSTCODE.fullmatch(number) and not _PHONE_WORD_BEFORE.match(before):
        return False
    if _CODE_AFTER.match(text, end):
        return False  # the start of a code: "12345678AB", "12345678-X"
    if alone and _CODE_BEFORE.search(text, max(0, start - 2), start):
        # The end of a code: "A00001052", "RF-23456789", "#12345678"; but "Tel0791…" is a phone number.
        glue = len(before) - len(before.lstrip("-_#/"))
        if not _PHONE_WORD_BEFORE.match(before, glue):
            return False
    return not _REFERENCE_BEFORE.match(before)


# --- Overlaps ----------------------------------------------------------------------------------------------

_KIND_PREFERENCE = {Kind.EMAIL: 2, Kind.LINK: 1, Kind.PHONE: 0}


def _weight(span: tuple[int, int, Kind]) -> tuple[int, int]:
    start, end, kind = span
    return end - start, _KIND_PREFERENCE[kind]


def _merge_overlaps(spans: list[tuple[int, int, Kind]]) -> list[tuple[int, int, Kind]]:
    """One span for each group of overlapping ones, of the kind of the longest: an address inside a link is
    the link, a number inside an address is the address, and nothing is left half hidden."""
    merged: list[tuple[int, int, Kind]] = []
    heaviest: tuple[int, int] = (0, 0)
    for span in sorted(spans):
        start, end, kind = span
        if merged and start < merged[-1][1]:
            group_start, group_end, group_kind = merged[-1]
            if _weight(span) > heaviest:
                heaviest, group_kind = _weight(span), kind
            merged[-1] = (group_start, max(group_end, end), group_kind)
        elif start < end:
            merged.append(span)
            heaviest = _weight(span)
    return merged
