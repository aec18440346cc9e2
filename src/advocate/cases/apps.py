from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "advocate.cases"
    verbose_name = "Conversations"
