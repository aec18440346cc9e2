from django.core.management.base import BaseCommand

from advocate.insights.services import insights_recount


class Command(BaseCommand):
    help = ("Count every contact and order again from the domains' own tables: after a bulk import, or to check "
            "the counters kept as things happen. Safe to run at any time; it replaces the counters in one "
            "transaction.")

    def handle(self, *args, **options):
        def progress(kind, done, total):
            self.stdout.write(f"\r{kind}: {done:,}/{total:,}", ending="")
            self.stdout.flush()

        counted = insights_recount(progress=progress)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(
            f"Counted {counted['conversation']:,} conversations, {counted['problem_report']:,} problem reports "
            f"and {counted['orders']:,} orders."))
