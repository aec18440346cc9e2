from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "advocate.accounts"
    label = "accounts"

    def ready(self):
        from advocate.core.scheduling import register_jobs

        from . import scheduled

        register_jobs(scheduled.JOBS)
