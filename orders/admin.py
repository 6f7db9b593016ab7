from django.contrib import admin

from ordermgmt.admin import BlindIndexSearchMixin

from .models import ImportJob, Order, OrderEvent, OrderLine


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ["line_no", "product_sku", "product_name", "quantity", "unit_price", "amount", "tax_amount"]


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ["created_at", "actor_name", "action", "from_status", "to_status", "reason"]


@admin.register(Order)
class OrderAdmin(BlindIndexSearchMixin, admin.ModelAdmin):
    """Read-only in the admin: orders change only through the portal's services."""

    list_display = ["number", "customer", "status", "channel", "total", "created_at"]
    list_filter = ["status", "channel", "order_type"]
    search_fields = ["number", "customer__name"]
    blind_index_search_fields = ("contact_phone_index",)
    inlines = [OrderLineInline, OrderEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Import history, read-only: imports run only through the portal and the command."""

    list_display = ["id", "original_name", "created_by", "created_at", "status", "row_count", "created_order_count"]
    list_filter = ["status", "source"]
    search_fields = ["original_name", "created_by__username", "sha256"]
    readonly_fields = [field.name for field in ImportJob._meta.fields] + ["problems"]
    exclude = ["preview"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
