from django.apps import AppConfig


class AftersaleConfig(AppConfig):
    name = "rescind.aftersale"
    label = "rescind_aftersale"
    verbose_name = "Cancellation and change requests"
