from django.urls import path

from rescind.accounts import views

urlpatterns = [
    path("profile/", views.profile, name="profile"),
]
