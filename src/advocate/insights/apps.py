from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "advocate.insights"
    verbose_name = "Insights"

    def ready(self):
        from advocate.claims.hooks import REPORT_LISTENERS, ReportListener
        from advocate.commerce.events import register_events
        from advocate.core.scheduling import register_jobs

        from . import events, scheduled, services, signals

        register_events([], events.LISTENERS)
        register_jobs(scheduled.JOBS)
        signals.connect()
        REPORT_LISTENERS.add(ReportListener("insights.contacts", services.reports_filed))
