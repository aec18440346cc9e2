from django.apps import AppConfig


class CommerceConfig(AppConfig):
    name = "advocate.commerce"
    label = "commerce"
