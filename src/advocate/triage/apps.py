from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "advocate.triage"
    verbose_name = "Triage"

    def ready(self):
        from advocate.cases.panels import CONVERSATION_PANELS

        from . import panels, signals

        signals.connect()
        CONVERSATION_PANELS.add(panels.PANEL)
