"""Demo of issue 19's warehouse choice, units and expiry (built by ``orders.demo_lots``): the
rule 华南 (广东省 → 广州分仓, then 上海主仓) and drinking water sold by the bottle, the case
and the pallet, with batches expiring at different dates (one near expiry, one expired)."""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from .models import Category, Product, ProductUnit, Warehouse, WarehouseRule
from .services import stock_receive
from .services.warehouse_rules import warehouse_rule_save

WATER_SKU = "W0001"


class LotsDemo:
    """The inventory half; ``orders.demo_lots`` adds the Guangdong order."""

    def __init__(self, builder) -> None:
        self.builder = builder

    @transaction.atomic
    def build(self) -> Product | None:
        """The water product with its units and lots, or None when the demo has it already."""
        if Product.objects.filter(sku=WATER_SKU).exists():
            return None
        shanghai, guangzhou = Warehouse.objects.get(code="WH-SH"), Warehouse.objects.get(code="WH-GZ")
        if not WarehouseRule.objects.filter(name="华南").exists():
            warehouse_rule_save(user=None, name="华南", province="广东省", warehouses=[guangzhou, shanghai])
        water = self._water()
        self._batches(water, shanghai=shanghai, guangzhou=guangzhou)
        return water

    def _water(self) -> Product:
        category, _ = Category.objects.get_or_create(code="C11", defaults={"name": "饮用水"})
        water = Product.objects.create(
            sku=WATER_SKU, name="饮用天然水", spec="550ml", unit="瓶", category=category, list_price=Decimal("1.50"),
            floor_price=Decimal("1.20"), vat_rate=Decimal("0.13"), weight_kg=Decimal("0.58"), safety_stock=240,
            tracks_expiry=True,
        )
        ProductUnit.objects.create(product=water, name="箱", factor=24, barcode="6921168509256")
        ProductUnit.objects.create(product=water, name="托", factor=960, barcode="6921168509263", price=Decimal("1296.00"))
        return water

    def _batches(self, water, *, shanghai, guangzhou) -> None:
        today, now = timezone.localdate(), timezone.now()
        lots = [  # warehouse, bottles, received days ago, shelf life left in days
            (guangzhou, 240, 350, -5),  # expired: never allocated, to write off
            (guangzhou, 480, 320, 20),  # near expiry: sold first
            (guangzhou, 960, 30, 330),
            (shanghai, 1920, 60, 300),
        ]
        for warehouse, bottles, days_ago, left in lots:
            expiry = today + timedelta(days=left)
            stock_receive(product=water, warehouse=warehouse, quantity=bottles, notify=False, reason="期初入库",
                          received_at=now - timedelta(days=days_ago), expiry_date=expiry,
                          production_date=expiry - timedelta(days=365))
