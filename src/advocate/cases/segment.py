"""Words for the conversation search, in every language, the same way for what is indexed and what is asked.
Plain Python, no Django: both databases are given words already cut, so they agree to the letter.

- Text is NFKC-normalised (full-width Ｌａｔｉｎ and digits become ordinary ones) and lower-cased (casefold).
- Diacritics are removed from Latin, Greek and Cyrillic letters (é → e, й → и) and the optional vowel marks
  from Arabic and Hebrew (harakat, niqqud; the tatweel too), so a word is found however it was written. Marks
  that are part of the spelling elsewhere (Devanagari, Thai, the kana voicing marks) are kept.
- A word is a run of letters, digits and marks; everything else separates words. An email address or an order
  number is several words ("anna", "example", "com"), asked for as a phrase.
- Chinese and Japanese are written without spaces. A run of Han characters and kana becomes its overlapping
  pairs of characters (character bigrams: 配送が遅れ → 配送 送が が遅 遅れ), so any word of two characters or
  more is found wherever it stands in a sentence, by the phrase of its own pairs. No dictionary and no model:
  a bigram index finds a few pairs that straddle two words too (a query can match across a word boundary),
  which for searching one's own conversations is the right side to err on. A single character is asked for as
  a prefix of the pairs that start with it.
"""

import re
import unicodedata

# Marks removed after canonical decomposition: Latin/Greek/Cyrillic combining diacritics, Hebrew points and
# accents, Arabic harakat and Quranic marks (and the superscript alef).
_STRIPPED_MARKS = re.compile("[\u0300-\u036f\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_TATWEEL = "\u0640"

# Han (with extension A and the compatibility block), hiragana, katakana (with the long-vowel mark and the
# half-width forms NFKC leaves none of) and the CJK iteration marks.
_CJK = "\u3005\u3006\u3007\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_CJK_CHAR = re.compile(f"[{_CJK}]")

MAX_WORD = 64  # longer "words" (a pasted token, base64) are not worth indexing
MAX_QUERY_WORDS = 12


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().replace(_TATWEEL, "")
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", _STRIPPED_MARKS.sub("", decomposed))


def _is_word_char(char: str) -> bool:
    return unicodedata.category(char)[0] in "LNM"


def _raw_words(text: str) -> list[str]:
    words, current = [], []
    for char in text:
        if _is_word_char(char):
            current.append(char)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def _cut(word: str, *, lone_prefix: bool = False) -> list[str]:
    """One word as index terms: CJK runs become bigrams, the rest stays whole. With `lone_prefix`, a lone CJK
    character is marked with a trailing '*' (a prefix query)."""
    terms: list[str] = []
    position = 0
    for run in _CJK_RUN.finditer(word):
        if run.start() > position:
            terms.append(word[position:run.start()])
        chars = run.group()
        if len(chars) == 1:
            terms.append(chars + ("*" if lone_prefix else ""))
        else:
            terms.extend(chars[i:i + 2] for i in range(len(chars) - 1))
        position = run.end()
    if position < len(word):
        terms.append(word[position:])
    return [term for term in terms if len(term) <= MAX_WORD]


def terms(text: str) -> list[str]:
    """The index terms of a text, in order."""
    return [term for word in _raw_words(normalise(text)) for term in _cut(word)]


def document(text: str) -> str:
    """The text as the index stores it: its terms separated by spaces."""
    return " ".join(terms(text))


def query_phrases(query: str) -> list[list[str]]:
    """What a search asks for: each word of the query (split on spaces) as the phrase of its terms; all of
    them must be found. A lone CJK character ends in '*' (prefix). At most MAX_QUERY_WORDS phrases."""
    phrases = []
    for chunk in query.split():
        phrase = [term for word in _raw_words(normalise(chunk)) for term in _cut(word, lone_prefix=True)]
        if phrase and phrase not in phrases:
            phrases.append(phrase)
    return phrases[:MAX_QUERY_WORDS]


def fts5_query(phrases: list[list[str]]) -> str:
    """The phrases as an SQLite FTS5 query: "a b" AND "c" AND "d"*."""
    parts = []
    for phrase in phrases:
        prefix = phrase[-1].endswith("*")
        words = [*phrase[:-1], phrase[-1].rstrip("*")] if prefix else phrase
        quoted = '"' + " ".join(words).replace('"', '""') + '"'
        parts.append(quoted + ("*" if prefix else ""))
    return " AND ".join(parts)


def _tsquery_lexeme(term: str) -> str:
    prefix = term.endswith("*")
    word = term.rstrip("*") if prefix else term
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'" + (":*" if prefix else "")


def tsquery(phrases: list[list[str]]) -> str:
    """The phrases as a PostgreSQL tsquery literal ('a' <-> 'b') & 'c' & 'd':* — cast, not parsed, so the
    database's text-search parser and locale play no part."""
    return " & ".join("(" + " <-> ".join(_tsquery_lexeme(term) for term in phrase) + ")" for phrase in phrases)


MAX_POSITION = 16383  # PostgreSQL's largest tsvector position
MAX_POSITIONS_PER_WORD = 256


def tsvector(text: str) -> str:
    """The document as a PostgreSQL tsvector literal ('word':1,5 'other':2), positions kept for phrases."""
    positions: dict[str, list[int]] = {}
    for index, term in enumerate(terms(text)[:MAX_POSITION], start=1):
        found = positions.setdefault(term, [])
        if len(found) < MAX_POSITIONS_PER_WORD:
            found.append(index)
    return " ".join(
        "'" + term.replace("\\", "\\\\").replace("'", "''") + "':" + ",".join(map(str, places))
        for term, places in positions.items())


def has_cjk(text: str) -> bool:
    return bool(_CJK_CHAR.search(text))
