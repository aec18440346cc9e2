from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "advocate.claims"
    verbose_name = "Returns, refunds and claims"

    def ready(self):
        from advocate.commerce.events import register_events
        from advocate.commerce.panels import ORDER_PANELS
        from advocate.core.scheduling import register_jobs
        from advocate.trust.subjects import APPEAL_SUBJECTS

        from . import appeals, events, panels, scheduled

        register_events(events.EVENT_TYPES, events.LISTENERS)
        register_jobs(scheduled.JOBS)
        ORDER_PANELS.add(panels.PANEL)
        APPEAL_SUBJECTS.add(appeals.SUBJECT)
