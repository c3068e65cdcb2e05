from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "rescind.accounts"
    label = "rescind_accounts"
    verbose_name = "Accounts and API tokens"

    def ready(self) -> None:
        from rescind import security_checks  # noqa: F401  (registers the system checks)
