from django.apps import AppConfig


class TrustConfig(AppConfig):
    name = "advocate.trust"
    verbose_name = "Account actions and appeals"
