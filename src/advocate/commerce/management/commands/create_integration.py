from django.core.management.base import BaseCommand, CommandError

from advocate.commerce import services


class Command(BaseCommand):
    help = "Create an integration (a system of the shop's that sends events) and print its API key once."

    def add_arguments(self, parser):
        parser.add_argument("name", help="e.g. 'shop-backend'")

    def handle(self, *args, name: str, **opts):
        try:
            integration, key = services.integration_create(name=name)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Integration {integration.name!r} created. Its API key (shown only now):")
        self.stdout.write(key)
