"""One builder per source of vouchers. A red invoice or a reversal is written with negative
amounts on the same side (红字冲销), as Chinese ledgers record a reversal."""

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from orders.models import CustomerCredit, Payment, PaymentMethod, PayoutMethod, Refund, RefundStatus
from orders.services.credits import CREDIT_REFERENCE

from ..models import (
    INVOICED_STATUSES,
    AccountFlow,
    AccountRole,
    CarrierClaim,
    CreditNote,
    Invoice,
    PaymentMatch,
    SettlementAccount,
)
from ..selectors import tax_by_rate
from .entries import Entry, Voucher

ZERO = Decimal("0.00")
Accounts = dict[str, tuple[str, str]]
Account = str | tuple[str, str]  # a role, or a settlement account's own (code, name)
Builder = Callable[[date, date, Accounts], list[Voucher]]

# Where the money of each payment method arrives.
MONEY_ACCOUNT = {
    PaymentMethod.BANK_TRANSFER: AccountRole.BANK,
    PaymentMethod.MONTHLY: AccountRole.BANK,
    PaymentMethod.CASH_ON_DELIVERY: AccountRole.CARRIER_RECEIVABLE,  # the carrier's until remitted
    PaymentMethod.ONLINE: AccountRole.ONLINE,
}


def _entry(accounts: Accounts, account: Account, summary: str, *, debit=ZERO, credit=ZERO, partner: str = "") -> Entry:
    code, name = account if isinstance(account, tuple) else accounts[account]
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
    """收款: Dr 银行存款 (the settlement account it arrived in, or the account of the payment
    method), Cr 应收账款; paid from the customer's credit: Dr 预收账款 instead."""
    vouchers = []
    payments = list(Payment.objects.filter(paid_at__date__range=(start, end))
                    .select_related("order__customer", "cod_collection__carrier", "bank_match__line__statement__account")
                    .order_by("paid_at", "id"))
    from_credit = _paid_from_credit(payments)
    for payment in payments:
        partner = payment.order.customer.name
        summary = f"收到货款 {payment.order.number} {partner}" + (f" {payment.reference}" if payment.reference else "")
        money, money_partner = _money_of(payment, from_credit)
        vouchers.append(Voucher(on=timezone.localdate(payment.paid_at), source=f"payment:{payment.pk}", entries=[
            _entry(accounts, money, summary, debit=payment.amount, partner=money_partner),
            _entry(accounts, AccountRole.RECEIVABLE, summary, credit=payment.amount, partner=partner),
        ]))
    return vouchers


def _paid_from_credit(payments: list[Payment]) -> set[int]:
    """The payments made from the customer's credit (抵扣): the credit's use names its payment."""
    names = {f"收款 #{p.pk}": p.pk for p in payments if p.reference == CREDIT_REFERENCE}
    used = CustomerCredit.objects.filter(kind=CustomerCredit.Kind.APPLIED, reference__in=names)
    return {names[reference] for reference in used.values_list("reference", flat=True)}


def _money_of(payment: Payment, from_credit: set[int]) -> tuple[Account, str]:
    """Where a payment's money is (the debit) and who the 往来单位 of that entry is."""
    if payment.pk in from_credit:
        return AccountRole.ADVANCE_RECEIPT, payment.order.customer.name
    match = getattr(payment, "bank_match", None)
    if match is not None:
        return settlement_account_code(match.line.statement.account), ""
    return MONEY_ACCOUNT.get(payment.method, AccountRole.BANK), _carrier_of(payment)


def _carrier_of(payment: Payment) -> str:
    """The carrier owing a 代收货款 (the debit's 往来单位); no one for money already in hand."""
    collection = getattr(payment, "cod_collection", None) if payment.method == PaymentMethod.CASH_ON_DELIVERY else None
    return collection.carrier.name if collection is not None else ""


def payment_reversal_vouchers(start: date, end: date, accounts: Accounts) -> list[Voucher]:
    """冲销收款 (a payment taken back, e.g. matched to the wrong customer): the receipt in red, in
    the month of the reversal — the receipt's own month may be closed."""
    vouchers = []
    payments = list(Payment.objects.filter(reversed_at__date__range=(start, end))
                    .select_related("order__customer", "cod_collection__carrier", "bank_match__line__statement__account")
                    .order_by("reversed_at", "id"))
    from_credit = _paid_from_credit(payments)
    for payment in payments:
        partner = payment.order.customer.name
        summary = f"冲销收款 {payment.order.number} {partner}：{payment.reversal_reason}"[:120]
        money, money_partner = _money_of(payment, from_credit)
        vouchers.append(Voucher(on=timezone.localdate(payment.reversed_at), source=f"payment-reversal:{payment.pk}",
                                entries=[  # the receipt in red: same sides, negative amounts
                                    _entry(accounts, money, summary, debit=-payment.amount, partner=money_partner),
                                    _entry(accounts, AccountRole.RECEIVABLE, summary, credit=-payment.amount,
                                           partner=partner),
                                ]))
    return vouchers


def refund_vouchers(start: date, end: date, accounts: Accounts) -> list[Voucher]:
    """退款 (money paid back): Dr 应收账款, Cr the settlement account it was paid from (its
    outgoing flow), else the account of the order's payment method; kept as the customer's
    credit: Cr 预收账款. The goods' credit itself is booked by the red invoice (or not at all
    when nothing was invoiced yet), a 赔偿's by its credit note."""
    vouchers = []
    # Only money that left: a refund waiting for 财务's approval, or declined, has not.
    refunds = (Refund.objects.filter(refunded_at__date__range=(start, end), amount__gt=0, status=RefundStatus.PAID)
               .select_related("order__customer", "account_flow__account").order_by("refunded_at", "id"))
    for refund in refunds:
        partner = refund.order.customer.name
        summary = f"退款 {refund.order.number} {partner} {refund.get_source_display()}"
        money, money_partner = _refund_money(refund)
        vouchers.append(Voucher(on=timezone.localdate(refund.refunded_at), source=f"refund:{refund.pk}", entries=[
            _entry(accounts, AccountRole.RECEIVABLE, summary, debit=refund.amount, partner=partner),
            _entry(accounts, money, summary, credit=refund.amount, partner=money_partner),
        ]))
    return vouchers


def _refund_money(refund: Refund) -> tuple[Account, str]:
    if refund.payout_method == PayoutMethod.CUSTOMER_CREDIT:
        return AccountRole.ADVANCE_RECEIPT, refund.order.customer.name
    flow = getattr(refund, "account_flow", None)
    if flow is not None:
        return settlement_account_code(flow.account), ""
    return MONEY_ACCOUNT.get(refund.order.payment_method, AccountRole.BANK), ""


SETTLEMENT_MONEY = {
    SettlementAccount.Kind.BANK: AccountRole.BANK,
    SettlementAccount.Kind.CASH: AccountRole.CASH,
    SettlementAccount.Kind.ALIPAY: AccountRole.ONLINE,
    SettlementAccount.Kind.WECHAT: AccountRole.ONLINE,
}


def settlement_account_code(account: SettlementAccount) -> Account:
    """The account's own ledger code when it has one, else the code mapped for its kind."""
    if account.ledger_code:
        return account.ledger_code, account.ledger_name or account.name
    return SETTLEMENT_MONEY.get(account.kind, AccountRole.BANK)


# What a statement line's match pays when it is no order's payment (an order's is booked by
# its payment): the account credited, the summary and the voucher's source.
MATCH_BOOKING = {
    PaymentMatch.Kind.COD: (AccountRole.CARRIER_RECEIVABLE, "代收货款回款", "cod-remittance"),
    PaymentMatch.Kind.OPENING: (AccountRole.RECEIVABLE, "收回期初应收", "opening-receipt"),
    PaymentMatch.Kind.CREDIT: (AccountRole.ADVANCE_RECEIPT, "多付款转客户余额", "overpayment"),
}


def _match_partner(match: PaymentMatch) -> str:
    line = match.line
    if match.kind == PaymentMatch.Kind.COD:
        return line.carrier.name if line.carrier else line.payer_name
    return match.customer.name if match.customer else line.payer_name


def statement_match_vouchers(start: date, end: date, accounts: Accounts) -> list[Voucher]:
    """Money on a bank statement for something other than an order: a carrier's 代收货款
    remittance (Cr 其他应收款—代收货款, the carrier), the customer's opening receivable (Cr
    应收账款) and an over-payment kept as the customer's credit (Cr 预收账款), each Dr the
    account it arrived in on the statement's date; a reversed match is the same voucher in red
    on the day of the reversal."""
    vouchers = []
    matches = (PaymentMatch.objects.filter(kind__in=MATCH_BOOKING)
               .filter(Q(line__transaction_date__range=(start, end)) | Q(reversed_at__date__range=(start, end)))
               .select_related("line__carrier", "line__statement__account", "customer").order_by("id"))
    for match in matches:
        line = match.line
        credited, what, source = MATCH_BOOKING[match.kind]
        partner = _match_partner(match)
        money = settlement_account_code(line.statement.account)
        summary = f"{what} {partner} {line.reference}".strip()[:120]
        if start <= line.transaction_date <= end:
            vouchers.append(Voucher(on=line.transaction_date, source=f"{source}:{match.pk}", entries=[
                _entry(accounts, money, summary, debit=match.amount),
                _entry(accounts, credited, summary, credit=match.amount, partner=partner),
            ]))
        if match.reversed_at is not None and start <= timezone.localdate(match.reversed_at) <= end:
            reason = f"冲销{summary}：{match.reversal_reason}"[:120]
            vouchers.append(Voucher(on=timezone.localdate(match.reversed_at), source=f"{source}-reversal:{match.pk}",
                                    entries=[  # in red
                                        _entry(accounts, money, reason, debit=-match.amount),
                                        _entry(accounts, credited, reason, credit=-match.amount, partner=partner),
                                    ]))
    return vouchers


def credit_note_vouchers(start: date, end: date, accounts: Accounts) -> list[Voucher]:
    """赔偿/投诉补偿 granted to a customer: Dr 销售费用—赔偿及补偿, Cr 应收账款 (the customer).
    The money then paid back — or kept as the customer's credit — is the refund's voucher."""
    vouchers = []
    notes = (CreditNote.objects.filter(granted_at__date__range=(start, end))
             .select_related("order", "customer", "refund").order_by("granted_at", "id"))
    for note in notes:
        partner = note.customer.name
        summary = f"{note.refund.get_source_display()} {note.order.number} {partner}"
        vouchers.append(Voucher(on=timezone.localdate(note.granted_at), source=f"credit-note:{note.pk}", entries=[
            _entry(accounts, AccountRole.COMPENSATION_EXPENSE, summary, debit=note.amount),
            _entry(accounts, AccountRole.RECEIVABLE, summary, credit=note.amount, partner=partner),
        ]))
    return vouchers


def carrier_claim_vouchers(start: date, end: date, accounts: Accounts) -> list[Voucher]:
    """承运商赔款: what the carrier owes for the goods it lost or damaged, Dr 其他应收款—承运商赔款
    (the carrier), Cr the recovery (by default the same 赔偿 cost; a 主管 may map 营业外收入)."""
    vouchers = []
    claims = (CarrierClaim.objects.filter(created_at__date__range=(start, end))
              .select_related("carrier", "order", "exception").order_by("created_at", "id"))
    for claim in claims:
        partner = claim.carrier.name
        summary = f"承运商赔款 {partner} {claim.order.number} {claim.exception.get_kind_display()}"
        vouchers.append(Voucher(on=timezone.localdate(claim.created_at), source=f"carrier-claim:{claim.pk}", entries=[
            _entry(accounts, AccountRole.CARRIER_CLAIM, summary, debit=claim.amount, partner=partner),
            _entry(accounts, AccountRole.CLAIM_RECOVERY, summary, credit=claim.amount),
        ]))
    return vouchers


FLOW_PURPOSE_ACCOUNT = {
    AccountFlow.Purpose.BANK_FEE: AccountRole.BANK_FEE,
    AccountFlow.Purpose.INTEREST: AccountRole.INTEREST,
    AccountFlow.Purpose.TRANSFER: AccountRole.TRANSFER,
    AccountFlow.Purpose.CARRIER_CLAIM: AccountRole.CARRIER_CLAIM,
    AccountFlow.Purpose.OTHER: AccountRole.SUSPENSE,
}
# Purposes whose account is kept per 往来单位 (the counterparty of the flow).
FLOW_PURPOSE_HAS_PARTNER = {AccountFlow.Purpose.CARRIER_CLAIM, AccountFlow.Purpose.OTHER}


def account_flow_vouchers(start: date, end: date, accounts: Accounts) -> list[Voucher]:
    """A settlement account's money that pays no order, booked against what a clerk said it is
    (手续费, 利息, 内部转账 through a clearing account, a carrier's 赔款, 待查明): money in is
    Dr the account, money out Cr it. A flow reversed by its counter flow is written in red:
    the original's sides, negative amounts."""
    vouchers = []
    flows = (AccountFlow.objects.filter(occurred_at__date__range=(start, end)).exclude(purpose="")
             .select_related("account", "reversal_of").order_by("occurred_at", "id"))
    for flow in flows:
        incoming = (flow.reversal_of or flow).amount > 0
        value = flow.amount if incoming else -flow.amount
        purpose = AccountFlow.Purpose(flow.purpose)
        partner = flow.counterparty if purpose in FLOW_PURPOSE_HAS_PARTNER else ""
        summary = (f"{'冲销' if flow.reversal_of_id else ''}{purpose.label} {flow.account.name} "
                   f"{flow.counterparty} {flow.reference or flow.note}").strip()[:120]
        money_side, other_side = ({"debit": value}, {"credit": value}) if incoming else ({"credit": value}, {"debit": value})
        money = _entry(accounts, settlement_account_code(flow.account), summary, **money_side)
        other = _entry(accounts, FLOW_PURPOSE_ACCOUNT[purpose], summary, partner=partner, **other_side)
        vouchers.append(Voucher(on=timezone.localdate(flow.occurred_at), source=f"account-flow:{flow.pk}",
                                entries=[money, other] if incoming else [other, money]))
    return vouchers


BUILDERS: list[Builder] = [invoice_vouchers, receipt_vouchers, payment_reversal_vouchers, refund_vouchers,
                          statement_match_vouchers, credit_note_vouchers, carrier_claim_vouchers,
                          account_flow_vouchers]


def register_builder(builder: Builder) -> None:
    """Another source of vouchers (COD remittance, compensation…), added once."""
    if builder not in BUILDERS:
        BUILDERS.append(builder)
