from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from simple_history.models import HistoricalRecords

from customers.search import search_fields
from ordermgmt.history import signed_in_user


class StockType(models.TextChoices):
    STOCK = "stock", _("现货")
    CUSTOM = "custom", _("定制")


VAT_RATE_CHOICES = [
    (Decimal("0.13"), "13%"),
    (Decimal("0.09"), "9%"),
    (Decimal("0.06"), "6%"),
    (Decimal("0.00"), "0%（免税）"),
]


class ProductQuerySet(models.QuerySet):
    def with_stock(self):
        """Annotate on_hand / allocated / available from the batches in one query.

        Goods in a quarantine warehouse (failed inspection) are not stock a customer can have.
        """
        usable = Q(batches__warehouse__is_quarantine=False)
        return self.annotate(
            on_hand=Coalesce(Sum("batches__quantity_remaining", filter=usable), 0),
            allocated=Coalesce(Sum("batches__quantity_allocated", filter=usable), 0),
        ).annotate(available=F("on_hand") - F("allocated"))


class Category(models.Model):
    code = models.CharField(_("类目编码"), max_length=20, unique=True)
    name = models.CharField(_("类目名称"), max_length=60)

    class Meta:
        verbose_name = _("商品类目")
        verbose_name_plural = _("商品类目")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    sku = models.CharField(_("商品编码"), max_length=40, unique=True)
    name = models.CharField(_("商品名称"), max_length=120)
    spec = models.CharField(_("规格型号"), max_length=120, blank=True)
    unit = models.CharField(_("单位"), max_length=10, default="件")
    category = models.ForeignKey(
        Category, verbose_name=_("类目"), null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    weight_kg = models.DecimalField(
        _("单件重量(kg)"), max_digits=10, decimal_places=3, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    floor_price = models.DecimalField(
        _("最低售价(元,不含税)"), max_digits=12, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))], help_text=_("手工改价低于此价需主管批准；留空表示不限"),
    )
    list_price = models.DecimalField(
        _("标准单价(元,不含税)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    vat_rate = models.DecimalField(_("增值税率"), max_digits=4, decimal_places=2, default=Decimal("0.13"), choices=VAT_RATE_CHOICES
    )
    stock_type = models.CharField(_("库存类型"), max_length=10, choices=StockType.choices, default=StockType.STOCK)
    safety_stock = models.PositiveIntegerField(_("安全库存"), default=0)
    # Issue 19 (效期): products whose batches carry an expiry date are allocated first-expiry-first-out.
    tracks_expiry = models.BooleanField(_("效期管理"), default=False)
    # Issue 20: the standard cost finance keeps, used when a batch has no purchase price.
    standard_cost = models.DecimalField(_("标准成本"), max_digits=12, decimal_places=2, null=True, blank=True)
    is_active = models.BooleanField(_("在售"), default=True)
    search_key = models.CharField(max_length=600, editable=False, db_index=True, default="")
    # The name's full pinyin and initials (螺纹钢 → luowengang, lwg) for the pickers.
    pinyin = models.CharField(max_length=300, editable=False, default="")
    initials = models.CharField(max_length=120, editable=False, default="")
    # Any change of the product: an import previewed before it is checked again at confirmation.
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ProductQuerySet.as_manager()

    history = HistoricalRecords(excluded_fields=["search_key"], get_user=signed_in_user)

    class Meta:
        verbose_name = _("商品")
        verbose_name_plural = _("商品")
        ordering = ["sku"]
        # On PostgreSQL the search key also has a trigram index (migration 0007) for 包含 searches.
        indexes = [models.Index(fields=["initials"], name="product_initials_idx", opclasses=["varchar_pattern_ops"]),
                   models.Index(fields=["pinyin"], name="product_pinyin_idx", opclasses=["varchar_pattern_ops"]),
                   models.Index(fields=["sku"], name="product_sku_prefix_idx", opclasses=["varchar_pattern_ops"]),
                   models.Index(fields=["name"], name="product_name_prefix_idx", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}" + (f"（{self.spec}）" if self.spec else "")

    def save(self, *args, **kwargs):
        for name, value in search_fields(self.name, self.sku, self.spec).items():
            setattr(self, name, value)
        super().save(*args, **kwargs)

    @property
    def is_custom(self) -> bool:
        return self.stock_type == StockType.CUSTOM


class Warehouse(models.Model):
    code = models.CharField(_("仓库编码"), max_length=20, unique=True)
    name = models.CharField(_("仓库名称"), max_length=60)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    is_quarantine = models.BooleanField(
        _("隔离仓"), default=False,
        help_text=_("检验不合格的退货存放于此：不计入可用库存，不参与分配"),
    )

    class Meta:
        verbose_name = _("仓库")
        verbose_name_plural = _("仓库")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class StockBatch(models.Model):
    """One receipt of goods. FIFO allocation takes the oldest ``received_at`` first.

    ``quantity_allocated`` is kept in step with the active allocations by the stock
    services, under a row lock, so that availability is one subtraction and the database
    itself refuses an over-allocation (see the check constraints).
    """

    batch_no = models.CharField(_("批次号"), max_length=40, unique=True)
    warehouse = models.ForeignKey(Warehouse, verbose_name=_("仓库"), on_delete=models.PROTECT, related_name="batches")
    product = models.ForeignKey(Product, verbose_name=_("商品"), on_delete=models.PROTECT, related_name="batches")
    received_at = models.DateTimeField(_("入库时间"))
    quantity_received = models.PositiveIntegerField(_("入库数量"))
    quantity_remaining = models.PositiveIntegerField(_("结存数量"))
    quantity_allocated = models.PositiveIntegerField(_("已分配数量"), default=0)
    # Lot attributes: a transfer copies them to the batch it creates at the destination.
    production_date = models.DateField(_("生产日期"), null=True, blank=True)
    expiry_date = models.DateField(_("有效期至"), null=True, blank=True)
    unit_cost = models.DecimalField(_("进价"), max_digits=12, decimal_places=2, null=True, blank=True,
                                    help_text=_("收货时的采购单价（每基本单位）；无则按商品标准成本"))

    class Meta:
        verbose_name = _("库存批次")
        verbose_name_plural = _("库存批次")
        ordering = ["received_at", "id"]
        indexes = [models.Index(fields=["product", "received_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_allocated__lte=F("quantity_remaining")),
                name="batch_allocated_within_remaining",
            ),
            models.CheckConstraint(
                condition=Q(quantity_remaining__lte=F("quantity_received")) | Q(quantity_received=0),
                name="batch_remaining_within_received",
            ),
        ]

    def __str__(self) -> str:
        return self.batch_no

    @property
    def quantity_available(self) -> int:
        return self.quantity_remaining - self.quantity_allocated


class DailyBatchSequence(models.Model):
    """Last serial handed out for automatic batch numbers, per product and receiving day
    (Asia/Shanghai): ``B20261201-A100-007`` is the 7th of product A100 on 1 December."""

    product = models.ForeignKey(Product, verbose_name=_("商品"), on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("入库日期"))
    last_serial = models.PositiveIntegerField(_("最后序号"), default=0)

    class Meta:
        verbose_name = _("批次号序列")
        verbose_name_plural = _("批次号序列")
        constraints = [models.UniqueConstraint(fields=["product", "day"], name="batch_sequence_per_product_day")]

    def __str__(self) -> str:
        return f"{self.product_id} {self.day} #{self.last_serial}"


class StockAllocation(models.Model):
    """Quantity of one batch reserved for one order line."""

    class State(models.TextChoices):
        ACTIVE = "active", _("已锁定")
        CONSUMED = "consumed", _("已出库")
        RELEASED = "released", _("已释放")

    order_line = models.ForeignKey(
        "orders.OrderLine", verbose_name=_("订单行"), on_delete=models.CASCADE, related_name="allocations"
    )
    batch = models.ForeignKey(StockBatch, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="allocations")
    quantity = models.PositiveIntegerField(_("数量"), validators=[MinValueValidator(1)])
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.ACTIVE)
    created_at = models.DateTimeField(_("分配时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("出库/释放时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("库存分配")
        verbose_name_plural = _("库存分配")
        ordering = ["id"]
        indexes = [models.Index(fields=["order_line", "state"])]

    def __str__(self) -> str:
        return f"{self.batch} × {self.quantity}"


class StockMovement(models.Model):
    """Ledger of every change of stock on hand, so that a count can be explained."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("入库")
        SHIPMENT = "shipment", _("出库")
        ADJUSTMENT = "adjustment", _("盘点调整")
        TRANSFER_OUT = "transfer_out", _("调拨出库")
        TRANSFER_IN = "transfer_in", _("调拨入库")

    batch = models.ForeignKey(StockBatch, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    quantity = models.IntegerField(_("数量变化"))
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    order_number = models.CharField(_("订单号"), max_length=20, blank=True)
    # The transfer (DB…) or count (PD…) the movement belongs to.
    document = models.CharField(_("单据号"), max_length=20, blank=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("库存流水")
        verbose_name_plural = _("库存流水")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.batch} {self.quantity:+d}"


class PurchaseRequest(models.Model):
    """采购申请: raised when a 现货 order cannot be covered by the stock available."""

    class State(models.TextChoices):
        OPEN = "open", _("待采购")
        ORDERED = "ordered", _("已下单")
        RECEIVED = "received", _("已到货")
        CANCELLED = "cancelled", _("已取消")

    product = models.ForeignKey(Product, verbose_name=_("商品"), on_delete=models.PROTECT, related_name="purchase_requests")
    quantity = models.PositiveIntegerField(_("申请数量"), validators=[MinValueValidator(1)])
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("关联订单"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="purchase_requests",
    )
    is_urgent = models.BooleanField(_("加急"), default=False)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.OPEN)
    # When the supplier promised the goods (entered when the request is marked 已下单): the
    # date an order waiting for them is told.
    expected_date = models.DateField(_("预计到货"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    received_batch = models.ForeignKey(
        StockBatch, verbose_name=_("到货批次"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("采购申请")
        verbose_name_plural = _("采购申请")
        # 加急 first, then the oldest.
        ordering = ["-is_urgent", "created_at", "id"]
        indexes = [models.Index(fields=["state", "product"])]

    def __str__(self) -> str:
        return f"{self.number} {self.product.sku} × {self.quantity}"

    @property
    def number(self) -> str:
        return f"CG{self.pk:06d}" if self.pk else ""

    @property
    def is_open(self) -> bool:
        return self.state in (self.State.OPEN, self.State.ORDERED)


from .counts import CountStatus, StockCount, StockCountLine  # noqa: E402,F401
from .transfers import TransferEvent, TransferItem, TransferLine, TransferOrder, TransferStatus  # noqa: E402,F401
from .routing import WarehouseRule, WarehouseRuleStep  # noqa: E402,F401
from .units import ProductUnit  # noqa: E402,F401
