from django.core.management.base import BaseCommand
from django.db import transaction

from advocate.cases.services import search_reindex


class Command(BaseCommand):
    help = ("Build the conversation search index again from every conversation and message: after a bulk import "
            "or the demo, which write rows without the signals that keep it current. Safe at any time; it "
            "replaces the index in one transaction.")

    def handle(self, *args, **options):
        with transaction.atomic():
            count = search_reindex()
        self.stdout.write(self.style.SUCCESS(f"Indexed {count:,} conversations."))
