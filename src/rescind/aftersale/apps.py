from django.apps import AppConfig


class AftersaleConfig(AppConfig):
    name = "rescind.aftersale"
    label = "rescind_aftersale"
