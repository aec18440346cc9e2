from datetime import datetime, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from advocate.cases.services import search_reindex
from advocate.demo import cases as cases_demo
from advocate.demo import claims as claims_demo
from advocate.demo import marketplace as demo
from advocate.demo import proactive as proactive_demo
from advocate.insights.services import insights_recount, spikes_detect
from advocate.proactive import services as proactive_services
from advocate.sellers import services as seller_services
from advocate.sellers.enforcement import sellers_enforce

REMEDY_DAYS = 14  # the rules are run over the demo's last two weeks, as if they had been on


class Command(BaseCommand):
    help = (
        "Generate the demo marketplace (customers in eight languages, sellers of varying quality, orders with "
        "realistic troubles) deterministically from a seed, plus one demo login per role."
    )

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=2_000, help="how many orders (default 2,000)")
        parser.add_argument("--customers", type=int, help="how many customers (default: orders / 4)")
        parser.add_argument("--sellers", type=int, default=12, help="how many sellers, the platform included")
        parser.add_argument("--days", type=int, default=120, help="spread orders over this many past days")
        parser.add_argument("--seed", type=int, default=7, help="same seed and --now give the same marketplace")
        parser.add_argument("--now", type=datetime.fromisoformat, help="anchor time, ISO 8601 (default: now)")
        parser.add_argument("--no-logins", action="store_true", help="do not create the demo logins")

    def handle(self, *args, **opts):
        if opts["orders"] < 0 or opts["sellers"] < 2:
            raise CommandError("--orders must be 0 or more and --sellers at least 2 (the platform and one other).")
        size = demo.DemoSize(orders=opts["orders"], customers=opts["customers"], sellers=opts["sellers"],
                             days=opts["days"])
        with tqdm(total=size.orders, unit="order", desc="Generating", disable=opts["verbosity"] == 0) as bar:
            try:
                counts = demo.generate(seed=opts["seed"], size=size, now=opts["now"], progress=bar.update)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        self.stdout.write(", ".join(f"{n:,} {k}" for k, n in counts.items()))
        refunded = claims_demo.settle_history(progress_bar=lambda total: tqdm(
            total=total, unit="order", desc="Refunding cancelled orders", disable=opts["verbosity"] == 0))
        self.stdout.write(f"{refunded:,} cancelled orders refunded; demo return policies set")
        with tqdm(total=size.orders, unit="order", desc="Seller health", disable=opts["verbosity"] == 0) as bar:
            seller_services.health_backfill(now=opts["now"], progress=bar.update)
        if not opts["no_logins"]:
            logins = demo.create_demo_logins()
            # After the logins, so the demo customers' own orders are left for them to try.
            sample = claims_demo.file_sample_requests(now=opts["now"])
            self.stdout.write(f"{sample} sample requests filed (guarantee claims for demo-seller, late returns for "
                              "demo-associate)")
            spiked = claims_demo.plant_spike(now=opts["now"])
            if spiked:
                self.stdout.write(f"Product {spiked} reported 'not as described' by six customers this week: the "
                                  "spike on the insights page")
            mail = cases_demo.write_sample_mail(now=opts["now"])
            answers = cases_demo.seed_answers(now=opts["now"])
            self.stdout.write(f"{mail} sample emails taken in (demo-associate's conversations), {answers} answers "
                              "in the answer library")
            warned = sellers_enforce(now=opts["now"])
            self.stdout.write(f"{warned} seller warnings for figures outside target (see demo-seller's account health)")
            self.stdout.write(f"Demo logins (password {demo.DEMO_PASSWORD!r}): " + ", ".join(u for _, u in logins))
        now = opts["now"] or timezone.now()
        proactive_demo.switch_on()
        remedied = proactive_services.remedies_replay(since=now - timedelta(days=REMEDY_DAYS), now=now)
        self.stdout.write(f"{remedied:,} proactive remedies carried out over the last {REMEDY_DAYS} days (late "
                          "orders told, stalled parcels traced and put right, seller cancellations pointed to other "
                          "sellers: see a customer's order page)")
        incident, told = proactive_demo.declare_incident(now=now)
        self.stdout.write(f"Incident declared ({incident.title}): {told:,} customers told before they asked")
        # The generator writes in bulk, past the upkeep that counts contacts and orders as they happen.
        counted = insights_recount()
        self.stdout.write(f"Contacts counted for insights: {counted['conversation'] + counted['problem_report']:,}")
        spikes_detect(now=now, force=True)
        self.stdout.write(f"Conversations indexed for search: {search_reindex():,}")
