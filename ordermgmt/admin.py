from django.contrib import admin

from .models import CalendarChange, CalendarDay, CalendarYear, PolicyChange, PolicyValue


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
