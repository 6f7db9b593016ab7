"""Finance's demo data, built by ``ordermgmt.demo`` after the service desk, through the real
services: invoices issued for most orders that left the warehouse (one merged, one reversed),
one waiting for its number, the newest orders still waiting to be invoiced (in the 财务's bell
and on the desk), and last month closed by the 主管."""

from collections import defaultdict
from datetime import timedelta

from django.utils import timezone

from orders.models import Order

from .models import ClosedPeriod, Invoice
from .notices import invoice_due_notify
from .selectors import orders_awaiting_invoice
from .services import invoice_draft, invoice_issue, invoice_reverse, period_close

# Orders shipped within these days are left for the finance user to invoice.
LEFT_TO_INVOICE_DAYS = 12


class FinanceDemo:
    def __init__(self, builder) -> None:
        self.builder = builder
        self.users = builder.users
        self.serial = 0

    def build(self) -> None:
        if not Invoice.objects.exists():
            self.issue_invoices()
        self.tell_of_invoices_due()
        self.close_last_month()

    def _number(self) -> str:
        """数电票 numbers: 20 digits, no code."""
        self.serial += 1
        return f"{timezone.localdate():%y}312000000{self.serial:09d}"

    def issue_invoices(self) -> None:
        clerk, today = self.users["finance"], timezone.localdate()
        cutoff = timezone.now() - timedelta(days=LEFT_TO_INVOICE_DAYS)
        by_customer = defaultdict(list)
        for order in orders_awaiting_invoice().filter(shipped_at__lt=cutoff):
            by_customer[order.customer_id].append(order)
        issued = []
        for position, orders in enumerate(by_customer.values()):
            # One customer's first two orders on one invoice (合并开票); the others one by one.
            groups = [orders[:2]] + [[o] for o in orders[2:]] if position == 0 and len(orders) > 1 else [[o] for o in orders]
            for group in groups:
                invoice = invoice_draft(orders=group, user=clerk, invoice_type=group[0].invoice_type)
                day = min(timezone.localdate(max(o.shipped_at for o in group)) + timedelta(days=2), today)
                issued.append(invoice_issue(invoice=invoice, user=clerk, number=self._number(), issued_on=day))
        if len(issued) >= 2:
            invoice_reverse(invoice=issued[1], user=clerk, reason="客户更正发票抬头，红冲后重开", number=self._number())
            waiting = invoice_draft(orders=Order.objects.filter(invoice_lines__invoice=issued[1]).distinct(), user=clerk,
                                    invoice_type=issued[1].invoice_type)
            self.builder.log(f"发票：已开 {len(issued)} 张（1 张合并开票，1 张已红冲），1 张待开（#{waiting.pk}）")

    def tell_of_invoices_due(self) -> None:
        """The newest orders waiting for an invoice reach the bell (the historical demo orders
        told nobody when they moved)."""
        for order in orders_awaiting_invoice().order_by("-shipped_at", "-id")[:3]:
            invoice_due_notify(order=order)

    def close_last_month(self) -> None:
        last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
        if not ClosedPeriod.objects.filter(month=last_month.replace(day=1)).exists():
            period_close(month=last_month, user=self.users["manager"], note="演示数据：上月已结账")
