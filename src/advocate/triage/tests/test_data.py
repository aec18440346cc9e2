"""The labelled messages the models learn from are well-formed, cover every reason in every language, and never
contain a text of the held-out evaluation set (tools/triage_hygiene.py also drops near-copies)."""

import json
from collections import Counter
from pathlib import Path

from advocate.cases.segment import normalise
from advocate.core.reasons import ContactReason
from advocate.triage import language, model, training

EVALUATION = Path(__file__).resolve().parents[4] / "benchmarks" / "triage_data"


def test_every_reason_has_examples_in_every_language_we_answer_in():
    examples = training.examples()
    assert set(model.REASONS) == set(ContactReason.values)
    counts = Counter((example.language, example.reason) for example in examples)
    thin = {(lang, reason): counts[(lang, reason)] for lang in language.OURS for reason in model.REASONS
            if counts[(lang, reason)] < 60}
    assert not thin
    assert all(example.reason != "talk_to_human" or example.wants_person for example in examples)
    assert sum(example.abusive for example in examples) >= 8 * 60


def test_no_evaluation_text_is_trained_on():
    held_out = {normalise(json.loads(line)["text"]).strip()
                for path in EVALUATION.glob("*.jsonl") for line in path.read_text(encoding="utf-8").splitlines()}
    assert len(held_out) > 2000
    leaked = [example.text for example in training.examples() if normalise(example.text).strip() in held_out]
    assert not leaked
