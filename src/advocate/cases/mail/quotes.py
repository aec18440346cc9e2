"""What a person wrote in an email, told apart from what their mail program quoted.

`html_to_text` renders HTML mail as the lines a reader sees (quoted blocks prefixed with "> ", as plain-text mail
programs do), optionally without the quoted history. `strip_quoted` keeps what the associate must read: it cuts a
top-posted reply at the first quote marker, keeps a person's lines between quotes when they answered inline, and
drops the signature.

Markers are written as the mail programs of the product's eight languages (English, Chinese, Arabic, Russian,
Spanish, German, French, Japanese) really write them, plus a few neighbours (Italian, Dutch, Portuguese) that cost
one word each. Plain Python: no Django imports, so it is tested without a database.
"""

import html as html_entities
import re

from bs4 import BeautifulSoup
from bs4.element import NavigableString, PreformattedString, Tag

# --- plain text -------------------------------------------------------------------------------------------

# Bidirectional controls that Arabic attributions carry around names and addresses; invisible, but they would
# defeat every pattern below.
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")

# An attribution ("On …, Alice wrote:") is recognised by its ending and, where the language gives one, its
# opening. Each pattern also needs evidence that the line cites a message rather than merely using the verb: a
# digit (the date) or an "@" (the address). Patterns run on the attribution with whitespace collapsed.
_DIGIT, _AT, _DIGIT_OR_AT = "digit", "at", "digit-or-at"
_ATTRIBUTIONS = [
    (re.compile(pattern, re.IGNORECASE), evidence)
    for pattern, evidence in [
        # English: Gmail, Apple Mail, Thunderbird, Outlook for Mac.
        (r"^on\b.+\b(wrote|writes|said)\s*:$", _DIGIT),
        (r"^.*@.+\b(wrote|writes)\s*:$", _AT),
        # German: "Am 03.12.2026 um 10:00 schrieb Alice <a@b>:"
        (r"^am\b.+\bschrieb\b.*:$", _DIGIT),
        (r"^.+\b(schrieb|hat geschrieben)\s*:$", _AT),
        # French: "Le 3 déc. 2026 à 10:00, Alice <a@b> a écrit :"
        (r"^le\b.+\ba\s+écrit\s*:$", _DIGIT),
        (r"^.+\ba\s+écrit\s*:$", _AT),
        # Spanish: "El mar, 3 dic 2026 a las 10:00, Alice (<a@b>) escribió:"
        (r"^el\b.+\bescribi[óo]\s*:$", _DIGIT),
        (r"^.+\bescribi[óo]\s*:$", _AT),
        # Russian: "3 дек. 2026 г., в 10:00, Alice <a@b> написал(а):", Thunderbird's "…, Alice пишет:", The Bat!'s
        # and Outlook's "Вы писали 3 декабря 2026 г., 10:00:", "Здравствуйте, Alice. Вы писали …:", "Alice писал(а):"
        (r"^.+\s(на)?(писал|писала|писали|писал\(а\))\s*:$", _DIGIT_OR_AT),
        (r"^.+\sпишет\s*:$", _DIGIT_OR_AT),
        (r"^(.*\s)?вы\s+(на)?писали\b.*:$", _DIGIT_OR_AT),
        # Chinese: "在 2026年12月3日 …写道：", Gmail's "Alice <a@b> 于2026年12月3日周二 10:00写道："
        (r"^.+(写道|寫道)\s*[:：]$", _DIGIT_OR_AT),
        # Japanese: "…さんは書きました:", Apple Mail's "…のメール:"
        (r"^.+(は書きました|のメール)\s*[:：]$", _DIGIT_OR_AT),
        # Gmail in Japanese, Russian (and Korean, Yandex…) names no verb: "2026年12月3日(火) 10:00 Alice <a@b>:",
        # "вт, 1 дек. 2026 г. в 10:00, Имя <a@b>:". A year, then an address in angle brackets right before the
        # colon, still say "attribution".
        (r"^.*(?<!\d)\d{4}(?!\d).*<[^<>\s]+@[^<>\s]+>\s*[:：]$", _AT),
        # Arabic: "في الثلاثاء، 3 ديسمبر 2026 … كتب:"
        (r"^.+\s(كتب|كتبت)\s*[:：]$", _DIGIT_OR_AT),
        # Italian, Dutch, Portuguese.
        (r"^il\b.+\bha scritto\s*:$", _DIGIT),
        (r"^op\b.+\bschreef\b.*:$", _DIGIT),
        (r"^(em|no dia)\b.+\bescreveu\s*:$", _DIGIT),
    ]
]
# Gmail and others wrap a long attribution; three lines is the longest seen in practice.
_ATTRIBUTION_MAX_LINES = 3
_ATTRIBUTION_MAX_CHARS = 400
# A line that starts with the tail of a wrapped address ("alice@example.com> wrote:") continues the line above.
_ADDRESS_TAIL = re.compile(r"^[^\s<>]*@[^\s<>]*>")

_ORIGINAL_MESSAGE = re.compile(
    r"^\s*[-_=*]{2,}\s*(original message|ursprüngliche nachricht|message d['’]origine|mensaje original|"
    r"исходное сообщение|原始邮件|原始郵件|元のメッセージ|الرسالة الأصلية|messaggio originale|"
    r"oorspronkelijk bericht|mensagem original)\s*[-_=*]{2,}\s*$",
    re.IGNORECASE,
)
_UNDERSCORE_RULE = re.compile(r"^\s*_{10,}\s*$")
# A forwarded message is content the customer wants read, so its header block is not a quote.
_FORWARD_MARKER = re.compile(
    r"(forwarded message|begin forwarded message|weitergeleitete nachricht|anfang der weitergeleiteten|"
    r"message transféré|début du message réexpédié|mensaje reenviado|пересылаемое сообщение|"
    r"пересланное сообщение|转发的邮件|转发邮件|転送されたメッセージ|転送メッセージ|رسالة محولة|"
    r"messaggio inoltrato|doorgestuurd bericht|mensagem encaminhada)",
    re.IGNORECASE,
)

# The labels of the header block Outlook (and clients copying it) puts above the quoted message, per language.
_HEADER_LABELS = {
    "from": {"from", "von", "de", "от", "发件人", "寄件者", "寄件人", "差出人", "من", "da", "van"},
    "sent": {"sent", "gesendet", "envoyé", "envoye", "enviado", "enviado el", "отправлено", "发送时间",
             "寄件日期", "送信日時", "تاريخ الإرسال", "inviato", "verzonden"},
    "date": {"date", "datum", "fecha", "дата", "日期", "日付", "التاريخ", "data"},
    "to": {"to", "an", "à", "a", "para", "кому", "收件人", "收件者", "宛先", "إلى", "aan"},
    "cc": {"cc", "копия", "抄送", "副本", "نسخة"},
    "subject": {"subject", "betreff", "objet", "asunto", "тема", "主题", "主旨", "件名", "الموضوع", "oggetto",
                "onderwerp", "assunto"},
}
_FIELD_OF_LABEL = {label: field for field, labels in _HEADER_LABELS.items() for label in labels}
_HEADER_LINE = re.compile(r"^\s*\**\s*(?P<label>[^:：*\n]{1,20}?)\s*\**\s*[:：]")
_INLINE_LABELS = re.compile(
    r"\s\**(?P<label>" + "|".join(sorted((re.escape(label) for label in _FIELD_OF_LABEL), key=len, reverse=True))
    + r")\**\s*[:：]",
    re.IGNORECASE,
)
_HEADER_BLOCK_WINDOW = 8

_SIGNATURE_SEPARATOR = re.compile(r"^--\s?$")
# The line a phone adds under every message; noise to an associate.
_SENT_FROM_DEVICE = re.compile(
    r"^(sent from my|get outlook for|von meinem .{1,40} gesendet|envoyé de mon|enviado desde mi|"
    r"отправлено с|发自我的|从我的.{1,40}发送|.{1,40}から送信|أرسلت من)",
    re.IGNORECASE,
)


def strip_quoted(text: str) -> str:
    """The part of a message its author wrote: quoted history and signature removed.

    Never returns an empty string for a message that has text: if everything looks quoted (a bare forward, say),
    the whole text comes back, because an associate must see something rather than nothing.
    """
    if not text or not text.strip():
        return ""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = _without_signature(_QuotedHistory(lines).without())
    visible = _tidy(kept)
    return visible or _tidy(lines)


class _QuotedHistory:
    """Finds the quoted history in a message's lines. Every step is linear in the number of lines, so a hostile
    message (thousands of blank or quoted lines) costs no more than a long one."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        # For each line, the index of the first line at or after it with content (len(lines) if none).
        self.next_content = [len(lines)] * (len(lines) + 1)
        for index in range(len(lines) - 1, -1, -1):
            self.next_content[index] = index if lines[index].strip() else self.next_content[index + 1]

    def without(self) -> list[str]:
        lines = self.lines
        for index in range(len(lines)):
            if _is_quoted(lines[index]):
                return self._answer_around_quotes(quote_start=index, cut_at=index)
            if self._starts_outlook_history(index):
                return lines[:index]
            attribution_start = _attribution_ending_at(lines, index)
            if attribution_start is not None:
                if self._quote_follows(index):
                    return self._answer_around_quotes(quote_start=self.next_content[index + 1],
                                                      cut_at=attribution_start)
                # An attribution over unquoted text (Outlook-style clients, HTML converted to text): all history.
                return lines[:attribution_start]
        return lines

    def _answer_around_quotes(self, *, quote_start: int, cut_at: int) -> list[str]:
        """Top-posted: everything from `cut_at` on is history. Answered inline: keep the person's lines."""
        lines = self.lines
        answer: list[str] = []
        previous_quoted = False
        for index in range(quote_start, len(lines)):
            line = lines[index]
            if _SIGNATURE_SEPARATOR.match(line):
                answer.extend(lines[index:])  # the signature goes later, with the rest of its kind
                break
            if self._starts_outlook_history(index):
                break
            if _is_quoted(line) or (previous_quoted and _continues_quoted_line(lines[index - 1], line)):
                previous_quoted = True
                continue
            previous_quoted = False
            attribution_start = _attribution_ending_at(lines, index)
            if attribution_start is not None and self._quote_follows(index):
                # A nested attribution introduces the next quoted block; it is not the person's words.
                earlier_lines = lines[attribution_start:index]
                if earlier_lines and answer[-len(earlier_lines):] == earlier_lines:
                    del answer[-len(earlier_lines):]
                continue
            answer.append(line)
        if not any(line.strip() for line in _without_signature(answer)):
            return lines[:cut_at]
        return [*lines[:cut_at], *answer]

    def _quote_follows(self, index: int) -> bool:
        following = self.next_content[index + 1]
        return following < len(self.lines) and _is_quoted(self.lines[following])

    def _starts_outlook_history(self, index: int) -> bool:
        """Whether line `index` opens the history Outlook appends: "-----Original Message-----", a header block
        (From/Sent/To/Subject in any of the languages), or the underscore rule right above such a block."""
        lines = self.lines
        line = lines[index]
        if _ORIGINAL_MESSAGE.match(line):
            return True
        if _UNDERSCORE_RULE.match(line):
            following = self.next_content[index + 1]
            return following - index <= 2 and following < len(lines) and _is_header_block(lines, following)
        return _is_header_block(lines, index) and not _follows_forward_marker(lines, index)


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _continues_quoted_line(quoted: str, line: str) -> bool:
    # A mail program that re-wraps a long quoted line without re-quoting leaves its tail unprefixed: the quoted
    # line stops mid-sentence and the tail starts in lower case. A person answering inline starts a sentence.
    stripped = line.strip()
    return bool(stripped) and stripped[0].islower() and not quoted.rstrip().endswith((".", "?", "!", ":", ";", ")"))


def _attribution_ending_at(lines: list[str], end: int) -> int | None:
    """Where the attribution that ends on line `end` starts, or None if that line ends none."""
    last = _BIDI_CONTROLS.sub("", lines[end]).strip()
    if not last.endswith((":", "：")) or _is_quoted(last):
        return None
    single_line_matches = _is_attribution(last)
    if single_line_matches and not _ADDRESS_TAIL.match(last):
        return end
    for start in range(end - 1, max(-1, end - _ATTRIBUTION_MAX_LINES), -1):
        if not lines[start].strip() or _is_quoted(lines[start]):
            break
        if _is_attribution(" ".join(_BIDI_CONTROLS.sub("", line).strip() for line in lines[start:end + 1])):
            return start
    return end if single_line_matches else None


def _is_attribution(candidate: str) -> bool:
    candidate = re.sub(r"\s+", " ", candidate).strip()
    if len(candidate) > _ATTRIBUTION_MAX_CHARS:
        return False
    has_digit = any(character.isdigit() for character in candidate)
    has_at = "@" in candidate
    for pattern, evidence in _ATTRIBUTIONS:
        if not pattern.match(candidate):
            continue
        if (evidence == _DIGIT and has_digit) or (evidence == _AT and has_at) or (
            evidence == _DIGIT_OR_AT and (has_digit or has_at)
        ):
            return True
    return False


def _header_field(line: str) -> str | None:
    match = _HEADER_LINE.match(_BIDI_CONTROLS.sub("", line))
    return _FIELD_OF_LABEL.get(match["label"].strip().lower()) if match else None


def _is_header_block(lines: list[str], index: int) -> bool:
    if _header_field(lines[index]) != "from":
        return False
    # Outlook flattened into one line: "From: Alice Sent: Tuesday To: Bob Subject: Hello".
    same_line = {_FIELD_OF_LABEL[m["label"].lower()] for m in _INLINE_LABELS.finditer(lines[index])} - {"from"}
    if len(same_line) >= 2:
        return True
    fields = set()
    for line in lines[index + 1:index + 1 + _HEADER_BLOCK_WINDOW]:
        field = _header_field(line)
        if field and field != "from":
            fields.add(field)
    return len(fields) >= 2 and bool(fields & {"sent", "date", "subject"})


def _follows_forward_marker(lines: list[str], index: int) -> bool:
    for line in reversed(lines[max(0, index - 2):index]):
        if line.strip():
            return bool(_FORWARD_MARKER.search(line))
    return False


def _without_signature(lines: list[str]) -> list[str]:
    seen_content = False
    for index, line in enumerate(lines):
        if seen_content and _SIGNATURE_SEPARATOR.match(line):
            lines = lines[:index]
            break
        seen_content = seen_content or bool(line.strip())
    content = [index for index, line in enumerate(lines) if line.strip()]
    if len(content) >= 2 and len(lines[content[-1]]) < 80 and _SENT_FROM_DEVICE.match(lines[content[-1]].strip()):
        lines = lines[:content[-1]]
    return lines


def _tidy(lines: list[str]) -> str:
    """Trailing spaces off, runs of blank lines down to one, blank lines at either end gone."""
    tidy: list[str] = []
    for line in lines:
        line = line.rstrip()
        if not line and (not tidy or not tidy[-1]):
            continue
        tidy.append(line)
    return "\n".join(tidy).strip("\n")


# --- HTML -------------------------------------------------------------------------------------------------

_UNRENDERED = frozenset({"script", "style", "head", "title", "meta", "link", "noscript", "template", "object",
                         "embed", "svg", "xml", "iframe", "select", "button"})
_LINE_ELEMENTS = frozenset({"div", "tr", "li", "dt", "dd", "address", "article", "aside", "center", "dir",
                            "figcaption", "figure", "footer", "form", "header", "main", "nav", "section",
                            "caption", "fieldset", "legend", "details", "summary", "body"})
_PARAGRAPH_ELEMENTS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table", "pre", "hr",
                                 "blockquote"})
# Where the quoted history starts in HTML written by Outlook (web, desktop, mobile) and Zimbra: it and
# everything after it is history, whether or not it sits in a blockquote.
_HISTORY_STARTS = ("#appendonsend", "#divRplyFwdMsg", "div.OutlookMessageHeader", "hr#zwchr",
                   "#mail-editor-reference-message-container")
# Elements that hold a quote and nothing else: Gmail, Yahoo, Thunderbird's attribution, Proton, any blockquote.
_QUOTE_ELEMENTS = ("div.gmail_quote", "div.gmail_quote_container", "div.yahoo_quoted", "div.moz-cite-prefix",
                   "div.protonmail_quote", "blockquote")
# Python's HTML parser reads roughly 300 kB of tag-dense HTML a second; larger HTML (newsletters, pasted logs)
# is read by dropping tags, so one mail cannot hold up the mail queue.
_LARGEST_PARSED_HTML = 500_000
_UNREADABLE_BLOCK = re.compile(r"<(script|style|head)\b", re.IGNORECASE)
_COLLAPSIBLE_SPACE = re.compile(r"[ \t\n\r\f\v\xa0]+")
_INVISIBLE = re.compile("[\u200b\ufeff]")


def html_to_text(html: str, *, without_quotes: bool = False) -> str:
    """HTML mail as readable lines: paragraphs, line breaks and list items kept as lines, quotes as "> " lines
    (or gone, `without_quotes`), scripts, styles and the head dropped, runs of blank lines collapsed."""
    text, visible = html_to_text_and_visible(html)
    return visible if without_quotes else text


def html_to_text_and_visible(html: str) -> tuple[str, str]:
    """`html_to_text` with and without the quotes, from one parse of the HTML (parsing is the slow part)."""
    if not html or not html.strip():
        return "", ""
    if len(html) > _LARGEST_PARSED_HTML:
        text = _tags_stripped(html)
        return text, text
    try:
        soup = BeautifulSoup(html, "html.parser")
        text = _render(soup)
        _remove_quoted_history(soup)
        return text, _render(soup)
    except Exception:
        # Last resort for HTML the parser cannot walk (it has never happened, but a mail must still read).
        text = _tags_stripped(html)
        return text, text


def _render(soup: BeautifulSoup) -> str:
    writer = _LineWriter()
    writer.write(soup)
    return writer.text()


def _tags_stripped(html: str) -> str:
    """Text by dropping tags, in one pass: what a mail too large (or too broken) for the HTML parser gets."""
    kept: list[str] = []
    position = 0
    for block in _UNREADABLE_BLOCK.finditer(html):
        if block.start() < position:
            continue  # inside a block already skipped
        kept.append(html[position:block.start()])
        end = re.compile(rf"</{block[1]}[^>]*>", re.IGNORECASE).search(html, block.end())
        position = end.end() if end else len(html)
    kept.append(html[position:])
    text = re.sub(r"(?i)<br\s*/?>|</(p|div|li|tr|h\d)>", "\n", "".join(kept))
    text = html_entities.unescape(re.sub(r"<[^>]*>", " ", text))
    return _tidy([_COLLAPSIBLE_SPACE.sub(" ", line).strip() for line in text.split("\n")])


def _remove_quoted_history(soup: BeautifulSoup) -> None:
    for start in soup.select(", ".join(_HISTORY_STARTS)):
        node: Tag | None = start
        while node is not None and node.name not in ("body", "html", "[document]"):
            for sibling in list(node.next_siblings):
                sibling.extract()
            node = node.parent
        start.extract()
    for quote in soup.select(", ".join(_QUOTE_ELEMENTS)):
        quote.extract()


class _LineWriter:
    """Renders a parsed HTML document line by line, without recursion (mail HTML can nest thousands deep)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.words: list[str] = []
        self.line_depth = 0  # the quote depth of the line being written
        self.last_line_depth = 0
        self.quote_depth = 0
        self.preformatted = 0
        self.blank_line_wanted = False
        self.lists: list[list] = []  # per open list: [ordered, items so far]

    def write(self, root: Tag) -> None:
        stack: list[tuple[object, bool]] = [(root, False)]
        while stack:
            node, leaving = stack.pop()
            if leaving:
                self._leave(node)
            elif isinstance(node, PreformattedString):
                continue  # comments (Outlook's conditional ones too), doctype, processing instructions
            elif isinstance(node, NavigableString):
                self._text(str(node))
            elif isinstance(node, Tag) and (node.name or "").lower() not in _UNRENDERED:
                self._enter(node)
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(node.contents))

    def text(self) -> str:
        self._end_line()
        lines: list[str] = []
        for line in self.lines:
            blank = not line.strip(" >")
            if blank and (not lines or not lines[-1].strip(" >")):
                continue
            lines.append(line)
        return "\n".join(lines).strip("\n")

    def _enter(self, tag: Tag) -> None:
        name = tag.name.lower()
        if name == "br":
            self._end_line(even_if_empty=True)
        elif name == "p" and _is_outlook_line(tag):
            self._end_line()
            if not tag.get_text().strip():
                self._end_line(even_if_empty=True)  # Outlook writes a blank line as an empty paragraph
        elif name in _PARAGRAPH_ELEMENTS:
            self._paragraph()
            if name == "blockquote":
                self.quote_depth += 1
            elif name == "pre":
                self.preformatted += 1
            elif name in ("ul", "ol"):
                self.lists.append([name == "ol", 0])
        elif name == "li":
            self._end_line()
            ordered, count = self.lists[-1] if self.lists else (False, 0)
            if self.lists:
                self.lists[-1][1] = count + 1
            self._add(f"{count + 1}. " if ordered else "- ")
        elif name in _LINE_ELEMENTS:
            self._end_line()

    def _leave(self, tag: Tag) -> None:
        name = tag.name.lower()
        if name == "p" and _is_outlook_line(tag):
            self._end_line()
        elif name in _PARAGRAPH_ELEMENTS:
            self._end_line()
            if name == "blockquote":
                self.quote_depth = max(0, self.quote_depth - 1)
            elif name == "pre":
                self.preformatted = max(0, self.preformatted - 1)
            elif name in ("ul", "ol") and self.lists:
                self.lists.pop()
            self._paragraph()
        elif name in _LINE_ELEMENTS or name == "li":
            self._end_line()
        elif name in ("td", "th"):
            self._add(" ")
        elif name == "a":
            self._add_link_target(tag)

    def _text(self, text: str) -> None:
        text = _INVISIBLE.sub("", text)
        if self.preformatted:
            for number, piece in enumerate(text.replace("\r\n", "\n").split("\n")):
                if number:
                    self._end_line(even_if_empty=True)
                self._add(piece.replace("\xa0", " "), keep_spaces=True)
        else:
            self._add(_COLLAPSIBLE_SPACE.sub(" ", text))

    def _add_link_target(self, tag: Tag) -> None:
        href = str(tag.get("href") or "").strip()
        label = _COLLAPSIBLE_SPACE.sub(" ", tag.get_text()).strip()
        # A link's target matters to an associate ("here are the photos"), unless the text already shows it.
        if href.lower().startswith(("http://", "https://")) and label:
            bare = re.sub(r"^https?://|/$", "", href, flags=re.IGNORECASE)
            if bare.lower() not in label.lower() and label.lower() not in href.lower():
                self._add(f" <{href}>")

    def _add(self, text: str, *, keep_spaces: bool = False) -> None:
        if not self.words:
            if not text.strip() and not keep_spaces:
                return
            if self.blank_line_wanted and self.lines and self.lines[-1].strip(" >"):
                # The blank line between a quote and what surrounds it belongs to neither: unquoted.
                self.lines.append(self._prefix(min(self.quote_depth, self.last_line_depth)).rstrip())
            self.blank_line_wanted = False
            self.line_depth = self.quote_depth
        self.words.append(text)

    def _end_line(self, *, even_if_empty: bool = False) -> None:
        if self.words:
            line = "".join(self.words)
            line = line.rstrip() if self.preformatted else re.sub(" {2,}", " ", line).strip()
            self.lines.append(self._prefix(self.line_depth) + line)
            self.last_line_depth = self.line_depth
            self.words = []
        elif even_if_empty:
            self.lines.append(self._prefix(self.quote_depth).rstrip())
            self.blank_line_wanted = False

    def _paragraph(self) -> None:
        self._end_line()
        self.blank_line_wanted = True

    @staticmethod
    def _prefix(depth: int) -> str:
        return "> " * depth


def _is_outlook_line(tag: Tag) -> bool:
    # Outlook writes every line as <p class=MsoNormal>; treated as paragraphs, its mail would read double-spaced.
    return any(str(css_class).startswith("Mso") for css_class in tag.get("class") or [])
