"""Cases benchmark: inbound email processed per second (parse, thread, store), and the agent workspace's queue
and conversation pages with a million conversations (latency and SQL queries per page).

    uv run python benchmarks/cases.py                              # 1,000,000 conversations, SQLite under var/bench/
    uv run python benchmarks/cases.py --conversations 20000        # a quick try
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/advocate_bench_cases uv run python benchmarks/cases.py

It builds a fresh demo marketplace (--orders, default 20,000; the database is emptied first: on PostgreSQL
only one whose name has "bench" in it), then writes --conversations conversations between its customers
and the service team (two messages each: the customer's mail and our reply; 4% waiting for us, spread over
the queues, the rest answered or resolved), straight into the tables. Then, in-process (Django's test
client, no HTTP):

- **inbound email**: --mails real mails through `cases.services.mail_receive`, one after another: new
  questions from known customers, replies by In-Reply-To, replies with References only, HTML-only mail with
  a quoted history, mail with a 200 KB attachment, auto-replies, and each tenth mail fetched twice;
- **pages**, signed in as an associate: the queue (first page, and 5,000 deep), and conversation pages of
  randomly chosen conversations, each request's time and SQL query count.

It prints the figures and writes benchmarks/out/cases-<db>-<conversations>.json; it asserts nothing.
Reference: Zammad's performance gate allows its overview 1 s and 35 queries at 15,000 tickets; the aim
here is p95 <= 100 ms and <= 15 queries at 1,000,000 conversations.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import fresh_db

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "benchmarks" / "out"
BENCH_DATA = ROOT / "var" / "bench" / "cases"
TARGETS = {"page_p95_ms": 100, "queries_per_page": 15}
BATCH = 5_000


def main() -> None:
    args = _parse_args()
    db = fresh_db.prepare(f"cases-{args.conversations}", BENCH_DATA)
    os.environ["DJANGO_SETTINGS_MODULE"] = "advocate.settings"
    import django

    django.setup()
    from django.conf import settings

    settings.MEDIA_ROOT = BENCH_DATA / "media"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    result = _run(args, db)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out = OUT_DIR / f"cases-{db}-{args.conversations}.json"
    out.write_text(json.dumps(result, indent=2, default=str))
    _print(result)
    print(f"\nWritten to {out.relative_to(ROOT)}")


def _parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=1_000_000, help="default 1,000,000")
    parser.add_argument("--orders", type=int, default=20_000, help="size of the demo marketplace (default 20,000)")
    parser.add_argument("--mails", type=int, default=2_000, help="inbound mails to process (default 2,000)")
    parser.add_argument("--requests", type=int, default=300, help="requests per page kind (default 300)")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def _run(args, db: str) -> dict:
    from django.core.management import call_command

    rng = random.Random(args.seed)
    now = datetime.now(UTC).replace(microsecond=0)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("demo", orders=args.orders, seed=args.seed, now=now, no_logins=True, verbosity=0,
                 stdout=io.StringIO())
    demo_s = time.perf_counter() - started
    started = time.perf_counter()
    people = _fill(rng, args.conversations, now)
    fill_s = time.perf_counter() - started
    print(f"prepared: demo {demo_s:.0f} s, {args.conversations:,} conversations {fill_s:.0f} s", flush=True)
    return {
        "meta": {"db": db, "conversations": args.conversations, "orders": args.orders, "seed": args.seed,
                 "demo_s": round(demo_s, 1), "fill_s": round(fill_s, 1), "python": sys.version.split()[0]},
        "inbound": _inbound(rng, people, args.mails, now),
        "pages": _pages(rng, args.conversations, args.requests),
    }


def _fill(rng: random.Random, count: int, now: datetime) -> list[tuple]:
    """Conversations and their messages, written in batches of plain rows (model objects would take most of
    the time at a million); returns the customers used."""
    from django.db import connection, transaction

    from advocate.cases.models import Conversation, ConversationState, Direction, Message, Queue
    from advocate.commerce.models import Order

    people = list(Order.objects.values_list("customer_id", "customer__email", "customer__name",
                                            "customer__language", "pk", "external_id"))
    queues = list(Queue.values)
    when = connection.ops.adapt_datetimefield_value
    conversation_sql = _insert_sql(connection, Conversation, [
        "id", "customer_id", "email", "name", "subject", "language", "order_id", "channel", "state", "queue",
        "escalation_reason", "reason", "created_at", "updated_at", "waiting_since", "resolved_at"])
    message_sql = _insert_sql(connection, Message, [
        "conversation_id", "direction", "message_id", "references", "from_email", "from_name", "cc", "subject",
        "body", "full_text", "automatic", "thread_rule", "created_at"])
    question = "Hello, could you tell me when my order arrives? " * 3
    answer = "It is on its way and arrives on Thursday. " * 3
    for start in range(0, count, BATCH):
        conversations, messages = [], []
        for number in range(start + 1, min(start + BATCH, count) + 1):
            customer_id, email, name, language, order_id, external_id = rng.choice(people)
            created = now - timedelta(minutes=rng.randrange(1, 365 * 24 * 60))
            draw = rng.random()
            state = ("open" if draw < 0.04 else "waiting" if draw < 0.10 else "resolved")
            subject = f"Question about order {external_id}"
            conversations.append((
                number, customer_id, email, name, subject, language, order_id, "email", state,
                queues[0] if rng.random() < 0.8 else rng.choice(queues), "", "", when(created),
                when(created + timedelta(hours=2)), when(created) if state == ConversationState.OPEN else None,
                when(created) if state == ConversationState.RESOLVED else None))
            messages.append((number, Direction.IN.value, f"bench-{number}-in@bench.example", "", email, name, "",
                             subject, question, question, "", "", when(created)))
            if state != ConversationState.OPEN:
                messages.append((number, Direction.OUT.value, f"bench-{number}-out@advocate.localhost",
                                 f"bench-{number}-in@bench.example", "service@advocate.localhost", "", "",
                                 f"Re: {subject}", answer, answer, "", "", when(created + timedelta(hours=2))))
        with transaction.atomic():
            _write(connection, Conversation, conversation_sql, conversations)
            _write(connection, Message, message_sql, messages)
        print(f"\r  conversations: {min(start + BATCH, count):,} of {count:,}", end="", flush=True)
    print()
    _reset_sequences()
    with connection.cursor() as cursor:  # fresh statistics and visibility maps, as a live database has
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return people


def _write(connection, model, sql: tuple[str, str], rows: list[tuple]) -> None:
    """executemany on SQLite; COPY on PostgreSQL, where one INSERT per row would take half an hour."""
    insert, copy = sql
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(insert, rows)
            return
        with cursor.cursor.copy(copy) as stream:
            for row in rows:
                stream.write_row(row)


def _insert_sql(connection, model, fields: list[str]) -> tuple[str, str]:
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(f).column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(model._meta.db_table)
    return f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", f"COPY {table} ({columns}) FROM STDIN"


def _reset_sequences() -> None:
    from django.core.management.color import no_style
    from django.db import connection

    from advocate.cases.models import Conversation, Message

    for sql in connection.ops.sequence_reset_sql(no_style(), [Conversation, Message]):
        with connection.cursor() as cursor:
            cursor.execute(sql)


def _inbound(rng: random.Random, people, count: int, now: datetime) -> dict:
    from advocate.cases.mail.compose import compose
    from advocate.cases.models import Conversation
    from advocate.cases.services import mail_receive

    answered = list(Conversation.objects.exclude(state="open").order_by("?").values_list(
        "pk", "email", "name")[:count]) if count else []
    photo = rng.randbytes(200_000)
    mails = []
    for n in range(count):
        _, email, name, _, _, external_id = rng.choice(people)
        kind = rng.choices(["new", "reply", "references", "html", "attachment", "auto"],
                           [40, 30, 10, 10, 5, 5])[0]
        message_id = f"bench-inbound-{n}@mail.example"
        if kind in ("reply", "references", "auto") and answered:
            pk, email, name = answered[n % len(answered)]
            parent = f"bench-{pk}-out@advocate.localhost"
            headers = ({"In-Reply-To": f"<{parent}>"} if kind != "references" else {}) | {
                "References": f"<bench-{pk}-in@bench.example> <{parent}>"}
            if kind == "auto":
                headers["Auto-Submitted"] = "auto-replied"
            raw = compose(sender=email, name=name, subject="Re: Question", message_id=message_id, headers=headers,
                          body="Thank you, that helps.\n\nOn Thu, 26 Nov 2026 at 09:12, Advocate "
                               "<service@advocate.localhost> wrote:\n> It is on its way")
        elif kind == "html":
            raw = compose(sender=email, name=name, subject=f"Order {external_id}", message_id=message_id,
                          html="<div>The parcel <b>never came</b>.</div><div class=gmail_quote>On Mon wrote:"
                               "<blockquote>old text</blockquote></div>")
        else:
            raw = compose(sender=email, name=name, subject=f"Order {external_id} arrived damaged",
                          body="The box was crushed and the glass is broken.", message_id=message_id,
                          attachment=("photo.jpg", "image/jpeg", photo) if kind == "attachment" else None)
        mails.append(raw)
        if n % 10 == 9:
            mails.append(raw)  # fetched twice
    timings = []
    started = time.perf_counter()
    for raw in mails:
        began = time.perf_counter()
        mail_receive(raw, source="bench")
        timings.append((time.perf_counter() - began) * 1000)
    elapsed = time.perf_counter() - started
    return {"mails": len(mails), "seconds": round(elapsed, 2), "per_s": round(len(mails) / elapsed, 1),
            **_percentiles(timings)}


def _percentiles(values: list[float]) -> dict:
    if not values:
        return {}
    ordered = sorted(values)
    return {"p50_ms": round(statistics.median(ordered), 2), "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 2),
            "max_ms": round(ordered[-1], 2)}


def _pages(rng: random.Random, conversations: int, requests: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from advocate.accounts.models import User
    from advocate.cases.models import Conversation

    user = User.objects.create_user("bench-associate", password="bench-password-1234", role="associate")
    fifth_thousand = (Conversation.objects.filter(state="open", queue="general").order_by("waiting_since", "pk")
                      .values_list("waiting_since", "pk")[4999:5000].first())
    deep = f"{fifth_thousand[0].isoformat()}~{fifth_thousand[1]}".replace("+", "%2B") if fifth_thousand else ""
    client = Client()
    client.force_login(user)
    pages = {
        "queue, first page": lambda: "/service/conversations/",
        "queue, 5,000 deep": lambda: f"/service/conversations/?after={deep}",
        "conversation": lambda: f"/service/conversations/{rng.randrange(1, conversations + 1)}/",
    }
    results = {}
    for label, url_of in pages.items():
        for _ in range(5):
            client.get(url_of())  # warm the caches
        timings, queries = [], []
        for _ in range(requests):
            url = url_of()
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - began) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
            queries.append(len(captured))
        results[label] = {"requests": requests, **_percentiles(timings), "queries_max": max(queries)}
        print(f"  {label}: p95 {results[label]['p95_ms']} ms, {max(queries)} queries", flush=True)
    return results


def _print(result: dict) -> None:
    meta, inbound = result["meta"], result["inbound"]
    print(f"\nCases benchmark — {meta['db']}, {meta['conversations']:,} conversations, {meta['orders']:,} orders")
    print(f"Inbound email: {inbound['mails']:,} mails in {inbound['seconds']} s = {inbound['per_s']} mails/s "
          f"(p50 {inbound['p50_ms']} ms, p95 {inbound['p95_ms']} ms per mail)")
    print(f"{'page':22} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8}")
    for label, figures in result["pages"].items():
        print(f"{label:22} {figures['p50_ms']:>8} {figures['p95_ms']:>8} {figures['max_ms']:>8} "
              f"{figures['queries_max']:>8}")
    print(f"Targets: p95 <= {TARGETS['page_p95_ms']} ms and <= {TARGETS['queries_per_page']} queries per page.")


if __name__ == "__main__":
    main()
