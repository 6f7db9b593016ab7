"""The order, its lines, and what the customer owes."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Case, ExpressionWrapper, F, Q, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, transition

from customers.phones import mask_phone
from customers.privacy import ContactDetails
from ordermgmt.encryption import BlindIndexField, EncryptedCharField, EncryptedEmailField, KeepsBlindIndexes
from ordermgmt.errors import InvalidInput

from ..states import (
    CANCELLABLE_STATUSES,
    CLOSABLE_STATUSES,
    EDITABLE_STATUSES,
    FINAL_STATUSES,
    Channel,
    InvoiceType,
    OrderStatus,
    OrderType,
    PaymentMethod,
    Priority,
)

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
# 有未收余额 (BALANCE_DUE > 0) as a plain condition on the row, so that the order list's
# filter can use a partial index (order_unpaid_created_idx) built on the same condition.
UNPAID = ~Q(status__in=UNBILLED_STATUSES) & Q(total__gt=F("returned_amount") + F("paid_amount") - F("refunded_amount"))


def _require_reason(reason: str) -> None:
    if not (reason or "").strip():
        raise InvalidInput("请填写原因", code="reason_required")


class Order(KeepsBlindIndexes, models.Model):
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
    # The receiver's name, phone, e-mail and street are encrypted at rest (ordermgmt/encryption.py);
    # province, city and district stay in clear for reports and freight.
    contact_name = EncryptedCharField(_("联系人"), max_length=50)
    # The order list's search by the receiver's whole name.
    contact_name_index = BlindIndexField(source="contact_name", kind="name")
    contact_phone = EncryptedCharField(_("联系电话"), max_length=20)
    contact_email = EncryptedEmailField(_("电子邮箱"), blank=True)
    # Exact search by phone, and nothing else (the phone itself is encrypted).
    contact_phone_index = BlindIndexField(source="contact_phone")
    ship_province = models.CharField(_("省"), max_length=20)
    ship_city = models.CharField(_("市"), max_length=30)
    ship_district = models.CharField(_("区/县"), max_length=30, blank=True)
    ship_address = EncryptedCharField(_("详细地址"), max_length=200)

    channel = models.CharField(_("下单渠道"), max_length=10, choices=Channel.choices, default=Channel.PHONE)
    # The sales channel an API client stands for ("taobao-shop-1"); empty for orders entered in
    # the portal or imported. Within a channel its own order number (external_ref) is unique.
    channel_code = models.CharField(_("渠道编码"), max_length=40, blank=True, default="", db_default="",
                                    editable=False)
    # Why the order is served from the warehouse(s) it is (written at allocation, issue 19):
    # "收货地址广东省 → 广州仓（规则：华南）".
    warehouse_note = models.CharField(_("发货仓说明"), max_length=300, blank=True, default="", editable=False)
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
    # Set when the receiver's personal data was anonymised (retention period over, or erased
    # on the customer's request); the tracking page then says the order is archived.
    anonymised_at = models.DateTimeField(_("匿名化时间"), null=True, blank=True, editable=False)

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
            models.Index(fields=["external_ref"], name="order_external_ref_idx"),
            # Reports: orders delivered in a period.
            models.Index(fields=["delivered_at"], name="order_delivered_idx"),
            # The order list's searches (issue 16): region,
            # amount range, and the orders with a balance due, newest first.
            models.Index(fields=["ship_province", "-created_at"], name="order_province_created_idx"),
            models.Index(fields=["ship_city", "-created_at"], name="order_city_created_idx"),
            models.Index(fields=["total"], name="order_total_idx"),
            # Covering the list's other narrow filters, so that counting a combination reads
            # the index alone.
            models.Index(fields=["-created_at"], condition=UNPAID, include=["ship_province", "ship_city", "total"],
                         name="order_unpaid_created_idx"),
            # Integrations polling for changes: of one channel, or of all.
            models.Index(fields=["channel_code", "updated_at"], name="order_channel_code_updated_idx"),
            models.Index(fields=["updated_at"], name="order_updated_idx"),
        ]
        constraints = [
            # Entered in the portal or imported: one order per customer and external number.
            models.UniqueConstraint(
                fields=["customer", "external_ref"],
                condition=~Q(external_ref="") & Q(channel_code=""),
                name="order_unique_external_ref_per_customer",
            ),
            # Pushed by a channel through the API: one order per channel and its own order number
            # (a channel resending an order under a new idempotency key is refused).
            models.UniqueConstraint(
                fields=["channel_code", "external_ref"],
                condition=~Q(external_ref="") & ~Q(channel_code=""),
                name="order_unique_external_ref_per_channel",
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
    # In base units (``unit``, the product's own): what stock, picking, shipping and returns count.
    quantity = models.PositiveIntegerField(_("数量"), validators=[MinValueValidator(1)])
    # The unit the customer ordered in when not the base unit (箱 = 12 瓶, issue 19): documents
    # print ``sales_quantity`` ``sales_unit``; ``quantity`` = ``sales_quantity`` × ``unit_factor``.
    # ``unit_price``, ``list_price`` and ``rule_price`` are per ordered unit.
    sales_unit = models.CharField(_("下单单位"), max_length=10, blank=True, default="")
    sales_quantity = models.PositiveIntegerField(_("下单数量"), null=True, blank=True)
    unit_factor = models.PositiveIntegerField(_("折合基本单位"), default=1)
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
        ("unit", _("单位价")), ("manual", _("手工改价")),
    ], default="list")
    price_explanation = models.CharField(_("定价说明"), max_length=300, blank=True)
    override_reason = models.CharField(_("改价原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("订单行")
        verbose_name_plural = _("订单行")
        ordering = ["order", "line_no"]
        # The order list's search by SKU (from its start).
        indexes = [models.Index(fields=["product_sku"], name="orderline_sku_idx", opclasses=["varchar_pattern_ops"])]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="orderline_unique_line_no"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="orderline_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.order.number}#{self.line_no} {self.product_name} × {self.quantity}"

    @property
    def ordered_quantity(self) -> int:
        """The quantity in the unit the customer ordered in (what documents print)."""
        return self.sales_quantity if self.sales_unit else self.quantity

    @property
    def ordered_unit(self) -> str:
        return self.sales_unit or self.unit

    @property
    def base_note(self) -> str:
        """"（24 瓶）" after a quantity in another unit; empty for the base unit."""
        return f"（{self.quantity} {self.unit}）" if self.sales_unit else ""

    @property
    def net_amount(self) -> Decimal:
        return self.amount - self.discount

    @property
    def total(self) -> Decimal:
        return self.net_amount + self.tax_amount


def transition_permission(action: str) -> str:
    """The permission a user needs for ``action``, read from the model's transition."""
    for spec in Order._meta.get_field("status").get_all_transitions(Order):
        if spec.name == action:
            return spec.permission
    raise KeyError(action)
