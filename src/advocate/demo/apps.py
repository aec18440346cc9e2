from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "advocate.demo"
    label = "demo"
    verbose_name = "Demo marketplace"
