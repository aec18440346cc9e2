"""Search benchmark: the associates' conversation search (/service/search/) over many conversations in eight
languages — latency per kind of question — and how fast `advocate search-reindex` builds the index.

    uv run python benchmarks/search.py                             # 100,000 conversations, SQLite under var/bench/
    uv run python benchmarks/search.py --conversations 10000       # a quick try
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/advocate_bench_search uv run python benchmarks/search.py

It builds a fresh demo marketplace (--orders, default 5,000; the database is emptied first: on PostgreSQL only
one whose name has "bench" in it), then writes --conversations conversations straight into the tables (two or
three messages each, in English, German, Spanish, French, Russian, Arabic, Chinese or Japanese, each message
naming a few products drawn from a vocabulary of 8,000 made-up words, most often the first ones), builds the
index with `search_reindex` (timed), and asks the page, signed in as an associate (Django's test client, no
HTTP), --requests times for each kind of question:

- a product name (rare: a few hundred conversations), an order number (one or a few), a customer's address;
- a word in every English conversation ("arrived": an eighth of them), alone and with a filter (state open);
- two words that must both be found; a two-character Chinese word; a Japanese one; page 5 of a common word.

It prints the figures and writes benchmarks/out/search-<db>-<conversations>.json; it asserts nothing.
The aim: p95 <= 100 ms per search at 100,000 conversations.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import cases as cases_bench
import fresh_db

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "benchmarks" / "out"
BENCH_DATA = ROOT / "var" / "bench" / "search"
TARGET_P95_MS = 100
BATCH = 5_000

SYLLABLES = ["ka", "lo", "mi", "ter", "zan", "bru", "pe", "xo", "vil", "dra", "son", "qui", "nel", "ram", "fo",
             "gu", "sha", "tem", "o", "ri"]
LANGUAGES = {
    "en": ("Hello, my order has not arrived yet and the {p} is missing. Could you check the tracking, please?",
           "Thank you for waiting. The {p} was sent again today and arrives on Thursday."),
    "de": ("Guten Tag, meine Bestellung ist noch nicht angekommen, das {p} fehlt. Können Sie nachsehen?",
           "Danke für Ihre Geduld. Das {p} ist heute erneut unterwegs."),
    "es": ("Hola, mi pedido todavía no ha llegado y falta el {p}. ¿Pueden revisar el envío?",
           "Gracias por esperar. El {p} sale hoy de nuevo."),
    "fr": ("Bonjour, ma commande n'est pas arrivée et le {p} manque. Pouvez-vous vérifier la livraison ?",
           "Merci de votre patience. Le {p} est reparti aujourd'hui."),
    "ru": ("Здравствуйте! Мой заказ ещё не пришёл, не хватает {p}. Проверьте, пожалуйста, доставку.",
           "Спасибо за ожидание. {p} отправлен повторно сегодня."),
    "ar": ("مرحبا، لم يصل طلبي بعد و {p} مفقود. هل يمكنكم التحقق من الشحنة؟",
           "شكرا لانتظاركم. تم إرسال {p} مرة أخرى اليوم."),
    "zh": ("你好，我上周买的{p}到现在还没有收到，请帮我查一下物流信息。谢谢！",
           "感谢您的耐心等待，{p}今天已经重新发货。"),
    "ja": ("先週注文した{p}がまだ届いていません。配送状況を確認していただけますか。",
           "お待たせしました。{p}は本日再発送いたしました。"),
}


def vocabulary() -> list[str]:
    return [a + b + c for a in SYLLABLES for b in SYLLABLES for c in SYLLABLES]  # 8,000 made-up words


def main() -> None:
    args = _parse_args()
    db = fresh_db.prepare(f"search-{args.conversations}", BENCH_DATA)
    import os

    os.environ["DJANGO_SETTINGS_MODULE"] = "advocate.settings"
    import django

    django.setup()
    from django.conf import settings

    settings.MEDIA_ROOT = BENCH_DATA / "media"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    result = _run(args, db)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out = OUT_DIR / f"search-{db}-{args.conversations}.json"
    out.write_text(json.dumps(result, indent=2, default=str))
    _print(result)
    print(f"\nWritten to {out.relative_to(ROOT)}")


def _parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=100_000, help="default 100,000")
    parser.add_argument("--orders", type=int, default=5_000, help="size of the demo marketplace (default 5,000)")
    parser.add_argument("--requests", type=int, default=200, help="requests per kind of question (default 200)")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def _run(args, db: str) -> dict:
    from django.core.management import call_command
    from django.db import connection, transaction

    from advocate.cases.services import search_reindex

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
    started = time.perf_counter()
    with transaction.atomic():
        indexed = search_reindex()
    index_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(f"indexed {indexed:,} conversations in {index_s:.1f} s", flush=True)
    return {
        "meta": {"db": db, "conversations": args.conversations, "orders": args.orders, "seed": args.seed,
                 "demo_s": round(demo_s, 1), "fill_s": round(fill_s, 1), "python": sys.version.split()[0]},
        "index": {"conversations": indexed, "seconds": round(index_s, 1),
                  "per_s": round(indexed / index_s) if index_s else None},
        "searches": _searches(rng, people, args.requests),
    }


def _fill(rng: random.Random, count: int, now: datetime) -> list[tuple]:
    """Conversations and their messages as plain rows, in batches (see benchmarks/cases.py)."""
    from django.db import connection, transaction

    from advocate.cases.models import Conversation, Direction, Message, Queue
    from advocate.commerce.models import Order

    people = list(Order.objects.values_list("customer_id", "customer__email", "customer__name",
                                            "customer__language", "pk", "external_id"))
    words = vocabulary()
    # Zipf-like: the first words of the vocabulary are named far more often than the last.
    weights = [1 / (rank + 10) for rank in range(len(words))]
    queues, languages = list(Queue.values), list(LANGUAGES)
    when = connection.ops.adapt_datetimefield_value
    conversation_sql = cases_bench._insert_sql(connection, Conversation, [
        "id", "customer_id", "email", "name", "subject", "language", "order_id", "channel", "state", "queue",
        "escalation_reason", "reason", "created_at", "updated_at", "waiting_since", "resolved_at"])
    message_sql = cases_bench._insert_sql(connection, Message, [
        "conversation_id", "direction", "message_id", "references", "from_email", "from_name", "cc", "subject",
        "body", "full_text", "automatic", "thread_rule", "created_at"])
    for start in range(0, count, BATCH):
        conversations, messages = [], []
        for number in range(start + 1, min(start + BATCH, count) + 1):
            customer_id, email, name, _, order_id, external_id = rng.choice(people)
            language = languages[number % len(languages)]
            question, answer = LANGUAGES[language]
            created = now - timedelta(minutes=rng.randrange(1, 365 * 24 * 60))
            state = "open" if rng.random() < 0.05 else "resolved"
            subject = f"Order {external_id}"
            products = rng.choices(words, weights, k=3)
            conversations.append((
                number, customer_id, email, name, subject, language, order_id, "email", state,
                queues[0] if rng.random() < 0.8 else rng.choice(queues), "", "", when(created),
                when(created + timedelta(hours=3)), when(created) if state == "open" else None,
                when(created) if state == "resolved" else None))
            texts = [(Direction.IN, question.format(p=products[0])), (Direction.OUT, answer.format(p=products[1]))]
            if rng.random() < 0.5:
                texts.append((Direction.IN, question.format(p=products[2])))
            for index, (direction, text) in enumerate(texts):
                messages.append((number, direction.value, f"bench-{number}-{index}@bench.example", "", email,
                                 name, "", subject, text, text, "", "", when(created + timedelta(hours=index))))
        with transaction.atomic():
            cases_bench._write(connection, Conversation, conversation_sql, conversations)
            cases_bench._write(connection, Message, message_sql, messages)
        print(f"\r  conversations: {min(start + BATCH, count):,} of {count:,}", end="", flush=True)
    print()
    cases_bench._reset_sequences()
    return people


def _searches(rng: random.Random, people, requests: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from advocate.accounts.models import User
    from advocate.cases.selectors import search_conversations

    user = User.objects.create_user("bench-associate", password="bench-password-1234", role="associate")
    client = Client()
    client.force_login(user)
    words = vocabulary()
    questions = {
        "product name (rare)": lambda: {"q": rng.choice(words[2000:4000])},
        "order number": lambda: {"q": rng.choice(people)[5]},
        "customer's address": lambda: {"q": rng.choice(people)[1]},
        "common word": lambda: {"q": "arrived"},
        "common word, open only": lambda: {"q": "arrived", "state": "open"},
        "two words": lambda: {"q": f"tracking {rng.choice(words[:200])}"},
        "Chinese, two characters": lambda: {"q": "物流"},
        "Japanese, two characters": lambda: {"q": "配送"},
        "common word, page 5": lambda: {"q": "arrived", "page": "5"},
    }
    results = {}
    for label, params_of in questions.items():
        for _ in range(3):
            client.get("/service/search/?" + urlencode(params_of()))  # warm the caches
        timings, queries, hits, selector = [], [], [], []
        for _ in range(requests):  # the search alone: the selector, without the page around it
            params = params_of()
            began = time.perf_counter()
            search_conversations(params.pop("q"), **{k: v for k, v in params.items() if k != "page"},
                                 page=int(params.get("page", 1)), user=user)
            selector.append((time.perf_counter() - began) * 1000)
        for _ in range(requests):
            url = "/service/search/?" + urlencode(params_of())
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - began) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
            queries.append(len(captured))
            hits.append(response.content.count(b'class="card request"'))
        results[label] = {"requests": requests, **cases_bench._percentiles(timings), "queries_max": max(queries),
                          "results_on_page_min": min(hits),
                          "search_p95_ms": cases_bench._percentiles(selector)["p95_ms"]}
        print(f"  {label}: page p95 {results[label]['p95_ms']} ms, search alone p95 "
              f"{results[label]['search_p95_ms']} ms, {max(queries)} queries", flush=True)
    return results


def _print(result: dict) -> None:
    meta, index = result["meta"], result["index"]
    print(f"\nSearch benchmark — {meta['db']}, {meta['conversations']:,} conversations, {meta['orders']:,} orders")
    print(f"Index built: {index['conversations']:,} conversations in {index['seconds']} s "
          f"= {index['per_s']:,} conversations/s")
    print(f"{'question':26} {'search p95':>10} {'page p50':>9} {'page p95':>9} {'page max':>9} {'queries':>8} "
          f"{'shown':>6}")
    for label, figures in result["searches"].items():
        print(f"{label:26} {figures['search_p95_ms']:>10} {figures['p50_ms']:>9} {figures['p95_ms']:>9} "
              f"{figures['max_ms']:>9} {figures['queries_max']:>8} {figures['results_on_page_min']:>6}")
    print(f"ms. 'search': the selector alone; 'page': the whole request. Target: page p95 <= {TARGET_P95_MS} ms.")


if __name__ == "__main__":
    main()
