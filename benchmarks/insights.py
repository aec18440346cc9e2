"""Insights at scale: what one contact's upkeep costs as the history grows (it should not grow), the
insights page's latency, a full recount, and the audit trail's CSV streamed in bounded memory.

    uv run python benchmarks/insights.py                          # 10,000 and 100,000 orders, SQLite
    uv run python benchmarks/insights.py --orders 10000,1000000   # the issue's sizes (the 1M demo takes long)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/advocate_bench uv run python benchmarks/insights.py

For each size it builds a fresh demo marketplace (`advocate.demo`, written in bulk) plus one conversation per
ten orders about a random order with a random reason (bulk, then `insights_recount`, timed), then:
- upkeep: 300 conversations created and 300 reclassified through the ORM, so the real model-signal upkeep runs;
  milliseconds per contact (median and p95) — flat across sizes means the cost does not grow with history;
- the insights page in-process (Django's test client, signed in as an operator): p50/p95 over 50 requests
  for 30 days by seller and by product;
- the audit trail's CSV for a year, streamed: rows and the peak Python memory while streaming (tracemalloc).
It prints figures and asserts nothing.
"""

import argparse
import os
import random
import statistics
import sys
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advocate.settings")

import fresh_db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", default="10000,100000", help="comma-separated sizes (default 10000,100000)")
    parser.add_argument("--seed", type=int, default=7)
    opts = parser.parse_args()
    sizes = [int(size) for size in opts.orders.split(",")]
    results = []
    for size in sizes:
        db = fresh_db.prepare("insights", Path("var/bench/insights"))
        results.append(_run(size, db, opts.seed))
        _print(results[-1])
    if len(results) > 1:
        small, large = results[0], results[-1]
        print(f"\nupkeep per contact, {large['orders']:,} vs {small['orders']:,} orders: "
              f"{large['upkeep_create']['p50'] / small['upkeep_create']['p50']:.2f}x (create), "
              f"{large['upkeep_reclassify']['p50'] / small['upkeep_reclassify']['p50']:.2f}x (reclassify)")


def _run(orders: int, db: str, seed: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    from advocate.accounts.models import User
    from advocate.cases.models import Channel, Conversation
    from advocate.commerce.models import Order
    from advocate.core.db import insert_rows
    from advocate.core.reasons import ContactReason
    from advocate.demo import claims as claims_demo
    from advocate.demo import marketplace as demo
    from advocate.insights.services import insights_recount

    connection.close()
    call_command("migrate", verbosity=0)
    now = timezone.now()
    started = time.perf_counter()
    demo.generate(seed=seed, size=demo.DemoSize(orders=orders), now=now)
    claims_demo.settle_history()  # the cancelled orders' refunds: money in the ledger for the audit trail
    generated = time.perf_counter() - started
    rng = random.Random(seed)
    order_rows = list(Order.objects.values_list("pk", "customer_id", "placed_at"))
    reasons = [*ContactReason.values, ""]
    conversations = []
    for n in range(orders // 10):
        pk, customer, placed = rng.choice(order_rows)
        at = placed + timedelta(days=rng.randint(1, 20))
        conversations.append(Conversation(customer_id=customer, email=f"c{n}@example.com", subject="About my order",
                                          language="en", order_id=pk, channel=rng.choice(Channel.values),
                                          reason=rng.choice(reasons), created_at=at, updated_at=at,
                                          waiting_since=at))
    with transaction.atomic():
        insert_rows(Conversation, conversations)
    started = time.perf_counter()
    insights_recount()
    recount = time.perf_counter() - started

    create, reclassify = [], []
    for n in range(300):
        pk, customer, placed = rng.choice(order_rows)
        begun = time.perf_counter()
        conversation = Conversation.objects.create(customer_id=customer, email=f"new{n}@example.com",
                                                   subject="Where is it?", order_id=pk, channel=Channel.EMAIL,
                                                   created_at=now, updated_at=now, waiting_since=now)
        create.append(time.perf_counter() - begun)
        conversation.reason = rng.choice(ContactReason.values)
        begun = time.perf_counter()
        conversation.save(update_fields=["reason"])
        reclassify.append(time.perf_counter() - begun)

    operator = User.objects.create_user("bench-operator", role="operator")
    client = Client()
    client.force_login(operator)
    pages = {}
    for name, url in (("by seller", "/operations/insights/?days=30&by=seller"),
                      ("by product", "/operations/insights/?days=30&by=product")):
        for _ in range(5):
            client.get(url)
        times = []
        for _ in range(50):
            begun = time.perf_counter()
            assert client.get(url).status_code == 200
            times.append(time.perf_counter() - begun)
        pages[name] = _percentiles(times)

    tracemalloc.start()
    begun = time.perf_counter()
    response = client.get("/operations/audit/?days=365&format=csv")
    rows = sum(chunk.count(b"\n") for chunk in response.streaming_content) - 1
    streamed = time.perf_counter() - begun
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    connection.close()
    return {"db": db, "orders": orders, "conversations": len(conversations), "generated_s": generated,
            "recount_s": recount, "upkeep_create": _percentiles(create), "upkeep_reclassify": _percentiles(reclassify),
            "pages": pages, "audit_rows": rows, "audit_s": streamed, "audit_peak_mb": peak / 1e6}


def _percentiles(seconds: list[float]) -> dict:
    ms = sorted(s * 1000 for s in seconds)
    return {"p50": statistics.median(ms), "p95": ms[int(len(ms) * 0.95) - 1]}


def _print(r: dict) -> None:
    print(f"\n== {r['db']}: {r['orders']:,} orders, {r['conversations']:,} conversations "
          f"(demo generated in {r['generated_s']:.0f} s)")
    print(f"recount from scratch: {r['recount_s']:.1f} s")
    print(f"upkeep per contact: create p50 {r['upkeep_create']['p50']:.1f} ms, p95 {r['upkeep_create']['p95']:.1f} ms; "
          f"reclassify p50 {r['upkeep_reclassify']['p50']:.1f} ms, p95 {r['upkeep_reclassify']['p95']:.1f} ms "
          "(the conversation's own write included)")
    for name, figures in r["pages"].items():
        print(f"insights page, 30 days {name}: p50 {figures['p50']:.1f} ms, p95 {figures['p95']:.1f} ms")
    print(f"audit trail CSV, a year: {r['audit_rows']:,} rows in {r['audit_s']:.1f} s, "
          f"peak Python memory {r['audit_peak_mb']:.1f} MB")


if __name__ == "__main__":
    main()
