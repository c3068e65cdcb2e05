from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "rescind.api"
    label = "rescind_api"
    verbose_name = "API"
