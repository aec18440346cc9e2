from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "advocate.insights"
    verbose_name = "Insights"

    def ready(self):
        from advocate.claims.hooks import REPORT_LISTENERS, ReportListener
        from advocate.commerce.events import register_events

        from . import events, services, signals

        register_events([], events.LISTENERS)
        signals.connect()
        REPORT_LISTENERS.add(ReportListener("insights.contacts", services.reports_filed))
