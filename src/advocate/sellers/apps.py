from django.apps import AppConfig
from django.db.models.signals import post_save


class SellersConfig(AppConfig):
    name = "advocate.sellers"
    verbose_name = "Seller health"

    def ready(self):
        from advocate.claims.models import GuaranteeClaim
        from advocate.commerce import intake

        from . import events, services

        intake.register_domain_events(events.HANDLERS, events.LISTENERS)

        def claim_saved(sender, instance, **kwargs):
            # A claim filed, decided or reversed on appeal changes whether its order is a defect.
            services.health_order_refresh([instance.report.order_id])

        post_save.connect(claim_saved, sender=GuaranteeClaim, dispatch_uid="sellers.claim_saved", weak=False)
