from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "rescind.web"
    label = "rescind_web"
    verbose_name = "Web pages"
