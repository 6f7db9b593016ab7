from django.contrib import admin
from import_export.formats import base_formats

from .models import CalendarDay, PolicyChange, PolicyValue
from .workbooks import UnsafeWorkbook, check_sheet_size, check_workbook


class GuardedXLSX(base_formats.XLSX):
    """django-import-export's .xlsx reader (openpyxl, read-only) behind the workbook check:
    openpyxl pads every row to the width the sheet declares, so a sheet claiming
    XFD1048576 would fill the memory before the first row is imported."""

    max_rows = 20_001  # a header and 20,000 rows
    max_columns = 32  # the widest master-data resource has 10
    max_unpacked_bytes = 200 * 1024 * 1024

    def create_dataset(self, in_stream):
        limits = {"max_rows": self.max_rows, "max_columns": self.max_columns}
        for sheet in check_workbook(in_stream, max_unpacked_bytes=self.max_unpacked_bytes, **limits):
            check_sheet_size(sheet.name, sheet.rows, sheet.columns, **limits)
        return super().create_dataset(in_stream)


class GuardedImportMixin:
    """For an ``ImportExportModelAdmin``: an uploaded .xlsx is checked before it is opened,
    and a refused file shows why instead of import-export's generic read error."""

    def get_import_formats(self):
        return [GuardedXLSX if fmt is base_formats.XLSX else fmt for fmt in super().get_import_formats()]

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, UnsafeWorkbook):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["day", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "day"


@admin.register(PolicyChange)
class PolicyChangeAdmin(admin.ModelAdmin):
    list_display = ["changed_at", "key", "old_value", "new_value", "changed_by", "reason"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PolicyValue)
class PolicyValueAdmin(admin.ModelAdmin):
    list_display = ["key", "value", "updated_by", "updated_at"]
    readonly_fields = ["key", "value", "updated_by", "updated_at"]

    def has_add_permission(self, request):
        return False
