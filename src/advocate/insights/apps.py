from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "advocate.insights"
    verbose_name = "Insights"

    def ready(self):
        from advocate.cases.panels import CONVERSATION_PANELS
        from advocate.claims.hooks import REPORT_LISTENERS, ReportListener
        from advocate.commerce.events import register_events
        from advocate.core.scheduling import register_jobs

        from . import events, panels, scheduled, services, signals

        register_events([], events.LISTENERS)
        register_jobs(scheduled.JOBS)
        signals.connect()
        REPORT_LISTENERS.add(ReportListener("insights.contacts", services.reports_filed))
        CONVERSATION_PANELS.add(panels.PANEL)
