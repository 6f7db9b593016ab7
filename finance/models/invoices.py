"""Invoices (发票): what the tax system issued for one or several orders of one customer.

A blue invoice (蓝字) is drafted as 待开票 from the orders' lines, issued (已开票) with the number
and code the tax system gave it, and reversed in full (已红冲) by a red invoice (红字) that
mirrors it. A partial return after invoicing drafts a red invoice for the returned part only;
the blue one stays 已开票. Red invoices carry negative amounts, so that the invoiced amount of
an order is the plain sum of its issued invoice lines."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

ZERO = Decimal("0.00")


class InvoiceStatus(models.TextChoices):
    PENDING = "pending", _("待开票")
    ISSUED = "issued", _("已开票")
    REVERSED = "reversed", _("已红冲")


class InvoiceKind(models.TextChoices):
    BLUE = "blue", _("蓝字发票")
    RED = "red", _("红字发票")


class InvoiceType(models.TextChoices):
    # The same values as the order's requested type (orders.states.InvoiceType).
    NORMAL = "normal", _("普票")
    SPECIAL = "special", _("专票")


# Issued invoices count as invoiced; a reversed blue one still counts, its red one cancels it.
INVOICED_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.REVERSED)


class Invoice(models.Model):
    customer = models.ForeignKey("customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT,
                                 related_name="invoices")
    kind = models.CharField(_("蓝字/红字"), max_length=5, choices=InvoiceKind.choices, default=InvoiceKind.BLUE)
    invoice_type = models.CharField(_("发票类型"), max_length=10, choices=InvoiceType.choices)
    status = FSMField(_("状态"), max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.PENDING,
                      protected=True)
    title = models.CharField(_("发票抬头"), max_length=200)
    tax_id = models.CharField(_("纳税人识别号"), max_length=30, blank=True)
    # As issued by the tax system (数电票 have a 20-digit number and no code).
    number = models.CharField(_("发票号码"), max_length=20, blank=True)
    code = models.CharField(_("发票代码"), max_length=12, blank=True)
    issued_on = models.DateField(_("开票日期"), null=True, blank=True)
    issuer = models.CharField(_("开票方式"), max_length=20, blank=True, help_text=_("手工录入、税控导入等"))
    subtotal = models.DecimalField(_("金额(不含税)"), max_digits=14, decimal_places=2, default=ZERO)
    tax_amount = models.DecimalField(_("税额"), max_digits=14, decimal_places=2, default=ZERO)
    total = models.DecimalField(_("价税合计"), max_digits=14, decimal_places=2, default=ZERO)
    # A red invoice: the blue one it reverses (in full or in part) and why.
    reverses = models.ForeignKey("self", verbose_name=_("原蓝字发票"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="red_invoices")
    reason = models.CharField(_("红冲原因"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("开票人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("发票")
        verbose_name_plural = _("发票")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("issue_invoice", _("开具发票（录入发票号码）")),
            ("reverse_invoice", _("红冲发票")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["code", "number"], condition=~Q(number=""),
                                    name="invoice_unique_code_number"),
            models.CheckConstraint(condition=Q(kind="blue", reverses__isnull=True) | Q(kind="red", reverses__isnull=False),
                                   name="invoice_red_reverses_a_blue"),
        ]
        indexes = [models.Index(fields=["status", "issued_on"], name="invoice_status_issued_idx")]

    def __str__(self) -> str:
        return self.number or f"{self.get_kind_display()}#{self.pk}"

    @property
    def is_red(self) -> bool:
        return self.kind == InvoiceKind.RED

    @transition(field=status, source=InvoiceStatus.PENDING, target=InvoiceStatus.ISSUED,
                permission="finance.issue_invoice")
    def issue(self) -> None:
        pass

    @transition(field=status, source=InvoiceStatus.ISSUED, target=InvoiceStatus.REVERSED,
                permission="finance.reverse_invoice", conditions=[lambda invoice: invoice.kind == InvoiceKind.BLUE])
    def reverse(self) -> None:
        pass

    def refresh_from_db(self, *args, **kwargs) -> None:
        # Loading again replaces the protected status (see Order.refresh_from_db).
        fields = kwargs.get("fields")
        if fields is None or "status" in fields:
            self.__dict__.pop("status", None)
        super().refresh_from_db(*args, **kwargs)


class InvoiceLine(models.Model):
    """One line of goods (or the freight) of one order, with its amount and tax as on the
    order line — negative on a red invoice."""

    invoice = models.ForeignKey(Invoice, verbose_name=_("发票"), on_delete=models.CASCADE, related_name="lines")
    order = models.ForeignKey("orders.Order", verbose_name=_("订单"), on_delete=models.PROTECT,
                              related_name="invoice_lines")
    # Empty for the freight line.
    order_line = models.ForeignKey("orders.OrderLine", verbose_name=_("订单行"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="invoice_lines")
    description = models.CharField(_("货物或应税劳务名称"), max_length=120)
    spec = models.CharField(_("规格型号"), max_length=120, blank=True)
    unit = models.CharField(_("单位"), max_length=10, blank=True)
    quantity = models.IntegerField(_("数量"), default=0)
    vat_rate = models.DecimalField(_("税率"), max_digits=4, decimal_places=2)
    amount = models.DecimalField(_("金额(不含税)"), max_digits=14, decimal_places=2)
    tax_amount = models.DecimalField(_("税额"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("发票明细")
        verbose_name_plural = _("发票明细")
        ordering = ["invoice", "order", "id"]

    @property
    def total(self) -> Decimal:
        return self.amount + self.tax_amount

    @property
    def unit_price(self) -> Decimal | None:
        return (self.amount / self.quantity).quantize(Decimal("0.000001")) if self.quantity else None
