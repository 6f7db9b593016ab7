from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.db.models import Q
from django.utils import timezone
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition

from customers.phones import mask_phone
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


class Order(FSMModelMixin, models.Model):
    number = models.CharField(_("订单号"), max_length=20, unique=True, editable=False)
    status = FSMField(
        _("状态"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING_REVIEW, protected=True
    )
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT, related_name="orders"
    )
    external_ref = models.CharField(_("外部单号"), max_length=50, blank=True)

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

    subtotal = models.DecimalField(_("不含税金额"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    tax_amount = models.DecimalField(_("税额"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    total = models.DecimalField(_("价税合计"), max_digits=14, decimal_places=2, default=Decimal("0.00"))

    created_at = models.DateTimeField(_("下单时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    status_changed_at = models.DateTimeField(_("状态变更时间"), default=timezone.now, editable=False)
    status_before_after_sales = models.CharField(max_length=20, blank=True, editable=False)

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
        ]
        indexes = [
            models.Index(fields=["status", "status_changed_at"]),
            models.Index(fields=["created_at"]),
            models.Index(fields=["customer", "created_at"]),
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

    # --- derived values -------------------------------------------------------------

    @property
    def is_custom(self) -> bool:
        return self.order_type == OrderType.CUSTOM

    @property
    def is_urgent(self) -> bool:
        return self.priority == Priority.URGENT

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def delivery_address(self) -> str:
        return f"{self.ship_province}{self.ship_city}{self.ship_district}{self.ship_address}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.contact_phone)

    # --- state machine: guards and field changes only; services do the rest ------

    @transition(field=status, source=OrderStatus.PENDING_REVIEW, target=OrderStatus.APPROVED,
                permission="orders.review_order")
    def approve(self) -> None:
        pass

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

    @transition(field=status, source=OrderStatus.AFTER_SALES,
                target=RETURN_VALUE(OrderStatus.DELIVERED, OrderStatus.COMPLETED),
                permission="orders.handle_after_sales")
    def close_after_sales(self) -> str:
        return self.status_before_after_sales or OrderStatus.DELIVERED


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
    tax_amount = models.DecimalField(_("税额"), max_digits=14, decimal_places=2)

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
    def total(self) -> Decimal:
        return self.amount + self.tax_amount


class OrderEvent(models.Model):
    """One entry of the order's timeline: who did what, when, from which state to which, and why."""

    class Kind(models.TextChoices):
        CREATED = "created", _("创建")
        STATUS = "status", _("状态变更")
        EDITED = "edited", _("修改")
        NOTE = "note", _("备注")

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

    def __str__(self) -> str:
        return f"{self.order_id} {self.action} {self.from_status}→{self.to_status}"

    @property
    def action_label(self) -> str:
        from .workflow import ACTIONS

        spec = ACTIONS.get(self.action)
        return spec.label if spec else self.action


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
