from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dossier.accounts"
    label = "accounts"
    verbose_name = "Accounts"
