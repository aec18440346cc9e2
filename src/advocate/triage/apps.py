from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "advocate.triage"
    verbose_name = "Triage"

    def ready(self):
        from advocate.cases.panels import CONVERSATION_PANELS
        from advocate.core.scheduling import register_jobs

        from . import panels, scheduled, signals

        signals.connect()
        CONVERSATION_PANELS.add(panels.PANEL)
        register_jobs(scheduled.JOBS)
