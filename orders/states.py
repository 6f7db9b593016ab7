"""The order's vocabulary: its states (and the groups of states the rules speak of), channels,
types, priorities, invoice types and payment methods. Plain choices, imported by the models,
the workflow table and everything that reads an order — so that reading the workflow never
needs the models."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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
