from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "rescind.accounts"
    label = "rescind_accounts"
    verbose_name = "Accounts and API tokens"
