from django.contrib.auth import views as auth_views
from django.urls import path

from rescind.web import conversation, design, disputes, live, login, metrics_views, refunds, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", login.LoginPage.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("orders/", views.buyer_orders, name="buyer-orders"),
    path("orders/<int:order_id>/", views.order_page, name="order"),
    # Before "order-action", whose <slug:action> would otherwise take "messages".
    path("orders/<int:order_id>/messages/", conversation.message_post, name="message-post"),
    path("orders/<int:order_id>/messages/<int:message_id>/attachments/<int:attachment_id>/",
         conversation.message_attachment, name="message-attachment"),
    path("orders/<int:order_id>/cancellation-quote/", views.cancellation_quote_fragment,
         name="cancellation-quote"),
    path("orders/<int:order_id>/dispute/<slug:action>/", disputes.dispute_action,
         name="dispute-action"),
    path("orders/<int:order_id>/<slug:action>/", views.order_action, name="order-action"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_mark_read, name="inbox-read-all"),
    path("inbox/<int:notification_id>/read/", views.inbox_mark_read, name="inbox-read"),
    path("support/disputes/", disputes.support_disputes, name="support-disputes"),
    path("support/disputes/<int:order_id>/", disputes.support_dispute, name="support-dispute"),
    path("support/carrier-events/<int:event_id>/handle/", disputes.support_carrier_event_handle,
         name="support-carrier-event-handle"),
    path("support/refunds/<int:refund_id>/retry/", refunds.support_refund_retry,
         name="support-refund-retry"),
    path("seller/orders/", views.seller_orders, name="seller-orders"),
    path("seller/requests/", views.seller_requests, name="seller-requests"),
    path("seller/metrics/", metrics_views.seller_metrics, name="seller-metrics"),
    path("support/metrics/", metrics_views.support_metrics, name="support-metrics"),
    path("shop/", views.shop, name="shop"),
    path("cart/", views.cart, name="cart"),
    path("cart/add/<int:product_id>/", views.cart_add, name="cart-add"),
    path("cart/checkout/", views.cart_checkout, name="cart-checkout"),
    path("payments/<int:payment_id>/pay/", views.payment_pay, name="payment-pay"),
    path("demo/clock/advance/", views.demo_clock_advance, name="demo-clock-advance"),
    path("design/", design.design, name="design"),
    path("live/deadlines/", live.live_deadlines, name="live-deadlines"),
]
