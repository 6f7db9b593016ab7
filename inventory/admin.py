from django.contrib import admin
from import_export.admin import ImportExportModelAdmin

from ordermgmt.admin import GuardedImportMixin, ReadOnlyAdmin

from .models import Product, ProductUnit, StockAllocation, StockBatch, StockCount, StockMovement, TransferOrder, Warehouse
from .resources import ProductResource


@admin.register(ProductUnit)
class ProductUnitAdmin(admin.ModelAdmin):
    """多单位: 箱 = 12 瓶, each with its barcode and (optionally) its own price."""

    list_display = ["product", "name", "factor", "barcode", "price"]
    search_fields = ["product__sku", "product__name", "barcode"]
    autocomplete_fields = ["product"]


@admin.register(Product)
class ProductAdmin(GuardedImportMixin, ImportExportModelAdmin):
    # Spreadsheet import/export of master data (the Excel order import is in the portal).
    resource_classes = [ProductResource]
    list_display = ["sku", "name", "spec", "unit", "list_price", "vat_rate", "stock_type", "safety_stock", "is_active"]
    list_filter = ["stock_type", "is_active", "vat_rate"]
    search_fields = ["sku", "name", "search_key"]

    def has_import_permission(self, request):
        # An import adds and changes rows: it needs both permissions.
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.add_{opts.model_name}") and request.user.has_perm(
            f"{opts.app_label}.change_{opts.model_name}"
        )

    def has_export_permission(self, request):
        return request.user.has_perm(f"{self.opts.app_label}.view_{self.opts.model_name}")


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "address", "is_active"]


@admin.register(StockBatch)
class StockBatchAdmin(admin.ModelAdmin):
    list_display = ["batch_no", "product", "warehouse", "received_at", "quantity_received", "quantity_remaining", "quantity_allocated"]
    list_filter = ["warehouse"]
    search_fields = ["batch_no", "product__sku", "product__name"]
    # Quantities change only through the stock services (receipt, allocation, shipment,
    # transfer, count), each of which writes a movement: ``stock_ledger_check`` proves the
    # counters equal the ledger. A batch is created by a receipt (入库), never here.
    readonly_fields = ["product", "warehouse", "received_at", "quantity_received", "quantity_remaining",
                       "quantity_allocated"]

    def has_add_permission(self, request):
        return False


@admin.register(StockAllocation)
class StockAllocationAdmin(admin.ModelAdmin):
    list_display = ["order_line", "batch", "quantity", "state", "created_at"]
    list_filter = ["state"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    list_display = ["created_at", "batch", "kind", "quantity", "order_number", "reason", "actor"]
    list_filter = ["kind"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TransferOrder)
class TransferOrderAdmin(ReadOnlyAdmin):
    """Transfers change through their portal pages (services), never here."""

    list_display = ["number", "source", "destination", "status", "created_at", "shipped_at", "received_at"]
    list_filter = ["status", "source", "destination"]


@admin.register(StockCount)
class StockCountAdmin(ReadOnlyAdmin):
    """Counts change through their portal pages (services), never here."""

    list_display = ["number", "warehouse", "category", "status", "created_at", "posted_at"]
    list_filter = ["status", "warehouse"]
