"""Shared reads of finance: what waits to be invoiced, and how much of an order or a customer
is invoiced."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Sum

from ordermgmt.money import to_money
from orders.models import InvoiceType as RequestedInvoice
from orders.models import BILLED_AMOUNT, Order, OrderStatus

from .models import INVOICED_STATUSES, Invoice, InvoiceKind, InvoiceLine, InvoiceStatus

ZERO = Decimal("0.00")

# Goods that have left the warehouse are invoiced (an order returned in full and closed is
# not: there is nothing left to invoice, see ``invoiceable_lines``).
INVOICEABLE_STATUSES = (OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT, OrderStatus.DELIVERED, OrderStatus.COMPLETED,
                        OrderStatus.AFTER_SALES)
# A blue invoice that is drafted or issued covers its orders: no second one for them.
COVERING_STATUSES = (InvoiceStatus.PENDING, InvoiceStatus.ISSUED)


def covering_invoice_lines() -> QuerySet[InvoiceLine]:
    return InvoiceLine.objects.filter(invoice__kind=InvoiceKind.BLUE, invoice__status__in=COVERING_STATUSES)


def orders_awaiting_invoice() -> QuerySet[Order]:
    """Orders whose customer asked for an invoice, shipped, and covered by no blue invoice yet."""
    covered = covering_invoice_lines().filter(order=OuterRef("pk"))
    return (Order.objects.filter(status__in=INVOICEABLE_STATUSES).exclude(invoice_type=RequestedInvoice.NONE)
            .exclude(Exists(covered)).select_related("customer").order_by("customer__name", "shipped_at", "id"))


def orders_awaiting_invoice_by_customer(limit: int = 200) -> list[tuple]:
    """[(customer, [orders…])…] for the finance desk (合并开票 is per customer)."""
    grouped = defaultdict(list)
    for order in orders_awaiting_invoice()[:limit]:
        grouped[order.customer].append(order)
    return list(grouped.items())


def pending_invoices() -> QuerySet[Invoice]:
    return Invoice.objects.filter(status=InvoiceStatus.PENDING).select_related("customer", "reverses").order_by(
        "created_at", "id")


def recent_invoices(limit: int = 30) -> QuerySet[Invoice]:
    return (Invoice.objects.exclude(status=InvoiceStatus.PENDING).select_related("customer", "reverses")
            .order_by("-issued_on", "-id")[:limit])


def invoice_detail(pk: int) -> Invoice:
    return Invoice.objects.select_related("customer", "reverses", "created_by", "issued_by").get(pk=pk)


def invoice_orders(invoice: Invoice) -> list[Order]:
    return list(Order.objects.filter(invoice_lines__invoice=invoice).distinct().order_by("number"))


def tax_by_rate(lines) -> list[dict]:
    """Amount and tax per VAT rate of invoice lines, highest rate first (as on the invoice)."""
    rates = defaultdict(lambda: {"base": ZERO, "tax": ZERO})
    for line in lines:
        rates[line.vat_rate]["base"] += line.amount
        rates[line.vat_rate]["tax"] += line.tax_amount
    return [{"rate": rate, **values} for rate, values in sorted(rates.items(), reverse=True)]


@dataclass(frozen=True)
class Invoicing:
    """How much of what is billed is invoiced (issued, net of red invoices), being invoiced
    (drafted, waiting for the tax system's number) and not invoiced yet."""

    billed: Decimal
    invoiced: Decimal
    pending: Decimal

    @property
    def uninvoiced(self) -> Decimal:
        return max(self.billed - self.invoiced - self.pending, ZERO)


def _line_totals(lines: QuerySet[InvoiceLine]) -> tuple[Decimal, Decimal]:
    """(invoiced, pending) amounts with tax of ``lines``, in one query."""

    def total(statuses) -> Sum:
        return Sum(F("amount") + F("tax_amount"), filter=Q(invoice__status__in=statuses))

    sums = lines.aggregate(invoiced=total(INVOICED_STATUSES), pending=total([InvoiceStatus.PENDING]))
    # SQLite sums decimals as floats: back to the cent.
    return to_money(sums["invoiced"] or ZERO), to_money(sums["pending"] or ZERO)


def order_invoicing(order: Order) -> Invoicing:
    invoiced, pending = _line_totals(InvoiceLine.objects.filter(order=order))
    return Invoicing(order.billed_amount, invoiced, pending)


def customer_invoicing(customer) -> Invoicing:
    """Over the customer's orders that ask for an invoice and have shipped."""
    invoiced, pending = _line_totals(InvoiceLine.objects.filter(order__customer=customer))
    billed = (customer.orders.filter(status__in=INVOICEABLE_STATUSES).exclude(invoice_type=RequestedInvoice.NONE)
              .aggregate(billed=Sum(BILLED_AMOUNT))["billed"])
    return Invoicing(to_money(billed or ZERO), invoiced, pending)
