"""Demo data: one user per role, customers, products, batches and 200 orders in every state;
complaints, flagged orders and each role's notifications (servicedesk/demo.py); last
month's report.

Orders are walked through the real services (so every timeline is real), then their
event times are spread over the past six months. Deterministic (fixed random seed) and
idempotent: what exists already is not created again.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from faker import Faker

from customers.models import Customer, CustomerLevel
from customers.services import AddressInput, ContactInput, customer_create
from inventory.models import Category, Product, StockType, Warehouse
from inventory.services import stock_receive
from orders import services as order_services
from orders.models import Channel, InvoiceType, Order, OrderStatus, PaymentMethod, Priority
from orders.services import LineInput, OrderDetails

from . import roles

DEMO_PASSWORD = "demo1234"

DEMO_USERS = [
    ("sales", "王芳", roles.SALES),
    ("sales2", "刘洋", roles.SALES),
    ("service", "陈静", roles.SERVICE),
    ("reviewer", "赵磊", roles.REVIEWER),
    ("manager", "李强", roles.MANAGER),
    ("warehouse", "周杰", roles.WAREHOUSE),
    ("production", "吴刚", roles.PRODUCTION),
    ("logistics", "孙丽", roles.LOGISTICS),
    ("aftersales", "郑敏", roles.AFTER_SALES),
    ("analyst", "冯雪", roles.ANALYST),
    ("finance", "黄敏", roles.FINANCE),
]

# name, variants, unit, base list price, weight per unit (kg)
CATEGORIES = [
    ("办公椅", ["人体工学", "网布", "真皮"], "把", Decimal("300"), Decimal("12")),
    ("办公桌", ["1.2米", "1.4米", "1.6米"], "张", Decimal("800"), Decimal("35")),
    ("文件柜", ["三门", "五斗", "钢制"], "个", Decimal("600"), Decimal("40")),
    ("打印纸", ["A4 70g", "A4 80g", "A3 80g"], "箱", Decimal("120"), Decimal("12.5")),
    ("工业风扇", ["500mm", "650mm", "750mm"], "台", Decimal("450"), Decimal("9")),
    ("LED灯管", ["T5 14W", "T8 18W", "T8 36W"], "支", Decimal("18"), Decimal("0.3")),
    ("劳保手套", ["丁腈", "帆布", "防割"], "双", Decimal("6"), Decimal("0.1")),
    ("不锈钢货架", ["四层轻型", "五层中型", "重型"], "组", Decimal("520"), Decimal("28")),
    ("包装纸箱", ["3层小号", "5层中号", "5层大号"], "个", Decimal("3"), Decimal("0.4")),
    ("定制展柜", ["玻璃", "烤漆", "实木"], "套", Decimal("5200"), Decimal("80")),
]

# Final states of the 200 orders, newest first: recent orders are still on their way,
# older ones are mostly finished.
STATE_PLAN = (
    [OrderStatus.PENDING_REVIEW] * 18
    + [OrderStatus.REJECTED] * 6
    + [OrderStatus.APPROVED] * 12
    + [OrderStatus.IN_PRODUCTION] * 6
    + [OrderStatus.ALLOCATED] * 14
    + [OrderStatus.SHIPPED] * 10
    + [OrderStatus.IN_TRANSIT] * 14
    + [OrderStatus.DELIVERED] * 18
    + [OrderStatus.AFTER_SALES] * 6
    + [OrderStatus.CANCELLED] * 10
    + [OrderStatus.CLOSED] * 2
    + [OrderStatus.COMPLETED] * 84
)

# The steps to reach each state. "approve" is skipped when the automatic review approved
# the order already; "allocate" when the approval allocated it.
PATHS = {
    OrderStatus.PENDING_REVIEW: [],
    OrderStatus.REJECTED: ["reject"],
    OrderStatus.APPROVED: ["approve"],
    OrderStatus.IN_PRODUCTION: ["approve", "start_production"],
    OrderStatus.ALLOCATED: ["approve", "allocate"],
    OrderStatus.SHIPPED: ["approve", "allocate", "ship"],
    OrderStatus.IN_TRANSIT: ["approve", "allocate", "ship", "start_transit"],
    OrderStatus.DELIVERED: ["approve", "allocate", "ship", "start_transit", "deliver"],
    OrderStatus.COMPLETED: ["approve", "allocate", "ship", "start_transit", "deliver", "complete"],
    OrderStatus.AFTER_SALES: ["approve", "allocate", "ship", "start_transit", "deliver", "open_after_sales"],
    OrderStatus.CANCELLED: ["approve", "cancel"],
    OrderStatus.CLOSED: ["approve", "allocate", "ship", "start_transit", "close"],
}
# How old (in days) an order in each final state typically is.
AGE_DAYS = {
    OrderStatus.PENDING_REVIEW: (0, 3),
    OrderStatus.REJECTED: (1, 6),
    OrderStatus.APPROVED: (1, 8),
    OrderStatus.IN_PRODUCTION: (3, 15),
    OrderStatus.ALLOCATED: (1, 6),
    OrderStatus.SHIPPED: (2, 7),
    OrderStatus.IN_TRANSIT: (3, 10),
    OrderStatus.DELIVERED: (6, 20),
    OrderStatus.AFTER_SALES: (15, 60),
    OrderStatus.CANCELLED: (0, 178),
    OrderStatus.CLOSED: (30, 120),
    OrderStatus.COMPLETED: (12, 178),
}
CUSTOM_TARGETS = {state for state, path in PATHS.items() if "allocate" in path}


def _custom_path(path: list[str]) -> list[str]:
    return ["approve", "start_production", "finish_production"] + [s for s in path if s not in ("approve", "allocate")]


ACTOR_FOR_ACTION = {
    "approve": "reviewer",
    "reject": "reviewer",
    "allocate": "warehouse",
    "start_production": "production",
    "finish_production": "production",
    "ship": "warehouse",
    "start_transit": "logistics",
    "deliver": "logistics",
    "complete": "service",
    "cancel": "sales",
    "open_after_sales": "aftersales",
    "close": "manager",
}

REASONS = {
    "reject": ["地址模糊：请补充街道和门牌号"],
    "cancel": ["客户取消采购计划", "客户改为下月再订", "重复下单"],
    "open_after_sales": ["客户反映外包装破损", "规格与要求不符，申请换货", "部分商品有划痕"],
    "close": ["货物运输途中丢失，已按合同赔偿客户，主管关闭订单"],
}


class DemoBuilder:
    def __init__(self, *, stdout=None, seed: int = 20261125) -> None:
        self.random = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.stdout = stdout
        self.users: dict[str, object] = {}

    def log(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message)

    def build(self) -> None:
        self.create_users()
        with transaction.atomic():
            warehouses = self.create_warehouses()
            products = self.create_products(warehouses)
            customers = self.create_customers()
            self.create_price_rules(customers, products)
        from fulfillment.demo import FulfillmentDemo

        self.fulfillment = FulfillmentDemo(self)
        self.create_integrations()
        if Order.objects.exists():
            self.log("订单已存在，跳过演示订单（演示数据已加载）。")
        else:
            # Historical demo orders tell no customer, and no member of staff, anything.
            from fulfillment.notifications.triggers import notices_suppressed
            from servicedesk.services import staff_notices_suppressed

            with notices_suppressed(), staff_notices_suppressed():
                self.create_orders(customers, products, warehouses)
        from purchasing.demo import PurchasingDemo

        PurchasingDemo(self).build()
        from servicedesk.demo import ServiceDeskDemo

        ServiceDeskDemo(self).build()
        from inventory.demo_operations import InventoryOperationsDemo

        InventoryOperationsDemo(self).build()
        from fulfillment.notifications.triggers import notices_suppressed
        from orders.demo_lots import LotsDemo
        from servicedesk.services import staff_notices_suppressed

        with notices_suppressed(), staff_notices_suppressed():  # issue 19: rule, units, lots, a Guangdong order
            LotsDemo(self).build()
        from finance.demo_statements import build_finance_demo

        build_finance_demo(self)  # costs for the margin, payment times, overdue customers
        from finance.demo_reconciliation import ReconciliationDemo

        ReconciliationDemo(self).build()
        self.request_last_months_report()
        from finance.demo import FinanceDemo

        FinanceDemo(self).build()  # last: it closes last month

    def request_last_months_report(self) -> None:
        """Last month's review, asked for by the 数据分析师 (who is told when it is ready)."""
        from reports.models import Report
        from reports.periods import previous_month
        from reports.services import report_build

        if Report.objects.exists():
            return
        start, end = previous_month(timezone.localdate())
        # Built here rather than queued: the demo is complete when the command returns.
        report = Report.objects.create(period_start=start, period_end=end, is_monthly=True,
                                       requested_by=self.users["analyst"])
        report_build(report=report)
        self.log(f"报表：{report.title}已生成")

    def create_integrations(self) -> None:
        """An API client for a web shop (no token: a 主管 issues one under 接口, shown once) and a
        payment platform to try the callbacks with (README, "Integrating")."""
        from integrations.models import ApiClient, PaymentProvider
        from integrations.scopes import ORDERS_READ, ORDERS_WRITE, WEBHOOKS_MANAGE
        from integrations.services import api_client_create

        if not ApiClient.objects.filter(channel_code="demo-shop").exists():
            api_client_create(user=None, name="演示网店", channel_code="demo-shop", owner=self.users["manager"],
                              scopes=[ORDERS_READ, ORDERS_WRITE, WEBHOOKS_MANAGE], notes="演示数据：网店订单通过接口推送")
        PaymentProvider.objects.get_or_create(code="demo-pay", defaults={"name": "演示支付", "secret": "demo-pay-secret"})

    def mobile_number(self) -> str:
        prefix = self.random.choice(["138", "139", "135", "150", "151", "186", "187", "177", "189", "133"])
        return prefix + "".join(self.random.choice("0123456789") for _ in range(8))

    # --- master data ---------------------------------------------------------------

    def create_users(self) -> None:
        User = get_user_model()
        admin, created = User.objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True, "first_name": "管理员"}
        )
        if created:
            admin.set_password(DEMO_PASSWORD)
            admin.save()
        for username, full_name, role in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": full_name, "email": f"{username}@example.com", "is_staff": role == roles.MANAGER},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            user.groups.add(Group.objects.get(name=role))
            self.users[username] = user
        self.log(f"用户：{len(DEMO_USERS) + 1} 个（密码 {DEMO_PASSWORD}）")

    def create_warehouses(self) -> list[Warehouse]:
        rows = [("WH-SH", "上海主仓", "上海市嘉定区马陆镇宝安公路2999号"), ("WH-GZ", "广州分仓", "广州市白云区太和镇大源北路88号")]
        return [
            Warehouse.objects.get_or_create(code=code, defaults={"name": name, "address": address})[0]
            for code, name, address in rows
        ]

    def create_products(self, warehouses) -> list[Product]:
        products = []
        index = 0
        for code, (category, variants, unit, base_price, weight) in enumerate(CATEGORIES, start=1):
            category_row, _ = Category.objects.get_or_create(code=f"C{code:02d}", defaults={"name": category})
            for variant in variants + ["经济款", "加强款"][: 5 - len(variants)]:
                index += 1
                custom = category.startswith("定制")
                product, created = Product.objects.get_or_create(
                    sku=f"P{index:04d}",
                    defaults={
                        "name": category,
                        "spec": variant,
                        "unit": unit,
                        "list_price": (base_price * Decimal(self.random.choice(["0.9", "1", "1.2", "1.5"]))).quantize(Decimal("0.01")),
                        "stock_type": StockType.CUSTOM if custom else StockType.STOCK,
                        "safety_stock": 0 if custom else self.random.choice([10, 20, 50]),
                        "vat_rate": Decimal("0.13"),
                        "category": category_row,
                        "weight_kg": weight,
                    },
                )
                if created:
                    product.floor_price = (product.list_price * Decimal("0.8")).quantize(Decimal("0.01"))
                    product.save(update_fields=["floor_price"])
                products.append(product)
                if created and not custom:
                    for months_ago in (5, 3, 1):
                        stock_receive(
                            product=product,
                            warehouse=self.random.choice(warehouses),
                            quantity=self.random.choice([60, 100, 150, 200]),
                            received_at=timezone.now() - timedelta(days=30 * months_ago + self.random.randint(0, 20)),
                            reason="期初入库",
                            notify=False,
                        )
        self.log(f"商品：{len(products)} 个，库存批次已入库")
        return products

    def create_customers(self) -> list[Customer]:
        sales = [self.users["sales"], self.users["sales2"]]
        customers = list(Customer.objects.all())
        if len(customers) >= 20:
            return customers
        suffixes = ["科技有限公司", "商贸有限公司", "实业有限公司", "电子商务有限公司", "制造有限公司"]
        while len(customers) < 20:
            city = self.fake.city_name()
            name = f"{city}{self.fake.company_prefix()}{self.random.choice(suffixes)}"
            if Customer.objects.filter(name=name).exists():
                continue
            province = self.fake.province()
            customer = customer_create(
                user=None,
                name=name,
                level=self.random.choice([CustomerLevel.NORMAL] * 3 + [CustomerLevel.IMPORTANT, CustomerLevel.VIP]),
                credit_limit=Decimal(self.random.choice([50000, 100000, 200000, 500000])),
                payment_terms_days=self.random.choice([15, 30, 30, 60, 90]),
                owner=self.random.choice(sales),
                contact=ContactInput(name=self.fake.name(), phone=self.mobile_number(), email=self.fake.email()),
                address=AddressInput(
                    province=province, city=city + "市", district=self.fake.district() + "区",
                    detail=self.fake.street_address(),
                ),
            )
            customers.append(customer)
        self.log(f"客户：{len(customers)} 个")
        return customers

    def create_price_rules(self, customers, products) -> None:
        from orders.models import ContractPrice, FreightRule, LevelDiscount, Promotion, QuantityBreak

        if FreightRule.objects.exists():
            return
        start = timezone.localdate() - timedelta(days=200)
        LevelDiscount.objects.create(level="vip", percent_of_list=Decimal("95"), valid_from=start)
        LevelDiscount.objects.create(level="important", percent_of_list=Decimal("98"), valid_from=start)
        by_name = {}
        for product in products:
            by_name.setdefault(product.name, []).append(product)
        for product in by_name["打印纸"] + by_name["劳保手套"] + by_name["包装纸箱"]:
            QuantityBreak.objects.create(product=product, min_quantity=50,
                                         unit_price=(product.list_price * Decimal("0.92")).quantize(Decimal("0.01")),
                                         valid_from=start)
        for customer in customers[:3]:
            for product in self.random.sample([p for p in products if not p.is_custom], 3):
                ContractPrice.objects.create(
                    customer=customer, product=product, valid_from=start, note=f"HT{start:%Y}-{customer.code}",
                    unit_price=(product.list_price * Decimal("0.9")).quantize(Decimal("0.01")),
                )
        gloves = Category.objects.get(name="劳保手套")
        Promotion.objects.create(name="满一万减五百", kind="amount_off", threshold=Decimal("10000"),
                                 amount_off=Decimal("500"), valid_from=start)
        Promotion.objects.create(name="劳保手套 9 折", kind="percent_off", percent_off=Decimal("10"), category=gloves,
                                 stackable=True, valid_from=start)
        Promotion.objects.create(name="满三千免运费", kind="free_freight", threshold=Decimal("3000"), stackable=True,
                                 valid_from=start)
        FreightRule.objects.create(base_fee=Decimal("30.00"), per_kg_fee=Decimal("1.20"), free_over=Decimal("8000"))
        FreightRule.objects.create(province="上海市", base_fee=Decimal("15.00"), per_kg_fee=Decimal("0.50"),
                                   free_over=Decimal("2000"))
        FreightRule.objects.create(province="广东省", base_fee=Decimal("20.00"), per_kg_fee=Decimal("0.80"),
                                   free_over=Decimal("5000"))
        self.log("价格规则：等级折扣、阶梯价、合同价、促销、运费规则")

    # --- orders ------------------------------------------------------------------------

    def create_orders(self, customers, products, warehouses) -> None:
        now = timezone.now()
        stock_products = [p for p in products if not p.is_custom]
        custom_products = [p for p in products if p.is_custom]
        count = len(STATE_PLAN)
        previous = None
        # Each state belongs to an age: yesterday's orders wait for review, last quarter's are
        # done. Oldest first, so that each order is reviewed against the history before it.
        planned = sorted(
            ((self.random.uniform(*AGE_DAYS[target]), position, target) for position, target in enumerate(STATE_PLAN)),
            reverse=True,
        )
        for age_days, position, target in planned:
            placed_at = now - timedelta(days=age_days)
            custom = target == OrderStatus.IN_PRODUCTION or (target in CUSTOM_TARGETS and self.random.random() < 0.15)
            with transaction.atomic():
                order = self._create_order(
                    customers, stock_products, custom_products, placed_at, custom, target, position, previous
                )
                previous = order
                order_services.order_auto_review(order=order, user=None)
                order.refresh_from_db()
                path = _custom_path(PATHS[target]) if custom else PATHS[target]
                if target == OrderStatus.IN_PRODUCTION:
                    path = ["approve", "start_production"]
                for action in path:
                    self._run(order, action, warehouses=warehouses, fill_stock=target != OrderStatus.APPROVED)
                    order.refresh_from_db()
                self._settle(order, placed_at, now)
                self._spread_timeline(order, placed_at, now)
                self.fulfillment.align(order, target, now)
        self.log(f"订单：{count} 个，覆盖所有状态，时间跨度六个月")
        flags = self.fulfillment.finish(now)
        self.log(f"物流：承运商 {len(self.fulfillment.carriers)} 家，运单与物流事件已生成，{flags} 个物流异常待处理")

    def _create_order(self, customers, stock_products, custom_products, placed_at, custom, target, position,
                      previous) -> Order:
        customer = self.random.choice(customers)
        chosen = self.random.sample(stock_products, self.random.randint(1, 4))
        quantities = {p.pk: self.random.randint(1, 12) for p in chosen}
        if custom:
            chosen = [self.random.choice(custom_products)] + chosen[:1]
            quantities[chosen[0].pk] = self.random.randint(1, 6)
        if target == OrderStatus.PENDING_REVIEW:
            # What holds an order in review, in the proportions a clerk would see.
            kind = position % 3
            if kind == 0:
                chosen = [self.random.choice(custom_products)]
                quantities = {chosen[0].pk: self.random.randint(1, 4)}
            elif kind == 1:
                product = self.random.choice(stock_products)
                chosen = [product]
                quantities = {product.pk: int(Decimal("52000") / product.list_price) + 1}
            elif previous is not None:
                customer = previous.customer
                chosen = [line.product for line in previous.lines.all()]
                quantities = {line.product_id: line.quantity for line in previous.lines.all()}
        elif target == OrderStatus.APPROVED:
            # Ordered more than is in stock: approved, waiting for a purchase request.
            product = self.random.choice(stock_products)
            available = Product.objects.with_stock().get(pk=product.pk).available
            chosen, quantities = [product], {product.pk: max(available, 0) + self.random.randint(5, 30)}
        lines = [LineInput(product=p, quantity=quantities[p.pk]) for p in chosen]
        contact, address = customer.primary_contact, customer.default_address
        # Rejected demo orders were typed with a vague address (the review's completeness check).
        ship_address = "东门" if target == OrderStatus.REJECTED else address.detail
        invoice = self.random.choice([InvoiceType.NONE, InvoiceType.NORMAL])
        details = OrderDetails(
            customer=customer,
            contact_name=contact.name,
            contact_phone=contact.phone,
            contact_email=contact.email,
            ship_province=address.province,
            ship_city=address.city,
            ship_district=address.district,
            ship_address=ship_address,
            channel=self.random.choice([Channel.ONLINE, Channel.PHONE, Channel.PHONE, Channel.EMAIL, Channel.API]),
            priority=Priority.URGENT if self.random.random() < 0.12 else Priority.NORMAL,
            owner=customer.owner,
            requested_delivery_date=(placed_at + timedelta(days=self.random.randint(3, 20))).date(),
            invoice_type=invoice,
            invoice_title=customer.name if invoice != InvoiceType.NONE else "",
            payment_method=self.random.choice(list(PaymentMethod)),
        )
        return order_services.order_create(
            user=customer.owner, details=details, lines=lines, placed_at=placed_at, auto_review=False
        )

    def _run(self, order: Order, action: str, *, warehouses, fill_stock: bool = True) -> None:
        if self.fulfillment.handles(action):
            # Production orders, pick lists, carriers and logistics events drive these steps.
            self.fulfillment.run(order, action, warehouses=warehouses)
            return
        user = self.users[ACTOR_FOR_ACTION[action]]
        if action == "approve":
            if order.status != OrderStatus.PENDING_REVIEW:
                return
            for name in order.review_blockers:
                order_services.order_override_check(
                    order=order, user=self.users["manager"], check_name=name, reason="老客户，已电话确认付款计划"
                )
            if fill_stock and not order.is_custom and order.status == OrderStatus.PENDING_REVIEW:
                self._ensure_stock(order, warehouses)
        if action == "allocate" and order.status != OrderStatus.APPROVED:
            return
        if action == "finish_production":
            for line in order.lines.select_related("product"):
                if line.product.is_custom:
                    stock_receive(
                        product=line.product, warehouse=warehouses[0], quantity=line.quantity, user=user,
                        reason=f"订单 {order.number} 生产入库", notify=False,
                    )
        if action in ("allocate", "finish_production"):
            self._ensure_stock(order, warehouses)
        reason = self.random.choice(REASONS[action]) if action in REASONS else ""
        if action == "open_after_sales":
            self._open_case(order, user, reason)
            return
        order_services.SERVICES[action](order=order, user=user, reason=reason)

    def _open_case(self, order: Order, user, reason: str) -> None:
        """An after-sales case as the customer would ask for it; some already being handled."""
        from aftersales import services as after_sales
        from aftersales.models import Service

        line = order.lines.first()
        service = self.random.choice([Service.RETURN_REFUND, Service.EXCHANGE, Service.REPAIR])
        case = after_sales.case_open(
            order=order, user=self.users["service"], service=service,
            case_type=self.random.choice(["damaged", "quality", "wrong_item"]), description=reason,
            lines=[after_sales.CaseLineInput(order_line=line, quantity=1)], source="客户来电",
        )
        if self.random.random() < 0.5:
            after_sales.case_approve(case=case, user=user)

    def _ensure_stock(self, order: Order, warehouses) -> None:
        from inventory.services import order_shortages

        for shortage in order_shortages(order=order):
            line = order.lines.get(line_no=shortage.line_no)
            if line.product.is_custom:
                continue
            stock_receive(
                product=line.product, warehouse=warehouses[0], quantity=shortage.missing + 50, reason="补货入库",
                notify=False,
            )

    def _settle(self, order: Order, placed_at, now) -> None:
        """Most finished orders have been paid; a few old ones are overdue (逾期欠款). About a
        third of the delivered ones were rated by the customer."""
        if order.status in (OrderStatus.COMPLETED, OrderStatus.DELIVERED) and self.random.random() < 0.35:
            from aftersales.services import feedback_submit

            rating = self.random.choice(["satisfied"] * 6 + ["neutral"] * 2 + ["needs_improvement"])
            comment = {"satisfied": "发货快，包装好", "neutral": "", "needs_improvement": "送货比约定晚了两天"}[rating]
            feedback_submit(order=order, rating=rating, comment=comment)
        if order.status in (OrderStatus.COMPLETED, OrderStatus.DELIVERED, OrderStatus.AFTER_SALES):
            if self.random.random() < 0.97:
                if order.balance_due > 0:
                    order_services.payment_record(
                        order=order, user=None, amount=order.balance_due,
                        reference=f"银行流水 {self.random.randint(10**9, 10**10)}",
                    )

    def _spread_timeline(self, order: Order, placed_at, now) -> None:
        """Give the real timeline realistic times: hours to days between steps."""
        from orders.services import STAGE_TIMESTAMPS

        events = list(order.events.order_by("id"))
        moment = placed_at
        stage_times = {}
        for event in events[1:]:
            if event.action not in ("auto_review", "allocate", "override_check"):
                moment += timedelta(hours=self.random.randint(2, 60))
            else:
                moment += timedelta(minutes=self.random.randint(1, 20))
            event.created_at = min(moment, now - timedelta(minutes=5))
            if event.to_status in STAGE_TIMESTAMPS and event.kind == "status":
                stage_times[STAGE_TIMESTAMPS[event.to_status]] = event.created_at
        type(events[0]).objects.bulk_update(events, ["created_at"])
        status_events = [e for e in events if e.kind in ("status", "created")]
        Order.objects.filter(pk=order.pk).update(status_changed_at=status_events[-1].created_at, **stage_times)
