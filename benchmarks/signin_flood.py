"""Sign-in flood: do six clients posting wrong passwords starve a small server's pages for a seventh?

    uv run python benchmarks/signin_flood.py                 # about two minutes
    uv run python benchmarks/signin_flood.py --seconds 30 --workers 4

Password hashing is deliberately slow (Django's PBKDF2, hundreds of milliseconds of CPU per guess), so a
guess the server checks costs it far more than a page. This prepares a fresh SQLite demo marketplace in
`var/bench/signin-flood/`, starts the real server as the README's start command does (`advocate up
--no-demo --no-worker`: gunicorn, `--workers` processes × 1 thread) on a free port, signs a seventh client in
as `demo-customer`, and has it load the sign-in page and one of its order pages, one request after another,
for `--seconds` per phase:

- **alone**: nobody else;
- **one address, many accounts**: six clients post wrong passwords for made-up accounts from one address
  (the per-address limit applies);
- **many addresses, one account**: six clients guess `demo-customer`'s password, each guess from a new
  address (the per-account limit applies; addresses come from X-Forwarded-For, the server trusting
  127.0.0.1 as its proxy, ADVOCATE_TRUSTED_PROXIES);
- **many addresses, many accounts**: each guess from a new address for another made-up account — no limit
  applies, every guess is hashed: what the limits cannot stop;
- **no limits, one address**: the first flood again on a server started with limits too high to reach,
  for comparison.

For each phase it prints the seventh client's p50/p95/max, and the guesses per second the server checked
(answered 200: "did not match") and refused (429: locked, no password hashed). Limits are reset between
phases (`axes_reset`). It asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookies
import io
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "var" / "bench" / "signin-flood"
OUT_DIR = ROOT / "benchmarks" / "out"
CUSTOMER = "demo-customer"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15, help="length of each phase (default 15)")
    parser.add_argument("--flooders", type=int, default=6, help="clients posting wrong passwords (default 6)")
    parser.add_argument("--workers", type=int, default=2, help="web processes, 1 thread each (default 2)")
    parser.add_argument("--orders", type=int, default=2000, help="size of the demo marketplace (default 2,000)")
    opts = parser.parse_args()

    shutil.rmtree(DATA, ignore_errors=True)
    DATA.mkdir(parents=True)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    os.environ.pop("DATABASE_URL", None)  # always a fresh SQLite file
    os.environ.update(ADVOCATE_DATA_DIR=str(DATA), DJANGO_SETTINGS_MODULE="advocate.settings",
                      ADVOCATE_TRUSTED_PROXIES="127.0.0.1")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from advocate.commerce.models import Order
    from advocate.demo.marketplace import DEMO_PASSWORD

    print(f"Preparing a demo marketplace of {opts.orders:,} orders in {DATA.relative_to(ROOT)} …", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    call_command("demo", orders=opts.orders, verbosity=0)
    order = Order.objects.filter(customer__user__username=CUSTOMER).order_by("-placed_at").first()
    pages = ["/accounts/login/", f"/orders/{order.external_id}/"]
    started = time.perf_counter()
    make_password("x")
    print(f"One password hash (in this process, {_hasher()}): {(time.perf_counter() - started) * 1000:.0f} ms")
    print(f"{os.cpu_count()} CPUs; server: {opts.workers} processes × 1 thread; {opts.flooders} flooding clients; "
          f"the seventh loads {pages[0]} and {pages[1]} in turn.\n", flush=True)

    phases = [
        ("alone", None),
        ("one address, many accounts", _one_address),
        ("many addresses, one account", _many_addresses_one_account),
        ("many addresses, many accounts", _many_addresses),
    ]
    results = []
    for limits in (True, False):
        env = {} if limits else {"ADVOCATE_SIGNIN_ACCOUNT_FAILURES": "1000000",
                                 "ADVOCATE_SIGNIN_ADDRESS_FAILURES": "1000000"}
        with _Server(opts.workers, env) as server:
            cookie = _sign_in(server.port, CUSTOMER, DEMO_PASSWORD)
            for name, guesser in (phases if limits else [("no limits, one address", _one_address)]):
                call_command("axes_reset", stdout=io.StringIO())
                results.append((name, *_phase(server.port, cookie, pages, guesser, opts)))
                print(_row(*results[-1]), flush=True)

    print("\n" + _table(results))


def _hasher() -> str:
    from django.contrib.auth.hashers import get_hasher

    hasher = get_hasher()
    return f"{hasher.algorithm}, {getattr(hasher, 'iterations', '?'):,} iterations"


# --- guessing ---------------------------------------------------------------------------------------


def _one_address(i: int, n: int) -> tuple[str, dict]:
    return f"nobody-{i}-{n}", {}


def _many_addresses_one_account(i: int, n: int) -> tuple[str, dict]:
    return CUSTOMER, {"X-Forwarded-For": _address(i, n)}


def _many_addresses(i: int, n: int) -> tuple[str, dict]:
    return f"nobody-{i}-{n}", {"X-Forwarded-For": _address(i, n)}


def _address(i: int, n: int) -> str:
    return f"10.{i + 1}.{n // 250 % 250}.{n % 250 + 1}"


def _phase(port: int, cookie: str, pages: list[str], guesser, opts) -> tuple[list[float], dict, float]:
    """The seventh client's page times (ms), the flood's answers by status, and the seconds measured."""
    stop = threading.Event()
    counts: dict[int, int] = {}
    lock = threading.Lock()

    def flood(i: int) -> None:
        client = _Http(port)
        cookie_header, token = _form_token(client)
        n = 0
        while not stop.is_set():
            username, headers = guesser(i, n)
            form = urllib.parse.urlencode({"username": username, "password": f"guess-{n}",
                                           "csrfmiddlewaretoken": token})
            status, _, _ = client.request("POST", "/accounts/login/", form.encode(), {
                "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie_header, **headers})
            with lock:
                counts[status] = counts.get(status, 0) + 1
            n += 1
        client.close()

    threads = [threading.Thread(target=flood, args=(i,), daemon=True) for i in range(opts.flooders if guesser else 0)]
    for thread in threads:
        thread.start()
    # Let the flood get going; where a limit applies, measure once it has locked the flood out (the first 429).
    flood_started = time.perf_counter()
    time.sleep(1 if guesser else 0)
    while guesser and time.perf_counter() - flood_started < 120:
        with lock:
            if counts.get(429) or guesser is _many_addresses:
                break
        time.sleep(0.05)
    locked_after = time.perf_counter() - flood_started if counts.get(429) else None
    with lock:
        counts.clear()
    # The seventh client: the sign-in page as a visitor, the order page signed in (a signed-in person asking
    # for the sign-in page is only sent home).
    visitor, customer = _Http(port), _Http(port, {"Cookie": cookie})
    times: list[float] = []
    started = time.perf_counter()
    while time.perf_counter() - started < opts.seconds:
        for client, path in zip((visitor, customer), pages, strict=True):
            t = time.perf_counter()
            status, _, _ = client.request("GET", path)
            times.append((time.perf_counter() - t) * 1000)
            assert status == 200, (path, status)
    elapsed = time.perf_counter() - started
    with lock:
        seen = dict(counts)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    visitor.close()
    customer.close()
    if locked_after is not None:
        seen["locked_after_s"] = round(locked_after, 1)
    return times, seen, elapsed


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[18]


def _row(name: str, times: list[float], counts: dict, elapsed: float) -> str:
    checked, refused = counts.get(200, 0) / elapsed, counts.get(429, 0) / elapsed
    other = {k: v for k, v in counts.items() if k not in (200, 429, "locked_after_s")}
    locked = f"  (flood locked out after {counts['locked_after_s']} s)" if "locked_after_s" in counts else ""
    return (f"{name:30} pages p50 {statistics.median(times):7.1f} ms  p95 {_p95(times):7.1f} ms  "
            f"max {max(times):7.1f} ms  (n={len(times)})   guesses/s checked {checked:5.1f}  refused {refused:6.1f}"
            + (f"  other {other}" if other else "") + locked)


def _table(results) -> str:
    lines = ["| phase | page p50 ms | page p95 ms | guesses/s checked (hashed) | guesses/s refused (locked) |",
             "|---|---:|---:|---:|---:|"]
    for name, times, counts, elapsed in results:
        lines.append(f"| {name} | {statistics.median(times):.1f} | {_p95(times):.1f} | "
                     f"{counts.get(200, 0) / elapsed:.1f} | {counts.get(429, 0) / elapsed:.1f} |")
    return "\n".join(lines)


# --- HTTP -------------------------------------------------------------------------------------------


class _Http:
    """One keep-alive connection; reconnects if the server closed it between requests."""

    def __init__(self, port: int, headers: dict | None = None):
        self.port, self.headers = port, headers or {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers={**self.headers, **(headers or {})})
                response = self.conn.getresponse()
                return response.status, response.read(), response
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
                if attempt == 2:
                    raise

    def close(self) -> None:
        self.conn.close()


def _form_token(client: _Http) -> tuple[str, str]:
    """Load the sign-in page as a browser does: the CSRF cookie and the form's token."""
    _, body, response = client.request("GET", "/accounts/login/")
    cookies = http.cookies.SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    return f"csrftoken={cookies['csrftoken'].value}", token


def _sign_in(port: int, username: str, password: str) -> str:
    client = _Http(port)
    cookie, token = _form_token(client)
    form = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
    status, body, response = client.request("POST", "/accounts/login/", form.encode(), {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    client.close()
    session = http.cookies.SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        session.load(header)
    if status != 302 or "sessionid" not in session:
        raise RuntimeError(f"signing in failed: {status} {body[:200]!r}")
    return f"sessionid={session['sessionid'].value}"


class _Server:
    """`advocate up --no-demo --no-worker` in its own process group, stopped on leaving (also on Ctrl+C)."""

    def __init__(self, workers: int, env: dict):
        self.workers, self.env = workers, env
        self.port = _free_port()
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> _Server:
        log = (OUT_DIR / "signin-flood-server.log").open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "advocate.cli", "up", "--no-demo", "--no-worker", "--port", str(self.port),
             "--workers", str(self.workers), "--threads", "1"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True, cwd=ROOT,
            env={**os.environ, "ADVOCATE_LOG_LEVEL": "ERROR", **self.env})
        log.close()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}; see {log.name}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/accounts/login/")
                if conn.getresponse().status == 200:
                    conn.close()
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the server did not answer within 120 s; see {log.name}")

    def __exit__(self, *exc) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
            try:
                os.killpg(proc.pid, sig)  # only the group this script started
            except ProcessLookupError:
                return
            try:
                proc.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    main()
