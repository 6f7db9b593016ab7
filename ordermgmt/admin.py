from django.contrib import admin

from .models import CalendarDay, PolicyChange, PolicyValue


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
