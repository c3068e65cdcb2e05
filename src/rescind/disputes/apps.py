from django.apps import AppConfig


class DisputesConfig(AppConfig):
    name = "rescind.disputes"
    label = "rescind_disputes"
    verbose_name = "Disputes"
