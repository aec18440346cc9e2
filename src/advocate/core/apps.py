from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "advocate.core"
    label = "core"
