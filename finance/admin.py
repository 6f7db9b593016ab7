from django.contrib import admin

from .models import SettlementAccount


@admin.register(SettlementAccount)
class SettlementAccountAdmin(admin.ModelAdmin):
    """结算账户 with their opening balance, entered once when the business moves in."""

    list_display = ["name", "kind", "bank_name", "account_number", "opening_date", "opening_balance", "is_active"]
    list_filter = ["kind", "is_active"]
