"""Masking benchmark: how long finding contact details takes, for one typical message and for a megabyte of
ordinary or hostile text (catastrophic regex backtracking would show here as seconds or minutes).

    uv run python benchmarks/masking.py

It prints the figures; it asserts nothing. The inputs are the test suite's (sellers/tests/test_masking.py)."""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from advocate.commerce.masking import find_contact_details, mask
from advocate.commerce.tests.test_masking import ADVERSARIAL, CONVERSATION, megabyte_of


def timed(text: str) -> float:
    started = time.perf_counter()
    mask(text)
    return time.perf_counter() - started


def main() -> None:
    find_contact_details("é")  # the first call builds the Unicode table, once per process
    one = [timed("Hi! Call me on +44 20 7946 0018 or write to anna@example.com about order A00001052.")
           for _ in range(2000)]
    print(f"one short message: p50 {statistics.median(one) * 1e6:.0f} µs")
    print(f"1 MB of conversation: {timed(megabyte_of(CONVERSATION)):.2f} s")
    for name, unit in ADVERSARIAL.items():
        print(f"1 MB of {name!r}: {timed(megabyte_of(unit)):.2f} s")


if __name__ == "__main__":
    main()
