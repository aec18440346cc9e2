from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "advocate.messaging"
    verbose_name = "Buyer–seller messages"

    def ready(self):
        from advocate.commerce.panels import ORDER_PANELS

        from . import panels

        ORDER_PANELS.add(panels.PANEL)
