from django.apps import AppConfig


class ClockConfig(AppConfig):
    name = "rescind.clock"
    label = "rescind_clock"
    verbose_name = "Clock"
