"""After-sales cases (售后工单): returns with refund, exchanges and repairs, each with its
own django-fsm state machine, the lines and quantities concerned, photos, a due date by
working days, and a timeline of its own."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from ordermgmt.errors import InvalidInput


class CaseType(models.TextChoices):
    """What went wrong (the customer's words or the courier's receipt)."""

    DAMAGED = "damaged", _("破损")
    WRONG_ITEM = "wrong_item", _("错发")
    MISSING_ITEMS = "missing_items", _("少件")
    QUALITY = "quality", _("质量问题")
    NOT_AS_DESCRIBED = "not_as_described", _("与描述不符")
    CHANGED_MIND = "changed_mind", _("不想要了")
    CANCELLED_AFTER_SHIPPING = "cancelled_after_shipping", _("发货后取消")
    OTHER = "other", _("其他")


class Service(models.TextChoices):
    """What the company does about it."""

    RETURN_REFUND = "return_refund", _("退货退款")
    EXCHANGE = "exchange", _("换货")
    REPAIR = "repair", _("维修")


class CaseStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    AWAITING_RETURN = "awaiting_return", _("待退货")
    INSPECTED = "inspected", _("检验合格")
    EXCHANGING = "exchanging", _("换货中")
    RESOLVED = "resolved", _("已处理")
    CLOSED = "closed", _("已结案")
    REJECTED = "rejected", _("已驳回")


ENDED = {CaseStatus.CLOSED, CaseStatus.REJECTED}
OPEN_STATUSES = [s for s in CaseStatus.values if s not in ENDED]


def _require(text: str, what: str) -> None:
    if not (text or "").strip():
        raise InvalidInput(f"请填写{what}")


class AfterSalesCase(models.Model):
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("订单"), on_delete=models.PROTECT, related_name="after_sales_cases"
    )
    case_type = models.CharField(_("问题类型"), max_length=30, choices=CaseType.choices)
    service = models.CharField(_("处理方式"), max_length=20, choices=Service.choices, default=Service.RETURN_REFUND)
    status = FSMField(_("状态"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.PENDING, protected=True)
    description = models.TextField(_("问题描述"))
    source = models.CharField(_("来源"), max_length=60, blank=True)
    # The signed-for delivery whose damaged, wrong or short goods opened this case.
    delivery_proof = models.OneToOneField(
        "fulfillment.DeliveryProof", verbose_name=_("签收凭证"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="after_sales_case",
    )
    requires_return = models.BooleanField(_("需要退回商品"), default=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    opened_by_customer = models.BooleanField(_("客户自助申请"), default=False)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    due_at = models.DateTimeField(_("处理时限"), null=True, blank=True)
    overdue_since = models.DateTimeField(_("超时时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("处理完成时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    inspection_note = models.TextField(_("检验记录"), blank=True)
    resolution_note = models.TextField(_("处理说明"), blank=True)
    refund_amount = models.DecimalField(_("退款金额"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    refund_computation = models.TextField(_("退款计算说明"), blank=True)
    replacement_order = models.ForeignKey(
        "orders.Order", verbose_name=_("换货订单"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="replaces_cases",
    )

    class Meta:
        verbose_name = _("售后工单")
        verbose_name_plural = _("售后工单")
        ordering = ["-created_at", "-id"]
        permissions = [("handle_case", _("处理售后工单"))]
        indexes = [
            models.Index(fields=["status", "due_at"], name="case_status_due_idx"),
            models.Index(fields=["overdue_since"], name="case_overdue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.order.number} {self.get_service_display()}"

    def refresh_from_db(self, *args, **kwargs) -> None:
        # Same reason as Order.refresh_from_db: reload the protected status without touching
        # django-fsm's shared field flag.
        fields = kwargs.get("fields")
        if fields is None or "status" in fields:
            self.__dict__.pop("status", None)
        super().refresh_from_db(*args, **kwargs)

    @property
    def number(self) -> str:
        return f"SH{self.pk:06d}" if self.pk else ""

    @property
    def is_open(self) -> bool:
        return self.status not in ENDED

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < timezone.now()

    # --- state machine ------------------------------------------------------------------
    # Guards only; aftersales/services.py does the stock, money and order side of each step.

    @transition(field=status, source=CaseStatus.PENDING, target=CaseStatus.AWAITING_RETURN,
                permission="aftersales.handle_case", conditions=[lambda case: case.requires_return])
    def approve_return(self) -> None:
        pass

    @transition(field=status, source=CaseStatus.PENDING, target=CaseStatus.INSPECTED,
                permission="aftersales.handle_case", conditions=[lambda case: not case.requires_return])
    def approve_without_return(self) -> None:
        pass

    @transition(field=status, source=CaseStatus.PENDING, target=CaseStatus.REJECTED,
                permission="aftersales.handle_case")
    def reject(self, *, reason: str) -> None:
        _require(reason, "驳回原因")

    @transition(field=status, source=CaseStatus.AWAITING_RETURN, target=CaseStatus.INSPECTED,
                permission="aftersales.handle_case")
    def pass_inspection(self) -> None:
        pass

    @transition(field=status, source=CaseStatus.AWAITING_RETURN, target=CaseStatus.PENDING,
                permission="aftersales.handle_case")
    def fail_inspection(self, *, reason: str) -> None:
        _require(reason, "检验不合格的原因")

    @transition(field=status, source=CaseStatus.INSPECTED, target=CaseStatus.RESOLVED,
                permission="aftersales.handle_case", conditions=[lambda case: case.service == Service.RETURN_REFUND])
    def refund(self) -> None:
        pass

    @transition(field=status, source=CaseStatus.INSPECTED, target=CaseStatus.EXCHANGING,
                permission="aftersales.handle_case", conditions=[lambda case: case.service == Service.EXCHANGE])
    def start_exchange(self) -> None:
        pass

    @transition(field=status, source=CaseStatus.EXCHANGING, target=CaseStatus.RESOLVED,
                permission="aftersales.handle_case")
    def finish_exchange(self) -> None:
        pass

    @transition(field=status, source=CaseStatus.INSPECTED, target=CaseStatus.RESOLVED,
                permission="aftersales.handle_case", conditions=[lambda case: case.service == Service.REPAIR])
    def finish_repair(self, *, resolution: str) -> None:
        _require(resolution, "维修说明")

    @transition(field=status, source=CaseStatus.RESOLVED, target=CaseStatus.CLOSED,
                permission="aftersales.handle_case")
    def close(self) -> None:
        pass


class CaseLine(models.Model):
    case = models.ForeignKey(AfterSalesCase, verbose_name=_("售后工单"), on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("orders.OrderLine", verbose_name=_("订单行"), on_delete=models.PROTECT,
                                   related_name="case_lines")
    quantity = models.PositiveIntegerField(_("数量"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("售后商品")
        verbose_name_plural = _("售后商品")
        ordering = ["case", "order_line__line_no"]

    def __str__(self) -> str:
        return f"{self.order_line.product_sku} × {self.quantity}"


class CaseEvent(models.Model):
    """The case's own timeline (the order's timeline records the case opening and closing)."""

    case = models.ForeignKey(AfterSalesCase, verbose_name=_("售后工单"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("动作"), max_length=30)
    from_status = models.CharField(_("原状态"), max_length=20, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=CaseStatus.choices, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(_("操作人"), max_length=150)
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("售后记录")
        verbose_name_plural = _("售后记录")
        ordering = ["created_at", "id"]


class AfterSalesPhoto(models.Model):
    """A photo of the case; the file is private (served through a permission-checked view).
    A photo taken at an abnormal delivery is the delivery proof's file, not a copy, and keeps
    the proof's rule for who may see it."""

    # Who may open a file stored here: see apps.py.
    UPLOAD_FOLDER = "aftersales"
    VIEW_PERMISSION = "aftersales.view_aftersalescase"

    case = models.ForeignKey(AfterSalesCase, verbose_name=_("售后工单"), on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("文件"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=40)
    size = models.PositiveIntegerField(_("大小(字节)"))
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("售后照片")
        verbose_name_plural = _("售后照片")
        ordering = ["id"]


class Feedback(models.Model):
    """The customer's rating of an order, given once on the tracking page."""

    class Rating(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        NEUTRAL = "neutral", _("一般")
        NEEDS_IMPROVEMENT = "needs_improvement", _("需改进")

    order = models.OneToOneField("orders.Order", verbose_name=_("订单"), on_delete=models.CASCADE,
                                 related_name="feedback")
    rating = models.CharField(_("评价"), max_length=20, choices=Rating.choices)
    comment = models.TextField(_("意见"), blank=True)
    created_at = models.DateTimeField(_("评价时间"), default=timezone.now)
    followed_up_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("跟进人"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    followed_up_at = models.DateTimeField(_("跟进时间"), null=True, blank=True)
    follow_up_note = models.TextField(_("跟进记录"), blank=True)

    class Meta:
        verbose_name = _("客户评价")
        verbose_name_plural = _("客户评价")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["rating", "followed_up_at"], name="feedback_followup_idx")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.get_rating_display()}"
