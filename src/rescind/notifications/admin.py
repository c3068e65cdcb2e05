"""Webhook subscribers and their delivery log in the support console (R27), for staff holding
the manage_webhooks permission only. The same services as the API: the URL and filters are
checked, the secret is shown once on creation or rotation and never listed."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from rescind.clock.service import now as clock_now
from rescind.domain.errors import DomainError
from rescind.notifications.models import WebhookDelivery, WebhookSubscriber
from rescind.notifications.webhooks import (
    MANAGE_PERMISSION,
    webhook_delivery_replay,
    webhook_filters_check,
    webhook_secret_rotate,
    webhook_subscribe,
    webhook_update,
    webhook_url_check,
)


class WebhooksPermissionRequired:
    """Every view of these models needs the manage_webhooks permission."""

    def _may_manage(self, request) -> bool:
        return request.user.is_active and request.user.is_staff and request.user.has_perm(
            MANAGE_PERMISSION)

    def has_module_permission(self, request):
        return self._may_manage(request)

    def has_view_permission(self, request, obj=None):
        return self._may_manage(request)

    def has_change_permission(self, request, obj=None):
        return self._may_manage(request)

    def has_add_permission(self, request):
        return self._may_manage(request)

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: the delivery log stays


class WebhookSubscriberForm(forms.ModelForm):
    class Meta:
        model = WebhookSubscriber
        # The admin adds "url" on creation only (formfield_for_dbfield, get_readonly_fields).
        fields = ["name", "active", "event_kinds", "store_ids"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        if self.instance.pk is None:
            try:
                webhook_url_check(url)
            except DomainError as exc:
                raise forms.ValidationError(exc.message, code=exc.code) from None
        return url

    def clean(self):
        data = super().clean()
        kinds, stores = data.get("event_kinds") or [], data.get("store_ids") or []
        if not (isinstance(kinds, list) and all(isinstance(k, str) for k in kinds)):
            raise forms.ValidationError("Event kinds: a JSON list of names, e.g. [\"OrderPaid\"].")
        if not (isinstance(stores, list) and all(type(s) is int for s in stores)):
            raise forms.ValidationError("Store ids: a JSON list of numbers, e.g. [1, 2].")
        try:
            webhook_filters_check(event_kinds=kinds, store_ids=stores)
        except DomainError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None
        return data


def _show_secret_once(request, subscriber: WebhookSubscriber) -> None:
    messages.warning(request, f"Secret of “{subscriber.name}”, shown only now: "
                              f"{subscriber.secret}")


@admin.register(WebhookSubscriber)
class WebhookSubscriberAdmin(WebhooksPermissionRequired, admin.ModelAdmin):
    form = WebhookSubscriberForm
    fields = ("name", "url", "active", "event_kinds", "store_ids")
    list_display = ("name", "url", "active", "event_kinds", "store_ids")
    list_filter = ("active",)
    actions = ["rotate_secret"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "url":  # checked by webhook_url_check, not Django's URLField
            return forms.CharField(max_length=500, label="URL")
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ("url",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            webhook_update(subscriber_id=obj.pk, name=data["name"], active=data["active"],
                           event_kinds=data["event_kinds"] or [],
                           store_ids=data["store_ids"] or [])
            return
        created = webhook_subscribe(name=data["name"], url=data["url"],
                                    event_kinds=data["event_kinds"] or [],
                                    store_ids=data["store_ids"] or [])
        if not data["active"]:
            webhook_update(subscriber_id=created.pk, active=False)
        obj.pk, obj.secret = created.pk, created.secret
        obj._state.adding = False
        _show_secret_once(request, created)

    @admin.action(description="Rotate the secret (the new one is shown once)")
    def rotate_secret(self, request, queryset):
        for subscriber in queryset.order_by("pk"):
            _show_secret_once(request, webhook_secret_rotate(subscriber_id=subscriber.pk))


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(WebhooksPermissionRequired, admin.ModelAdmin):
    list_display = ("id", "subscriber", "event_kind", "status", "attempts", "last_status",
                    "last_error", "created_at", "delivered_at")
    list_filter = ("status", "subscriber")
    actions = ["replay"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the log is written by deliveries only

    @admin.action(description="Replay (send the same payload again, same delivery key)")
    def replay(self, request, queryset):
        for delivery in queryset.order_by("pk"):
            try:
                webhook_delivery_replay(delivery_id=delivery.pk, now=clock_now())
            except DomainError as exc:
                messages.error(request, f"Delivery {delivery.pk}: {exc.message}")
            else:
                messages.success(request, f"Delivery {delivery.pk} queued again.")
