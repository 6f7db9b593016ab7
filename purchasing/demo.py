"""Purchasing's demo data, built by ``ordermgmt.demo`` after the orders: suppliers (one whose
licence expires in a few days, one waiting for approval), their products, a purchase order
bought for the waiting orders and partly received (with goods that failed the incoming check
in the quarantine warehouse), one waiting for the 主管's approval, replenishment rules and
today's proposals, and the expiry warning in the bell of the 主管 and the 仓库管理员."""

import io
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from PIL import Image
from stdnum.cn import uscc

from inventory.models import Product, PurchaseRequest, StockType, Warehouse
from ordermgmt.uploads import check_image

from . import selectors
from .models import Supplier
from .services import (
    PurchaseLineInput, purchase_order_approve, purchase_order_create, purchase_order_from_requests, purchase_order_receive_line,
    qualification_add, qualifications_warn_expiring, replenishment_propose, replenishment_rule_set, supplier_approve,
    supplier_create, supplier_product_set,
)

# name, organisation code (the credit code's check character is computed), contact, phone,
# licence valid for days, approved, share of the list price, lead time in days
SUPPLIERS = [
    ("苏州精工五金有限公司", "MA1N2K3L4", "钱工", "0512-65881234", 9, True, Decimal("0.55"), 10),
    ("东莞恒达办公家具有限公司", "MA5D6E7F8", "何经理", "0769-22331188", 400, True, Decimal("0.60"), 14),
    ("宁波华晟电器有限公司", "MA9B8C7D6", "俞小姐", "0574-87654321", 300, False, Decimal("0.58"), 7),
]
REGIONS = ["320500", "441900", "330200"]


def _credit_code(region: str, organisation: str) -> str:
    body = f"91{region}{organisation}"
    return body + uscc.calc_check_digit(body)


def _licence_scan() -> object:
    """A stand-in scan of a business licence (a small image, checked like any upload)."""
    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), (250, 245, 230)).save(buffer, format="PNG")
    return check_image(buffer.getvalue(), label="资质文件")


class PurchasingDemo:
    def __init__(self, demo) -> None:
        self.demo = demo
        self.manager, self.clerk = demo.users["manager"], demo.users["warehouse"]

    def build(self) -> None:
        if Supplier.objects.exists():
            self.demo.log("供应商已存在，跳过采购演示数据。")
            return
        with transaction.atomic():
            quarantine, _ = Warehouse.objects.get_or_create(
                code="WH-QC", defaults={"name": "来料隔离仓", "address": "上海市嘉定区马陆镇宝安公路2999号", "is_quarantine": True})
            warehouse = Warehouse.objects.filter(is_quarantine=False, is_active=True).order_by("code").last()
            products = list(Product.objects.filter(stock_type=StockType.STOCK, is_active=True).order_by("sku")[:12])
            suppliers = self.create_suppliers(products)
            self.create_purchase_orders(suppliers, products, warehouse)
            self.create_replenishment(products)
            told = qualifications_warn_expiring()
        self.demo.log(f"采购：{len(suppliers)} 个供应商，隔离仓 {quarantine.name}，资质到期提醒 {told} 条")

    def create_suppliers(self, products) -> list[Supplier]:
        suppliers = []
        today = timezone.localdate()
        for index, (name, organisation, contact, phone, valid_days, approved, share, lead) in enumerate(SUPPLIERS):
            supplier = supplier_create(user=self.clerk, data={
                "name": name, "credit_code": _credit_code(REGIONS[index], organisation), "contact_name": contact,
                "contact_phone": phone})
            qualification_add(supplier=supplier, user=self.clerk, name="营业执照", document=_licence_scan(),
                              expires_on=today + timedelta(days=valid_days))
            for product in products[index::len(SUPPLIERS)] + products[:2]:
                supplier_product_set(supplier=supplier, user=self.clerk, product=product,
                                     price=(product.list_price * share).quantize(Decimal("0.01")), lead_time_days=lead)
            if approved:
                supplier_approve(supplier=supplier, user=self.manager)
            suppliers.append(supplier)
        return suppliers

    def create_purchase_orders(self, suppliers, products, warehouse) -> None:
        """Bought for the orders waiting for stock (if any), partly received with a rejection;
        one large order waiting for approval."""
        supplier = suppliers[1]
        requests = list(PurchaseRequest.objects.filter(state=PurchaseRequest.State.OPEN, product__supplier_offers__supplier=supplier)[:3])
        if requests:
            purchase_order = purchase_order_from_requests(user=self.clerk, requests=requests, supplier=supplier,
                                                          warehouse=warehouse, note="演示：按缺货的采购申请下单",
                                                          expected_date=timezone.localdate() + timedelta(days=3))
        else:
            offers = list(supplier.products.select_related("product")[:2])
            purchase_order = purchase_order_create(
                user=self.clerk, supplier=supplier, warehouse=warehouse, expected_date=timezone.localdate() + timedelta(days=3),
                lines=[PurchaseLineInput(product=o.product, quantity=20, unit_price=o.price) for o in offers])
        if purchase_order.status == "pending_approval":
            purchase_order_approve(purchase_order=purchase_order, user=self.manager)
        line = purchase_order.lines.order_by("line_no").first()
        accepted = max(line.quantity // 2, 1)
        rejected = min(2, line.quantity - accepted)
        purchase_order_receive_line(line=line, user=self.clerk, accepted=accepted, rejected=rejected,
                                    qc_note="外箱受潮，部分变形" if rejected else "")
        offer = suppliers[0].products.select_related("product").order_by("-price").first()
        quantity = int(Decimal("30000") / max(offer.price, Decimal("1"))) + 1
        purchase_order_create(user=self.clerk, supplier=suppliers[0], warehouse=warehouse,
                              lines=[PurchaseLineInput(product=offer.product, quantity=quantity, unit_price=offer.price)],
                              note="演示：超过审批额度，待主管审批")

    def create_replenishment(self, products) -> None:
        """Rules for a few products in every sellable warehouse; the first two are set high
        enough that today's run proposes them."""
        warehouses = list(Warehouse.objects.filter(is_quarantine=False, is_active=True).order_by("code"))
        for index, product in enumerate(products[:4]):
            for warehouse in warehouses:
                replenishment_rule_set(user=self.manager, product=product, warehouse=warehouse, safety_stock=10,
                                       reorder_point=400 if index < 2 else None, reorder_quantity=100, max_stock=None)
        self.rule_served_by_a_transfer(products[4:], warehouses)
        replenishment_propose()

    def rule_served_by_a_transfer(self, products, warehouses) -> None:
        """A product short in one warehouse while another has plenty: proposed as a transfer."""
        stock = selectors.projected_stock({p.pk for p in products})
        for product in products:
            for short, spare in ((warehouses[-1], warehouses[0]), (warehouses[0], warehouses[-1])):
                there = stock.get((product.pk, spare.pk), selectors.ProjectedStock())
                if short != spare and there.on_hand - there.allocated >= 60:
                    here = stock.get((product.pk, short.pk), selectors.ProjectedStock()).projected
                    replenishment_rule_set(user=self.manager, product=product, warehouse=short, safety_stock=5,
                                           reorder_point=max(here, 0) + 10, reorder_quantity=30, max_stock=None)
                    return
