from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "rescind.orders"
    label = "rescind_orders"
    verbose_name = "Orders"
