"""In-process latency of the customer's pages (order page, order API, order list) against a database
`foundation.py` prepared, with no server: for comparing two versions of the code on the very same data.

    ADVOCATE_DATA_DIR=var/bench/sqlite-100000 uv run python benchmarks/page_latency.py
    # another checkout's code, same database:
    ADVOCATE_DATA_DIR=var/bench/sqlite-100000 PYTHONPATH=../other/src uv run python benchmarks/page_latency.py

`ab.py` gives each commit its own database (a commit's migrations decide its schema); where the pages' tables
are the same in both, this removes the difference between two database files from a comparison. It signs in as
foundation.py's `bench-customer` and prints p50 / p95 over `--requests` requests per page, after a warm-up.
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advocate.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per page (default 300)")
    opts = parser.parse_args()

    import django

    django.setup()
    from django.test import Client

    from advocate.accounts.models import User
    from advocate.commerce.models import Order

    user = User.objects.get(username="bench-customer")
    order = Order.objects.filter(customer__user=user).order_by("-placed_at").first()
    client = Client()
    client.force_login(user)
    for url in (f"/orders/{order.external_id}/", f"/api/v1/orders/{order.external_id}", "/orders/"):
        for _ in range(30):
            client.get(url)
        times = []
        for _ in range(opts.requests):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        print(f"{url:36} p50 {statistics.median(times):6.2f} ms   p95 {statistics.quantiles(times, n=20)[18]:6.2f} ms")


if __name__ == "__main__":
    main()
