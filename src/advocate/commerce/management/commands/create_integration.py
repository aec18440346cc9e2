from django.core.management.base import BaseCommand, CommandError

from advocate.commerce import services
from advocate.commerce.models import Scope
from advocate.core.errors import Refused

SHOP_BACK_END = [Scope.EVENTS, Scope.INSTRUCTIONS, Scope.CUSTOMERS]


class Command(BaseCommand):
    help = ("Create an integration (a system of the shop's, or of a seller's, that calls the API) and print its "
            "API key once. Revoke and rotate keys on the Operations page.")

    def add_arguments(self, parser):
        parser.add_argument("name", help="e.g. 'shop-backend'")
        parser.add_argument(
            "--scope", action="append", choices=Scope.values, dest="scopes", metavar="SCOPE",
            help="what the key may do; repeat for several: " + ", ".join(
                f"{value} ({label})" for value, label in Scope.choices) +
                 ". Default: events, instructions and customers (a shop's back end).")
        parser.add_argument("--acts-as", default="", metavar="USERNAME",
                            help="for the seller scope: the seller login the key acts as")

    def handle(self, *args, name: str, scopes: list[str] | None, acts_as: str, **opts):
        scopes = scopes or [str(s) for s in SHOP_BACK_END]
        try:
            integration, key = services.integration_create(name=name, scopes=scopes, acts_as=acts_as)
        except Refused as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(f"Integration {integration.name!r} created with scopes: {', '.join(integration.scopes)}.")
        self.stdout.write("Its API key (shown only now):")
        self.stdout.write(key)
