"""Invoices: drafted from orders, issued with the tax system's number, reversed by a red one."""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from aftersales.models import CaseLine
from ordermgmt.errors import BusinessError, InvalidInput, InvalidTransition
from ordermgmt.money import to_money
from ordermgmt.periods import assert_period_open
from orders.events import record_event
from orders.models import Order, OrderAdjustment, OrderEvent, Refund

from ..models import Invoice, InvoiceKind, InvoiceLine, InvoiceStatus, InvoiceType
from ..notices import red_invoice_due_notify
from ..selectors import INVOICEABLE_STATUSES, covering_invoice_lines
from .common import check_permission

ZERO = Decimal("0.00")
# 全电发票 (数电票): 20 digits and no code; paper and older e-invoices: 8 digits and a 10/12-digit code.
_NUMBER = re.compile(r"^(\d{8}|\d{20})$")
_CODE = re.compile(r"^(\d{10}|\d{12})?$")


@dataclass(frozen=True)
class LinePart:
    """What of one order line goes on an invoice: ``quantity`` of its ``of`` units."""

    quantity: int
    of: int


def line_share(net: Decimal, rate: Decimal, part: LinePart) -> tuple[Decimal, Decimal]:
    """Amount and tax of a part of a line, each rounded to the cent; the whole line gives the
    order line's own figures (its tax is its net amount × rate, rounded, as priced)."""
    amount = net if part.quantity == part.of else to_money(net * part.quantity / part.of)
    return amount, to_money(amount * rate)


def _case_lines(case_numbers):
    """The lines of the after-sales cases named on refunds (a case's number is ``SH`` + its id,
    ``AfterSalesCase.number``; it is not a column)."""
    ids = [int(number[2:]) for number in case_numbers if number.startswith("SH") and number[2:].isdigit()]
    return CaseLine.objects.filter(case_id__in=ids)


def returned_quantities(order: Order) -> dict[int, int]:
    """Units of each order line the customer returned and was credited for (after-sales refunds)."""
    case_numbers = Refund.objects.filter(order=order, source=Refund.Source.AFTER_SALES, credit_amount__gt=0) \
        .exclude(case_number="").values_list("case_number", flat=True)
    rows = _case_lines(case_numbers).filter(case__order=order).values("order_line").annotate(n=Sum("quantity"))
    return {row["order_line"]: row["n"] for row in rows}


def invoiceable_lines(order: Order) -> list[InvoiceLine]:
    """The order's goods still kept by the customer, and its freight, as invoice lines."""
    returned = returned_quantities(order)
    lines = []
    for line in order.lines.order_by("line_no"):
        kept = line.quantity - returned.get(line.pk, 0)
        if kept <= 0:
            continue
        amount, tax = line_share(line.net_amount, line.vat_rate, LinePart(kept, line.quantity))
        lines.append(InvoiceLine(order=order, order_line=line, description=line.product_name, spec=line.product_spec,
                                 unit=line.unit, quantity=kept, vat_rate=line.vat_rate, amount=amount,
                                 tax_amount=line.tax_amount if kept == line.quantity else tax))
    for freight in order.adjustments.filter(kind=OrderAdjustment.Kind.FREIGHT, amount__gt=0):
        lines.append(InvoiceLine(order=order, description="运输服务*运费", quantity=1, unit="次",
                                 vat_rate=freight.vat_rate, amount=freight.amount, tax_amount=freight.tax_amount))
    return lines


def _save_with_lines(invoice: Invoice, lines: list[InvoiceLine]) -> Invoice:
    invoice.subtotal = sum((line.amount for line in lines), ZERO)
    invoice.tax_amount = sum((line.tax_amount for line in lines), ZERO)
    invoice.total = invoice.subtotal + invoice.tax_amount
    invoice.save()
    for line in lines:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(lines)
    return invoice


def _lock_orders(orders) -> list[Order]:
    """Lock the orders in id order (two clerks invoicing overlapping orders wait, never deadlock)."""
    ids = sorted({order.pk for order in orders})
    return list(Order.objects.select_for_update(of=("self",)).filter(pk__in=ids).select_related("customer")
                .order_by("pk"))


@transaction.atomic
def invoice_draft(*, orders, user, invoice_type: str, title: str = "", tax_id: str = "") -> Invoice:
    """待开票: a blue invoice for one order, or several of one customer (合并开票), from their
    lines. The orders are locked first, so that two clerks cannot invoice an order twice."""
    check_permission(user, "finance.add_invoice", "申请开票")
    if invoice_type not in InvoiceType.values:
        raise InvalidInput("请选择发票类型（普票或专票）")
    locked = _lock_orders(orders)
    if not locked:
        raise InvalidInput("请选择要开票的订单")
    customers = {order.customer for order in locked}
    if len(customers) > 1:
        raise InvalidInput("合并开票的订单必须属于同一客户")
    customer = customers.pop()
    for order in locked:
        if order.status not in INVOICEABLE_STATUSES:
            raise InvalidTransition(f"订单 {order.number} {order.get_status_display()}，出库后才能开票")
    covered = covering_invoice_lines().filter(order__in=locked).select_related("invoice", "order").first()
    if covered is not None:
        raise InvalidTransition(f"订单 {covered.order.number} 已有发票（{covered.invoice.get_status_display()}），不能重复开票")
    lines = [line for order in locked for line in invoiceable_lines(order)]
    if sum((line.amount + line.tax_amount for line in lines), ZERO) <= 0:
        raise InvalidInput("所选订单没有可开票的金额")
    if invoice_type == InvoiceType.SPECIAL and not (tax_id or customer.tax_number):
        raise InvalidInput(f"专票需要购方纳税人识别号：请先在客户 {customer.name} 的资料中填写")
    invoice = Invoice(customer=customer, kind=InvoiceKind.BLUE, invoice_type=invoice_type,
                      title=(title or locked[0].invoice_title or customer.name).strip(),
                      tax_id=(tax_id or customer.tax_number).strip(), created_by=user)
    return _save_with_lines(invoice, lines)


def _check_number(number: str, code: str) -> tuple[str, str]:
    number, code = (number or "").strip(), (code or "").strip()
    if not _NUMBER.match(number):
        raise InvalidInput("发票号码应为 8 位（纸质/电子发票）或 20 位（数电票）数字")
    if not _CODE.match(code) or (len(number) == 8 and not code):
        raise InvalidInput("发票代码应为 10 位或 12 位数字（数电票不填）")
    if Invoice.objects.filter(number=number, code=code).exists():
        raise InvalidInput(f"发票 {code} {number} 已经登记过")
    return number, code


def _note_on_orders(invoice: Invoice, user, text: str) -> None:
    """The orders' timelines say when they were invoiced and reversed."""
    for order in Order.objects.filter(invoice_lines__invoice=invoice).distinct():
        record_event(order=order, user=user, kind=OrderEvent.Kind.NOTE, action="invoice", reason=text,
                     data={"invoice": invoice.pk, "number": invoice.number, "total": str(invoice.total)})


def _lock_invoice(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


@transaction.atomic
def invoice_issue(*, invoice: Invoice, user, number: str, code: str = "", issued_on: date | None = None,
                  issuer: str = "手工录入") -> Invoice:
    """已开票: the number and code the tax system gave the invoice, and its date."""
    check_permission(user, "finance.issue_invoice", "开具发票")
    issued_on = issued_on or timezone.localdate()
    assert_period_open(on=issued_on, what="开票")
    locked = _lock_invoice(invoice)
    if locked.status != InvoiceStatus.PENDING:
        raise InvalidTransition(f"发票 {locked} 已{locked.get_status_display()}")
    locked.number, locked.code = _check_number(number, code)
    locked.issued_on, locked.issued_by, locked.issuer = issued_on, user, issuer
    locked.issue()
    locked.save()
    _note_on_orders(locked, user, f"{'红字' if locked.is_red else ''}发票已开具：{locked.get_invoice_type_display()} "
                                  f"{locked.number}，价税合计 ¥{locked.total:,.2f}")
    return locked


def _remaining_lines(blue: Invoice) -> list[InvoiceLine]:
    """The blue invoice's lines less what its red invoices already took back, negated."""
    taken = defaultdict(lambda: [0, ZERO, ZERO])
    for line in InvoiceLine.objects.filter(invoice__reverses=blue):
        key = (line.order_id, line.order_line_id, line.vat_rate)
        taken[key][0] += line.quantity
        taken[key][1] += line.amount
        taken[key][2] += line.tax_amount
    red = []
    for line in blue.lines.order_by("id"):
        quantity, amount, tax = taken.pop((line.order_id, line.order_line_id, line.vat_rate), (0, ZERO, ZERO))
        if line.amount + amount or line.tax_amount + tax:
            red.append(InvoiceLine(order_id=line.order_id, order_line_id=line.order_line_id, description=line.description,
                                   spec=line.spec, unit=line.unit, quantity=-(line.quantity + quantity),
                                   vat_rate=line.vat_rate, amount=-(line.amount + amount),
                                   tax_amount=-(line.tax_amount + tax)))
    return red


def _red_invoice(blue: Invoice, *, user, reason: str) -> Invoice:
    return Invoice(customer=blue.customer, kind=InvoiceKind.RED, invoice_type=blue.invoice_type, title=blue.title,
                   tax_id=blue.tax_id, reverses=blue, reason=reason, created_by=user)


@transaction.atomic
def invoice_reverse(*, invoice: Invoice, user, reason: str, number: str, code: str = "",
                    issued_on: date | None = None) -> Invoice:
    """已红冲: the whole blue invoice (what is left of it after partial red invoices) is
    reversed by a red invoice issued on ``issued_on`` — an open period, even when the blue one
    is in a closed month. Returns the red invoice; its orders can be invoiced again."""
    check_permission(user, "finance.reverse_invoice", "红冲发票")
    if not (reason or "").strip():
        raise InvalidInput("红冲必须填写原因")
    issued_on = issued_on or timezone.localdate()
    assert_period_open(on=issued_on, what="红冲发票")
    blue = _lock_invoice(invoice)
    if blue.kind != InvoiceKind.BLUE or blue.status != InvoiceStatus.ISSUED:
        raise InvalidTransition(f"发票 {blue} {blue.get_status_display()}，不能红冲")
    waiting = blue.red_invoices.filter(status=InvoiceStatus.PENDING).first()
    if waiting is not None:
        raise InvalidTransition(f"发票 {blue} 还有待开的红字发票（{waiting.reason}），请先开具")
    number, code = _check_number(number, code)
    red = _save_with_lines(_red_invoice(blue, user=user, reason=reason.strip()), _remaining_lines(blue))
    red.number, red.code, red.issued_on, red.issued_by, red.issuer = number, code, issued_on, user, "手工录入"
    red.issue()
    red.save()
    blue.reverse()
    blue.save()
    _note_on_orders(blue, user, f"发票 {blue.number} 已红冲（红字发票 {red.number}）：{red.reason}")
    return red


def _redraft_pending_blue(order_id: int) -> None:
    """A 待开票 invoice of the order is drafted again without the returned units (it has no
    number yet: nothing to reverse)."""
    ids = set(InvoiceLine.objects.filter(order_id=order_id, invoice__kind=InvoiceKind.BLUE,
                                         invoice__status=InvoiceStatus.PENDING).values_list("invoice_id", flat=True))
    for invoice in Invoice.objects.select_for_update().filter(pk__in=ids, status=InvoiceStatus.PENDING).order_by("pk"):
        orders = list(Order.objects.filter(invoice_lines__invoice=invoice).distinct().order_by("pk"))
        invoice.lines.all().delete()
        _save_with_lines(invoice, [line for order in orders for line in invoiceable_lines(order)])


@transaction.atomic
def invoice_red_for_return(*, refund: Refund) -> list[Invoice]:
    """A return credited after invoicing: a red invoice (待开票) for the returned units of each
    issued blue invoice that holds them. Nothing for goods not invoiced yet (the next invoice
    leaves them out, see ``invoiceable_lines``)."""
    if refund.source != Refund.Source.AFTER_SALES or not refund.case_number or refund.credit_amount <= 0:
        return []
    returned = {row.order_line_id: row.quantity for row in
                _case_lines([refund.case_number]).filter(case__order=refund.order_id)}
    blue_lines = (InvoiceLine.objects.filter(order_line_id__in=returned, invoice__kind=InvoiceKind.BLUE,
                                             invoice__status=InvoiceStatus.ISSUED)
                  .select_related("invoice", "order_line"))
    by_invoice = defaultdict(list)
    for line in blue_lines:
        order_line = line.order_line
        amount, tax = line_share(order_line.net_amount, order_line.vat_rate,
                                 LinePart(min(returned[order_line.pk], line.quantity), order_line.quantity))
        by_invoice[line.invoice].append(InvoiceLine(
            order_id=line.order_id, order_line=order_line, description=line.description, spec=line.spec, unit=line.unit,
            quantity=-min(returned[order_line.pk], line.quantity), vat_rate=line.vat_rate, amount=-amount,
            tax_amount=-tax))
    _redraft_pending_blue(refund.order_id)
    reds = []
    for blue, lines in by_invoice.items():
        red = _save_with_lines(_red_invoice(blue, user=None, reason=f"售后退货 {refund.case_number}：{refund.reason}"[:300]),
                               lines)
        red_invoice_due_notify(invoice=red)
        reds.append(red)
    return reds


def invoices_record_issued(*, numbers, user) -> tuple[int, list[str]]:
    """The numbers a tax system issued (``finance.tax``), each recorded on its own (one bad row
    does not hold back the others). Returns how many were issued and what was refused."""
    check_permission(user, "finance.issue_invoice", "开具发票")
    issued, refused = 0, []
    for item in numbers:
        invoice = Invoice.objects.filter(pk=item.invoice_id).first()
        if invoice is None:
            refused.append(f"单据号 {item.invoice_id}：没有这张待开发票")
            continue
        try:
            invoice_issue(invoice=invoice, user=user, number=item.number, code=item.code, issued_on=item.issued_on,
                          issuer="税控导入")
            issued += 1
        except BusinessError as error:
            refused.append(f"单据号 {item.invoice_id}：{error}")
    return issued, refused
