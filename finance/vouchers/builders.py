"""One builder per source of vouchers. A red invoice or a reversal is written with negative
amounts on the same side (红字冲销), as Chinese ledgers record a reversal."""

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from orders.models import Payment, PaymentMethod, Refund, RefundStatus

from ..models import INVOICED_STATUSES, AccountRole, Invoice, PaymentMatch, SettlementAccount
from ..selectors import tax_by_rate
from .entries import Entry, Voucher

ZERO = Decimal("0.00")
Accounts = dict[str, tuple[str, str]]
Builder = Callable[[date, date, Accounts], list[Voucher]]

# Where the money of each payment method arrives.
MONEY_ACCOUNT = {
    PaymentMethod.BANK_TRANSFER: AccountRole.BANK,
    PaymentMethod.MONTHLY: AccountRole.BANK,
    PaymentMethod.CASH_ON_DELIVERY: AccountRole.CARRIER_RECEIVABLE,  # the carrier's until remitted
    PaymentMethod.ONLINE: AccountRole.ONLINE,
}


def _entry(accounts: Accounts, role: str, summary: str, *, debit=ZERO, credit=ZERO, partner: str = "") -> Entry:
    code, name = accounts[role]
    return Entry(summary=summary[:60], account_code=code, account_name=name, debit=debit, credit=credit,
                 partner=partner)


def invoice_vouchers(start: date, end: date, accounts: Accounts) -> list[Voucher]:
    """Sales revenue and output VAT per invoice issued (a red one negative): Dr 应收账款,
    Cr 主营业务收入, Cr 应交税费—销项税额 (one entry per VAT rate)."""
    vouchers = []
    invoices = (Invoice.objects.filter(status__in=INVOICED_STATUSES, issued_on__range=(start, end))
                .select_related("customer").prefetch_related("lines").order_by("issued_on", "id"))
    for invoice in invoices:
        partner = invoice.customer.name
        summary = f"{'红冲' if invoice.is_red else '销售'}开票 {invoice.get_invoice_type_display()} {invoice.number} {partner}"
        entries = [_entry(accounts, AccountRole.RECEIVABLE, summary, debit=invoice.total, partner=partner),
                   _entry(accounts, AccountRole.REVENUE, summary, credit=invoice.subtotal)]
        for rate in tax_by_rate(invoice.lines.all()):
            if rate["tax"]:
                entries.append(_entry(accounts, AccountRole.OUTPUT_VAT, f"{summary} 税率{rate['rate'] * 100:.0f}%",
                                      credit=rate["tax"]))
        vouchers.append(Voucher(on=invoice.issued_on, source=f"invoice:{invoice.pk}", entries=entries))
    return vouchers


def receipt_vouchers(start: date, end: date, accounts: Accounts) -> list[Voucher]:
    """收款: Dr 银行存款 (or the account of the payment method), Cr 应收账款."""
    vouchers = []
    payments = (Payment.objects.filter(paid_at__date__range=(start, end))
                .select_related("order__customer", "cod_collection__carrier").order_by("paid_at", "id"))
    for payment in payments:
        partner = payment.order.customer.name
        summary = f"收到货款 {payment.order.number} {partner}" + (f" {payment.reference}" if payment.reference else "")
        money = MONEY_ACCOUNT.get(payment.method, AccountRole.BANK)
        vouchers.append(Voucher(on=timezone.localdate(payment.paid_at), source=f"payment:{payment.pk}", entries=[
            _entry(accounts, money, summary, debit=payment.amount, partner=_carrier_of(payment)),
            _entry(accounts, AccountRole.RECEIVABLE, summary, credit=payment.amount, partner=partner),
        ]))
    return vouchers


def _carrier_of(payment: Payment) -> str:
    """The carrier owing a 代收货款 (the debit's 往来单位); no one for money already in hand."""
    collection = getattr(payment, "cod_collection", None) if payment.method == PaymentMethod.CASH_ON_DELIVERY else None
    return collection.carrier.name if collection is not None else ""


def payment_reversal_vouchers(start: date, end: date, accounts: Accounts) -> list[Voucher]:
    """冲销收款 (a payment taken back, e.g. matched to the wrong customer): the receipt in red, in
    the month of the reversal — the receipt's own month may be closed."""
    vouchers = []
    payments = (Payment.objects.filter(reversed_at__date__range=(start, end)).select_related("order__customer")
                .order_by("reversed_at", "id"))
    for payment in payments:
        partner = payment.order.customer.name
        summary = f"冲销收款 {payment.order.number} {partner}：{payment.reversal_reason}"[:120]
        money = MONEY_ACCOUNT.get(payment.method, AccountRole.BANK)
        vouchers.append(Voucher(on=timezone.localdate(payment.reversed_at), source=f"payment-reversal:{payment.pk}",
                                entries=[  # the receipt in red: same sides, negative amounts
                                    _entry(accounts, money, summary, debit=-payment.amount, partner=_carrier_of(payment)),
                                    _entry(accounts, AccountRole.RECEIVABLE, summary, credit=-payment.amount,
                                           partner=partner),
                                ]))
    return vouchers


def refund_vouchers(start: date, end: date, accounts: Accounts) -> list[Voucher]:
    """退款 (money paid back): Dr 应收账款, Cr 银行存款. The goods' credit itself is booked by
    the red invoice (or not at all when nothing was invoiced yet)."""
    vouchers = []
    # Only money that left: a refund waiting for 财务's approval, or declined, has not.
    refunds = (Refund.objects.filter(refunded_at__date__range=(start, end), amount__gt=0, status=RefundStatus.PAID)
               .select_related("order__customer").order_by("refunded_at", "id"))
    for refund in refunds:
        partner = refund.order.customer.name
        summary = f"退款 {refund.order.number} {partner} {refund.get_source_display()}"
        money = MONEY_ACCOUNT.get(refund.order.payment_method, AccountRole.BANK)
        vouchers.append(Voucher(on=timezone.localdate(refund.refunded_at), source=f"refund:{refund.pk}", entries=[
            _entry(accounts, AccountRole.RECEIVABLE, summary, debit=refund.amount, partner=partner),
            _entry(accounts, money, summary, credit=refund.amount),
        ]))
    return vouchers


SETTLEMENT_MONEY = {
    SettlementAccount.Kind.BANK: AccountRole.BANK,
    SettlementAccount.Kind.CASH: AccountRole.CASH,
    SettlementAccount.Kind.ALIPAY: AccountRole.ONLINE,
    SettlementAccount.Kind.WECHAT: AccountRole.ONLINE,
}


def cod_remittance_vouchers(start: date, end: date, accounts: Accounts) -> list[Voucher]:
    """代收货款回款: a carrier's remittance matched on a bank statement moves the money from the
    carrier's receivable to the account it arrived in (on the statement's date); a reversed
    remittance is the same voucher in red (on the day of the reversal)."""
    vouchers = []
    matches = (PaymentMatch.objects.filter(kind=PaymentMatch.Kind.COD)
               .filter(Q(line__transaction_date__range=(start, end)) | Q(reversed_at__date__range=(start, end)))
               .select_related("line__carrier", "line__statement__account").order_by("id"))
    for match in matches:
        line = match.line
        carrier = line.carrier.name if line.carrier else line.payer_name
        money = SETTLEMENT_MONEY.get(line.statement.account.kind, AccountRole.BANK)
        summary = f"代收货款回款 {carrier} {line.reference}".strip()[:120]
        if start <= line.transaction_date <= end:
            vouchers.append(Voucher(on=line.transaction_date, source=f"cod-remittance:{match.pk}", entries=[
                _entry(accounts, money, summary, debit=match.amount),
                _entry(accounts, AccountRole.CARRIER_RECEIVABLE, summary, credit=match.amount, partner=carrier),
            ]))
        if match.reversed_at is not None and start <= timezone.localdate(match.reversed_at) <= end:
            reason = f"冲销{summary}：{match.reversal_reason}"[:120]
            vouchers.append(Voucher(on=timezone.localdate(match.reversed_at), source=f"cod-remittance-reversal:{match.pk}",
                                    entries=[  # the remittance in red
                                        _entry(accounts, money, reason, debit=-match.amount),
                                        _entry(accounts, AccountRole.CARRIER_RECEIVABLE, reason, credit=-match.amount,
                                               partner=carrier),
                                    ]))
    return vouchers


BUILDERS: list[Builder] = [invoice_vouchers, receipt_vouchers, payment_reversal_vouchers, refund_vouchers,
                          cod_remittance_vouchers]


def register_builder(builder: Builder) -> None:
    """Another source of vouchers (COD remittance, compensation…), added once."""
    if builder not in BUILDERS:
        BUILDERS.append(builder)
