from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "advocate.notifications"
    verbose_name = "Notifications"

    def ready(self):
        from advocate.core.scheduling import register_jobs

        from . import scheduled

        register_jobs(scheduled.JOBS)
