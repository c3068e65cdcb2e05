from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "rescind.messaging"
    label = "rescind_messaging"
    verbose_name = "Order messages"
