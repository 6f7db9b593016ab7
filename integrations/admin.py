"""Payment platforms are master data (their code, format and the secret agreed with them);
API clients, tokens and webhook subscriptions are managed on the 接口 pages, through the
services (tokens and secrets shown once)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import PaymentProvider


@admin.register(PaymentProvider)
class PaymentProviderAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "adapter", "currency", "is_active", "notify_path"]
    list_filter = ["is_active", "adapter"]
    search_fields = ["code", "name"]

    @admin.display(description=_("通知地址"))
    def notify_path(self, provider: PaymentProvider) -> str:
        return f"/api/v1/payments/notify/{provider.code}/"
