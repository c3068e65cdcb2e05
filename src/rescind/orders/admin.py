"""Raw data for support staff (the console proper comes with disputes). The timeline is
read-only here as everywhere (R29)."""

from django.contrib import admin

from rescind.orders.models import Deadline, Order, OrderLine, Payment, Product, Store, TimelineEntry


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LineInline(ReadOnlyInline):
    model = OrderLine


class TimelineInline(ReadOnlyInline):
    model = TimelineEntry
    fields = ("at", "kind", "actor", "actor_user", "params")


class DeadlineInline(ReadOnlyInline):
    model = Deadline


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("id", "store", "buyer", "state", "close_reason", "responsible_side", "total",
                    "refunded", "placed_at")
    list_filter = ("state", "close_reason", "responsible_side", "store")
    search_fields = ("id", "buyer__username")
    inlines = [LineInline, DeadlineInline, TimelineInline]

    def has_change_permission(self, request, obj=None):
        return False  # orders change only through the services

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(Store)
admin.site.register(Product)
admin.site.register(Payment)
