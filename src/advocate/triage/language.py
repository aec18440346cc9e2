"""Which language a message is written in: one of the eight we answer in (the product's codes: en, zh-hans, ar,
ru, es, de, fr, ja), or the ISO 639-1 code of a neighbour we must not mistake for one of them (pt, it, uk, ko,
fa, …). Plain Python, no Django.

lingua's n-gram models, which ship inside the package, are asked to choose only among the languages that matter
(ours and their neighbours), so a Portuguese mail is called Portuguese rather than "Spanish, probably". Short
Latin-script messages ("refund?", "cancel pls") carry too few letters for any statistical model; for those, a
language the caller already knows (the customer's saved one) wins when the detector is not sure, and otherwise
English, the lingua franca of short shop messages, unless another language is clearly ahead.

Chinese is told from Japanese by kana (Japanese mixes kana into Han text; Chinese has none), and Simplified from
Traditional by characters that exist only in the traditional script.
"""

import unicodedata
from functools import cache

from lingua import Language, LanguageDetectorBuilder

OURS = ("en", "zh-hans", "ar", "ru", "es", "de", "fr", "ja")

_NEIGHBOURS = (
    Language.PORTUGUESE, Language.ITALIAN, Language.CATALAN, Language.ROMANIAN, Language.DUTCH, Language.DANISH,
    Language.SWEDISH, Language.BOKMAL, Language.NYNORSK, Language.POLISH, Language.TURKISH, Language.INDONESIAN,
    Language.UKRAINIAN, Language.BELARUSIAN, Language.BULGARIAN, Language.SERBIAN, Language.MACEDONIAN,
    Language.KAZAKH, Language.PERSIAN, Language.URDU, Language.KOREAN, Language.VIETNAMESE, Language.HEBREW,
    Language.GREEK, Language.HINDI, Language.THAI,
)
_OURS = {
    Language.ENGLISH: "en", Language.CHINESE: "zh-hans", Language.ARABIC: "ar", Language.RUSSIAN: "ru",
    Language.SPANISH: "es", Language.GERMAN: "de", Language.FRENCH: "fr", Language.JAPANESE: "ja",
}
_CODE = {language: language.iso_code_639_1.name.lower() for language in _NEIGHBOURS} | _OURS
_CODE[Language.BOKMAL] = _CODE[Language.NYNORSK] = "no"

# Characters common in Traditional Chinese that Simplified Chinese writes differently (們/们, 這/这, 訂/订, …).
_TRADITIONAL = set(
    "們這個為說會來時後對發過還裡訂單貨號錢買賣網點開關問題請謝應該與從麼樣經處現實動體無長當見務帳戶條線價類隻"
    "達運輸遞嗎讓給換記錄幾週團電話聯絡產質壞損錯誤種顏顯標簽圖書視頻載係統編碼狀態進際準確認"
)

SHORT = 24  # letters; below this a message is too short for the detector alone

# A customer writing Arabic or Russian mixes in English words ("tracking", "CANCEL"), never the other way
# round: letters of these scripts, when there are a few, say which languages are in question.
_SCRIPTS = {"ARABIC": {"ar", "fa", "ur"}, "CYRILLIC": {"ru", "uk", "bg", "be", "sr", "mk", "kk"},
            "CJK": {"zh-hans", "ja"}, "HANGUL": {"ko"}, "HEBREW": {"he"}, "GREEK": {"el"},
            "DEVANAGARI": {"hi"}, "THAI": {"th"}}
MIXED = 4  # letters of a non-Latin script that make it the message's script


@cache
def _detector():
    return LanguageDetectorBuilder.from_languages(*_OURS, *_NEIGHBOURS).with_preloaded_language_models().build()


def _letters(text: str) -> int:
    return sum(1 for char in text if char.isalpha())


def _has_kana(text: str) -> bool:
    return any("\u3040" <= char <= "\u30ff" or "\uff66" <= char <= "\uff9f" for char in text)


def _is_traditional(text: str) -> bool:
    han = [char for char in text if "\u4e00" <= char <= "\u9fff"]
    return bool(han) and sum(1 for char in han if char in _TRADITIONAL) >= max(2, len(han) // 12)


def _script_languages(text: str) -> set[str] | None:
    """The languages a message's non-Latin letters allow (the most frequent such script), or None."""
    counts: dict[str, int] = {}
    for char in text[:2000]:
        if char.isalpha() and char >= "\u0250":
            script = unicodedata.name(char, "").split(" ")[0]
            if script in _SCRIPTS:
                counts[script] = counts.get(script, 0) + 1
    if not counts:
        return None
    script = max(counts, key=counts.get)
    return _SCRIPTS[script] if counts[script] >= MIXED else None


def _is_latin(text: str) -> bool:
    letters = [char for char in text if char.isalpha()]
    return bool(letters) and sum(1 for char in letters if char < "\u0250") >= len(letters) * 0.8


def detect(text: str, known: str | None = None, domain: dict[str, float] | None = None) -> str:
    """The language code of `text`. `known` is the writer's language if we already know it (a saved
    preference); `domain` is how likely each of our languages is by the triage model, which learnt from shop
    messages — it recognises romanised Japanese and Chinese ("nimotsu todoite nai", "tuikuan jindu") and short
    shop words ("versendet?") that general language models do not."""
    if _has_kana(text):
        return "ja"
    domain = domain or {}
    domain_best = max(domain, key=domain.get) if domain else None
    allowed = _script_languages(text)
    if allowed:  # decided by the non-Latin letters alone; English words in an Arabic message change nothing
        text = "".join(char for char in text if not ("a" <= char.lower() <= "z"))
    confidences = _detector().compute_language_confidence_values(text)
    ranked = [(_CODE[value.language], value.value) for value in confidences]
    if allowed:
        ranked = [pair for pair in ranked if pair[0] in allowed and pair[1] > 0]
        if not ranked:
            return known if known in allowed else next((code for code in OURS if code in allowed), "en")
    if not ranked:
        return known or domain_best or "en"
    best, best_score = ranked[0]
    if best == "zh-hans" and _is_traditional(text):
        return "zh-hant"
    romanised = domain_best in ("ja", "zh-hans") and _is_latin(text) and domain[domain_best] >= 0.8
    if romanised:
        return domain_best
    if _letters(text) >= SHORT:
        return best
    scores = dict(ranked)
    known_fits = known and (allowed is None or known in allowed)  # Han letters are never a Spanish writer's
    if known_fits and (best_score < 0.5 or scores.get(known, 0.0) >= best_score * 0.5
                       or domain.get(known, 0.0) >= 0.2):
        return known  # too short to be sure of another language: the one we know stands
    if domain_best and domain[domain_best] >= 0.6 and scores.get(domain_best, 0.0) > 0:
        return domain_best
    if scores.get("en", 0.0) >= best_score * 0.5:
        return "en"
    return best


def is_ours(code: str) -> bool:
    return code in OURS
