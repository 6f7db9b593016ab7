"""Demo (issue 19): the inventory's rule, units and lots (``inventory.demo_lots``), then an order
for a Guangzhou address in cases, allocated from 广州分仓 with its reason on the order page."""

from customers.models import Customer
from inventory.demo_lots import LotsDemo as InventoryLots

from . import services
from .models import OrderStatus
from .services import LineInput, OrderDetails


class LotsDemo:
    def __init__(self, builder) -> None:
        self.builder = builder

    def build(self) -> None:
        water = InventoryLots(self.builder).build()
        if water is None:
            return
        customer = Customer.objects.order_by("code").first()
        order = services.order_create(
            user=self.builder.users["sales"],
            details=OrderDetails(customer=customer, contact_name="黄志明", contact_phone="13826001234",
                                 ship_province="广东省", ship_city="广州市", ship_district="天河区",
                                 ship_address="天河路385号太古汇一座12楼", notes="演示：广东地址按发货仓规则从广州分仓发货"),
            lines=[LineInput(product=water, quantity=10, unit=water.units.get(name="箱"))],
        )
        order.refresh_from_db()
        if order.status == OrderStatus.PENDING_REVIEW:  # the customer's credit may send it to a reviewer
            services.order_approve(order=order, user=self.builder.users["reviewer"])
            order.refresh_from_db()
        self.builder.log(f"发货仓规则“华南”、多单位商品 {water.sku}（瓶/箱/托）与临期批次；"
                         f"广东订单 {order.number}（{order.get_status_display()}）：{order.warehouse_note}")
