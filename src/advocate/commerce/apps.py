from django.apps import AppConfig


class CommerceConfig(AppConfig):
    name = "advocate.commerce"
    label = "commerce"

    def ready(self):
        from .events import register_events
        from .handlers import EVENT_TYPES

        register_events(EVENT_TYPES)
