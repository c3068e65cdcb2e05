from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "rescind.notifications"
    label = "rescind_notifications"
    verbose_name = "Notifications"
