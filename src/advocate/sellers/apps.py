from django.apps import AppConfig


class SellersConfig(AppConfig):
    name = "advocate.sellers"
    verbose_name = "Seller health"

    def ready(self):
        from advocate.claims.hooks import CLAIM_LISTENERS, ClaimListener
        from advocate.commerce.events import register_events
        from advocate.commerce.panels import ORDER_PANELS
        from advocate.core.scheduling import register_jobs

        from . import events, panels, scheduled, services

        register_events(events.EVENT_TYPES, events.LISTENERS)
        register_jobs(scheduled.JOBS)
        # A claim filed, decided or reversed on appeal changes whether its order is a defect.
        CLAIM_LISTENERS.add(ClaimListener("sellers.health", services.health_order_refresh))
        ORDER_PANELS.add(panels.PANEL)
