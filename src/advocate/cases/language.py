"""A first guess at the language of a mail from someone we do not know yet, from its script alone: kana is
Japanese, other Han characters Chinese, Arabic script Arabic, Cyrillic Russian. Latin-script languages are not
told apart here (the customer's saved language, or the mail's Content-Language, decides those). Plain Python."""

import unicodedata

_SCRIPTS = (("HIRAGANA", "ja"), ("KATAKANA", "ja"), ("CJK", "zh-hans"), ("ARABIC", "ar"), ("CYRILLIC", "ru"))


def guess_language(text: str, default: str = "en") -> str:
    counts: dict[str, int] = {}
    for char in text[:2000]:
        if not char.isalpha():
            continue
        name = unicodedata.name(char, "")
        for script, language in _SCRIPTS:
            if name.startswith(script):
                counts[language] = counts.get(language, 0) + 1
                break
    if counts.get("ja"):  # Japanese mixes kana with Han characters; Chinese has no kana
        return "ja"
    return max(counts, key=counts.get) if counts else default
