from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "rescind.accounts"
    label = "rescind_accounts"
