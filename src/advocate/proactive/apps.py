from django.apps import AppConfig


class ProactiveConfig(AppConfig):
    name = "advocate.proactive"
    verbose_name = "Proactive remedies"

    def ready(self):
        from advocate.cases.panels import CONVERSATION_PANELS
        from advocate.claims.hooks import CANCELLATION_NOTES, CancellationNote
        from advocate.commerce.events import register_events
        from advocate.commerce.panels import ORDER_PANELS
        from advocate.core.scheduling import register_jobs

        from . import events, on_events, panels, scheduled

        register_events(events.EVENT_TYPES, events.LISTENERS)
        ORDER_PANELS.add(panels.ORDER)
        CONVERSATION_PANELS.add(panels.CONVERSATION)
        register_jobs(scheduled.JOBS)
        CANCELLATION_NOTES.add(CancellationNote("proactive.elsewhere", "proactive/email/_elsewhere.txt",
                                                on_events.elsewhere_note))
