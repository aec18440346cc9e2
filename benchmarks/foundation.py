"""Foundation benchmark: event intake and the customer's order pages against a large marketplace.

    uv run python benchmarks/foundation.py                       # 1,000,000 orders, SQLite under var/bench/
    uv run python benchmarks/foundation.py --orders 20000        # quick try
    uv run python benchmarks/foundation.py --compare-small       # also 10,000 orders, same measurements
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/advocate_bench uv run python benchmarks/foundation.py

It prints figures and writes them to benchmarks/out/foundation-<db>-<orders>.json; it asserts nothing.
See benchmarks/README.md for what each figure means.

Shape: this file is both the orchestrator and, re-invoked with --_child, the measurer of one database
(Django's settings pick the database once per process, and --compare-small needs two). The measurer
prepares the database, measures in-process (no HTTP), then starts the real server (`advocate up`, i.e.
gunicorn) as a subprocess, loads it over 127.0.0.1 with stdlib HTTP clients and stops it again.
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import http.cookies
import io
import itertools
import json
import os
import platform
import pstats
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "benchmarks" / "out"
BENCH_DATA = ROOT / "var" / "bench"

EVENT_SOURCE = "bench"  # every event this benchmark sends; removed again afterwards
ORDER_PREFIX = "BENCH-"  # orders it creates through events
NEW_CUSTOMER_PREFIX = "bench-cust-"  # customers it creates through events
BENCH_USERNAME = "bench-customer"
INTEGRATION_NAME = "benchmark"

_SERVER_PGID = [0]  # the running server's process group, for CPU accounting
_STOPPING = threading.Event()  # set when the run is cut short: the load clients' errors are then expected

TARGETS = {"intake_events_per_s": 5_000, "order_page_p95_ms": 50, "queries_per_page": 10}


# ==================================================================================================
# Orchestrator (no Django here)
# ==================================================================================================


def main() -> None:
    args = _parse_args()
    if args._child:
        _child_main(json.loads(args._child))
        return

    database_url = os.environ.get("DATABASE_URL", "")
    db = "postgresql" if database_url else "sqlite"
    plan = [("main", args.orders)]
    if args.compare_small:
        plan.append(("small", args.small_orders))
    OUT_DIR.mkdir(parents=True, exist_ok=True)

    results = {"meta": _meta(args, db), "runs": []}
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    for role, orders in plan:
        env = _target_env(db, database_url, orders, role, args)
        print(f"\n=== {db}, {orders:,} orders ({'comparison' if role == 'small' else 'main'}) ===", flush=True)
        result_path = OUT_DIR / f".child-{os.getpid()}-{role}.json"
        config = {
            **vars(args),
            "_child": None,
            "orders": orders,
            "role": role,
            "db": db,
            "result_path": str(result_path),
        }
        proc = subprocess.Popen([sys.executable, __file__, "--_child", json.dumps(config)], env=env, cwd=ROOT)
        try:
            code = proc.wait()
        except BaseException as exc:
            # Ctrl+C reaches the measurer too; a `kill` is passed on. Either way it stops its server and
            # removes its rows; give it the time to.
            if not isinstance(exc, KeyboardInterrupt):
                proc.terminate()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
            raise
        if code != 0 or not result_path.exists():
            sys.exit(f"measuring {orders:,} orders failed (exit code {code})")
        results["runs"].append(json.loads(result_path.read_text()))
        result_path.unlink()

    if args.prepare_only:
        for run in results["runs"]:
            prep = run["prepare"]
            print(f"Prepared {run['orders']:,} orders in {prep['database']} ({prep['size_mb']:,.0f} MB).")
        return
    # A profiled run's figures are not comparable; it must not replace the plain run's file.
    suffix = "-py-spy" if args.py_spy else "-profile" if args.profile else ""
    out = OUT_DIR / f"foundation-{db}-{args.orders}{suffix}.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    print(_summary(results))
    print(f"Written to {out.relative_to(ROOT)}")


def _parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--orders", type=int, default=1_000_000, help="orders in the database (default 1,000,000)")
    p.add_argument("--compare-small", action="store_true", help="also measure a small database, for comparison")
    p.add_argument("--small-orders", type=int, default=10_000, help="size of the comparison database (10,000)")
    p.add_argument("--requests", type=int, default=2_000, help="requests per page under load (default 2,000)")
    p.add_argument("--concurrency", type=int, default=8, help="concurrent page clients (default 8)")
    p.add_argument(
        "--intake-events",
        type=int,
        default=30_000,
        help="events sent through HTTP, and again in-process (default 30,000)",
    )
    p.add_argument("--intake-threads", type=int, default=4, help="concurrent intake clients (default 4)")
    p.add_argument("--batch", type=int, default=500, help="events per POST (default 500)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2, as `up`)")
    p.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    p.add_argument(
        "--time-limit",
        type=float,
        default=180,
        help="seconds after which a load phase stops sending (default 180)",
    )
    p.add_argument("--skip-intake", action="store_true", help="measure only the pages")
    p.add_argument("--skip-pages", action="store_true", help="measure only the intake")
    p.add_argument("--regenerate", action="store_true", help="throw away a prepared database and generate anew")
    p.add_argument(
        "--cold",
        action="store_true",
        help="do not read the database into the OS cache before each phase (see _warm_os_cache)",
    )
    p.add_argument("--prepare-only", action="store_true", help="prepare the database(s), measure nothing")
    p.add_argument(
        "--wait-quiet",
        type=float,
        default=120,
        help="before each timed phase, wait up to this many seconds for the rest of the machine\n"
        "to go idle (default 120; 0 to not wait); the CPU others used is reported either way",
    )
    p.add_argument(
        "--profile",
        action="store_true",
        help="also profile intake and the order page in-process (cProfile, SQL by statement);\n"
        "prints the top entries and writes .prof files to benchmarks/out/",
    )
    p.add_argument(
        "--py-spy",
        action="store_true",
        help="sample the server with py-spy during each load phase (runs `uvx py-spy` if py-spy is not\n"
        "installed; needs ptrace permission) and print where its time goes; slows the server down a bit",
    )
    p.add_argument("--_child", help=argparse.SUPPRESS)
    return p.parse_args()


def _target_env(db: str, database_url: str, orders: int, role: str, args) -> dict:
    env = os.environ.copy()
    env["DJANGO_SETTINGS_MODULE"] = "advocate.settings"
    env.pop("ADVOCATE_SQLITE_PATH", None)
    env.setdefault("ADVOCATE_LOG_LEVEL", "WARNING")
    if db == "sqlite":
        env["ADVOCATE_DATA_DIR"] = str(BENCH_DATA / f"sqlite-{orders}")
        return env
    # PostgreSQL: the given database holds the main size; the comparison gets a sibling database.
    url = urllib.parse.urlsplit(database_url)
    name = url.path.lstrip("/")
    if role == "small":
        name = f"{name}_{orders}"
        database_url = urllib.parse.urlunsplit(url._replace(path="/" + name))
    _ensure_postgres_database(database_url, name)
    env["DATABASE_URL"] = database_url
    env["ADVOCATE_DATA_DIR"] = str(BENCH_DATA / "postgresql")  # static files only
    return env


def _ensure_postgres_database(database_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    url = urllib.parse.urlsplit(database_url)
    maintenance = urllib.parse.urlunsplit(url._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            print(f"Creating PostgreSQL database {name}", flush=True)
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _meta(args, db: str) -> dict:
    import sqlite3

    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "db": db,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "machine": platform.platform(),
        "settings": {k: v for k, v in vars(args).items() if not k.startswith("_")},
        "code": _code_version(),
    }


def _code_version() -> dict:
    """Which application code was measured: the commit, and a digest of src/ (it may be uncommitted)."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((ROOT / "src").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".mo":
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())

    def git(*cmd):
        done = subprocess.run(["git", *cmd], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else None

    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted_changes": bool(git("status", "--porcelain", "src")),
        "src_sha256": digest.hexdigest()[:16],
    }


# --- the summary table -----------------------------------------------------------------------------


def _summary(results: dict) -> str:
    runs, meta = results["runs"], results["meta"]
    s = meta["settings"]
    rows: list[tuple[str, list[str], str]] = []

    def row(label: str, fn, target: str = "") -> None:
        cells = []
        for r in runs:
            try:
                cells.append(fn(r))
            except (KeyError, TypeError):
                cells.append("–")
        rows.append((label, cells, target))

    def ms(d: dict) -> str:
        return f"{d['p50']:.1f} / {d['p95']:.1f}"

    row(
        "Intake over HTTP, events/s",
        lambda r: f"{r['intake']['http']['events_per_s']:,.0f}",
        f"≥ {TARGETS['intake_events_per_s']:,}",
    )
    row(f"  POST of {s['batch']}, p50 / p95 ms", lambda r: ms(r["intake"]["http"]["batch_ms"]))
    row("  CPU % server/db/client/other", lambda r: _cpu_cell(r["intake"]["http"]["cpu"]))
    row("Intake in-process, events/s", lambda r: f"{r['intake']['in_process']['events_per_s']:,.0f}")
    row("  validation only, events/s", lambda r: f"{r['intake']['validation_only']['events_per_s']:,.0f}")
    row(
        f"  SQL statements per {s['batch']}",
        lambda r: f"{r['intake']['in_process']['statements_per_batch']:,.0f}",
    )
    for key, label in (
        ("order_page", "Order page"),
        ("order_api", "Order API"),
        ("order_list", "Order list"),
    ):
        page = key == "order_page"
        row(f"{label}, requests/s", lambda r, k=key: f"{r['pages']['http'][k]['requests_per_s']:,.0f}")
        row(
            f"  p50 / p95 ms, {s['concurrency']} clients",
            lambda r, k=key: ms(r["pages"]["http"][k]["latency_ms"]),
            f"p95 ≤ {TARGETS['order_page_p95_ms']}" if page else "",
        )
        row("  p50 / p95 ms, in-process", lambda r, k=key: ms(r["pages"]["in_process"][k]["latency_ms"]))
        row(
            "  SQL queries",
            lambda r, k=key: str(r["pages"]["queries"][k]["count"]),
            f"≤ {TARGETS['queries_per_page']}, flat" if page else "",
        )
        row("  CPU % server/db/client/other", lambda r, k=key: _cpu_cell(r["pages"]["http"][k]["cpu"]))

    headers = [f"{r['orders']:,} orders" for r in runs]
    width0 = max(len(label) for label, _, _ in rows) + 2
    widths = [max(len(h), *(len(cells[i]) for _, cells, _ in rows)) + 3 for i, h in enumerate(headers)]
    lines = [
        "",
        (
            f"Advocate foundation benchmark: {meta['db']}, {meta['cpus']} CPUs, gunicorn {s['workers']} workers "
            f"x {os.environ.get('ADVOCATE_WEB_THREADS', '1')} thread(s), {meta['when']}"
        ),
        "".ljust(width0) + "".join(h.rjust(w) for h, w in zip(headers, widths, strict=True)) + "   target",
    ]
    for label, cells, target in rows:
        lines.append(
            label.ljust(width0)
            + "".join(c.rjust(w) for c, w in zip(cells, widths, strict=True))
            + (f"   {target}" if target else "")
        )
    lines.append("")
    for r in runs:
        prep = r["prepare"]
        made = "reused" if prep["reused"] else f"generated in {prep['generate_s']:,.0f} s"
        lines.append(
            f"{r['orders']:,} orders: database {prep['size_mb']:,.0f} MB ({made}); customer "
            f"{prep['customer']} with {prep['customer_orders']} orders; order {prep['order']} "
            f"({prep['order_lines']} lines, {prep['order_scans']} scans)"
        )
        problems = r.get("intake", {}).get("http", {}).get("not_applied")
        if problems:
            lines.append(f"  events not applied: {problems}")
    disturbed = [f"{r['orders']:,}/{phase}" for r in runs for phase, cpu in _phases_cpu(r) if cpu["other_pct"] > 15]
    if s.get("py_spy"):
        lines.append(
            "py-spy sampled the server meanwhile (its CPU counts as other): HTTP figures are lower than without."
        )
    elif s.get("profile"):
        lines.append("(--profile runs only in-process, before the server starts; the HTTP figures are unaffected.)")
    if disturbed:
        lines.append(
            "Other work used more than 15% of the machine during: "
            + ", ".join(disturbed)
            + "; those figures are pessimistic."
        )
    return "\n".join(lines) + "\n"


def _phases_cpu(run: dict):
    for key, page in run.get("pages", {}).get("http", {}).items():
        yield key, page["cpu"]
    if "http" in run.get("intake", {}):
        yield "intake", run["intake"]["http"]["cpu"]


def _cpu_cell(cpu: dict) -> str:
    return f"{cpu['server_pct']:.0f}/{cpu['db_pct']:.0f}/{cpu['client_pct']:.0f}/{cpu['other_pct']:.0f}%"


# ==================================================================================================
# Measurer of one database (Django set up here)
# ==================================================================================================


def _child_main(cfg: dict) -> None:
    import django

    default_hook = threading.excepthook
    threading.excepthook = lambda args: None if _STOPPING.is_set() else default_hook(args)

    django.setup()
    from django.db import connection

    server = _Server(cfg)
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    result = {"orders": cfg["orders"], "role": cfg["role"], "vendor": connection.vendor}
    try:
        prep = _prepare(cfg)
        result["prepare"] = prep
        user, order_ext, integration_key = prep.pop("_user"), prep["order"], prep.pop("_key")
        password = prep.pop("_password")
        if cfg["prepare_only"]:
            Path(cfg["result_path"]).write_text(json.dumps(result, default=str))
            return
        feed = _IntakeFeed(cfg["orders"], user)

        def quiet():
            _wait_for_quiet(cfg["wait_quiet"])
            if not cfg["cold"]:
                _warm_os_cache()

        if not cfg["skip_pages"]:
            result["pages"] = {"queries": _query_counts(user, order_ext)}
            quiet()
            result["pages"]["in_process"] = _pages_in_process(user, order_ext)
        if not cfg["skip_intake"]:
            result["intake"] = {"validation_only": _validation_only(feed, cfg)}
            quiet()
            result["intake"]["in_process"] = _intake_in_process(feed, cfg)
        if cfg["profile"]:
            result["profile"] = _profile(feed, cfg, user, order_ext)

        connection.close()  # the server gets the database to itself
        server.start()
        if not cfg["skip_pages"]:
            cookie = _login(server.port, user.username, password)
            result["pages"]["http"] = {}
            for key, path in _page_paths(order_ext):
                quiet()
                result["pages"]["http"][key] = _load_pages(server.port, cookie, key, path, cfg)
        if not cfg["skip_intake"]:
            result["intake"]["http"] = _intake_http(server.port, integration_key, feed, cfg, quiet)
        server.stop()
        _print_run(result, cfg)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second `kill` must not cut the clean-up short
        _STOPPING.set()
        server.stop()
        try:
            _remove_intake_rows(quiet=False)
        except Exception as exc:
            print(f"cleanup failed: {exc}", file=sys.stderr)
        signal.signal(signal.SIGTERM, previous)
    Path(cfg["result_path"]).write_text(json.dumps(result, default=str))


# --- preparing the database ------------------------------------------------------------------------


def _prepare(cfg: dict) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from advocate.commerce.models import Order

    orders = cfg["orders"]
    call_command("migrate", interactive=False, verbosity=0)
    _remove_intake_rows(quiet=False)  # a previous run that died half-way

    first_extra = Order.objects.filter(external_id=f"A{orders + 1:08d}").exists()
    last = orders == 0 or Order.objects.filter(external_id=f"A{orders:08d}").exists()
    ready = last and not first_extra
    if ready and cfg["regenerate"]:
        ready = False
    if not ready and Order.objects.exists():
        print("The database holds another size (or an interrupted generation); starting it afresh.", flush=True)
        _wipe()
        call_command("migrate", interactive=False, verbosity=0)

    generate_s = None
    if not ready:
        print(f"Generating {orders:,} demo orders (once; later runs reuse them)…", flush=True)
        started = time.perf_counter()
        call_command("demo", orders=orders, no_logins=True, verbosity=1)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # what autovacuum would do shortly after a bulk load
        generate_s = time.perf_counter() - started
    else:
        print(f"Reusing the prepared database with {orders:,} demo orders.", flush=True)

    call_command("collectstatic", interactive=False, verbosity=0)  # as `up` does; the pages link the CSS
    warm = None if cfg["cold"] else _warm_os_cache()
    user, order, password = _bench_customer()
    key = _integration_key()
    return {
        "reused": ready,
        "generate_s": generate_s,
        "first_warm_s": warm,
        "size_mb": _database_size_mb(),
        "database": str(connection.settings_dict["NAME"]),
        "customer": user.customer.external_id,
        "customer_orders": user.customer.orders.count(),
        "order": order.external_id,
        "order_lines": order.lines.count(),
        "order_scans": sum(s.scans.count() for s in order.shipments.all()),
        "_user": user,
        "_password": password,
        "_key": key,
    }


def _warm_os_cache() -> float | None:
    """Read the whole database once, so that the operating system holds it in memory as it would for a
    server that has been running a while. Some machines evict idle file pages (this benchmark's VM does,
    with DAMON), and then every index page an insert touches is a disk read: at 1,000,000 orders that
    made intake ~2x slower, for reasons that have nothing to do with the code. --cold skips this.
    Returns the seconds it took (long when the pages had been evicted), None if it could not."""
    from django.conf import settings
    from django.db import connection

    started = time.perf_counter()
    if connection.vendor == "sqlite":
        name = settings.DATABASES["default"]["NAME"]
        for suffix in ("", "-wal"):
            path = Path(f"{name}{suffix}")
            if path.exists():
                with path.open("rb", buffering=0) as f:
                    while f.read(1 << 20):
                        pass
        return time.perf_counter() - started
    try:
        with connection.cursor() as cursor:  # pg_prewarm ships with PostgreSQL (contrib)
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            cursor.execute(
                "SELECT sum(pg_prewarm(c.oid, 'read')) FROM pg_class c "
                "WHERE c.relkind IN ('r', 'i') AND c.relnamespace = 'public'::regnamespace"
            )
    except Exception as exc:
        print(f"  (could not warm the cache with pg_prewarm: {exc})", flush=True)
        return None
    finally:
        connection.close()
    return time.perf_counter() - started


def _wipe() -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "sqlite":
        name = Path(settings.DATABASES["default"]["NAME"])
        if BENCH_DATA not in name.parents:
            sys.exit(f"refusing to delete {name}: not under {BENCH_DATA}")
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)
    else:
        name = settings.DATABASES["default"]["NAME"]
        if "bench" not in name:
            sys.exit(f"refusing to empty PostgreSQL database {name!r}: its name does not contain 'bench'")
        call_command("flush", interactive=False, verbosity=0)


def _database_size_mb() -> float:
    from django.conf import settings
    from django.db import connection

    if connection.vendor == "sqlite":
        name = settings.DATABASES["default"]["NAME"]
        return sum(Path(f"{name}{s}").stat().st_size for s in ("", "-wal") if Path(f"{name}{s}").exists()) / 1e6
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return cursor.fetchone()[0] / 1e6


def _bench_customer():
    """A customer with a typical number of orders, signed up, and one typical order of theirs:
    not a planned problem, shipped once, delivered, with its full trail of scans."""
    from advocate.accounts.models import Role, User
    from advocate.commerce.models import Customer

    password = secrets.token_urlsafe(16)
    user = User.objects.filter(username=BENCH_USERNAME).first()
    if user is not None and hasattr(user, "customer"):
        customer = user.customer
    else:
        # Middle of the table: the first customers are the demo showcase ones with many orders.
        middle = Customer.objects.order_by("id").values_list("id", flat=True)
        count = Customer.objects.count()
        start_id = middle[count // 2] if count else 0
        customer = None
        for candidate in Customer.objects.filter(id__gte=start_id, user__isnull=True).order_by("id")[:2000]:
            n = candidate.orders.count()
            if 3 <= n <= 6 and _typical_order(candidate) is not None:
                customer = candidate
                break
        if customer is None:
            sys.exit("no customer with a typical order found; is the database generated?")
        if user is None:
            user = User.objects.create_user(BENCH_USERNAME, customer.email, role=Role.CUSTOMER)
        user.first_name, user.language, user.time_zone = customer.name, customer.language, customer.time_zone
        user.save()
        customer.user = user
        customer.save(update_fields=["user"])
    user.set_password(password)
    user.save(update_fields=["password"])
    order = _typical_order(customer)
    return User.objects.get(pk=user.pk), order, password


def _typical_order(customer):
    from django.db.models import Count

    from advocate.commerce.models import Order
    from advocate.demo.models import DemoScenario

    return (
        Order.objects.filter(customer=customer, state="placed")
        .exclude(pk__in=DemoScenario.objects.filter(order__customer=customer).values("order_id"))
        .annotate(n_shipments=Count("shipments", distinct=True), n_scans=Count("shipments__scans"))
        .filter(n_shipments=1, n_scans__gte=4, shipments__state="delivered")
        .order_by("-placed_at")
        .first()
    )


def _integration_key() -> str:
    """A fresh key every run, so no secret is kept on disk between runs."""
    from advocate.commerce import services
    from advocate.commerce.models import Integration

    Integration.objects.filter(name=INTEGRATION_NAME).delete()
    _, key = services.integration_create(name=INTEGRATION_NAME)
    return key


def _order_children():
    from advocate.commerce.models import OrderLine, Payment, Shipment, TrackingScan

    return (OrderLine, Payment, Shipment, TrackingScan)


def _remove_intake_rows(*, quiet: bool) -> None:
    """Take out everything the intake measurements added, so the database keeps its size across runs."""
    from django.db import connection, transaction

    from advocate.commerce.models import Customer, InboundEvent, Order

    started = time.perf_counter()
    with transaction.atomic():
        events = InboundEvent.objects.filter(source=EVENT_SOURCE)._raw_delete(connection.alias)
        order_ids = list(Order.objects.filter(external_id__startswith=ORDER_PREFIX).values_list("id", flat=True))
        for i in range(0, len(order_ids), 2_000):
            Order.objects.filter(id__in=order_ids[i : i + 2_000]).delete()
        Customer.objects.filter(external_id__startswith=NEW_CUSTOMER_PREFIX).delete()
    if (events or order_ids) and connection.vendor == "postgresql":
        # Deleted rows stay in PostgreSQL's indexes until vacuumed: without this, every run would make
        # the next one slower (the inbox's duplicate check walked 150,000 dead entries after a few runs).
        with connection.cursor() as cursor:
            for model in (InboundEvent, Order, Customer, *_order_children()):
                cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")
    if (events or order_ids) and not quiet:
        print(
            f"Removed {events:,} benchmark events and {len(order_ids):,} benchmark orders "
            f"({time.perf_counter() - started:.1f} s).",
            flush=True,
        )


# --- the event stream ------------------------------------------------------------------------------

# Each order's events, and how many orders later (in a client's stream) each one arrives, so a batch
# mixes new orders with payments, shipments and scans of orders placed a while before — as a real feed.
_STAGES = [
    (0, "order.placed"),
    (0, "payment.captured"),
    (40, "shipment.created"),
    (40, "tracking.scan", "picked_up"),
    (80, "tracking.scan", "in_transit"),
    (120, "tracking.scan", "at_depot"),
    (160, "tracking.scan", "out_for_delivery"),
    (161, "shipment.delivered"),
]
EVENTS_PER_ORDER = len(_STAGES)


class _IntakeFeed:
    """Builds event streams with fresh unique ids, against the customers, sellers and products already in
    the database (one order in ten is by a new customer)."""

    def __init__(self, orders: int, bench_user):
        from advocate.commerce.models import Customer, Product, Seller

        rng = random.Random(11)
        self.run = secrets.token_hex(3)
        self.streams = 0
        max_id = Customer.objects.order_by("-id").values_list("id", flat=True).first() or 0
        ids = [rng.randrange(1, max_id + 1) for _ in range(3_000)] if max_id else []
        self.customers = [
            {
                "id": c.external_id,
                "name": c.name,
                "email": c.email,
                "language": c.language,
                "time_zone": c.time_zone,
            }
            for c in Customer.objects.filter(id__in=ids).exclude(user=bench_user)
        ]
        sellers = {s.id: s for s in Seller.objects.all()}
        self.catalogue = defaultdict(list)
        for p in Product.objects.all():
            self.catalogue[p.seller_id].append(
                {"sku": p.sku, "title": p.title, "unit_price": str(p.price), "category": p.category}
            )
        self.sellers = [
            (
                {
                    "id": sellers[sid].external_id,
                    "name": sellers[sid].name,
                    "is_platform": sellers[sid].is_platform,
                },
                items,
            )
            for sid, items in self.catalogue.items()
        ]
        self.rng = rng

    def stream(self, events: int) -> list[dict]:
        """`events` events of ceil(events / 8)+ orders, in an order that respects each order's sequence."""
        self.streams += 1
        prefix = f"{ORDER_PREFIX}{self.run}-{self.streams}-"
        n_orders = -(-events // EVENTS_PER_ORDER) + _STAGES[-1][0]
        base = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
        keyed = []
        for i in range(n_orders):
            for stage_index, event in enumerate(self._order_events(prefix, i, base + timedelta(seconds=i))):
                keyed.append((i + _STAGES[stage_index][0], stage_index, event))
        keyed.sort(key=lambda k: (k[0], k[1]))
        return [event for _, _, event in keyed[:events]]

    def _order_events(self, prefix: str, i: int, placed: datetime):
        rng = self.rng
        order_id, shipment_id = f"{prefix}{i:07d}", f"{prefix}{i:07d}-1"
        if self.customers and rng.random() > 0.1:
            customer = rng.choice(self.customers)
        else:
            customer = {
                "id": f"{NEW_CUSTOMER_PREFIX}{prefix}{i}",
                "name": "New Customer",
                "email": f"new{i}@example.com",
                "language": "en",
                "time_zone": "Europe/London",
            }
        seller, items = rng.choice(self.sellers)
        lines = [
            {**item, "quantity": rng.choice([1, 1, 2])}
            for item in rng.sample(items, k=min(len(items), rng.choice([1, 1, 2, 3])))
        ]
        total = sum(float(line["unit_price"]) * line["quantity"] for line in lines)
        ship_by, promised = placed + timedelta(days=1), placed + timedelta(days=4)

        def event(n, type_, when, data):
            return {
                "source": EVENT_SOURCE,
                "id": f"{order_id}/{n}",
                "type": type_,
                "occurred_at": when.isoformat(),
                "data": data,
            }

        yield event(
            0,
            "order.placed",
            placed,
            {
                "order_id": order_id,
                "customer": customer,
                "seller": seller,
                "fulfilled_by": "platform" if seller["is_platform"] else "seller",
                "currency": "EUR",
                "lines": lines,
                "ship_by": ship_by.isoformat(),
                "promised_latest": promised.isoformat(),
                "ship_to": "Berlin",
            },
        )
        yield event(
            1,
            "payment.captured",
            placed + timedelta(minutes=3),
            {"order_id": order_id, "amount": f"{total:.2f}", "method": "card"},
        )
        shipped = placed + timedelta(hours=20)
        yield event(
            2,
            "shipment.created",
            shipped,
            {
                "order_id": order_id,
                "shipment_id": shipment_id,
                "carrier": "ParcelNet",
                "tracking_number": f"TRK-{order_id}",
                "estimated_delivery": promised.isoformat(),
            },
        )
        for n, hours, code in (
            (3, 22, "picked_up"),
            (4, 40, "in_transit"),
            (5, 60, "at_depot"),
            (6, 70, "out_for_delivery"),
        ):
            yield event(
                n,
                "tracking.scan",
                placed + timedelta(hours=hours),
                {"shipment_id": shipment_id, "code": code, "location": f"Hub {i % 40}"},
            )
        yield event(
            7,
            "shipment.delivered",
            placed + timedelta(hours=74),
            {"shipment_id": shipment_id, "detail": "left at front door", "location": "Berlin"},
        )


class _Sql:
    """Every SQL statement run on the default connection meanwhile, with its execute time.

    Django's CaptureQueriesContext keeps at most 9,000 statements and rounds times to milliseconds, too
    coarse for statements that take tens of microseconds."""

    def __enter__(self):
        from django.db import connection

        self.statements: list[tuple[str, float]] = []
        self._wrapper = connection.execute_wrapper(self._record)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)

    def _record(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements.append((sql, time.perf_counter() - started))

    @property
    def seconds(self) -> float:
        return sum(t for _, t in self.statements)


def _batches(events: list, size: int) -> list[list]:
    return [events[i : i + size] for i in range(0, len(events), size)]


# --- in-process measurements -----------------------------------------------------------------------


def _validation_only(feed: _IntakeFeed, cfg: dict) -> dict:
    from advocate.commerce import events as ev

    items = feed.stream(cfg["intake_events"])
    started = time.perf_counter()
    for raw in items:
        ev.parse_event(raw)
    elapsed = time.perf_counter() - started
    return {"events": len(items), "seconds": elapsed, "events_per_s": len(items) / elapsed}


def _intake_in_process(feed: _IntakeFeed, cfg: dict) -> dict:
    from advocate.commerce import services
    from advocate.commerce.models import Integration

    integration = Integration.objects.get(name=INTEGRATION_NAME)
    # Count the statements on a small separate stream, so recording them does not slow the timed run.
    sample = feed.stream(2_000)
    with _Sql() as sql:
        for batch in _batches(sample, cfg["batch"]):
            services.events_ingest(items=batch, integration=integration)
    statements_per_batch = len(sql.statements) / len(_batches(sample, cfg["batch"]))

    items = feed.stream(cfg["intake_events"])
    statuses: dict[str, int] = defaultdict(int)
    print(f"In-process intake of {len(items):,} events…", flush=True)
    started = time.perf_counter()
    deadline = started + cfg["time_limit"]
    sent = 0
    for batch in _batches(items, cfg["batch"]):
        if time.perf_counter() > deadline:
            break
        for outcome in services.events_ingest(items=batch, integration=integration):
            statuses[outcome.status] += 1
        sent += len(batch)
    elapsed = time.perf_counter() - started
    return {
        "events": sent,
        "seconds": elapsed,
        "events_per_s": statuses["applied"] / elapsed,
        "outcomes": dict(statuses),
        "statements_per_batch": statements_per_batch,
    }


def _query_counts(user, order_ext: str) -> dict:
    from django.test import Client

    client = Client()
    client.force_login(user)
    out = {}
    for key, path in _page_paths(order_ext):
        client.get(path)  # warm (template loading, translations)
        with _Sql() as sql:
            response = client.get(path)
        if response.status_code != 200:
            sys.exit(f"GET {path} answered {response.status_code}")
        out[key] = {
            "count": len(sql.statements),
            "sql_ms": sql.seconds * 1000,
            "queries": [{"sql": q, "ms": t * 1000} for q, t in sql.statements],
        }
    return out


def _page_paths(order_ext: str):
    return (
        ("order_page", f"/orders/{order_ext}/"),
        ("order_api", f"/api/v1/orders/{order_ext}"),
        ("order_list", "/orders/"),
    )


def _pages_in_process(user, order_ext: str, repeat: int = 200) -> dict:
    from django.test import Client

    client = Client()
    client.force_login(user)
    out = {}
    for key, path in _page_paths(order_ext):
        client.get(path)
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(path)
            times.append(time.perf_counter() - started)
        out[key] = {"requests": repeat, "latency_ms": _percentiles(times)}
    return out


def _profile(feed: _IntakeFeed, cfg: dict, user, order_ext: str) -> dict:
    """Where in-process time goes: cProfile's top functions and the SQL statements by shape."""
    from django.test import Client

    from advocate.commerce import services
    from advocate.commerce.models import Integration

    integration = Integration.objects.get(name=INTEGRATION_NAME)
    tag = f"{cfg['db']}-{cfg['orders']}"
    report = {}

    items = feed.stream(4_000)
    batches = _batches(items, cfg["batch"])
    profiler = cProfile.Profile()
    with _Sql() as sql:
        started = time.perf_counter()
        profiler.enable()
        for batch in batches:
            services.events_ingest(items=batch, integration=integration)
        profiler.disable()
        wall = time.perf_counter() - started
    report["intake"] = _profile_report(
        profiler, sql.statements, wall, len(batches), "batch", OUT_DIR / f"profile-intake-{tag}.prof"
    )

    client = Client()
    client.force_login(user)
    path = f"/orders/{order_ext}/"
    client.get(path)
    profiler = cProfile.Profile()
    with _Sql() as sql:
        started = time.perf_counter()
        profiler.enable()
        for _ in range(200):
            client.get(path)
        profiler.disable()
        wall = time.perf_counter() - started
    report["order_page"] = _profile_report(
        profiler, sql.statements, wall, 200, "request", OUT_DIR / f"profile-order-page-{tag}.prof"
    )
    return report


_IN_LIST = re.compile(r"IN \((?:%s, )*%s\)")


def _statement_shape(sql: str) -> str:
    shape = _IN_LIST.sub("IN (…)", sql)
    select = re.match(r"SELECT .*? FROM (\S+)(.*)", shape, re.DOTALL)
    if select:  # the column list says little; the table and the condition say what it is
        shape = f"SELECT … FROM {select.group(1)}{select.group(2)}"
    return shape[:150]


def _profile_report(profiler, queries, wall: float, units: int, unit: str, path: Path) -> dict:
    profiler.dump_stats(path)
    by_shape: dict[str, list[float]] = defaultdict(list)
    for sql, seconds in queries:
        by_shape[_statement_shape(sql)].append(seconds)
    sql_total = sum(sum(v) for v in by_shape.values())
    statements = sorted(
        (
            {"statement": k, "per_" + unit: len(v) / units, "ms_per_" + unit: sum(v) * 1000 / units}
            for k, v in by_shape.items()
        ),
        key=lambda r: -r["ms_per_" + unit],
    )
    buf = io.StringIO()
    stats = pstats.Stats(profiler, stream=buf)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(35)
    text = buf.getvalue()
    print(
        f"\n--- profile: {path.name}: {wall / units * 1000:.3f} ms per {unit} under cProfile; "
        f"SQL execute {sql_total / units * 1000:.3f} ms per {unit}, "
        f"{len(queries) / units:.2f} statements per {unit}"
    )
    for s in statements[:20]:
        print(f"  {s['per_' + unit]:6.2f}×  {s['ms_per_' + unit]:7.3f} ms  {s['statement']}")
    print(text)
    path.with_suffix(".txt").write_text(text)
    return {
        "wall_ms_per_" + unit: wall / units * 1000,
        "sql_ms_per_" + unit: sql_total / units * 1000,
        "statements": statements,
        "prof": str(path.relative_to(ROOT)),
    }


# --- the real server -------------------------------------------------------------------------------


class _Server:
    """`advocate up --no-demo --no-worker` (gunicorn, gthread) in its own process group."""

    def __init__(self, cfg: dict):
        self.cfg = cfg
        self.proc: subprocess.Popen | None = None
        self.port = cfg["port"] or _free_port()
        self.log = OUT_DIR / f"server-{cfg['db']}-{cfg['orders']}.log"

    def start(self) -> None:
        cmd = [
            sys.executable,
            "-m",
            "advocate.cli",
            "up",
            "--no-demo",
            "--no-worker",
            "--port",
            str(self.port),
            "--workers",
            str(self.cfg["workers"]),
        ]
        print(
            f"Starting the server: advocate up --no-demo --no-worker --port {self.port} "
            f"--workers {self.cfg['workers']} (log: {self.log.relative_to(ROOT)})",
            flush=True,
        )
        log = self.log.open("w")
        self.proc = subprocess.Popen(
            cmd,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=ROOT,
        )
        log.close()
        _SERVER_PGID[0] = self.proc.pid  # its own session: the pid is the process group id
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}; see {self.log}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/accounts/login/")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the server did not answer within 120 s; see {self.log}")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        # Only the group this script started: the `up` command, gunicorn's master and its workers.
        for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        deadline = time.monotonic() + 10  # the workers leave just after the master
        while _group_pids(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)

    def pids(self) -> list[int]:
        return _group_pids(self.proc.pid) if self.proc else []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid:
                pids.append(int(entry.name))
    return pids


class _CpuMeter:
    """CPU used during a phase by the server's processes, the PostgreSQL backends serving our database,
    this client, and the whole machine; "other" is whatever else ran meanwhile (it makes figures noisy)."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, server_pgid: int = 0):
        self.pgid = server_pgid

    def _sample(self):
        per_pid, server = {}, 0.0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            seconds = (int(fields[11]) + int(fields[12])) / self.TICK
            per_pid[int(entry.name)] = seconds
            if self.pgid and int(fields[2]) == self.pgid:
                server += seconds
        own = os.times()
        with open("/proc/stat") as f:  # first line: the whole machine in ticks; 4th and 5th are idle, iowait
            ticks = [int(v) for v in f.readline().split()[1:]]
        busy = (sum(ticks) - ticks[3] - ticks[4]) / self.TICK
        return time.perf_counter(), server, per_pid, own.user + own.system, busy

    def __enter__(self):
        self.start = self._sample()
        return self

    def __exit__(self, *exc):
        end = self._sample()
        backends = _postgres_backends()
        db = sum(end[2].get(pid, 0.0) - self.start[2].get(pid, 0.0) for pid in backends)
        wall = end[0] - self.start[0]
        share = wall * (os.cpu_count() or 1) / 100  # percent of the whole machine (all cores)
        self.result = {
            "server_pct": (end[1] - self.start[1]) / share,
            "db_pct": db / share,
            "client_pct": (end[3] - self.start[3]) / share,
            "machine_pct": (end[4] - self.start[4]) / share,
        }
        self.result["other_pct"] = max(
            0.0,
            self.result["machine_pct"] - self.result["server_pct"] - self.result["db_pct"] - self.result["client_pct"],
        )


def _postgres_backends() -> list[int]:
    """Process ids of the PostgreSQL backends connected to our database (none on SQLite)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return [pid for (pid,) in cursor.fetchall()]
    finally:
        connection.close()


def _wait_for_quiet(max_wait: float) -> float:
    """Wait (at most max_wait seconds) until the rest of the machine is nearly idle; return its busy %."""
    deadline = time.monotonic() + max_wait
    told = False
    while True:
        with _CpuMeter() as cpu:
            time.sleep(1.0)
        busy = cpu.result["machine_pct"]
        if busy < 15 or time.monotonic() > deadline:
            if told:
                print(
                    f"  …{'quiet' if busy < 15 else 'still busy, measuring anyway'} ({busy:.0f}% busy)",
                    flush=True,
                )
            return busy
        if not told:
            print(
                f"  The machine is {busy:.0f}% busy with other work; waiting up to {max_wait:.0f} s for quiet…",
                flush=True,
            )
            told = True


# --- HTTP load -------------------------------------------------------------------------------------


class _Http:
    """One keep-alive connection; reconnects once if the server closed it between requests."""

    def __init__(self, port: int, headers: dict | None = None):
        self.port, self.headers = port, headers or {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        all_headers = {**self.headers, **(headers or {})}
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=all_headers)
                response = self.conn.getresponse()
                return response.status, response.read(), response
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt == 2:
                    raise

    def close(self):
        self.conn.close()


def _login(port: int, username: str, password: str) -> str:
    """Sign in through the login form like a browser; returns the Cookie header for later requests."""
    client = _Http(port)
    status, body, response = client.request("GET", "/accounts/login/")
    cookies = http.cookies.SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    form = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
    status, body, response = client.request(
        "POST",
        "/accounts/login/",
        form.encode(),
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies['csrftoken'].value}",
        },
    )
    for header in response.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    client.close()
    if status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"signing in failed: {status} {body[:200]!r}")
    return f"sessionid={cookies['sessionid'].value}; csrftoken={cookies['csrftoken'].value}"


def _start_together(barrier: threading.Barrier) -> None:
    try:
        barrier.wait(timeout=300)
    except threading.BrokenBarrierError:
        raise RuntimeError("a load client failed while warming up (see above)") from None


class _PySpy:
    """With --py-spy: sample the server's processes with py-spy during a load phase and print where
    they spent their time (the raw samples are kept in benchmarks/out/ for a flame graph)."""

    def __init__(self, cfg: dict, phase: str):
        self.enabled = cfg.get("py_spy", False)
        self.path = OUT_DIR / f"pyspy-{cfg['db']}-{cfg['orders']}-{phase}.txt"
        self.proc = None

    def __enter__(self):
        if not self.enabled:
            return self
        command = [shutil.which("py-spy")] if shutil.which("py-spy") else ["uvx", "py-spy"]
        self.proc = subprocess.Popen(
            [
                *command,
                "record",
                "--pid",
                str(_SERVER_PGID[0]),
                "--subprocesses",
                "--format",
                "raw",
                "--gil",  # only threads holding the GIL: where the CPU goes, not who waits
                "--rate",
                "250",
                "--output",
                str(self.path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        time.sleep(2)  # let it attach
        return self

    def __exit__(self, *exc):
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGINT)  # py-spy writes its samples when interrupted
        try:
            _, err = self.proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        if not self.path.exists():
            print(f"  py-spy wrote nothing: {err.strip()[-300:]}")
            return
        _print_pyspy(self.path)


def _print_pyspy(path: Path, top: int = 30) -> None:
    own: dict[str, int] = defaultdict(int)
    inclusive: dict[str, int] = defaultdict(int)
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [_short_frame(f) for f in stack.split(";")[1:]]  # the first is the process
        if frames:
            own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    if not total:
        return
    print(f"\n--- py-spy, server processes ({total:,} samples of threads holding the GIL) -> {path.relative_to(ROOT)}")
    print("  own time:")
    for frame, n in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        print(f"    {n / total * 100:5.1f}%  {frame}")
    print("  including callees:")
    for frame, n in sorted(inclusive.items(), key=lambda kv: -kv[1])[: top * 2]:
        print(f"    {n / total * 100:5.1f}%  {frame}")


def _short_frame(frame: str) -> str:
    """'get (django/db/models/query.py:633)' from py-spy's frame with its full path."""
    frame = re.sub(r"\(/[^)]*?/(site-packages|src|lib/python3\.\d+)/", "(", frame)
    return frame


def _run_threads(n: int, target) -> None:
    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def _load_pages(port: int, cookie: str, key: str, path: str, cfg: dict) -> dict:
    total, concurrency = cfg["requests"], cfg["concurrency"]
    counter = itertools.count()
    lock = threading.Lock()
    times: list[float] = []
    errors: list[str] = []

    def worker(_):
        client = _Http(port, {"Cookie": cookie})
        try:
            try:
                for _ in range(5):  # warm the connection and the worker; not counted
                    client.request("GET", path)
            except BaseException:
                barrier.abort()
                raise
            barrier.wait()
            stop_at = time.perf_counter() + cfg["time_limit"]
            while True:
                with lock:
                    n = next(counter)
                if n >= total or time.perf_counter() > stop_at:
                    return
                started = time.perf_counter()
                try:
                    status, _body, _ = client.request("GET", path)
                except OSError as exc:
                    status = repr(exc)
                elapsed = time.perf_counter() - started
                with lock:
                    times.append(elapsed)
                    if status != 200:
                        errors.append(str(status))
        finally:
            client.close()

    barrier = threading.Barrier(concurrency + 1)
    runner = threading.Thread(target=_run_threads, args=(concurrency, worker), daemon=True)
    runner.start()
    _start_together(barrier)
    with _CpuMeter(_SERVER_PGID[0]) as cpu, _PySpy(cfg, key):
        started = time.perf_counter()
        runner.join()
        wall = time.perf_counter() - started
    print(f"  GET {path}: {len(times):,} requests in {wall:.1f} s", flush=True)
    return {
        "requests": len(times),
        "errors": len(errors),
        "error_sample": errors[:3],
        "seconds": wall,
        "requests_per_s": len(times) / wall,
        "latency_ms": _percentiles(times),
        "cpu": cpu.result,
    }


def _intake_http(port: int, key: str, feed: _IntakeFeed, cfg: dict, quiet) -> dict:
    threads = cfg["intake_threads"]
    per_thread = -(-cfg["intake_events"] // threads)
    print(f"Preparing {per_thread * threads:,} events for {threads} HTTP clients…", flush=True)
    bodies = [[json.dumps(b).encode() for b in _batches(feed.stream(per_thread), cfg["batch"])] for _ in range(threads)]
    warmups = [json.dumps(feed.stream(EVENTS_PER_ORDER * 5)).encode() for _ in range(threads)]
    quiet()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    lock = threading.Lock()
    totals: dict[str, int] = defaultdict(int)
    batch_times: list[float] = []
    problems: list[str] = []

    def worker(t):
        client = _Http(port, headers)
        try:
            try:
                client.request("POST", "/api/v1/events", warmups[t])
            except BaseException:
                barrier.abort()
                raise
            barrier.wait()
            stop_at = time.perf_counter() + cfg["time_limit"]
            for body in bodies[t]:
                if time.perf_counter() > stop_at:
                    return
                started = time.perf_counter()
                status, answer, _ = client.request("POST", "/api/v1/events", body)
                elapsed = time.perf_counter() - started
                with lock:
                    batch_times.append(elapsed)
                    if status != 200:
                        problems.append(f"HTTP {status}: {answer[:200]!r}")
                        continue
                    outcome = json.loads(answer)
                    for k in ("applied", "duplicate", "rejected"):
                        totals[k] += outcome[k]
                    if outcome["rejected"] and len(problems) < 5:
                        problems.extend(json.dumps(r["errors"]) for r in outcome["results"] if r["errors"])
        finally:
            client.close()

    barrier = threading.Barrier(threads + 1)
    runner = threading.Thread(target=_run_threads, args=(threads, worker), daemon=True)
    runner.start()
    _start_together(barrier)
    with _CpuMeter(_SERVER_PGID[0]) as cpu, _PySpy(cfg, "intake"):
        started = time.perf_counter()
        runner.join()
        wall = time.perf_counter() - started
    print(f"  POST /api/v1/events: {totals['applied']:,} events applied in {wall:.1f} s", flush=True)
    return {
        "events_applied": totals["applied"],
        "outcomes": dict(totals),
        "seconds": wall,
        "events_per_s": totals["applied"] / wall,
        "batches": len(batch_times),
        "threads": threads,
        "batch_ms": _percentiles(batch_times),
        "not_applied": problems[:5],
        "cpu": cpu.result,
    }


def _percentiles(seconds: list[float]) -> dict:
    if not seconds:
        return {"p50": None, "p95": None, "p99": None, "max": None, "mean": None}
    s = sorted(seconds)

    def at(q):  # nearest rank
        return s[min(len(s) - 1, max(0, round(q * len(s) + 0.5) - 1))] * 1000

    return {
        "p50": at(0.50),
        "p95": at(0.95),
        "p99": at(0.99),
        "max": s[-1] * 1000,
        "mean": sum(s) / len(s) * 1000,
    }


def _print_run(result: dict, cfg: dict) -> None:
    pages = result.get("pages", {})
    for key, q in pages.get("queries", {}).items():
        print(f"  {key}: {q['count']} SQL queries ({q['sql_ms']:.1f} ms)")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted")
