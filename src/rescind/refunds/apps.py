from django.apps import AppConfig


class RefundsConfig(AppConfig):
    name = "rescind.refunds"
    label = "rescind_refunds"
    verbose_name = "Refunds"
