import logging

from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.formats import base_formats

from .encryption import contact_blind_index
from .models import CalendarChange, CalendarDay, CalendarYear, LoginLockout, PolicyChange, PolicyValue

from .workbook_safety import UnsafeWorkbook, check_sheet_size, check_workbook

logger = logging.getLogger(__name__)


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


class BlindIndexSearchMixin:
    """For a ModelAdmin of a model with encrypted phones or e-mails: the search box also finds
    the rows whose ``blind_index_search_fields`` equal the typed phone or e-mail exactly."""

    blind_index_search_fields: tuple[str, ...] = ()

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        index = contact_blind_index(search_term)
        for field in self.blind_index_search_fields if index else ():
            results |= queryset.filter(**{field: index})
        return results, may_have_duplicates


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


class ReadOnlyAdmin(admin.ModelAdmin):
    """The 放假安排 is kept in the portal (工作日历), where every change is previewed and
    logged and moves the due dates counted over it; the admin only shows it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(ReadOnlyAdmin):
    list_display = ["day", "kind", "name", "calendar_year"]
    list_filter = ["kind", "calendar_year"]
    date_hierarchy = "day"


@admin.register(CalendarYear)
class CalendarYearAdmin(ReadOnlyAdmin):
    list_display = ["year", "confirmed_at", "confirmed_by", "notice"]


@admin.register(CalendarChange)
class CalendarChangeAdmin(ReadOnlyAdmin):
    list_display = ["changed_at", "calendar_year", "action", "summary", "changed_by"]
    list_filter = ["action", "calendar_year"]


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


@admin.register(LoginLockout)
class LoginLockoutAdmin(admin.ModelAdmin):
    """Failed logins per username and address; 解除锁定 lets the user in again at once."""

    # axes names its fields in English only: every column is labelled here.
    list_display = ["login_name", "address", "failures", "last_attempt", "state"]
    search_fields = ["username", "ip_address"]
    fields = ["login_name", "address", "failures", "last_attempt", "state", "login_form", "browser"]
    readonly_fields = fields
    actions = ["unlock"]

    @admin.display(description=_("用户名"), ordering="username")
    def login_name(self, obj):
        return obj.username

    @admin.display(description=_("登录地址"), ordering="ip_address")
    def address(self, obj):
        return obj.ip_address

    @admin.display(description=_("连续失败次数"), ordering="failures_since_start")
    def failures(self, obj):
        return obj.failures_since_start

    @admin.display(description=_("最近一次尝试"), ordering="attempt_time")
    def last_attempt(self, obj):
        return obj.attempt_time

    @admin.display(description=_("登录页面"))
    def login_form(self, obj):
        return obj.path_info

    @admin.display(description=_("浏览器"))
    def browser(self, obj):
        return obj.user_agent

    @admin.display(description=_("状态"))
    def state(self, obj):
        return gettext("已锁定") if obj.is_locked else gettext("未锁定")

    @admin.action(description=_("解除锁定"), permissions=["delete"])
    def unlock(self, request, queryset):
        released = list(queryset.values_list("username", "ip_address"))
        queryset.delete()
        logger.info("Login lockouts lifted by %s: %s", request.user.get_username(), released)
        self.message_user(request, gettext("已解除 %(count)d 条登录锁定") % {"count": len(released)}, messages.SUCCESS)

    def get_actions(self, request):
        # The generic "delete selected" does the same as 解除锁定; keep one, clearly named.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
