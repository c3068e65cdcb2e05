from django.contrib.auth import views as auth_views
from django.urls import path

from rescind.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="rescind/login.html"),
         name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("orders/", views.buyer_orders, name="buyer-orders"),
    path("orders/<int:order_id>/", views.order_page, name="order"),
    path("orders/<int:order_id>/<slug:action>/", views.order_action, name="order-action"),
    path("seller/orders/", views.seller_orders, name="seller-orders"),
    path("seller/requests/", views.seller_requests, name="seller-requests"),
    path("shop/", views.shop, name="shop"),
    path("cart/", views.cart, name="cart"),
    path("cart/add/<int:product_id>/", views.cart_add, name="cart-add"),
    path("cart/checkout/", views.cart_checkout, name="cart-checkout"),
    path("payments/<int:payment_id>/pay/", views.payment_pay, name="payment-pay"),
    path("demo/clock/advance/", views.demo_clock_advance, name="demo-clock-advance"),
]
