"""Master data of fulfillment (carriers, their transit times and push tokens) in the admin.
Documents that move stock or orders (production, pick lists, shipments) are read-only
here: they change only through the portal's services."""

from django import forms
from django.contrib import admin, messages

from ordermgmt.admin import BlindIndexSearchMixin

from .carriers.base import poller_choices
from .models import (
    Carrier,
    CarrierTransitTime,
    NotificationMessage,
    PickList,
    ProductionOrder,
    Shipment,
    ShipmentEvent,
    ShipmentException,
)
from .services import carrier_issue_token


class CarrierTransitTimeInline(admin.TabularInline):
    model = CarrierTransitTime
    extra = 1


class CarrierForm(forms.ModelForm):
    class Meta:
        model = Carrier
        fields = ["name", "code", "tracking_url_pattern", "default_transit_days", "poller", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["poller"] = forms.ChoiceField(
            label=self.fields["poller"].label, choices=poller_choices(), required=False,
            help_text=self.fields["poller"].help_text,
        )


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    form = CarrierForm
    list_display = ["name", "code", "default_transit_days", "poller", "has_token", "is_active"]
    inlines = [CarrierTransitTimeInline]
    actions = ["issue_token"]

    @admin.display(boolean=True, description="已设置推送令牌")
    def has_token(self, obj):
        return bool(obj.api_token_hash)

    @admin.action(description="生成新的推送令牌（旧令牌立即失效）")
    def issue_token(self, request, queryset):
        for carrier in queryset:
            token = carrier_issue_token(carrier=carrier)
            messages.warning(
                request,
                f"{carrier.name} 的新推送令牌（只显示这一次，请交给承运商）：{token} "
                f"· 推送地址 /api/carriers/{carrier.code}/events/",
            )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProductionOrder)
class ProductionOrderAdmin(ReadOnlyAdmin):
    list_display = ["number", "order", "product", "quantity", "status", "planned_finish", "owner"]
    list_filter = ["status"]
    search_fields = ["number", "order__number"]


@admin.register(PickList)
class PickListAdmin(ReadOnlyAdmin):
    list_display = ["number", "order", "status", "created_at", "shipped_at"]
    list_filter = ["status"]
    search_fields = ["number", "order__number"]


class ShipmentEventInline(admin.TabularInline):
    model = ShipmentEvent
    extra = 0
    can_delete = False
    fields = ["occurred_at", "kind", "place", "note", "source", "external_id"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Shipment)
class ShipmentAdmin(ReadOnlyAdmin):
    list_display = ["tracking_number", "carrier", "order", "status", "shipped_at", "expected_delivery_date"]
    list_filter = ["status", "carrier"]
    search_fields = ["tracking_number", "order__number"]
    inlines = [ShipmentEventInline]


@admin.register(ShipmentException)
class ShipmentExceptionAdmin(ReadOnlyAdmin):
    list_display = ["shipment", "kind", "status", "detected_at", "resolution", "compensation_amount"]
    list_filter = ["kind", "status", "resolution"]


@admin.register(NotificationMessage)
class NotificationMessageAdmin(BlindIndexSearchMixin, ReadOnlyAdmin):
    list_display = ["order", "key", "channel", "recipient", "status", "attempts", "created_at"]
    list_filter = ["status", "channel", "key"]
    search_fields = ["order__number"]
    blind_index_search_fields = ("recipient_index",)
