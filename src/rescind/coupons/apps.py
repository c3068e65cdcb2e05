from django.apps import AppConfig


class CouponsConfig(AppConfig):
    name = "rescind.coupons"
    label = "rescind_coupons"
    verbose_name = "Coupons"
