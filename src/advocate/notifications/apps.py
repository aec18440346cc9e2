from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "advocate.notifications"
    verbose_name = "Notifications"
