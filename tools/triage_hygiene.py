"""Keep the triage evaluation set unseen: drop from the training files every line whose text is the same as an
evaluation text, or nearly (character-trigram overlap above 0.7, for texts of 15 characters or more).

    uv run python tools/triage_hygiene.py           # report and rewrite the training files
    uv run python tools/triage_hygiene.py --check   # report only; exit 1 if anything would be dropped

Run it after adding training lines. benchmarks/triage.py also leaves exact repeats out of what it trains on.
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from advocate.cases.segment import normalise  # noqa: E402

NEAR = 0.7


def _trigrams(text: str) -> set[str]:
    text = normalise(text)
    return {text[i:i + 3] for i in range(max(1, len(text) - 2))}


def main(check: bool) -> int:
    held_out = [json.loads(line)["text"] for path in sorted((ROOT / "benchmarks/triage_data").glob("*.jsonl"))
                for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    exact = {normalise(text).strip() for text in held_out}
    grams = [_trigrams(text) for text in held_out if len(text) >= 15]
    dropped = 0
    for path in sorted((ROOT / "src/advocate/triage/data").glob("*.jsonl")):
        kept = []
        for line in path.read_text(encoding="utf-8").splitlines():
            text = json.loads(line)["text"]
            mine = _trigrams(text) if len(text) >= 15 else None
            if normalise(text).strip() in exact or (mine and any(
                    len(mine & other) / len(mine | other) > NEAR for other in grams)):
                dropped += 1
                print(f"{path.name}: {text[:80]!r}")
                continue
            kept.append(line)
        if not check:
            path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    print(f"{dropped} training lines {'would be ' if check else ''}dropped")
    return 1 if check and dropped else 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv))
