"""Complaints (投诉): from any channel, handled in a flow with due times by severity, and
analysed by category. The state machine guards and changes the status only; the services
(servicedesk/services/complaints.py) lock, fire, save, write the timelines and queue what
follows."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _, pgettext_lazy
from django_fsm import FSMField, transition

from customers.privacy import ContactDetails
from ordermgmt.encryption import BlindIndexField, EncryptedCharField, EncryptedEmailField, KeepsBlindIndexes
from ordermgmt.errors import InvalidInput


class Channel(models.TextChoices):
    PHONE = "phone", _("电话")
    EMAIL = "email", _("邮件")
    ONLINE = "online", _("在线")
    STORE = "store", _("门店")
    PLATFORM = "platform", _("平台")
    FAX = "fax", _("传真")
    TRACKING = "tracking", _("跟踪页")


class Severity(models.TextChoices):
    CRITICAL = "critical", _("紧急")
    HIGH = "high", _("严重")
    NORMAL = "normal", pgettext_lazy("severity", "一般")
    LOW = "low", _("轻微")


class ComplaintStatus(models.TextChoices):
    ACCEPTED = "accepted", _("已受理")
    IN_PROGRESS = "in_progress", _("处理中")
    AWAITING_CUSTOMER = "awaiting_customer", _("待客户确认")
    RESOLVED = "resolved", _("已解决")
    FOLLOWED_UP = "followed_up", _("已回访")
    CLOSED = "closed", _("已关闭")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    NEUTRAL = "neutral", _("一般")
    DISSATISFIED = "dissatisfied", _("不满意")


# Waiting for the company (due times run, overdue ones are escalated).
BEING_HANDLED = [ComplaintStatus.ACCEPTED, ComplaintStatus.IN_PROGRESS]
OPEN = [*BEING_HANDLED, ComplaintStatus.AWAITING_CUSTOMER]
ENDED = [ComplaintStatus.RESOLVED, ComplaintStatus.FOLLOWED_UP, ComplaintStatus.CLOSED]
HANDLE = "servicedesk.handle_complaint"


def _require(text: str, what: str) -> None:
    if not (text or "").strip():
        raise InvalidInput(f"请填写{what}")


class ComplaintCategory(models.Model):
    """A category (parent empty) or a sub-category of complaints, kept by a 主管, with what
    was done about its causes (改进措施) for the analysis."""

    name = models.CharField(_("名称"), max_length=40)
    parent = models.ForeignKey("self", verbose_name=_("上级分类"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    position = models.PositiveSmallIntegerField(_("排序"), default=100)
    is_active = models.BooleanField(_("启用"), default=True)
    improvement = models.TextField(_("改进措施"), blank=True)
    improvement_updated_at = models.DateTimeField(_("改进措施更新时间"), null=True, blank=True)
    improvement_updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("更新人"), null=True,
                                               blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("投诉分类")
        verbose_name_plural = _("投诉分类")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="complaint_category_unique_name"),
            models.UniqueConstraint(fields=["name"], condition=Q(parent__isnull=True),
                                    name="complaint_category_unique_top_name"),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name


class ComplaintSequence(models.Model):
    """The last serial handed out per day; complaint numbers come from one upsert on it."""

    day = models.DateField(unique=True)
    last_serial = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("投诉编号序列")
        verbose_name_plural = _("投诉编号序列")


class Complaint(KeepsBlindIndexes, models.Model):
    number = models.CharField(_("投诉编号"), max_length=20, unique=True, editable=False)
    customer = models.ForeignKey("customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT,
                                 related_name="complaints")
    order = models.ForeignKey("orders.Order", verbose_name=_("订单"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="complaints")
    product = models.ForeignKey("inventory.Product", verbose_name=_("涉及商品"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    category = models.ForeignKey(ComplaintCategory, verbose_name=_("分类"), on_delete=models.PROTECT,
                                 related_name="complaints")
    subcategory = models.ForeignKey(ComplaintCategory, verbose_name=_("子分类"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    severity = models.CharField(_("严重程度"), max_length=10, choices=Severity.choices, default=Severity.NORMAL)
    description = models.TextField(_("投诉内容"))
    status = FSMField(_("状态"), max_length=20, choices=ComplaintStatus.choices, default=ComplaintStatus.ACCEPTED,
                      protected=True)

    # Whom to answer (copied from the order or the customer's contact, or typed by the clerk):
    # encrypted at rest, the phone found by its blind index (ordermgmt/encryption.py).
    contact_name = EncryptedCharField(_("联系人"), max_length=50)
    contact_phone = EncryptedCharField(_("联系电话"), max_length=20, blank=True)
    contact_phone_index = BlindIndexField(source="contact_phone")
    contact_email = EncryptedEmailField(_("电子邮箱"), blank=True)

    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("处理人"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="assigned_complaints")
    # The customer's sales owner when the complaint came in (for the analysis by owner).
    sales_owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("销售负责人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("受理时间"), default=timezone.now)

    respond_due_at = models.DateTimeField(_("首次响应时限"))
    due_at = models.DateTimeField(_("处理时限"))
    first_response_at = models.DateTimeField(_("首次响应时间"), null=True, blank=True)
    proposed_at = models.DateTimeField(_("提交处理结果时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    followed_up_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    overdue_since = models.DateTimeField(_("超时时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    escalation_reason = models.CharField(_("升级原因"), max_length=300, blank=True)
    reopened_count = models.PositiveSmallIntegerField(_("重新打开次数"), default=0)

    resolution = models.TextField(_("处理结果"), blank=True)
    satisfaction = models.CharField(_("满意度"), max_length=15, choices=Satisfaction.choices, blank=True)
    customer_comment = models.TextField(_("客户意见"), blank=True)
    follow_up_note = models.TextField(_("回访记录"), blank=True)
    after_sales_case = models.ForeignKey("aftersales.AfterSalesCase", verbose_name=_("售后工单"), null=True,
                                         blank=True, on_delete=models.SET_NULL, related_name="complaints")

    class Meta:
        verbose_name = _("投诉")
        verbose_name_plural = _("投诉")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("handle_complaint", _("处理投诉")),
            ("supervise_complaint", _("主管处理投诉升级与补偿审批")),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="complaint_status_due_idx"),
            models.Index(fields=["created_at"], name="complaint_created_idx"),
            models.Index(fields=["customer", "created_at"], name="complaint_customer_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    def refresh_from_db(self, *args, **kwargs) -> None:
        # Same reason as Order.refresh_from_db: reload the protected status safely.
        fields = kwargs.get("fields")
        if fields is None or "status" in fields:
            self.__dict__.pop("status", None)
        super().refresh_from_db(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def contact_details(self) -> ContactDetails:
        """Shown through ``{% shown_contact %}`` like every contact (customers/privacy.py)."""
        return ContactDetails(phone=self.contact_phone, email=self.contact_email)

    @property
    def is_overdue(self) -> bool:
        now = timezone.now()
        if self.status == ComplaintStatus.ACCEPTED and self.respond_due_at < now:
            return True
        return self.status in BEING_HANDLED and self.due_at < now

    # --- state machine ------------------------------------------------------------------

    @transition(field=status, source=ComplaintStatus.ACCEPTED, target=ComplaintStatus.IN_PROGRESS,
                permission=HANDLE)
    def start(self) -> None:
        pass

    @transition(field=status, source=ComplaintStatus.IN_PROGRESS, target=ComplaintStatus.AWAITING_CUSTOMER,
                permission=HANDLE)
    def propose(self, *, resolution: str) -> None:
        _require(resolution, "处理结果")

    @transition(field=status, source=ComplaintStatus.AWAITING_CUSTOMER, target=ComplaintStatus.RESOLVED)
    def confirm(self, *, satisfaction: str) -> None:
        if satisfaction not in Satisfaction.values:
            raise InvalidInput("请选择满意度：满意、一般或不满意")

    @transition(field=status, source=ComplaintStatus.RESOLVED, target=ComplaintStatus.FOLLOWED_UP,
                permission=HANDLE)
    def follow_up(self, *, satisfaction: str) -> None:
        if satisfaction not in Satisfaction.values:
            raise InvalidInput("请选择回访满意度：满意、一般或不满意")

    @transition(field=status, source=[ComplaintStatus.AWAITING_CUSTOMER, ComplaintStatus.RESOLVED,
                                      ComplaintStatus.FOLLOWED_UP, ComplaintStatus.CLOSED],
                target=ComplaintStatus.IN_PROGRESS)
    def reopen(self, *, reason: str) -> None:
        _require(reason, "重新打开的原因")

    @transition(field=status, source=[*OPEN, ComplaintStatus.RESOLVED], target=ComplaintStatus.CLOSED,
                permission=HANDLE)
    def close(self, *, reason: str) -> None:
        _require(reason, "关闭原因")

    # 升级 does not move the complaint: it puts it before a 主管 where it stands.
    @transition(field=status, source=OPEN, target=None)
    def escalate(self, *, reason: str) -> None:
        _require(reason, "升级原因")


# The steps on a complaint's timeline (ComplaintEvent.action), as the reader sees them.
ACTION_LABELS = {
    "open": _("受理投诉"),
    "start": _("开始处理"),
    "assign": _("分派处理人"),
    "attach": _("补充附件"),
    "propose": _("提交处理结果"),
    "confirm": _("确认已解决"),
    "reopen": _("重新打开"),
    "follow_up": _("回访"),
    "close": _("关闭"),
    "escalate": _("升级给主管"),
    "overdue": _("超过处理时限"),
    "after_sales": _("转售后"),
    "goodwill_requested": _("申请补偿退款"),
    "goodwill_paid": _("补偿退款"),
    "goodwill_declined": _("补偿未批准"),
    "note_to_owner": _("转告销售负责人"),
    "take_over": _("主管接手"),
}


class ComplaintEvent(models.Model):
    """The complaint's own timeline (a complaint about an order is also noted on the order's)."""

    complaint = models.ForeignKey(Complaint, verbose_name=_("投诉"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("动作"), max_length=30)
    from_status = models.CharField(_("原状态"), max_length=20, choices=ComplaintStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=ComplaintStatus.choices, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(_("操作人"), max_length=150)
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("投诉记录")
        verbose_name_plural = _("投诉记录")
        ordering = ["created_at", "id"]

    @property
    def label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))


class ComplaintAttachment(models.Model):
    """A photo or a recording; private, served only to who may see complaints (apps.py)."""

    UPLOAD_FOLDER = "complaints"
    VIEW_PERMISSION = "servicedesk.view_complaint"

    complaint = models.ForeignKey(Complaint, verbose_name=_("投诉"), on_delete=models.CASCADE,
                                  related_name="attachments")
    file = models.FileField(_("文件"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=40)
    size = models.PositiveIntegerField(_("大小(字节)"))
    from_customer = models.BooleanField(_("客户上传"), default=False)
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("投诉附件")
        verbose_name_plural = _("投诉附件")
        ordering = ["id"]

    @property
    def is_recording(self) -> bool:
        return self.content_type.startswith("audio/")


class GoodwillStatus(models.TextChoices):
    PENDING = "pending", _("待主管审批")
    PAID = "paid", _("已退款")
    DECLINED = "declined", _("未批准")


class GoodwillRefund(models.Model):
    """Money paid back to settle a complaint: at once up to the policy amount, above it once
    a 主管 other than the requester approves (four eyes)."""

    complaint = models.ForeignKey(Complaint, verbose_name=_("投诉"), on_delete=models.PROTECT,
                                  related_name="goodwill_refunds")
    amount = models.DecimalField(_("补偿金额"), max_digits=12, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    reason = models.CharField(_("补偿原因"), max_length=300)
    status = models.CharField(_("状态"), max_length=10, choices=GoodwillStatus.choices, default=GoodwillStatus.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审批人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=300, blank=True)
    refund = models.OneToOneField("orders.Refund", verbose_name=_("退款记录"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="goodwill")

    class Meta:
        verbose_name = _("投诉补偿")
        verbose_name_plural = _("投诉补偿")
        ordering = ["-requested_at", "-id"]
        permissions = [("approve_goodwill", _("审批投诉补偿退款"))]
        constraints = [
            # A complaint waits for at most one decision at a time.
            models.UniqueConstraint(fields=["complaint"], condition=Q(status="pending"),
                                    name="goodwill_one_pending_per_complaint"),
        ]
