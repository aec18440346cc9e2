"""Reading history files (CSV or JSON Lines) into event items for the intake.

A JSON Lines file holds one event object per line, exactly as the API takes them. A CSV file has the
columns `source`, `id`, `type`, `occurred_at`, and either one `data` column holding the event's data as
JSON, or `data.<field>` columns (dotted for nesting: `data.customer.email`), whose cells are taken as text
(the event schemas convert "2" or "true" where a field wants a number or a boolean), or parsed as JSON
when they hold a list or an object.
"""

import csv
import json
from collections.abc import Iterator
from pathlib import Path

ENVELOPE = ("source", "id", "type", "occurred_at")


class HistoryFormatError(ValueError):
    pass


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    raise HistoryFormatError(f"{path.name}: expected a .csv, .jsonl or .ndjson file")


def read_items(path: Path, fmt: str) -> Iterator[tuple[int, object]]:
    """Yield (line number, raw item). A line that is not parseable yields a string describing why."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        if fmt == "jsonl":
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    yield number, json.loads(line)
                except json.JSONDecodeError as exc:
                    yield number, f"not valid JSON: {exc.msg} at column {exc.colno}"
            return
        reader = csv.DictReader(handle)
        missing = [c for c in ENVELOPE if c not in (reader.fieldnames or [])]
        if missing:
            raise HistoryFormatError(f"{path.name}: missing column(s) {', '.join(missing)}")
        for row in reader:
            yield reader.line_num, _csv_item(row)


def _cell(text: str):
    # Only lists and objects are parsed: an id like "10023" must stay text. The event schemas turn
    # text such as "2", "12.50" or "true" into numbers and booleans where a field wants one.
    if text[:1] in "[{":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            pass
    return text


def _csv_item(row: dict) -> object:
    item = {key: row[key] for key in ENVELOPE}
    if row.get("data"):
        try:
            item["data"] = json.loads(row["data"])
        except json.JSONDecodeError as exc:
            return f"column data: not valid JSON: {exc.msg}"
        return item
    data: dict = {}
    for key, value in row.items():
        if not key or not key.startswith("data.") or value in (None, ""):
            continue
        target = data
        *parents, leaf = key[len("data."):].split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = _cell(value)
    item["data"] = data
    return item


def count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)
