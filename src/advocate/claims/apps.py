from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "advocate.claims"
    verbose_name = "Returns, refunds and claims"

    def ready(self):
        from advocate.commerce import intake

        from . import events

        intake.register_domain_events(events.HANDLERS, events.LISTENERS)
