from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "advocate.triage"
    verbose_name = "Triage"

    def ready(self):
        from advocate.cases.hints import CONTACT_HINTS, HintSource
        from advocate.cases.panels import CONVERSATION_PANELS
        from advocate.core.scheduling import register_jobs

        from . import hints, panels, scheduled, signals

        signals.connect()
        CONVERSATION_PANELS.add(panels.PANEL)
        CONVERSATION_PANELS.add(panels.SUGGESTIONS)
        CONTACT_HINTS.add(HintSource("triage.likely_answer", hints.contact_hint))
        register_jobs(scheduled.JOBS)
