"""Suggested answers on the conversation: the answer library ranked by what the customer's latest message is
about, across languages, each answer offered in the conversation's language where the team has written it.

Meaning here is the triage model's: how likely each contact reason is, learnt from messages in all eight
languages (`Model.meanings`), with, for an answer, the reason the team filed it under. Answers are read once per
process and kept while unchanged."""

import threading

import numpy as np

from advocate.cases.models import Answer

from .services import current_model

SHOWN = 3
MIN_SIMILARITY = 0.5  # below this an answer is about something else: better none than a wrong one
_cache: dict[tuple, np.ndarray] = {}
_lock = threading.Lock()


def _answer_meanings(answers: list[Answer]) -> np.ndarray:
    model = current_model()
    key = (model.fingerprint, tuple((a.pk, a.updated_at) for a in answers))
    with _lock:
        found = _cache.get(key)
        if found is None:
            _cache.clear()  # one library at a time: an edited answer replaces the old entry
            read = model.meanings([f"{a.title}\n{a.body}" for a in answers])
            # The reason the team filed an answer under says most of what it is for (an answer is written to a
            # customer, not by one, which the model learnt less of): it counts as much as the model's reading.
            labels = list(model.reasons.classes_)
            filed = np.zeros_like(read)
            for row, answer in enumerate(answers):
                if answer.reason in labels:
                    filed[row, labels.index(answer.reason)] = 1.0
            both = read + filed
            found = _cache[key] = both / np.linalg.norm(both, axis=1, keepdims=True)
    return found


def suggested(text: str, *, language: str, limit: int = SHOWN) -> list[tuple[Answer, float]]:
    """The answers closest in meaning to `text`, best first, one per family (in `language` if written in it)."""
    answers = list(Answer.objects.order_by("pk"))
    if not answers or not text.strip():
        return []
    similarity = _answer_meanings(answers) @ current_model().meanings([text])[0]
    best: dict[str, tuple[Answer, float]] = {}
    for answer, score in zip(answers, similarity.tolist(), strict=True):
        known = best.get(answer.family)
        ours, theirs = answer.language == language, known is not None and known[0].language == language
        if known is None or (ours and not theirs) or (ours == theirs and score > known[1]):
            best[answer.family] = (answer, score)
    ranked = sorted(best.values(), key=lambda pair: -pair[1])
    return [pair for pair in ranked if pair[1] >= MIN_SIMILARITY][:limit]
