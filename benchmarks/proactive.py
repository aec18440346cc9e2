"""Proactive remedies benchmark: what the rules cost the clock and the intake, how soon a remedy follows its
trigger, and how many of the demo marketplace's problems they settled before the customer reported them.

    uv run python benchmarks/proactive.py                   # 20,000 orders, SQLite under var/bench/
    uv run python benchmarks/proactive.py --orders 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/advocate_bench_proactive uv run python benchmarks/proactive.py

It builds a fresh demo marketplace (which runs the rules over its last 14 days and declares its incident), then:

- **ticks**: the live run (`remedies_run` + `incidents_tell`, what `advocate tick` does) at the demo's now and
  at every hour of the next three days, as the clock would find them: time per tick and steps carried out;
- **trigger to remedy**: under `advocate up` the clock ticks every 30 seconds, so a step waits for the next tick
  (up to 30 s) plus the tick's own run; p95 = 28.5 s + the tick's p95;
- **intake, rules on and off**: the same live feed of new orders (placed, paid, shipped, scanned; batches of 500,
  in-process) taken in twice on the same database — with a tick after every batch (far more often than every
  30 s at these rates: the pessimistic case) and without;
- **the dry run** over 90 days: time, and what it would have fired;
- **before the customer asked**: of the demo's lost parcels and late orders whose moment has come, the share the
  rules put right (refunded or sent again) or told, with no report from the customer before.

It prints the figures and writes benchmarks/out/proactive-<db>-<orders>.json; it asserts nothing.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import fresh_db

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "benchmarks" / "out"
BENCH_DATA = ROOT / "var" / "bench" / "proactive"
BATCH = 500


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=20_000, help="size of the demo marketplace (default 20,000)")
    parser.add_argument("--feed", type=int, default=2_500, help="new orders in the live feed (4 events each)")
    args = parser.parse_args()
    db = fresh_db.prepare(f"proactive-{args.orders}", BENCH_DATA)
    os.environ["DJANGO_SETTINGS_MODULE"] = "advocate.settings"
    import django

    django.setup()
    result = _run(args, db)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out = OUT_DIR / f"proactive-{db}-{args.orders}.json"
    out.write_text(json.dumps(result, indent=2, default=str))
    _print(result)
    print(f"\nWritten to {out.relative_to(ROOT)}")


def _run(args, db: str) -> dict:
    from django.core.management import call_command

    from advocate.proactive.models import Firing

    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("demo", orders=args.orders, now=now, no_logins=True, verbosity=0, stdout=io.StringIO())
    prepared = time.perf_counter() - started
    replayed = Firing.objects.count()
    return {"meta": {"db": db, "orders": args.orders, "now": now.isoformat(), "prepare_s": round(prepared, 1),
                     "python": sys.version.split()[0], "demo_steps_replayed": replayed},
            "before_asked": _before_asked(now),
            "dry_run": _dry_run(now),
            "ticks": _ticks(now),
            "intake": _intake(now, args.feed)}


def _tick(moment: datetime) -> tuple[float, int]:
    from django.db import transaction

    from advocate.proactive.incidents import incidents_tell
    from advocate.proactive.services import remedies_run

    started = time.perf_counter()
    with transaction.atomic():
        done = sum(remedies_run(now=moment).values()) + incidents_tell(now=moment)
    return time.perf_counter() - started, done


def _ticks(now: datetime) -> dict:
    """Every hour of three days: the tick that finds what fell due, then at once another with nothing left to
    do (what a tick costs when nothing is due: the price of watching)."""
    seconds, idle, steps = [], [], 0
    for hour in range(0, 73):
        spent, done = _tick(now + timedelta(hours=hour))
        seconds.append(spent)
        steps += done
        idle.append(_tick(now + timedelta(hours=hour))[0])
    p95 = _p95(seconds)
    return {"ticks": len(seconds), "steps": steps, "p50_ms": round(1000 * statistics.median(seconds), 1),
            "p95_ms": round(1000 * p95, 1), "max_ms": round(1000 * max(seconds), 1),
            "idle_p50_ms": round(1000 * statistics.median(idle), 1), "idle_p95_ms": round(1000 * _p95(idle), 1),
            "trigger_to_remedy_p95_s": round(28.5 + p95, 2)}


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def _dry_run(now: datetime) -> dict:
    from advocate.proactive.dry_run import dry_run
    from advocate.proactive.switches import settings_current

    started = time.perf_counter()
    tried = dry_run(chosen=settings_current(), days=90, now=now)
    return {"seconds": round(time.perf_counter() - started, 2), "told": tried.told, "traced": tried.traced,
            "remedied": tried.remedied, "credits": str(tried.credits), "refunds": str(tried.refunds),
            "resent": str(tried.resent)}


def _before_asked(now: datetime) -> dict:
    """Of the demo's lost parcels and late orders whose moment has come: put right or told, with no report first."""
    from django.db.models import Min

    from advocate.claims.models import ProblemReport
    from advocate.demo.models import DemoScenario
    from advocate.proactive.models import Firing

    first_report = dict(ProblemReport.objects.values("order_id").annotate(at=Min("created_at"))
                        .values_list("order_id", "at"))
    steps = {}
    for order_id, step, at in Firing.objects.values_list("order_id", "step", "at"):
        steps.setdefault(order_id, {})[step] = at
    figures = {}
    for kind, step in (("lost", "remedy"), ("late", "tell"), ("slow_to_ship", "tell")):
        orders = list(DemoScenario.objects.filter(kind=kind, order__placed_at__gte=now - timedelta(days=14),
                                                  order__promised_latest__lte=now)
                      .values_list("order_id", flat=True))
        settled = [pk for pk in orders if step in steps.get(pk, {})
                   and (pk not in first_report or steps[pk][step] < first_report[pk])]
        figures[kind] = {"orders": len(orders), "before_asked": len(settled),
                         "share": round(len(settled) / len(orders), 3) if orders else None}
    return figures


def _feed(now: datetime, count: int, offset: int) -> list[dict]:
    """A live feed: new orders placed, paid, shipped and scanned, one after the other."""
    events = []
    for n in range(count):
        order, at = f"FEED-{offset + n}", now - timedelta(hours=6) + timedelta(seconds=n)
        ship_by, promised = at + timedelta(days=2), at + timedelta(days=5)
        customer = {"id": f"feed-c{n % 400}", "name": f"Feed customer {n % 400}", "email": f"c{n % 400}@example.com",
                    "language": "en"}
        envelope = {"source": "bench", "occurred_at": at.isoformat()}
        events += [
            {**envelope, "id": f"{order}-p", "type": "order.placed", "data": {
                "order_id": order, "customer": customer, "seller": {"id": "feed-seller", "name": "Feed Goods"},
                "fulfilled_by": "seller", "currency": "EUR", "placed_at": at.isoformat(),
                "ship_by": ship_by.isoformat(), "promised_latest": promised.isoformat(),
                "lines": [{"sku": "FEED-1", "title": "Feed lamp", "quantity": 1, "unit_price": "20.00"}]}},
            {**envelope, "id": f"{order}-c", "type": "payment.captured",
             "data": {"order_id": order, "amount": "20.00", "method": "card"}},
            {**envelope, "id": f"{order}-s", "type": "shipment.created",
             "data": {"order_id": order, "shipment_id": f"S{order}", "carrier": "ParcelNet"}},
            {**envelope, "id": f"{order}-t", "type": "tracking.scan",
             "data": {"shipment_id": f"S{order}", "code": "in_transit", "location": "Hub 1",
                      # one order in ten is expected after its promise: the late rule has work to do
                      **({"estimated_delivery": (promised + timedelta(days=1)).isoformat()} if n % 10 == 0 else {})}},
        ]
    return events


def _intake(now: datetime, count: int) -> dict:
    from advocate.commerce.services import events_ingest

    figures = {}
    for mode, offset in (("rules_off", 0), ("rules_on", count)):
        events = _feed(now, count, offset)
        started, ticking, steps = time.perf_counter(), 0.0, 0
        for first in range(0, len(events), BATCH):
            events_ingest(items=events[first:first + BATCH])
            if mode == "rules_on":
                spent, done = _tick(now)
                ticking, steps = ticking + spent, steps + done
        wall = time.perf_counter() - started
        figures[mode] = {"events": len(events), "seconds": round(wall, 2),
                         "events_per_s": round(len(events) / wall), "tick_seconds": round(ticking, 2),
                         "steps": steps}
    return figures


def _print(result: dict) -> None:
    meta, ticks, intake, dry = result["meta"], result["ticks"], result["intake"], result["dry_run"]
    print(f"Proactive remedies on {meta['db']}, {meta['orders']:,} demo orders "
          f"(built in {meta['prepare_s']} s, {meta['demo_steps_replayed']:,} steps in the demo's last 14 days)")
    print(f"  ticks: {ticks['ticks']} hourly over three days, {ticks['steps']} steps; per tick p50 "
          f"{ticks['p50_ms']} ms, p95 {ticks['p95_ms']} ms, max {ticks['max_ms']} ms; with nothing due p50 "
          f"{ticks['idle_p50_ms']} ms, p95 {ticks['idle_p95_ms']} ms")
    print(f"  trigger to remedy p95 (30 s clock): {ticks['trigger_to_remedy_p95_s']} s")
    for mode in ("rules_off", "rules_on"):
        run = intake[mode]
        print(f"  intake {mode.replace('_', ' ')}: {run['events_per_s']:,} events/s ({run['events']:,} events in "
              f"{run['seconds']} s; ticks {run['tick_seconds']} s, {run['steps']} steps)")
    print(f"  dry run over 90 days: {dry['seconds']} s — told {dry['told']}, traced {dry['traced']}, put right "
          f"{dry['remedied']}; credits {dry['credits']}, refunds {dry['refunds']}, sent again {dry['resent']}")
    for kind, figure in result["before_asked"].items():
        share = "—" if figure["share"] is None else f"{100 * figure['share']:.0f}%"
        print(f"  {kind}: {figure['before_asked']} of {figure['orders']} settled before the customer asked ({share})")


if __name__ == "__main__":
    main()
