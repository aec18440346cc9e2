from django.apps import AppConfig


class TrustConfig(AppConfig):
    name = "advocate.trust"
    verbose_name = "Account actions and appeals"

    def ready(self):
        from advocate.core.scheduling import register_jobs

        from . import scheduled

        register_jobs(scheduled.JOBS)
