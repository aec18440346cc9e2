from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "advocate.messaging"
    verbose_name = "Buyer–seller messages"
