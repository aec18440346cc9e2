from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "advocate.cases"
    verbose_name = "Conversations"

    def ready(self):
        from advocate.commerce.panels import ORDER_PANELS
        from advocate.core.scheduling import register_jobs

        from . import panels, scheduled, signals

        register_jobs(scheduled.JOBS)
        ORDER_PANELS.add(panels.PANEL)
        signals.connect()
