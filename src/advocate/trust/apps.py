from django.apps import AppConfig


class TrustConfig(AppConfig):
    name = "advocate.trust"
    verbose_name = "Account actions and appeals"

    def ready(self):
        from advocate.core.scheduling import register_jobs
        from advocate.notifications.replies import REPLY_HANDLERS

        from . import replies, scheduled

        register_jobs(scheduled.JOBS)
        REPLY_HANDLERS.add(replies.HANDLER)
