"""Demo data for reconciliation (issue 20, items 3–6): settlement accounts with opening
balances, opening receivables for a few customers, bank accounts on file for some customers,
a refund waiting for 财务's approval, and a sample bank statement (工商银行 layout, written
to the media folder, not imported) made from the demo's open orders so that most of its
lines match automatically when the finance user imports it on 收款核销. COD collected at
delivery by the demo's orders is already waiting for the carriers' remittance."""

import io
from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook

from customers.models import Customer
from integrations.models import PaymentProvider
from orders import services as order_services
from orders.models import BALANCE_DUE, Order, OrderStatus, PaymentMethod, Refund

from .models import CodCollection, SettlementAccount
from .services.cod import outstanding_for

SAMPLE_STATEMENT = "finance/sample_bank_statement.xlsx"
HEADERS = ["交易日期", "对方户名", "对方账号", "借方发生额", "贷方发生额", "余额", "摘要"]
DEMO_ACCOUNTS = [
    ("工商银行基本户", SettlementAccount.Kind.BANK, "中国工商银行上海张江支行", "1001244309200088776", Decimal("386500.00")),
    ("招商银行一般户", SettlementAccount.Kind.BANK, "招商银行上海分行营业部", "121909876510301", Decimal("52000.00")),
    ("现金", SettlementAccount.Kind.CASH, "", "", Decimal("3600.00")),
    ("支付宝商户", SettlementAccount.Kind.ALIPAY, "", "demo-alipay@example.com", Decimal("0.00")),
    ("微信支付商户", SettlementAccount.Kind.WECHAT, "", "1600012345", Decimal("1280.00")),
]


class ReconciliationDemo:
    def __init__(self, demo) -> None:
        self.demo = demo
        self.random = demo.random

    def build(self) -> None:
        if SettlementAccount.objects.exists():
            self.demo.log("结算账户已存在，跳过对账演示数据。")
            return
        with transaction.atomic():
            self.create_accounts()
            customers = self.give_bank_accounts()
            self.enter_opening_receivables(customers)
        self.ask_for_a_refund()
        self.write_sample_statement()

    def create_accounts(self) -> None:
        opening = timezone.localdate().replace(day=1) - timedelta(days=90)
        provider = PaymentProvider.objects.filter(code="demo-pay").first()
        for name, kind, bank, number, balance in DEMO_ACCOUNTS:
            SettlementAccount.objects.create(
                name=name, kind=kind, bank_name=bank, account_number=number, opening_balance=balance,
                opening_date=opening, payment_provider=provider if kind == SettlementAccount.Kind.WECHAT else None,
            )

    def give_bank_accounts(self) -> list[Customer]:
        customers = list(Customer.objects.order_by("code")[:8])
        for index, customer in enumerate(customers):
            customer.bank_name = "中国建设银行" if index % 2 else "中国工商银行"
            customer.bank_account = f"6222{index + 1:03d}0{customer.pk:04d}88{index:02d}66"[:19]
            customer.save(update_fields=["bank_name", "bank_account", "updated_at"])
        return customers

    def enter_opening_receivables(self, customers) -> None:
        today = timezone.localdate()
        for customer, amount, days_ago in zip(customers[5:8], ("18600.00", "7450.00", "32000.00"), (75, 20, 40)):
            order_services.opening_receivable_set(customer=customer, user=None, amount=Decimal(amount),
                                                  as_of=today - timedelta(days=days_ago), note="迁移自原Excel台账")

    def ask_for_a_refund(self) -> None:
        """A 售后 refund to an account the customer never paid from: it waits for 财务."""
        order = (Order.objects.filter(status__in=[OrderStatus.COMPLETED, OrderStatus.DELIVERED], paid_amount__gt=0)
                 .exclude(payment_method=PaymentMethod.CASH_ON_DELIVERY).order_by("-id").first())
        if order is None:
            return
        amount = min(order.net_paid, Decimal("300.00"))
        order_services.refund_record(
            order=order, user=self.demo.users["aftersales"], amount=amount, source=Refund.Source.AFTER_SALES,
            reason="客户反馈部分商品有划痕，协商退款（客户要求退到其个人账户）",
            payout_method="bank_transfer", payout_account="6217000012345678901",
        )

    # --- the sample statement -------------------------------------------------------------

    def open_orders(self):
        return list(Order.objects.filter(status__in=[OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT, OrderStatus.DELIVERED,
                                                     OrderStatus.COMPLETED])
                    .exclude(payment_method=PaymentMethod.CASH_ON_DELIVERY)
                    .annotate(due=BALANCE_DUE).filter(due__gt=0).select_related("customer").order_by("created_at")[:14])

    def statement_rows(self) -> list[list]:
        today = timezone.localdate()
        orders = self.open_orders()
        rows = []

        def day(n):
            # Within this month: the demo closes last month (finance.demo), and a bank line
            # dated in a closed month waits for a clerk instead of being matched.
            return max(today - timedelta(days=n), today.replace(day=1))

        by_number, rest = orders[:7], orders[7:]
        for index, order in enumerate(by_number):  # 附言 names the order: exact, partial, over-payment
            amount = order.balance_due
            note = f"货款 订单{order.number}"
            if index == 1:
                amount = (amount / 2).quantize(Decimal("0.01"))
                note = f"{order.number} 首付款"
            elif index == 2:
                amount += Decimal("500.00")
                note = f"付{order.number}货款（含预付）"
            rows.append([day(6 - index % 5), order.customer.name, order.customer.bank_account, None, amount, None, note])
        for order in rest[:4]:  # the payer's name or account, the amount of one open order
            rows.append([day(3), order.customer.name, order.customer.bank_account, None, order.balance_due, None, "货款"])
        customer = next((o.customer for o in orders if sum(1 for x in orders if x.customer_id == o.customer_id) > 1), None)
        if customer is not None:  # several open orders and an amount that fits none of them
            rows.append([day(2), customer.name, customer.bank_account, None, Decimal("1000.00"), None, "货款"])
        rows.append([day(2), "张伟", "6228480010998877665", None, Decimal("880.00"), None, "转账"])
        collection = CodCollection.objects.filter(amount__gt=0).select_related("carrier").order_by("collected_at").first()
        if collection is not None:
            carrier = collection.carrier
            remitted = min(outstanding_for(carrier), collection.amount * 2).quantize(Decimal("0.01"))
            rows.append([day(1), f"{carrier.name}有限公司", "3100155566677788", None, remitted, None, "代收货款结算"])
        rows.append([day(1), "上海张江物业管理有限公司", "310066771234", Decimal("12000.00"), None, None, "房租 12月"])
        rows.append([day(0), "", "", None, Decimal("36.52"), None, "结息"])
        return rows

    def write_sample_statement(self) -> None:
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "账户明细"
        sheet.append(["中国工商银行 账户历史明细"])
        sheet.append([f"账号：{DEMO_ACCOUNTS[0][3]}", "", "户名：演示贸易有限公司"])
        sheet.append(HEADERS)
        for row in self.statement_rows():
            sheet.append([row[0].isoformat(), *row[1:3], *(None if v is None else float(v) for v in row[3:6]), row[6]])
        buffer = io.BytesIO()
        workbook.save(buffer)
        if default_storage.exists(SAMPLE_STATEMENT):
            default_storage.delete(SAMPLE_STATEMENT)
        default_storage.save(SAMPLE_STATEMENT, ContentFile(buffer.getvalue()))
        self.demo.log(f"对账：结算账户 {len(DEMO_ACCOUNTS)} 个，示例银行对账单 {SAMPLE_STATEMENT}（未导入）")
