"""The README's event tables say what the event registry says: every registered type is documented, nothing
documented is unknown, and each type's documented fields are exactly its schema's (optional ones marked `?`).
A new event type (see docs/howto.md) fails here until its README row is written."""

import re
from pathlib import Path

import pytest

from advocate.commerce.events import EVENT_TYPES

ROOT = Path(__file__).resolve().parents[4]
ROW = re.compile(r"^\| `([a-z_]+\.[a-z_]+)` \| (.+) \|$", re.MULTILINE)


def documented() -> dict[str, set[str]]:
    rows: dict[str, set[str]] = {}
    for name, doc in ROW.findall((ROOT / "README.md").read_text(encoding="utf-8")):
        rows.setdefault(name, set()).add(doc)
    return rows


def fields_in(doc: str) -> dict[str, bool]:
    """{field: optional} for the top-level fields of a doc line: "`order_id`, `reason?`, `lines [{sku…}]`"."""
    found = {}
    for segment in re.findall(r"`([^`]+)`", doc):
        name = re.match(r"[a-z_]+\??", segment)
        if name and (segment == name.group(0) or segment[len(name.group(0))] in " "):
            found.setdefault(name.group(0).rstrip("?"), name.group(0).endswith("?"))
    return found


def test_the_readme_documents_every_registered_event_type_exactly_as_registered():
    rows = documented()
    registered = {event_type.name: event_type.doc for event_type in EVENT_TYPES}
    assert set(rows) == set(registered), "README and registry disagree on which event types exist"
    for name, docs in rows.items():
        assert docs == {registered[name]}, f"README's row for {name} differs from its registration"


@pytest.mark.parametrize("event_type", list(EVENT_TYPES), ids=lambda t: t.name)
def test_each_documented_field_is_the_schemas_and_optional_where_the_schema_has_a_default(event_type):
    schema = {name: not field.is_required() for name, field in event_type.schema.model_fields.items()}
    doc = fields_in(event_type.doc)
    # Values named in a doc's parentheses (`picked_up`…) are not fields: only compare names the schema knows,
    # after checking every schema field is documented.
    assert set(schema) <= set(doc), f"{event_type.name}: undocumented fields {set(schema) - set(doc)}"
    assert {name: doc[name] for name in schema} == schema, f"{event_type.name}: required/optional differ"
