"""效期预警: what to sell first or write off."""

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.utils import timezone

from inventory import selectors
from inventory.models import Warehouse

DEFAULT_WINDOW_DAYS = 30


@login_required
@permission_required("inventory.view_stockbatch", raise_exception=True)
def near_expiry_report(request):
    raw_days, warehouse = request.GET.get("days", ""), request.GET.get("warehouse", "")
    days = min(int(raw_days), 3650) if raw_days.isdigit() else DEFAULT_WINDOW_DAYS
    today = timezone.localdate()
    batches = list(selectors.near_expiry_batches(
        today=today, within_days=days, warehouse_id=warehouse if warehouse.isdigit() else None))
    for batch in batches:
        batch.days_left = (batch.expiry_date - today).days
    return render(request, "inventory/near_expiry.html", {
        "batches": batches, "days": days, "warehouse": warehouse, "warehouses": Warehouse.objects.all(),
        "expired": [b for b in batches if b.days_left < 0], "today": today,
    })
