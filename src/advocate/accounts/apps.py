from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "advocate.accounts"
    label = "accounts"
