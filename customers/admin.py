from django.contrib import admin
from import_export.admin import ImportExportModelAdmin

from ordermgmt.admin import GuardedImportMixin

from .models import Address, Contact, Customer
from .resources import CustomerResource


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0


@admin.register(Customer)
class CustomerAdmin(GuardedImportMixin, ImportExportModelAdmin):
    # Spreadsheet import/export of master data (the Excel order import is in the portal).
    resource_classes = [CustomerResource]
    list_display = ["code", "name", "level", "credit_limit", "payment_terms_days", "owner"]
    list_filter = ["level"]
    search_fields = ["code", "name", "search_key"]
    inlines = [ContactInline, AddressInline]

    def has_import_permission(self, request):
        # An import adds and changes rows: it needs both permissions.
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.add_{opts.model_name}") and request.user.has_perm(
            f"{opts.app_label}.change_{opts.model_name}"
        )

    def has_export_permission(self, request):
        return request.user.has_perm(f"{self.opts.app_label}.view_{self.opts.model_name}")

