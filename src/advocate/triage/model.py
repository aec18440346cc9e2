"""What a message is about, whether it is abusive, and whether the writer asks for a person: three linear models
over the same words — and a fourth, over letters, for which of our languages the words look like. Plain Python
(scikit-learn), no Django.

Features are the message's words (Chinese and Japanese as character pairs, the same cutting as search) with
their pairs, and the character n-grams inside words, which carry misspellings, inflections and mixed scripts.
Numbers are masked first: an order number says nothing about why someone writes. Each model is a linear SVM
with Platt-scaled probabilities, used as confidences; the thresholds that keep automatic answers right are
tuned by cross-validation on the training data alone (never on the evaluation set) and saved with the model.
Why these: on the held-out set they were more accurate than logistic regression and SGD on the same features,
and as accurate as a multilingual sentence encoder, which ran at 43 messages/s against the 500 needed (see
benchmarks/README.md).
"""

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from advocate.cases import segment

REASONS = (
    "order_status", "delivery_late", "not_received", "item_missing", "damaged_defective", "not_as_described",
    "return_request", "refund_status", "cancel_order", "change_delivery", "payment_problem", "account_access",
    "membership", "seller_unresponsive", "digital_content", "product_question", "talk_to_human", "feedback", "other",
)
FORMAT = 1  # bump when the features change, so a saved model is retrained rather than misread

_URL = re.compile(r"https?://\S+|www\.\S+")
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_NUMBERISH = re.compile(r"\b(?=[\w-]*\d)[\w-]{3,}\b")  # order and tracking numbers, amounts, dates
_DIGIT = re.compile(r"\d")
_FILE_LANGUAGE = re.compile(r"(public_)?(?P<language>[a-z]{2}(-hans)?)")


@dataclass(frozen=True)
class Example:
    text: str
    reason: str
    abusive: bool
    wants_person: bool
    language: str = ""


@dataclass(frozen=True)
class Reading:
    reason: str
    confidence: float
    runner_up: str
    abusive: bool
    abuse_score: float
    wants_person: bool
    person_score: float
    languages: dict[str, float]  # how likely each of our languages is, from the training texts' own languages


def clean(text: str) -> str:
    text = _URL.sub(" url ", text[:4000])
    text = _EMAIL.sub(" email ", text)
    text = _NUMBERISH.sub(" num ", text)
    return _DIGIT.sub("0", text)


def _words(text: str) -> list[str]:
    return segment.terms(text)


def _features() -> FeatureUnion:
    return FeatureUnion([
        ("words", TfidfVectorizer(analyzer=_words, sublinear_tf=True)),
        ("pairs", TfidfVectorizer(tokenizer=_words, token_pattern=None, lowercase=False, ngram_range=(2, 2),
                                  sublinear_tf=True, min_df=2)),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, min_df=2,
                                  max_features=300_000, preprocessor=segment.normalise)),
    ])


def _language_features() -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, min_df=2, lowercase=True)


def _classifier():
    """A linear SVM (the most accurate of those measured on these features), its scores turned into
    probabilities by Platt scaling on held-out folds."""
    return CalibratedClassifierCV(LinearSVC(C=0.5, class_weight="balanced"), cv=3, method="sigmoid", ensemble=False)


class Model:
    def __init__(self, features, reasons, abuse, person, languages, thresholds: dict[str, float],
                 flags: dict[str, float], fingerprint: str = ""):
        self.features, self.reasons, self.abuse, self.person = features, reasons, abuse, person
        self.languages = languages  # (features, classifier) over our languages
        self.thresholds = thresholds  # per reason: the confidence at which automatic answers stay right
        self.flags = flags  # the scores above which a message is called abusive / asking for a person
        self.fingerprint = fingerprint

    def read(self, texts: Sequence[str]) -> list[Reading]:
        cleaned = [clean(text) for text in texts]
        matrix = self.features.transform(cleaned)
        probabilities = self.reasons.predict_proba(matrix)
        labels = self.reasons.classes_
        abuse = self.abuse.predict_proba(matrix)[:, list(self.abuse.classes_).index(True)]
        person = self.person.predict_proba(matrix)[:, list(self.person.classes_).index(True)]
        spoken = self.languages[1].predict_proba(self.languages[0].transform(cleaned))
        readings = []
        for row, abuse_score, person_score, language_row in zip(probabilities, abuse, person, spoken, strict=True):
            order = np.argsort(row)[::-1]
            reason = str(labels[order[0]])
            readings.append(Reading(
                reason=reason, confidence=float(row[order[0]]), runner_up=str(labels[order[1]]),
                abusive=bool(abuse_score >= self.flags["abusive"]), abuse_score=float(abuse_score),
                wants_person=bool(person_score >= self.flags["wants_person"]) or reason == "talk_to_human",
                person_score=float(person_score),
                languages=dict(zip(self.languages[1].classes_, map(float, language_row), strict=True)),
            ))
        return readings

    def meanings(self, texts: Sequence[str]) -> np.ndarray:
        """What each text is about, as how likely each contact reason is (one row per text, `reasons.classes_`
        order): learnt from messages in all eight languages, so a German answer and a Japanese question about
        the same thing land close together. Rows have unit length, so a dot product is their cosine."""
        rows = self.reasons.predict_proba(self.features.transform([clean(text) for text in texts]))
        return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        joblib.dump(self, partial, compress=3)
        partial.replace(path)  # a reader never sees half a model

    @staticmethod
    def load(path: Path) -> "Model":
        return joblib.load(path)


def _held_out_scores(matrix, labels: np.ndarray, folds: int, seed: int):
    """Each row's probabilities from a model that did not see it (k-fold), with the classes' order."""
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    scores, classes = None, None
    for train_index, test_index in splitter.split(np.zeros(len(labels)), labels):
        classifier = _classifier().fit(matrix[train_index], labels[train_index])
        rows = classifier.predict_proba(matrix[test_index])
        if scores is None:
            scores, classes = np.zeros((len(labels), rows.shape[1])), classifier.classes_
        scores[test_index] = rows
    return scores, classes


def tune_flag(matrix, flags: list[bool], *, folds: int = 3, seed: int = 0) -> float:
    """The score above which a yes/no flag (abusive, asks for a person) is set: the one with the best F1 on
    held-out folds. A rare flag's probabilities seldom pass 0.5 even when it is the likelier reading."""
    labels = np.array(flags)
    scores, classes = _held_out_scores(matrix, labels, folds, seed)
    positive = scores[:, list(classes).index(True)]
    best, best_f1 = 0.5, -1.0
    for threshold in np.arange(0.1, 0.9, 0.025):
        guess = positive >= threshold
        tp = int(np.sum(guess & labels))
        precision = tp / max(1, int(guess.sum()))
        recall = tp / max(1, int(labels.sum()))
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        if f1 > best_f1:
            best, best_f1 = float(threshold), f1
    return round(best, 3)


def tune_thresholds(matrix, reasons: list[str], *, target_error: float = 0.02, folds: int = 3,
                    seed: int = 0) -> dict[str, float]:
    """Per reason, the lowest confidence at which cross-validated predictions of that reason are wrong at most
    `target_error` of the time — so automatic answers are kept right without giving up more coverage than
    needed. Reasons with too few predictions to tell keep a cautious 0.9."""
    scores, classes = _held_out_scores(matrix, np.array(reasons), folds, seed)
    best = np.argmax(scores, axis=1)
    predicted = [str(classes[i]) for i in best]
    confidence = [float(scores[row, i]) for row, i in enumerate(best)]
    truth = reasons
    thresholds = {}
    for reason in REASONS:
        mine = sorted(
            ((confidence[i], predicted[i] == truth[i]) for i in range(len(truth)) if predicted[i] == reason),
            reverse=True,
        )
        threshold, wrong = 0.9, 0
        if len(mine) >= 20:
            threshold = 1.0
            for n, (score, right) in enumerate(mine, start=1):
                wrong += not right
                if wrong / n <= target_error:
                    threshold = score
        thresholds[reason] = round(max(0.3, min(threshold, 0.95)), 3)
    return thresholds


def train(examples: Sequence[Example], *, tune: bool = True, fingerprint: str = "") -> Model:
    texts = [clean(example.text) for example in examples]
    reasons = [example.reason for example in examples]
    unknown = set(reasons) - set(REASONS)
    if unknown:
        raise ValueError(f"unknown reasons in the training data: {sorted(unknown)}")
    abusive = [example.abusive for example in examples]
    wants_person = [example.wants_person for example in examples]
    features = _features()
    matrix = features.fit_transform(texts)
    spoken = [(text, example.language) for text, example in zip(texts, examples, strict=True) if example.language]
    language_features = _language_features()
    language_matrix = language_features.fit_transform([text for text, _ in spoken])
    return Model(
        features=features,
        reasons=_classifier().fit(matrix, reasons),
        abuse=_classifier().fit(matrix, abusive),
        person=_classifier().fit(matrix, wants_person),
        languages=(language_features, _classifier().fit(language_matrix, [language for _, language in spoken])),
        thresholds=tune_thresholds(matrix, reasons) if tune else dict.fromkeys(REASONS, 0.6),
        flags={"abusive": tune_flag(matrix, abusive), "wants_person": tune_flag(matrix, wants_person)} if tune
        else {"abusive": 0.5, "wants_person": 0.5},
        fingerprint=fingerprint,
    )


def language_of_file(path: Path) -> str:
    """The language of a training file from its name: en.jsonl, en-more.jsonl, public_en.jsonl → en;
    zh-hans-extra.jsonl → zh-hans."""
    return _FILE_LANGUAGE.match(path.stem).group("language")


def read_examples(path: Path) -> list[Example]:
    examples = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                examples.append(Example(row["text"], row["reason"], bool(row["abusive"]), bool(row["wants_person"]),
                                        row.get("language") or language_of_file(path)))
            except (ValueError, KeyError) as error:
                raise ValueError(f"{path.name}, line {number}: {error}") from error
    return examples
