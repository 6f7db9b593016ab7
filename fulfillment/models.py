"""Fulfillment: production of 定制 goods, picking and shipping, logistics tracking,
exceptions, delivery proof and customer notifications.

The order itself changes state only through ``orders.services``; the services in this
app call them at the right moments (production started, last line shipped, first
运输中 event, signature) and keep their own documents here.
"""

from datetime import date, timedelta

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from customers.privacy import ContactDetails
from ordermgmt.encryption import BlindIndexField, EncryptedCharField, EncryptedTextField, KeepsBlindIndexes
from ordermgmt.history import signed_in_user

# --- production -----------------------------------------------------------------------

class ProductionStatus(models.TextChoices):
    PLANNED = "planned", _("待生产")
    IN_PROGRESS = "in_progress", _("生产中")
    QC_PASSED = "qc_passed", _("质检合格")
    STOCKED = "stocked", _("已入库")
    CANCELLED = "cancelled", _("已取消")


PRODUCTION_OPEN = [ProductionStatus.PLANNED, ProductionStatus.IN_PROGRESS, ProductionStatus.QC_PASSED]


class ProductionOrderQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=PRODUCTION_OPEN)

    def late(self, today: date):
        """Behind plan: not started by the planned start, or not in stock by the planned finish."""
        return self.open().filter(
            Q(planned_finish__lt=today) | Q(status=ProductionStatus.PLANNED, planned_start__lt=today)
        )


class ProductionOrder(FSMModelMixin, models.Model):
    """Making the 定制 goods of one order line: 待生产 → 生产中 → 质检合格 → 已入库."""

    number = models.CharField(_("生产单号"), max_length=30, unique=True)
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("订单"), on_delete=models.PROTECT, related_name="production_orders"
    )
    # SET_NULL: editing an approved order rewrites its lines; the cancelled production order stays as history.
    order_line = models.ForeignKey(
        "orders.OrderLine", verbose_name=_("订单行"), null=True, on_delete=models.SET_NULL,
        related_name="production_orders",
    )
    product = models.ForeignKey("inventory.Product", verbose_name=_("商品"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("数量"), validators=[MinValueValidator(1)])
    status = FSMField(
        _("状态"), max_length=20, choices=ProductionStatus.choices, default=ProductionStatus.PLANNED, protected=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("生产组长"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="production_orders",
    )
    planned_start = models.DateField(_("计划开工"), null=True, blank=True)
    planned_finish = models.DateField(_("计划完工"), null=True, blank=True)
    warehouse = models.ForeignKey(
        "inventory.Warehouse", verbose_name=_("入库仓库"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    batch = models.ForeignKey(
        "inventory.StockBatch", verbose_name=_("入库批次"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    qc_note = models.TextField(_("质检记录"), blank=True)
    cancel_reason = models.TextField(_("取消原因"), blank=True)
    started_at = models.DateTimeField(_("开工时间"), null=True, blank=True)
    qc_passed_at = models.DateTimeField(_("质检时间"), null=True, blank=True)
    stocked_at = models.DateTimeField(_("入库时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    objects = ProductionOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("生产单")
        verbose_name_plural = _("生产单")
        ordering = ["planned_finish", "id"]
        permissions = [("manage_production", _("管理生产单"))]
        indexes = [models.Index(fields=["status", "planned_finish"])]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in PRODUCTION_OPEN

    def late_reason(self, today: date | None = None) -> str:
        today = today or timezone.localdate()
        if not self.is_open:
            return ""
        if self.planned_finish and self.planned_finish < today:
            return f"计划 {self.planned_finish:%Y-%m-%d} 完工，已逾期 {(today - self.planned_finish).days} 天"
        if self.status == ProductionStatus.PLANNED and self.planned_start and self.planned_start < today:
            return f"计划 {self.planned_start:%Y-%m-%d} 开工，已晚 {(today - self.planned_start).days} 天仍未开工"
        return ""

    @transition(field=status, source=ProductionStatus.PLANNED, target=ProductionStatus.IN_PROGRESS)
    def start(self) -> None:
        pass

    @transition(field=status, source=ProductionStatus.IN_PROGRESS, target=ProductionStatus.QC_PASSED)
    def pass_qc(self) -> None:
        pass

    @transition(field=status, source=ProductionStatus.QC_PASSED, target=ProductionStatus.STOCKED)
    def stock(self) -> None:
        pass

    @transition(field=status, source=PRODUCTION_OPEN, target=ProductionStatus.CANCELLED)
    def cancel(self) -> None:
        pass


# --- warehouse ----------------------------------------------------------------------------

class PickListStatus(models.TextChoices):
    OPEN = "open", _("待拣货")
    PICKED = "picked", _("拣货完成")
    PACKED = "packed", _("打包完成")
    SHIPPED = "shipped", _("已出库")
    CANCELLED = "cancelled", _("已作废")


PICK_LIST_OPEN = [PickListStatus.OPEN, PickListStatus.PICKED, PickListStatus.PACKED]


class PickList(FSMModelMixin, models.Model):
    """What the warehouse picks for one shipment: 待拣货 → 拣货完成 → 打包完成 → 已出库.

    An order may be shipped with several pick lists (partial shipment). A pick list made to
    re-ship a lost shipment points at it with ``replaces_shipment``.
    """

    number = models.CharField(_("拣货单号"), max_length=30, unique=True)
    order = models.ForeignKey("orders.Order", verbose_name=_("订单"), on_delete=models.PROTECT, related_name="pick_lists")
    status = FSMField(_("状态"), max_length=20, choices=PickListStatus.choices, default=PickListStatus.OPEN, protected=True)
    replaces_shipment = models.ForeignKey(
        "Shipment", verbose_name=_("补发原运单"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The warehouse the goods are picked in: a pick list never spans two warehouses (issue 19).
    warehouse = models.ForeignKey(
        "inventory.Warehouse", verbose_name=_("仓库"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    package_count = models.PositiveSmallIntegerField(_("包裹数"), default=1)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    cancel_reason = models.TextField(_("作废原因"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    picked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("拣货人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    picked_at = models.DateTimeField(_("拣货完成时间"), null=True, blank=True)
    packed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("打包人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    packed_at = models.DateTimeField(_("打包完成时间"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("出库时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("拣货单")
        verbose_name_plural = _("拣货单")
        ordering = ["-created_at", "-id"]
        permissions = [("manage_picking", _("拣货、打包与出库"))]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in PICK_LIST_OPEN

    @property
    def total_quantity(self) -> int:
        return sum(line.quantity for line in self.lines.all())

    @transition(field=status, source=PickListStatus.OPEN, target=PickListStatus.PICKED)
    def mark_picked(self) -> None:
        pass

    @transition(field=status, source=PickListStatus.PICKED, target=PickListStatus.PACKED)
    def mark_packed(self) -> None:
        pass

    @transition(field=status, source=PickListStatus.PACKED, target=PickListStatus.SHIPPED)
    def ship(self) -> None:
        pass

    @transition(field=status, source=PICK_LIST_OPEN, target=PickListStatus.CANCELLED)
    def cancel(self) -> None:
        pass


class PickListLine(models.Model):
    """One allocation (a batch quantity reserved for an order line) taken in full."""

    pick_list = models.ForeignKey(PickList, verbose_name=_("拣货单"), on_delete=models.CASCADE, related_name="lines")
    # SET_NULL: a pick list withdrawn when its order is edited keeps its history; lines of a
    # shipped pick list never go away (an order with shipments cannot be edited).
    order_line = models.ForeignKey(
        "orders.OrderLine", verbose_name=_("订单行"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    allocation = models.ForeignKey(
        "inventory.StockAllocation", verbose_name=_("库存分配"), null=True, on_delete=models.SET_NULL,
        related_name="pick_lines",
    )
    batch = models.ForeignKey("inventory.StockBatch", verbose_name=_("批次"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("数量"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("拣货明细")
        verbose_name_plural = _("拣货明细")
        ordering = ["order_line__line_no", "batch_id", "id"]


# --- logistics -------------------------------------------------------------------------------

class Carrier(models.Model):
    name = models.CharField(_("承运商"), max_length=60)
    code = models.SlugField(_("编码"), max_length=20, unique=True, help_text=_("推送接口地址中使用，如 sf"))
    tracking_url_pattern = models.CharField(
        _("运单查询地址"), max_length=300, blank=True,
        help_text=_("用 {tracking_number} 表示运单号，如 https://www.example.com/track?no={tracking_number}"),
    )
    default_transit_days = models.PositiveSmallIntegerField(_("标准时效(天)"), default=3)
    poller = models.CharField(
        _("轮询接口"), max_length=30, blank=True, help_text=_("定期查询该承运商物流状态的实现；留空则只接受推送和人工录入")
    )
    api_token_hash = models.CharField(_("推送令牌摘要"), max_length=64, blank=True, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("承运商")
        verbose_name_plural = _("承运商")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def tracking_url(self, tracking_number: str) -> str:
        if not self.tracking_url_pattern:
            return ""
        return self.tracking_url_pattern.replace("{tracking_number}", tracking_number)

    def transit_days_to(self, province: str) -> int:
        for rule in self.transit_times.all():
            if rule.province == province:
                return rule.transit_days
        return self.default_transit_days


class CarrierTransitTime(models.Model):
    carrier = models.ForeignKey(Carrier, verbose_name=_("承运商"), on_delete=models.CASCADE, related_name="transit_times")
    province = models.CharField(_("目的省份"), max_length=20)
    transit_days = models.PositiveSmallIntegerField(_("时效(天)"))

    class Meta:
        verbose_name = _("分区时效")
        verbose_name_plural = _("分区时效")
        ordering = ["carrier", "province"]
        constraints = [models.UniqueConstraint(fields=["carrier", "province"], name="carrier_transit_unique_province")]


class ShipmentStatus(models.TextChoices):
    SHIPPED = "shipped", _("已出库")
    PICKED_UP = "picked_up", _("已揽收")
    IN_TRANSIT = "in_transit", _("运输中")
    OUT_FOR_DELIVERY = "out_for_delivery", _("派送中")
    DELIVERED = "delivered", _("已签收")
    EXCEPTION = "exception", _("异常")
    REPLACED = "replaced", _("已补发")
    LOST = "lost", _("已丢失(已赔偿)")


# Shipments no longer watched for delays or silence.
SHIPMENT_CLOSED = [ShipmentStatus.DELIVERED, ShipmentStatus.REPLACED, ShipmentStatus.LOST]


class EventKind(models.TextChoices):
    PICKED_UP = "picked_up", _("已揽收")
    IN_TRANSIT = "in_transit", _("运输中")
    OUT_FOR_DELIVERY = "out_for_delivery", _("派送中")
    DELIVERED = "delivered", _("已签收")
    EXCEPTION = "exception", _("异常")


class ShipmentQuerySet(models.QuerySet):
    def active(self):
        return self.exclude(status__in=SHIPMENT_CLOSED)


class Shipment(models.Model):
    order = models.ForeignKey("orders.Order", verbose_name=_("订单"), on_delete=models.PROTECT, related_name="shipments")
    pick_list = models.OneToOneField(
        PickList, verbose_name=_("拣货单"), null=True, blank=True, on_delete=models.PROTECT, related_name="shipment"
    )
    carrier = models.ForeignKey(Carrier, verbose_name=_("承运商"), on_delete=models.PROTECT, related_name="shipments")
    tracking_number = models.CharField(_("物流单号"), max_length=40)
    status = models.CharField(_("物流状态"), max_length=20, choices=ShipmentStatus.choices, default=ShipmentStatus.SHIPPED)
    shipped_at = models.DateTimeField(_("发货时间"))
    expected_delivery_date = models.DateField(_("预计送达"))
    last_event_at = models.DateTimeField(_("最新物流时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    replaces = models.ForeignKey(
        "self", verbose_name=_("补发原运单"), null=True, blank=True, on_delete=models.PROTECT, related_name="replacements"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发货人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ShipmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("运单")
        verbose_name_plural = _("运单")
        ordering = ["-shipped_at", "-id"]
        permissions = [("manage_shipments", _("物流跟踪与异常处理"))]
        constraints = [
            models.UniqueConstraint(fields=["carrier", "tracking_number"], name="shipment_unique_tracking_per_carrier"),
        ]
        indexes = [
            models.Index(fields=["status", "expected_delivery_date"]),
            # The order list's search by tracking number, whatever the carrier.
            models.Index(fields=["tracking_number"], name="shipment_tracking_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}"

    @property
    def is_active(self) -> bool:
        return self.status not in SHIPMENT_CLOSED

    @property
    def tracking_url(self) -> str:
        return self.carrier.tracking_url(self.tracking_number)

    @property
    def last_activity_at(self):
        return self.last_event_at or self.shipped_at


class EventSource(models.TextChoices):
    MANUAL = "manual", _("人工录入")
    PUSH = "push", _("承运商推送")
    POLL = "poll", _("定时查询")


class ShipmentEvent(models.Model):
    shipment = models.ForeignKey(Shipment, verbose_name=_("运单"), on_delete=models.CASCADE, related_name="events")
    # Repeated from the shipment so that the carrier's event id can be unique per carrier.
    carrier = models.ForeignKey(Carrier, verbose_name=_("承运商"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("物流状态"), max_length=20, choices=EventKind.choices)
    place = models.CharField(_("地点"), max_length=100, blank=True)
    occurred_at = models.DateTimeField(_("时间"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=EventSource.choices, default=EventSource.MANUAL)
    external_id = models.CharField(_("承运商事件编号"), max_length=80, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("物流事件")
        verbose_name_plural = _("物流事件")
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "external_id"], condition=~Q(external_id=""), name="shipment_event_unique_external_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shipment} {self.get_kind_display()} {self.occurred_at:%Y-%m-%d %H:%M}"


class ExceptionNote:
    """What fulfillment writes on the order timeline (``OrderEvent.action``) about logistics
    exceptions. Reports and the customer notices find these notes by these names."""

    FLAGGED = "shipment_exception"  # a shipment flagged 延误, 疑似丢件 or 承运商异常
    RESOLVED = "exception_resolved"  # the flag resolved: 补发, 赔偿, or the parcel turned up


class ExceptionKind(models.TextChoices):
    DELAYED = "delayed", _("延误")
    SUSPECTED_LOSS = "suspected_loss", _("疑似丢件")
    CARRIER = "carrier", _("物流异常")


class ExceptionStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    RESOLVED = "resolved", _("已处理")


class Resolution(models.TextChoices):
    RESHIP = "reship", _("补发")
    COMPENSATION = "compensation", _("赔偿")
    RECOVERED = "recovered", _("物流已恢复")


class ShipmentException(models.Model):
    shipment = models.ForeignKey(Shipment, verbose_name=_("运单"), on_delete=models.CASCADE, related_name="exceptions")
    kind = models.CharField(_("异常类型"), max_length=20, choices=ExceptionKind.choices)
    reason = models.CharField(_("原因"), max_length=300)
    detected_at = models.DateTimeField(_("发现时间"), default=timezone.now)
    status = models.CharField(_("状态"), max_length=10, choices=ExceptionStatus.choices, default=ExceptionStatus.OPEN)
    resolution = models.CharField(_("处理方式"), max_length=20, choices=Resolution.choices, blank=True)
    compensation_amount = models.DecimalField(_("赔偿金额"), max_digits=12, decimal_places=2, null=True, blank=True)
    resolution_note = models.TextField(_("处理说明"), blank=True)
    replacement_pick_list = models.ForeignKey(
        PickList, verbose_name=_("补发拣货单"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("处理人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("物流异常")
        verbose_name_plural = _("物流异常")
        ordering = ["-detected_at", "-id"]
        constraints = [
            # The beat task runs every half hour: a shipment carries at most one open flag per kind.
            models.UniqueConstraint(
                fields=["shipment", "kind"], condition=Q(status="open"), name="shipment_exception_one_open_per_kind"
            ),
        ]
        indexes = [models.Index(fields=["status", "detected_at"])]

    def __str__(self) -> str:
        return f"{self.shipment} {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.status == ExceptionStatus.OPEN


# --- delivery proof -------------------------------------------------------------------------

class ReceiptCondition(models.TextChoices):
    NORMAL = "normal", _("完好")
    DAMAGED = "damaged", _("破损")
    WRONG_ITEM = "wrong_item", _("错发")
    MISSING_ITEMS = "missing_items", _("少件")


class DeliveryProof(models.Model):
    shipment = models.OneToOneField(Shipment, verbose_name=_("运单"), on_delete=models.CASCADE, related_name="proof")
    receiver_name = EncryptedCharField(_("签收人"), max_length=50)
    condition = models.CharField(_("货物状况"), max_length=20, choices=ReceiptCondition.choices, default=ReceiptCondition.NORMAL)
    note = models.TextField(_("说明"), blank=True)
    signed_at = models.DateTimeField(_("签收时间"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("签收凭证")
        verbose_name_plural = _("签收凭证")

    @property
    def is_abnormal(self) -> bool:
        return self.condition != ReceiptCondition.NORMAL


class ProofFile(models.Model):
    class Kind(models.TextChoices):
        SIGNATURE = "signature", _("签名")
        PHOTO = "photo", _("签收照片")
        ABNORMAL = "abnormal", _("异常照片")

    # Who may open a file stored here (also when an after-sales case shares it): see apps.py.
    UPLOAD_FOLDER = "proofs"
    VIEW_PERMISSION = "fulfillment.view_deliveryproof"

    proof = models.ForeignKey(DeliveryProof, verbose_name=_("签收凭证"), on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    # Random name under MEDIA_ROOT/proofs/; never linked publicly (see views/proofs.py).
    file = models.FileField(_("文件"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=40)
    size = models.PositiveIntegerField(_("大小(字节)"))
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("凭证文件")
        verbose_name_plural = _("凭证文件")
        ordering = ["id"]


# --- notifications ------------------------------------------------------------------------

class NoticeKey(models.TextChoices):
    ORDER_APPROVED = "order_approved", _("订单已受理")
    ORDER_REJECTED = "order_rejected", _("订单被驳回")
    ORDER_SHIPPED = "order_shipped", _("订单已发货")
    ORDER_DELIVERED = "order_delivered", _("订单已签收")
    SHIPMENT_EXCEPTION = "shipment_exception", _("物流异常")
    EXCEPTION_RESOLVED = "exception_resolved", _("物流异常处理结果")
    ORDER_CANCELLED = "order_cancelled", _("订单已取消")
    AFTER_SALES_OPENED = "after_sales_opened", _("售后已受理")
    ORDER_REFUNDED = "order_refunded", _("退款已办理")
    COMPLAINT_RESOLVED = "complaint_resolved", _("投诉处理结果")


class Channel(models.TextChoices):
    EMAIL = "email", _("邮件")
    SMS = "sms", _("短信")


class NotificationTemplate(models.Model):
    key = models.CharField(_("通知类型"), max_length=30, choices=NoticeKey.choices)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    subject = models.CharField(_("邮件标题"), max_length=200, blank=True)
    body = models.TextField(_("内容"))
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords(get_user=signed_in_user)

    class Meta:
        verbose_name = _("通知模板")
        verbose_name_plural = _("通知模板")
        ordering = ["key", "channel"]
        constraints = [models.UniqueConstraint(fields=["key", "channel"], name="notification_template_unique_key_channel")]

    def __str__(self) -> str:
        return f"{self.get_key_display()} · {self.get_channel_display()}"


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    SKIPPED = "skipped", _("未发送")


class NotificationMessage(KeepsBlindIndexes, models.Model):
    """The outbox: every notice to a customer, written in the same transaction as the
    timeline event that caused it, then sent by Celery. Nothing is deleted. A notice about no
    order (the answer to a complaint made by phone about a person or a bill) has none."""

    order = models.ForeignKey("orders.Order", verbose_name=_("订单"), null=True, blank=True, on_delete=models.CASCADE,
                              related_name="notifications")
    event = models.ForeignKey(
        "orders.OrderEvent", verbose_name=_("触发事件"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    key = models.CharField(_("通知类型"), max_length=30, choices=NoticeKey.choices)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    recipient = EncryptedCharField(_("收件人"), max_length=254, blank=True)
    # Exact search by the recipient's phone or e-mail (the recipient itself is encrypted).
    recipient_index = BlindIndexField(source="recipient")
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    body = EncryptedTextField(_("内容"))
    status = models.CharField(_("状态"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    provider_message_id = models.CharField(_("网关消息号"), max_length=100, blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("最近尝试"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    failed_at = models.DateTimeField(_("失败时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知发件箱")
        ordering = ["-created_at", "-id"]
        permissions = [("resend_notification", _("重新发送通知"))]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "channel"], condition=Q(event__isnull=False), name="notification_one_per_event_channel"
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient or '—'} {self.get_key_display()}"

    @property
    def contact_details(self) -> ContactDetails:
        return ContactDetails(email=self.recipient) if self.channel == Channel.EMAIL else ContactDetails(
            phone=self.recipient)


def loss_cutoff(now=None):
    """Shipments silent since before this moment are 疑似丢件."""
    return (now or timezone.now()) - timedelta(days=settings.FULFILLMENT_LOSS_AFTER_DAYS)
