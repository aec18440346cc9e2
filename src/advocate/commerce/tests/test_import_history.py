"""`import_history`: a shop's past events from a JSON Lines or CSV file, each applied once, every bad line
reported with its line number and reason."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from advocate.commerce.models import Customer, InboundEvent, Order, OrderLine, Shipment, TrackingScan
from advocate.conftest import BOB

pytestmark = pytest.mark.django_db

TABLES = [InboundEvent, Customer, Order, OrderLine, Shipment, TrackingScan]


def row_counts():
    return {model.__name__: model.objects.count() for model in TABLES}


def run_import(path, *args) -> str:
    out = io.StringIO()
    call_command("import_history", str(path), *args, stdout=out, verbosity=0)
    return out.getvalue()


def line_report(output: str, number: int) -> str:
    """The output line that reports line `number` of the file."""
    found = [line for line in output.splitlines() if line.strip().startswith(f"line {number}:")]
    assert len(found) == 1, output
    return found[0]


@pytest.fixture
def history(shop):
    now = timezone.now()
    missing_currency = shop.order_placed("H-3", customer=BOB)
    del missing_currency["data"]["currency"]
    return {
        "order": shop.order_placed("H-1", placed_at=now - timedelta(days=20)),
        "shipment": shop.shipment_created("H-1", "HS-1", shipped_at=now - timedelta(days=19)),
        "scan": shop.tracking_scan("HS-1", "at_depot", at=now - timedelta(days=18)),
        "delivered": shop.shipment_delivered("HS-1", at=now - timedelta(days=17)),
        "second_order": shop.order_placed("H-2", customer=BOB, placed_at=now - timedelta(days=10)),
        "missing_currency": missing_currency,
    }


def write_jsonl(path, lines: list) -> None:
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines),
                    encoding="utf-8")


# --- JSON Lines ----------------------------------------------------------------------------------------


def test_a_jsonl_file_imports_and_each_bad_line_is_reported_with_its_number_and_reason(tmp_path, history):
    path = tmp_path / "history.jsonl"
    write_jsonl(path, [
        history["order"],                   # line 1
        history["shipment"],                # line 2
        "",                                 # line 3: blank lines are skipped but still counted
        '{"source": "shop", "id": oops}',   # line 4: not JSON
        history["scan"],                    # line 5
        history["missing_currency"],        # line 6: valid JSON, invalid event
        history["delivered"],               # line 7
    ])

    output = run_import(path)

    assert "4 applied, 0 already known (duplicate), 2 rejected" in output
    assert "not valid JSON" in line_report(output, 4)
    assert "data.currency" in line_report(output, 6)
    assert Shipment.objects.get(external_id="HS-1").state == "delivered"
    assert not Order.objects.filter(external_id="H-3").exists()


def test_importing_the_same_file_twice_changes_nothing(tmp_path, history):
    path = tmp_path / "history.jsonl"
    write_jsonl(path, list(history.values()))
    run_import(path)
    before = row_counts()

    output = run_import(path)

    assert "0 applied, 5 already known (duplicate), 1 rejected" in output
    assert row_counts() == before


def test_line_numbers_stay_right_across_small_batches(tmp_path, history):
    path = tmp_path / "history.ndjson"
    write_jsonl(path, [history["order"], "[not json", history["shipment"], history["missing_currency"],
                       history["scan"], "", "{", history["delivered"]])

    output = run_import(path, "--batch", "2")

    assert "4 applied, 0 already known (duplicate), 3 rejected" in output
    assert "not valid JSON" in line_report(output, 2)
    assert "data.currency" in line_report(output, 4)
    assert "not valid JSON" in line_report(output, 7)


def test_rejected_lines_can_be_written_to_a_file_to_fix_and_reimport(tmp_path, history):
    path, rejects = tmp_path / "history.jsonl", tmp_path / "rejects.txt"
    write_jsonl(path, [history["order"], history["missing_currency"]])

    run_import(path, "--rejects", str(rejects))

    lines = rejects.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and lines[0].startswith("line 2\t") and "data.currency" in lines[0]


# --- CSV -----------------------------------------------------------------------------------------------


def test_a_csv_with_the_event_data_as_one_json_column(tmp_path, history):
    path = tmp_path / "history.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "id", "type", "occurred_at", "data"])
        for key in ("order", "shipment", "scan", "delivered", "second_order"):
            event = history[key]
            writer.writerow([event["source"], event["id"], event["type"], event["occurred_at"],
                             json.dumps(event["data"])])
        writer.writerow(["shop-backend", "evt-broken", "tracking.scan", history["scan"]["occurred_at"], "{oops"])

    output = run_import(path)

    assert "5 applied, 0 already known (duplicate), 1 rejected" in output
    assert "column data: not valid JSON" in line_report(output, 7)  # the header is line 1
    assert set(Order.objects.values_list("external_id", flat=True)) == {"H-1", "H-2"}
    assert Shipment.objects.get(external_id="HS-1").delivery_detail == "left at front door"
    assert "0 applied, 5 already known" in run_import(path)


def flatten(data: dict, prefix="data") -> dict:
    """An event's data as dotted columns, the way a spreadsheet holds it: lists stay JSON."""
    columns = {}
    for key, value in data.items():
        name = f"{prefix}.{key}"
        if isinstance(value, dict):
            columns.update(flatten(value, name))
        elif isinstance(value, list):
            columns[name] = json.dumps(value)
        else:
            columns[name] = "true" if value is True else "false" if value is False else str(value)
    return columns


def write_dotted_csv(path, events: list[dict]) -> None:
    rows = [{"source": e["source"], "id": e["id"], "type": e["type"], "occurred_at": e["occurred_at"],
             **flatten(e["data"])} for e in events]
    columns = list(dict.fromkeys(column for row in rows for column in row))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)


def test_a_csv_with_dotted_data_columns(tmp_path, history):
    path = tmp_path / "history.csv"
    events = [history[k] for k in ("order", "shipment", "scan", "missing_currency", "delivered", "second_order")]
    write_dotted_csv(path, events)

    output = run_import(path)

    assert "5 applied, 0 already known (duplicate), 1 rejected" in output
    assert "data.currency" in line_report(output, 5)
    order = Order.objects.get(external_id="H-1")
    assert order.customer.phone == "+44 20 7946 0011" and order.lines.count() == 2
    assert Shipment.objects.get(external_id="HS-1").state == "delivered"
    before = row_counts()
    assert "0 applied, 5 already known" in run_import(path)
    assert row_counts() == before


def test_a_csv_with_numeric_looking_ids_keeps_them_as_ids(tmp_path, shop):
    # Shops number their orders, parcels and products; a spreadsheet cell "10023" is still an order id.
    numeric = {**BOB, "id": "770042", "phone": "07700900123"}
    events = [
        shop.order_placed("10023", customer=numeric,
                          lines=[{"sku": "4006381333931", "title": "Pencil", "quantity": 3, "unit_price": "1.20"}]),
        shop.shipment_created("10023", "5550001"),
    ]
    path = tmp_path / "numeric.csv"
    write_dotted_csv(path, events)

    output = run_import(path)

    assert "2 applied" in output, output
    order = Order.objects.get(external_id="10023")
    assert order.customer.external_id == "770042"
    assert order.lines.get().sku == "4006381333931"
    assert Shipment.objects.get(external_id="5550001").order == order


def test_a_csv_without_the_envelope_columns_is_refused_naming_them(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text("source,id,data\nshop,1,{}\n", encoding="utf-8")

    with pytest.raises(CommandError, match=r"type.*occurred_at"):
        run_import(path)


@pytest.mark.parametrize("name", ["history.xlsx", "missing.jsonl"])
def test_a_file_that_is_not_importable_is_refused_with_a_message(tmp_path, name):
    path = tmp_path / name
    if name.endswith(".xlsx"):
        path.write_bytes(b"PK\x03\x04")

    with pytest.raises(CommandError):
        run_import(path)
    assert not InboundEvent.objects.exists()
