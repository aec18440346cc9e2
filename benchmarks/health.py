"""Seller-health benchmark: the cost of keeping account health up to date per event, at 10,000 and at
1,000,000 orders (it should be flat), and the seller dashboard's latency.

    uv run python benchmarks/health.py                          # 10,000 and 1,000,000 orders, SQLite
    uv run python benchmarks/health.py --sizes 10000 100000     # other sizes
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/advocate_bench_health uv run python benchmarks/health.py

For each size it builds a fresh demo marketplace (the demo command also computes every order's health from
scratch), then, in-process, on the seller with the most orders:

- **per event**: --events (500) real updates to that seller's orders, each one event's worth of change — a
  rating, a chargeback, a delivery scan or a cancellation, in turn — followed by `health_order_refresh` for
  that order alone, as the event intake does. Time (p50/p95) and SQL queries per refresh.
- **dashboard**: the seller's account-health page and the orders behind the order defect rate, --requests
  (200) each, with Django's test client: p50/p95 and queries.

It prints the figures and writes benchmarks/out/health-<db>.json; it asserts nothing. Each size runs in its own
process (Django picks its database once per process).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import fresh_db

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "benchmarks" / "out"
BENCH_DATA = ROOT / "var" / "bench" / "health"


def main() -> None:
    args = _parse_args()
    if args.child:
        print(json.dumps(_child(args)))
        return
    results = []
    for size in args.sizes:
        print(f"{size:,} orders: preparing…", flush=True)
        child = subprocess.run([sys.executable, __file__, "--child", str(size), "--events", str(args.events),
                                "--requests", str(args.requests), *(["--reuse"] if args.reuse else [])],
                               capture_output=True, text=True, check=False)
        if child.returncode != 0:
            sys.exit(child.stderr)
        results.append(json.loads(child.stdout.strip().splitlines()[-1]))
        _print_one(results[-1])
    db = results[0]["db"]
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out = OUT_DIR / f"health-{db}.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"\nWritten to {out.relative_to(ROOT)}")


def _parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--reuse", action="store_true",
                        help="SQLite only: measure again on the databases an earlier run left in var/bench/health")
    parser.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    return parser.parse_args()


def _child(args) -> dict:
    path = BENCH_DATA / f"health-{args.child}.sqlite3"
    reuse = args.reuse and not os.environ.get("DATABASE_URL") and path.exists()
    if reuse:
        os.environ["ADVOCATE_SQLITE_PATH"], db = str(path), "sqlite"
        os.environ.setdefault("ADVOCATE_DATA_DIR", str(BENCH_DATA))
    else:
        db = fresh_db.prepare(f"health-{args.child}", BENCH_DATA)
    os.environ["DJANGO_SETTINGS_MODULE"] = "advocate.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    if not reuse:
        call_command("demo", orders=args.child, no_logins=True, verbosity=0, stdout=io.StringIO())
    else:
        from advocate.accounts.models import User

        User.objects.filter(username="bench-seller").delete()
    prepared = time.perf_counter() - started
    return {"db": db, "orders": args.child, "prepare_s": round(prepared, 1), **_measure(args)}


def _percentiles(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"p50_ms": round(statistics.median(ordered), 2), "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 2)}


def _measure(args) -> dict:
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from advocate.accounts.models import User
    from advocate.commerce.models import Order, Seller, Shipment, TrackingScan
    from advocate.sellers import services
    from advocate.sellers.models import Chargeback, Rating

    seller = Seller.objects.filter(is_platform=False).annotate(n=Count("orders")).order_by("-n").first()
    history = Order.objects.filter(seller=seller).count()
    rng = random.Random(7)
    ids = list(Order.objects.filter(seller=seller).values_list("pk", flat=True))
    now = timezone.now()
    timings, queries = [], []
    for step in range(args.events):
        order = Order.objects.get(pk=rng.choice(ids))
        kind = step % 4
        with transaction.atomic():
            if kind == 0:
                Rating.objects.update_or_create(order=order, defaults={
                    "customer_id": order.customer_id, "seller": seller, "stars": rng.randint(1, 5),
                    "created_at": now, "updated_at": now})
            elif kind == 1:
                Chargeback.objects.create(order=order, amount=1, received_at=now)
            elif kind == 2:
                shipment = Shipment.objects.filter(order=order).first()
                if shipment is not None:
                    TrackingScan.objects.create(shipment=shipment, occurred_at=now, code="in_transit")
            else:
                Order.objects.filter(pk=order.pk).update(state="cancelled", cancelled_by="seller", cancelled_at=now)
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                services.health_order_refresh([order.pk], now=now)
                timings.append((time.perf_counter() - began) * 1000)
            queries.append(len(captured))

    user = User.objects.create_user("bench-seller", password="bench-password-1234", role="seller", seller=seller)
    client = Client()
    client.force_login(user)
    pages = {}
    for label, url in (("dashboard", "/seller/health/"), ("orders behind ODR", "/seller/health/order_defect_rate/")):
        for _ in range(5):
            client.get(url)
        page_times, page_queries = [], []
        for _ in range(args.requests):
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                response = client.get(url)
                page_times.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, (url, response.status_code)
            page_queries.append(len(captured))
        pages[label] = {**_percentiles(page_times), "queries_max": max(page_queries)}
    return {"seller": seller.name, "seller_orders": history,
            "refresh": {**_percentiles(timings), "queries_max": max(queries), "queries_min": min(queries)},
            "pages": pages, "when": datetime.now(UTC).isoformat()}


def _print_one(result: dict) -> None:
    refresh = result["refresh"]
    print(f"  {result['db']}, {result['orders']:,} orders (prepared in {result['prepare_s']} s); "
          f"seller {result['seller']} with {result['seller_orders']:,} orders")
    print(f"  health update per event: p50 {refresh['p50_ms']} ms, p95 {refresh['p95_ms']} ms, "
          f"{refresh['queries_min']}–{refresh['queries_max']} queries")
    for label, page in result["pages"].items():
        print(f"  {label}: p50 {page['p50_ms']} ms, p95 {page['p95_ms']} ms, {page['queries_max']} queries")


if __name__ == "__main__":
    main()
