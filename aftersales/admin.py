from django.contrib import admin

from .models import AfterSalesCase, AfterSalesPhoto


class AfterSalesPhotoInline(admin.TabularInline):
    model = AfterSalesPhoto
    extra = 0
    fields = ["content_type", "size", "created_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(AfterSalesCase)
class AfterSalesCaseAdmin(admin.ModelAdmin):
    list_display = ["id", "order", "case_type", "source", "opened_by", "created_at"]
    list_filter = ["case_type"]
    search_fields = ["order__number", "description"]
    raw_id_fields = ["order"]
    inlines = [AfterSalesPhotoInline]
