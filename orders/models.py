from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.db.models import Case, ExpressionWrapper, F, Q, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone
from django_fsm import RETURN_VALUE, FSMField, transition

from customers.phones import mask_phone
from customers.privacy import ContactDetails
from ordermgmt.errors import InvalidInput


class OrderStatus(models.TextChoices):
    PENDING_REVIEW = "pending_review", _("待审核")
    APPROVED = "approved", _("已审核")
    ALLOCATED = "allocated", _("已分配")
    IN_PRODUCTION = "in_production", _("生产中")
    SHIPPED = "shipped", _("已出库")
    IN_TRANSIT = "in_transit", _("配送中")
    DELIVERED = "delivered", _("已交付")
    COMPLETED = "completed", _("已完成")
    REJECTED = "rejected", _("已驳回")
    CANCELLED = "cancelled", _("已取消")
    AFTER_SALES = "after_sales", _("售后中")
    CLOSED = "closed", _("已关闭")


# The main line of an order's life, in order; used for progress bars and reports.
MAIN_FLOW = [
    OrderStatus.PENDING_REVIEW,
    OrderStatus.APPROVED,
    OrderStatus.ALLOCATED,
    OrderStatus.IN_PRODUCTION,
    OrderStatus.SHIPPED,
    OrderStatus.IN_TRANSIT,
    OrderStatus.DELIVERED,
    OrderStatus.COMPLETED,
]
EDITABLE_STATUSES = {OrderStatus.PENDING_REVIEW, OrderStatus.REJECTED}
CANCELLABLE_STATUSES = [
    OrderStatus.PENDING_REVIEW,
    OrderStatus.REJECTED,
    OrderStatus.APPROVED,
    OrderStatus.ALLOCATED,
    OrderStatus.IN_PRODUCTION,
]
OPEN_STATUSES = set(MAIN_FLOW[:-1]) | {OrderStatus.REJECTED, OrderStatus.AFTER_SALES}
# Orders a 主管 may close when they cannot end normally (lost and compensated, customer
# unreachable, a rejected order nobody will fix).
CLOSABLE_STATUSES = [OrderStatus.REJECTED, OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT, OrderStatus.DELIVERED]
FINAL_STATUSES = {OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.CLOSED}


# --- what the customer owes: one definition, written twice side by side ------------------
# As database expressions here (for lists, sums and filters: receivables, the credit check,
# overdue orders) and as the properties of the same names on Order (for one order: its page,
# vouchers, payments); tests/orders/test_balance.py proves the two agree in every state.
#
# 应收金额 (billed): a cancelled or rejected order bills nothing; any other bills its total
# less the goods returned or cancelled after shipping (returned_amount).
# 应收余额 (balance due): billed less what the customer paid net of refunds, never below
# zero. Money held beyond what is billed is 多收待退 (overpaid), owed back to the customer.
UNBILLED_STATUSES = (OrderStatus.CANCELLED, OrderStatus.REJECTED)
_MONEY = models.DecimalField(max_digits=16, decimal_places=2)
_NOTHING = Value(Decimal("0.00"), output_field=_MONEY)
BILLED_AMOUNT = Case(
    When(status__in=UNBILLED_STATUSES, then=_NOTHING),
    default=ExpressionWrapper(F("total") - F("returned_amount"), output_field=_MONEY),
    output_field=_MONEY,
)
NET_PAID = ExpressionWrapper(F("paid_amount") - F("refunded_amount"), output_field=_MONEY)
BALANCE_DUE = Greatest(ExpressionWrapper(BILLED_AMOUNT - NET_PAID, output_field=_MONEY), _NOTHING)
OVERPAID_AMOUNT = Greatest(ExpressionWrapper(NET_PAID - BILLED_AMOUNT, output_field=_MONEY), _NOTHING)


class Channel(models.TextChoices):
    ONLINE = "online", _("线上平台")
    PHONE = "phone", _("电话")
    EMAIL = "email", _("邮件")
    IMPORT = "import", _("批量导入")
    API = "api", "API"


class OrderType(models.TextChoices):
    STOCK = "stock", _("现货")
    CUSTOM = "custom", _("定制")


class Priority(models.TextChoices):
    NORMAL = "normal", _("普通")
    URGENT = "urgent", _("加急")


class InvoiceType(models.TextChoices):
    NONE = "none", _("不开票")
    NORMAL = "normal", _("普票")
    SPECIAL = "special", _("专票")


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("对公转账")
    MONTHLY = "monthly", _("月结")
    CASH_ON_DELIVERY = "cod", _("货到付款")
    ONLINE = "online", _("在线支付")


def _require_reason(reason: str) -> None:
    if not (reason or "").strip():
        raise InvalidInput("请填写原因", code="reason_required")


class Order(models.Model):
    number = models.CharField(_("订单号"), max_length=20, unique=True, editable=False)
    status = FSMField(
        _("状态"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING_REVIEW, protected=True
    )
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT, related_name="orders"
    )
    external_ref = models.CharField(_("外部单号"), max_length=50, blank=True)
    replaces_order = models.ForeignKey(
        "self", verbose_name=_("换货原订单"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="replacement_orders", help_text=_("换货补发订单：不另收费，免信用检查，优先分配"),
    )

    # Snapshot of who receives the goods and where: a later edit of the customer's
    # master data must not rewrite the history of orders already placed.
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_phone = models.CharField(_("联系电话"), max_length=20)
    contact_email = models.EmailField(_("电子邮箱"), blank=True)
    ship_province = models.CharField(_("省"), max_length=20)
    ship_city = models.CharField(_("市"), max_length=30)
    ship_district = models.CharField(_("区/县"), max_length=30, blank=True)
    ship_address = models.CharField(_("详细地址"), max_length=200)

    channel = models.CharField(_("下单渠道"), max_length=10, choices=Channel.choices, default=Channel.PHONE)
    order_type = models.CharField(_("订单类型"), max_length=10, choices=OrderType.choices, default=OrderType.STOCK)
    priority = models.CharField(_("优先级"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_orders",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_delivery_date = models.DateField(_("期望交付日期"), null=True, blank=True)
    packaging_note = models.CharField(_("包装要求"), max_length=200, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    invoice_type = models.CharField(_("发票类型"), max_length=10, choices=InvoiceType.choices, default=InvoiceType.NONE)
    invoice_title = models.CharField(_("发票抬头"), max_length=200, blank=True)
    payment_method = models.CharField(
        _("付款方式"), max_length=20, choices=PaymentMethod.choices, default=PaymentMethod.BANK_TRANSFER
    )

    goods_amount = models.DecimalField(_("商品金额(不含税)"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    discount_amount = models.DecimalField(_("优惠金额"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    freight_amount = models.DecimalField(_("运费(不含税)"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    freight_waived = models.BooleanField(_("免收运费"), default=False)
    freight_waiver_reason = models.CharField(_("免运费原因"), max_length=200, blank=True)
    subtotal = models.DecimalField(_("不含税金额"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    tax_amount = models.DecimalField(_("税额"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    total = models.DecimalField(_("价税合计"), max_digits=14, decimal_places=2, default=Decimal("0.00"))

    # Settlement, kept in step with the Payment and Refund records by the services.
    paid_amount = models.DecimalField(_("已收款"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    refunded_amount = models.DecimalField(_("已退款"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    returned_amount = models.DecimalField(
        _("退货冲减"), max_digits=14, decimal_places=2, default=Decimal("0.00"),
        help_text=_("退货、取消后不再应收的金额"),
    )

    # Automatic review: what still stops approval (names of checks), and the queue score.
    review_blockers = models.JSONField(_("待解除的审核检查"), default=list, blank=True, editable=False)
    needs_manual_review = models.BooleanField(_("需要人工审核"), default=False, editable=False)
    awaiting_manager = models.BooleanField(_("等待主管放行"), default=False, editable=False)
    priority_score = models.PositiveIntegerField(_("优先级分值"), default=0, editable=False)

    created_at = models.DateTimeField(_("下单时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    status_changed_at = models.DateTimeField(_("状态变更时间"), default=timezone.now, editable=False)
    status_before_after_sales = models.CharField(max_length=20, blank=True, editable=False)
    # When each stage was reached (the latest time), for lead-time figures without joining
    # the timeline.
    approved_at = models.DateTimeField(_("审核通过时间"), null=True, blank=True, editable=False)
    allocated_at = models.DateTimeField(_("分配时间"), null=True, blank=True, editable=False)
    shipped_at = models.DateTimeField(_("出库时间"), null=True, blank=True, editable=False)
    delivered_at = models.DateTimeField(_("交付时间"), null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("订单")
        verbose_name_plural = _("订单")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("review_order", _("审核订单")),
            ("allocate_order", _("分配库存")),
            ("produce_order", _("安排生产")),
            ("ship_order", _("仓库出库")),
            ("track_order", _("物流跟踪")),
            ("complete_order", _("确认完成")),
            ("cancel_order", _("取消订单")),
            ("handle_after_sales", _("处理售后")),
            ("override_review_check", _("放行审核检查（信用冻结、逾期欠款等）")),
            ("close_order", _("关闭订单（主管）")),
        ]
        indexes = [
            models.Index(fields=["status", "status_changed_at"]),
            models.Index(fields=["status", "-priority_score", "status_changed_at"], name="order_queue_idx"),
            # Covers the monthly trend (orders and revenue per month) as an index-only scan.
            models.Index(fields=["created_at"], include=["status", "total", "returned_amount"],
                         name="order_created_cover_idx"),
            models.Index(fields=["customer", "created_at"]),
            # The order list: each filter with the default newest-first sort.
            models.Index(fields=["status", "-created_at"], name="order_status_created_idx"),
            models.Index(fields=["channel", "-created_at"], name="order_channel_created_idx"),
            models.Index(fields=["owner", "-created_at"], name="order_owner_created_idx"),
            models.Index(fields=["contact_phone"], name="order_phone_idx"),
            models.Index(fields=["external_ref"], name="order_external_ref_idx"),
            # Reports: orders delivered in a period.
            models.Index(fields=["delivered_at"], name="order_delivered_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "external_ref"],
                condition=~Q(external_ref=""),
                name="order_unique_external_ref_per_customer",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def refresh_from_db(self, *args, **kwargs) -> None:
        # The protected status refuses assignment once loaded. django-fsm's FSMModelMixin
        # works around that by switching protection off on the (shared) field for a moment,
        # which races between threads; dropping the loaded value first is thread-safe.
        fields = kwargs.get("fields")
        if fields is None or "status" in fields:
            self.__dict__.pop("status", None)
        super().refresh_from_db(*args, **kwargs)

    # --- derived values -------------------------------------------------------------

    @property
    def is_custom(self) -> bool:
        return self.order_type == OrderType.CUSTOM

    @property
    def is_replacement(self) -> bool:
        return self.replaces_order_id is not None

    @property
    def is_urgent(self) -> bool:
        return self.priority == Priority.URGENT

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def is_on_credit_hold(self) -> bool:
        return "credit" in (self.review_blockers or [])

    @property
    def net_total(self) -> Decimal:
        """What the customer owes for what they keep: the total less returned goods."""
        return self.total - self.returned_amount

    # What the customer owes: the same definitions as BILLED_AMOUNT, NET_PAID, BALANCE_DUE
    # and OVERPAID_AMOUNT at the top of this module.

    @property
    def billed_amount(self) -> Decimal:
        """应收金额: nothing for a cancelled or rejected order, else the total less returns."""
        return Decimal("0.00") if self.status in UNBILLED_STATUSES else self.net_total

    @property
    def net_paid(self) -> Decimal:
        """What the customer paid, net of refunds."""
        return self.paid_amount - self.refunded_amount

    @property
    def balance_due(self) -> Decimal:
        """应收余额: billed and not yet paid, never below zero."""
        return max(self.billed_amount - self.net_paid, Decimal("0.00"))

    @property
    def overpaid_amount(self) -> Decimal:
        """多收待退: paid beyond what is billed, owed back to the customer."""
        return max(self.net_paid - self.billed_amount, Decimal("0.00"))

    @property
    def is_archived(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def delivery_address(self) -> str:
        return f"{self.ship_province}{self.ship_city}{self.ship_district}{self.ship_address}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.contact_phone)

    @property
    def contact_details(self) -> ContactDetails:
        """The receiver's personal data; shown through ``customers.privacy.shown_contact``."""
        return ContactDetails(phone=self.contact_phone, email=self.contact_email, province=self.ship_province,
                              city=self.ship_city, district=self.ship_district, street=self.ship_address)

    # --- state machine: guards and field changes only; services do the rest ------

    @transition(field=status, source=OrderStatus.PENDING_REVIEW, target=OrderStatus.APPROVED,
                permission="orders.review_order", conditions=[lambda order: not order.review_blockers])
    def approve(self) -> None:
        pass

    @transition(field=status, source=[OrderStatus.APPROVED, OrderStatus.ALLOCATED],
                target=OrderStatus.PENDING_REVIEW, permission="orders.change_order")
    def return_to_review(self, *, reason: str) -> None:
        _require_reason(reason)

    @transition(field=status, source=OrderStatus.PENDING_REVIEW, target=OrderStatus.REJECTED,
                permission="orders.review_order")
    def reject(self, *, reason: str) -> None:
        _require_reason(reason)

    @transition(field=status, source=OrderStatus.REJECTED, target=OrderStatus.PENDING_REVIEW,
                permission="orders.change_order")
    def resubmit(self) -> None:
        pass

    @transition(field=status, source=OrderStatus.APPROVED, target=OrderStatus.ALLOCATED,
                permission="orders.allocate_order")
    def allocate(self) -> None:
        pass

    @transition(field=status, source=[OrderStatus.APPROVED, OrderStatus.ALLOCATED],
                target=OrderStatus.IN_PRODUCTION, permission="orders.produce_order",
                conditions=[lambda order: order.is_custom])
    def start_production(self) -> None:
        pass

    @transition(field=status, source=OrderStatus.IN_PRODUCTION, target=OrderStatus.ALLOCATED,
                permission="orders.produce_order")
    def finish_production(self) -> None:
        pass

    @transition(field=status, source=OrderStatus.ALLOCATED, target=OrderStatus.SHIPPED,
                permission="orders.ship_order")
    def ship(self) -> None:
        pass

    @transition(field=status, source=OrderStatus.SHIPPED, target=OrderStatus.IN_TRANSIT,
                permission="orders.track_order")
    def start_transit(self) -> None:
        pass

    @transition(field=status, source=OrderStatus.IN_TRANSIT, target=OrderStatus.DELIVERED,
                permission="orders.track_order")
    def deliver(self) -> None:
        pass

    @transition(field=status, source=OrderStatus.DELIVERED, target=OrderStatus.COMPLETED,
                permission="orders.complete_order")
    def complete(self) -> None:
        pass

    @transition(field=status, source=CANCELLABLE_STATUSES, target=OrderStatus.CANCELLED,
                permission="orders.cancel_order")
    def cancel(self, *, reason: str) -> None:
        _require_reason(reason)

    @transition(field=status, source=[OrderStatus.DELIVERED, OrderStatus.COMPLETED],
                target=OrderStatus.AFTER_SALES, permission="orders.handle_after_sales")
    def open_after_sales(self, *, reason: str) -> None:
        _require_reason(reason)
        self.status_before_after_sales = self.status

    @transition(field=status, source=[OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT],
                target=OrderStatus.AFTER_SALES, permission="orders.cancel_order")
    def cancel_after_shipping(self, *, reason: str) -> None:
        """Cancelled once the goods have left: the order becomes a return, and ends 已关闭
        when the return is processed."""
        _require_reason(reason)
        self.status_before_after_sales = OrderStatus.CLOSED

    @transition(field=status, source=OrderStatus.AFTER_SALES,
                target=RETURN_VALUE(OrderStatus.DELIVERED, OrderStatus.COMPLETED, OrderStatus.CLOSED),
                permission="orders.handle_after_sales")
    def close_after_sales(self) -> str:
        return self.status_before_after_sales or OrderStatus.DELIVERED


    @transition(field=status, source=CLOSABLE_STATUSES, target=OrderStatus.CLOSED, permission="orders.close_order")
    def close(self, *, reason: str) -> None:
        _require_reason(reason)


class OrderLine(models.Model):
    order = models.ForeignKey(Order, verbose_name=_("订单"), on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveSmallIntegerField(_("行号"))
    product = models.ForeignKey(
        "inventory.Product", verbose_name=_("商品"), on_delete=models.PROTECT, related_name="order_lines"
    )
    product_sku = models.CharField(_("商品编码"), max_length=40)
    product_name = models.CharField(_("商品名称"), max_length=120)
    product_spec = models.CharField(_("规格型号"), max_length=120, blank=True)
    unit = models.CharField(_("单位"), max_length=10)
    quantity = models.PositiveIntegerField(_("数量"), validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(
        _("单价(元,不含税)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    vat_rate = models.DecimalField(_("税率"), max_digits=4, decimal_places=2)
    amount = models.DecimalField(_("金额(不含税)"), max_digits=14, decimal_places=2)
    discount = models.DecimalField(_("分摊优惠"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    tax_amount = models.DecimalField(_("税额"), max_digits=14, decimal_places=2)
    list_price = models.DecimalField(_("标准单价"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    rule_price = models.DecimalField(_("规则单价"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    price_source = models.CharField(_("定价依据"), max_length=12, choices=[
        ("contract", _("合同价")), ("level", _("等级价")), ("break", _("阶梯价")), ("list", _("标准价")),
        ("manual", _("手工改价")),
    ], default="list")
    price_explanation = models.CharField(_("定价说明"), max_length=300, blank=True)
    override_reason = models.CharField(_("改价原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("订单行")
        verbose_name_plural = _("订单行")
        ordering = ["order", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="orderline_unique_line_no"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="orderline_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.order.number}#{self.line_no} {self.product_name} × {self.quantity}"

    @property
    def net_amount(self) -> Decimal:
        return self.amount - self.discount

    @property
    def total(self) -> Decimal:
        return self.net_amount + self.tax_amount


# --- pricing rules -----------------------------------------------------------------------
# Precedence of unit prices (see orders/pricing.py): contract price → customer-level
# discount → quantity break → list price. Promotions and freight apply to the order.


class ValidityQuerySet(models.QuerySet):
    def valid_on(self, day):
        return self.filter(is_active=True, valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))


class ContractPrice(models.Model):
    """合同价: a price agreed with one customer for one product, for a period."""

    customer = models.ForeignKey("customers.Customer", verbose_name=_("客户"), on_delete=models.CASCADE,
                                 related_name="contract_prices")
    product = models.ForeignKey("inventory.Product", verbose_name=_("商品"), on_delete=models.CASCADE,
                                related_name="contract_prices")
    unit_price = models.DecimalField(_("合同单价(元,不含税)"), max_digits=12, decimal_places=2,
                                     validators=[MinValueValidator(Decimal("0"))])
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True, help_text=_("含当天；留空表示长期有效"))
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("合同号/备注"), max_length=100, blank=True)

    objects = ValidityQuerySet.as_manager()

    class Meta:
        verbose_name = _("客户合同价")
        verbose_name_plural = _("客户合同价")
        ordering = ["customer", "product", "-valid_from"]
        indexes = [models.Index(fields=["customer", "product", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.customer} {self.product.sku} ¥{self.unit_price}"


class LevelDiscount(models.Model):
    """等级价: customers of a level pay a percentage of the list price (e.g. VIP 95 折),
    for one product, one category, or everything (both empty)."""

    level = models.CharField(_("客户等级"), max_length=16, choices=[
        ("normal", _("普通")), ("important", _("重要")), ("vip", "VIP"),
    ])
    product = models.ForeignKey("inventory.Product", verbose_name=_("商品"), null=True, blank=True,
                                on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey("inventory.Category", verbose_name=_("类目"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="+")
    percent_of_list = models.DecimalField(
        _("折扣(标准价的%)"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("100"))],
        help_text=_("95 表示 95 折"),
    )
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = ValidityQuerySet.as_manager()

    class Meta:
        verbose_name = _("等级折扣")
        verbose_name_plural = _("等级折扣")
        ordering = ["level", "product", "category"]

    def __str__(self) -> str:
        scope = self.product or self.category or _("全部商品")
        return f"{self.get_level_display()} {scope} {self.percent_of_list}%"


class QuantityBreak(models.Model):
    """阶梯价: from ``min_quantity`` units in one line, the unit price is ``unit_price``."""

    product = models.ForeignKey("inventory.Product", verbose_name=_("商品"), on_delete=models.CASCADE,
                                related_name="quantity_breaks")
    min_quantity = models.PositiveIntegerField(_("起订数量"), validators=[MinValueValidator(2)])
    unit_price = models.DecimalField(_("阶梯单价(元,不含税)"), max_digits=12, decimal_places=2,
                                     validators=[MinValueValidator(Decimal("0"))])
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = ValidityQuerySet.as_manager()

    class Meta:
        verbose_name = _("阶梯价")
        verbose_name_plural = _("阶梯价")
        ordering = ["product", "min_quantity"]

    def __str__(self) -> str:
        return f"{self.product.sku} ≥{self.min_quantity} ¥{self.unit_price}"


class Promotion(models.Model):
    class Kind(models.TextChoices):
        PERCENT_OFF = "percent_off", _("折扣（类目/商品）")
        AMOUNT_OFF = "amount_off", _("满减")
        FREE_FREIGHT = "free_freight", _("满额免运费")

    name = models.CharField(_("活动名称"), max_length=60)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    percent_off = models.DecimalField(_("减免比例(%)"), max_digits=5, decimal_places=2, null=True, blank=True,
                                      validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("90"))],
                                      help_text=_("折扣类：10 表示减 10%（9 折）"))
    product = models.ForeignKey("inventory.Product", verbose_name=_("限定商品"), null=True, blank=True,
                                on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey("inventory.Category", verbose_name=_("限定类目"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="+")
    threshold = models.DecimalField(_("门槛金额(元,不含税)"), max_digits=12, decimal_places=2, null=True, blank=True,
                                    validators=[MinValueValidator(Decimal("0"))],
                                    help_text=_("满减、免运费：商品金额达到此值才生效"))
    amount_off = models.DecimalField(_("减免金额(元)"), max_digits=12, decimal_places=2, null=True, blank=True,
                                     validators=[MinValueValidator(Decimal("0.01"))])
    stackable = models.BooleanField(_("可与其他活动叠加"), default=False)
    valid_from = models.DateField(_("开始日期"))
    valid_to = models.DateField(_("结束日期"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = ValidityQuerySet.as_manager()

    class Meta:
        verbose_name = _("促销活动")
        verbose_name_plural = _("促销活动")
        ordering = ["-valid_from", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.kind == self.Kind.PERCENT_OFF and not self.percent_off:
            raise ValidationError({"percent_off": _("折扣类活动必须填写减免比例")})
        if self.kind == self.Kind.AMOUNT_OFF and not (self.threshold and self.amount_off):
            raise ValidationError(_("满减活动必须填写门槛金额和减免金额"))
        if self.kind == self.Kind.AMOUNT_OFF and self.amount_off and self.threshold and self.amount_off >= self.threshold:
            raise ValidationError({"amount_off": _("减免金额必须小于门槛金额")})
        if self.kind == self.Kind.FREE_FREIGHT and self.threshold is None:
            raise ValidationError({"threshold": _("免运费活动必须填写门槛金额")})
        if self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("结束日期不能早于开始日期")})


class FreightRule(models.Model):
    """运费规则 for a destination: the most specific match (city, then province, then the
    default rule with both empty) decides the fee = base + per kg × total weight."""

    province = models.CharField(_("省"), max_length=20, blank=True, help_text=_("留空表示全国默认"))
    city = models.CharField(_("市"), max_length=30, blank=True, help_text=_("留空表示全省"))
    base_fee = models.DecimalField(_("首重/起步价(元,不含税)"), max_digits=10, decimal_places=2,
                                   validators=[MinValueValidator(Decimal("0"))])
    per_kg_fee = models.DecimalField(_("每公斤(元)"), max_digits=10, decimal_places=2, default=Decimal("0"),
                                     validators=[MinValueValidator(Decimal("0"))])
    free_over = models.DecimalField(_("满额包邮(元,不含税)"), max_digits=12, decimal_places=2, null=True, blank=True,
                                    help_text=_("商品金额（优惠后）达到此值免运费；留空表示不包邮"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("运费规则")
        verbose_name_plural = _("运费规则")
        ordering = ["province", "city"]
        constraints = [
            models.UniqueConstraint(fields=["province", "city"], condition=Q(is_active=True),
                                    name="freight_one_active_rule_per_destination"),
        ]

    def __str__(self) -> str:
        return f"{self.province or '全国'}{self.city}"


class OrderAdjustment(models.Model):
    """A line of the order that is not goods: a promotion (negative) or freight (positive)."""

    class Kind(models.TextChoices):
        PROMOTION = "promotion", _("促销")
        FREIGHT = "freight", _("运费")

    order = models.ForeignKey(Order, verbose_name=_("订单"), on_delete=models.CASCADE, related_name="adjustments")
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    label = models.CharField(_("名称"), max_length=200)
    amount = models.DecimalField(_("金额(不含税)"), max_digits=14, decimal_places=2)
    vat_rate = models.DecimalField(_("税率"), max_digits=4, decimal_places=2, default=Decimal("0"))
    tax_amount = models.DecimalField(_("税额"), max_digits=14, decimal_places=2, default=Decimal("0"))
    promotion = models.ForeignKey(Promotion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    explanation = models.CharField(_("计算说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("订单费用/优惠")
        verbose_name_plural = _("订单费用/优惠")
        ordering = ["order", "kind", "id"]

    def __str__(self) -> str:
        return f"{self.label} {self.amount}"


class Payment(models.Model):
    """收款: money received for an order (bank transfer, 货到付款 collected at delivery…)."""

    order = models.ForeignKey(Order, verbose_name=_("订单"), on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(_("付款方式"), max_length=20, choices=PaymentMethod.choices)
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    paid_at = models.DateTimeField(_("收款时间"), default=timezone.now)
    reference = models.CharField(_("流水号/凭证号"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("收款记录")
        verbose_name_plural = _("收款记录")
        ordering = ["paid_at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} +{self.amount}"


class Refund(models.Model):
    """退款: money paid back to the customer, with how it was computed."""

    class Source(models.TextChoices):
        CANCELLATION = "cancellation", _("取消订单")
        AFTER_SALES = "after_sales", _("售后")
        COMPENSATION = "compensation", _("赔偿")

    order = models.ForeignKey(Order, verbose_name=_("订单"), on_delete=models.PROTECT, related_name="refunds")
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    amount = models.DecimalField(_("退款金额"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    credit_amount = models.DecimalField(_("冲减应收"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    computation = models.TextField(_("计算说明"), blank=True)
    reason = models.CharField(_("原因"), max_length=300)
    case_number = models.CharField(_("售后单号"), max_length=30, blank=True)
    refunded_at = models.DateTimeField(_("退款时间"), default=timezone.now)
    reference = models.CharField(_("流水号"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("退款记录")
        verbose_name_plural = _("退款记录")
        ordering = ["refunded_at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} -{self.amount}"


class OrderEvent(models.Model):
    """One entry of the order's timeline: who did what, when, from which state to which, and why."""

    class Kind(models.TextChoices):
        CREATED = "created", _("创建")
        STATUS = "status", _("状态变更")
        EDITED = "edited", _("修改")
        NOTE = "note", _("备注")
        REVIEW = "review", _("自动审核")
        HOLD = "hold", _("冻结/放行")
        STOCK = "stock", _("库存")

    order = models.ForeignKey(Order, verbose_name=_("订单"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.STATUS)
    action = models.CharField(_("动作"), max_length=40, blank=True)
    from_status = models.CharField(_("原状态"), max_length=20, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=OrderStatus.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_name = models.CharField(_("操作人"), max_length=150)
    reason = models.TextField(_("原因/说明"), blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("订单事件")
        verbose_name_plural = _("订单事件")
        ordering = ["created_at", "id"]
        indexes = [
            # Reports: orders that were ever rejected / went to after-sales / had an exception.
            models.Index(fields=["action", "order"], name="event_action_order_idx"),
            models.Index(fields=["to_status", "order"], name="event_to_status_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.action} {self.from_status}→{self.to_status}"

    @property
    def action_label(self) -> str:
        from .workflow import ACTIONS

        spec = ACTIONS.get(self.action)
        return spec.label if spec else self.action


class CheckResult(models.TextChoices):
    PASS = "pass", _("通过")
    WARN = "warn", _("警告")
    BLOCK = "block", _("拦截")


class ReviewCheck(models.Model):
    """One named result of the automatic review of an order, with the figures behind it.

    The latest run replaces the previous results; the timeline keeps the history.
    """

    class Name(models.TextChoices):
        STOCK = "stock", _("库存")
        CREDIT = "credit", _("信用额度")
        OVERDUE = "overdue", _("逾期欠款")
        COMPLETENESS = "completeness", _("资料完整性")
        DUPLICATE = "duplicate", _("重复订单")
        PRICE = "price", _("价格")

    order = models.ForeignKey(Order, verbose_name=_("订单"), on_delete=models.CASCADE, related_name="checks")
    name = models.CharField(_("检查项"), max_length=20, choices=Name.choices)
    result = models.CharField(_("结果"), max_length=10, choices=CheckResult.choices)
    message = models.TextField(_("说明"))
    figures = models.JSONField(_("数据"), default=dict, blank=True)
    needs_override = models.BooleanField(_("需主管放行"), default=False)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("放行人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    overridden_at = models.DateTimeField(_("放行时间"), null=True, blank=True)
    override_reason = models.CharField(_("放行原因"), max_length=300, blank=True)
    checked_at = models.DateTimeField(_("检查时间"), default=timezone.now)

    class Meta:
        verbose_name = _("审核检查")
        verbose_name_plural = _("审核检查")
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["order", "name"], name="reviewcheck_one_per_name")]

    def __str__(self) -> str:
        return f"{self.get_name_display()}：{self.get_result_display()}"

    @property
    def is_blocking(self) -> bool:
        """Stops approval until fixed (block) or until a 主管 overrides it."""
        if self.overridden_at:
            return False
        return self.result == CheckResult.BLOCK or self.needs_override


class DailyOrderSequence(models.Model):
    """Last serial handed out per calendar day (Asia/Shanghai) for order numbers."""

    day = models.DateField(primary_key=True)
    last_serial = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("订单号序列")
        verbose_name_plural = _("订单号序列")


class ImportJob(models.Model):
    """One Excel batch import of orders: the uploaded file, who sent it, and what came of it.

    Kept for good (import history), whatever the outcome, so that a clerk can always see
    which file produced which orders and download the error report of a refused file.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        VALIDATING = "validating", _("校验中")
        READY = "ready", _("待确认")
        INVALID = "invalid", _("有错误")
        IMPORTING = "importing", _("导入中")
        IMPORTED = "imported", _("已导入")
        FAILED = "failed", _("失败")
        DISCARDED = "discarded", _("已放弃")

    class Source(models.TextChoices):
        WEB = "web", _("网页上传")
        COMMAND = "command", _("命令行")

    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/", max_length=300)
    original_name = models.CharField(_("文件名"), max_length=255)
    file_size = models.PositiveIntegerField(_("文件大小(字节)"), default=0)
    sha256 = models.CharField(_("文件指纹"), max_length=64, blank=True, db_index=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.WEB)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="order_imports",
    )
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now, db_index=True)
    validated_at = models.DateTimeField(_("校验完成时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("导入完成时间"), null=True, blank=True)

    row_count = models.PositiveIntegerField(_("数据行数"), default=0)
    order_count = models.PositiveIntegerField(_("订单数"), default=0)
    line_count = models.PositiveIntegerField(_("明细行数"), default=0)
    new_customer_count = models.PositiveIntegerField(_("新客户数"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    warning_count = models.PositiveIntegerField(_("提示数"), default=0)
    total_amount = models.DecimalField(_("价税合计"), max_digits=16, decimal_places=2, default=Decimal("0.00"))
    created_order_count = models.PositiveIntegerField(_("已创建订单数"), default=0)

    message = models.TextField(_("结果说明"), blank=True)
    # Every problem found: {"row", "column", "value", "message", "hint", "level"}.
    problems = models.JSONField(_("问题清单"), default=list, blank=True)
    # The first orders of the file as they will be created, for the preview.
    preview = models.JSONField(_("预览"), default=list, blank=True)
    # Keys of the warnings the user confirmed; a warning that appears only at import
    # time (someone entered the same order meanwhile) has to be confirmed again.
    accepted_warnings = models.JSONField(_("已确认的提示"), default=list, blank=True)
    created_orders = models.JSONField(_("已创建的订单号"), default=list, blank=True)
    task_id = models.CharField(max_length=50, blank=True, editable=False)

    class Meta:
        verbose_name = _("订单导入")
        verbose_name_plural = _("订单导入记录")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("import_orders", _("批量导入订单")),
            ("export_orders", _("导出订单")),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"

    @property
    def is_running(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.VALIDATING, self.Status.IMPORTING}

    @property
    def errors(self) -> list[dict]:
        return [p for p in self.problems if p.get("level") == "error"]

    @property
    def warnings(self) -> list[dict]:
        return [p for p in self.problems if p.get("level") == "warning"]

    @property
    def notices(self) -> list[dict]:
        return [p for p in self.problems if p.get("level") == "info"]
