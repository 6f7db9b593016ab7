"""Bank statements: import, automatic and manual matching, reversal."""

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from customers.models import Customer
from fulfillment.models import Carrier
from ordermgmt.errors import ActionForbidden, BusinessError, InvalidInput, InvalidTransition
from ordermgmt.language import in_platform_language
from ordermgmt.money import to_money
from orders import services as order_services
from orders.models import BALANCE_DUE, CustomerCredit, OpeningReceivable, Order, OrderStatus, PaymentMethod

from ..models import AccountFlow, BankStatement, LineStatus, PaymentMatch, SettlementAccount, StatementLine
from ..statement_files import read_statement
from . import cod
from .common import check_permission

RECONCILE = "finance.reconcile_payments"
ORDER_NUMBER = re.compile(r"(?<!\d)(20\d{10,11})(?!\d)")
# Orders that may still receive money.
PAYABLE = ~Q(status__in=[OrderStatus.CANCELLED, OrderStatus.REJECTED])

How, Kind = PaymentMatch.How, PaymentMatch.Kind


def _at(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12, 0)))


@in_platform_language
@transaction.atomic
def bank_statement_import(*, account: SettlementAccount, user, file_name: str, data: bytes) -> BankStatement:
    """Import a statement file into ``account``: every transaction becomes an account flow,
    every incoming one a line to match; rows that can't be read are kept as problems, and a
    transaction imported before (same date, amount, payer account and 附言) is not booked twice.
    Then the lines are matched automatically."""
    check_permission(user, "finance.import_bankstatement", "导入银行对账单")
    parsed = read_statement(data, file_name)  # BadFile: the view tells the clerk
    statement = BankStatement.objects.create(account=account, file_name=file_name[:200], layout=parsed.layout,
                                             imported_by=user, problems=list(parsed.problems))
    imported = Imported.of(account, parsed.transactions)
    for tx in parsed.transactions:
        seen = imported.why_not_again(tx) or _refund_sent(account, tx, statement)
        if seen:
            statement.problems.append({"row": tx.row, "message": seen})
            continue
        line = None
        if tx.amount > 0:
            line = StatementLine.objects.create(statement=statement, row_number=tx.row, transaction_date=tx.day,
                                                payer_name=tx.payer_name, payer_account=tx.payer_account,
                                                amount=tx.amount, reference=tx.reference)
        imported.add(tx, AccountFlow.objects.create(
            account=account, source=AccountFlow.Source.STATEMENT, amount=tx.amount, occurred_at=_at(tx.day),
            counterparty=tx.payer_name, counterparty_account=tx.payer_account, reference=tx.reference,
            statement_line=line, statement=statement, created_by=user))
    statement.problems.sort(key=lambda p: p["row"])
    statement.save(update_fields=["problems"])
    lines = list(statement.lines.order_by("row_number"))
    payers = Payers.of(lines)
    for line in lines:
        line_auto_match(line=line, user=user, payers=payers)
    return statement


# How long after a refund is recorded as sent its debit may appear on the bank statement.
REFUND_SEEN_WITHIN = timedelta(days=10)


def _key(tx) -> tuple:
    return tx.day, tx.amount, tx.payer_account, tx.reference


@dataclass
class Imported:
    """The account's transactions already imported in the statement's date range, read once per
    statement, keyed as a transaction is compared (date, amount, payer account and 附言): an
    incoming one as a line to match, an outgoing one as a flow. Those of this import join as
    they are booked, so a row repeated in the file is not booked twice either."""

    lines: dict[tuple, StatementLine]
    flows: dict[tuple, AccountFlow]

    @classmethod
    def of(cls, account: SettlementAccount, transactions) -> "Imported":
        days = [tx.day for tx in transactions]
        if not days:
            return cls({}, {})
        lines = (StatementLine.objects.filter(statement__account=account, transaction_date__range=(min(days), max(days)))
                 .select_related("statement"))
        flows = (AccountFlow.objects.filter(account=account, source=AccountFlow.Source.STATEMENT, amount__lt=0,
                                            occurred_at__range=(_at(min(days)), _at(max(days))))
                 .select_related("statement"))
        return cls({(line.transaction_date, line.amount, line.payer_account, line.reference): line for line in lines},
                   {(timezone.localdate(flow.occurred_at), flow.amount, flow.counterparty_account, flow.reference): flow
                    for flow in flows})

    def why_not_again(self, tx) -> str:
        if tx.amount > 0:
            twin = self.lines.get(_key(tx))
            return twin and f"已在对账单“{twin.statement}”第 {twin.row_number} 行导入过，未重复导入"
        flow = self.flows.get(_key(tx))
        return flow and f"已在对账单“{flow.statement or '—'}”中导入过，未重复导入"

    def add(self, tx, flow: AccountFlow) -> None:
        if flow.statement_line is not None:
            self.lines.setdefault(_key(tx), flow.statement_line)
        else:
            self.flows.setdefault(_key(tx), flow)


def _refund_sent(account: SettlementAccount, tx, statement: BankStatement) -> str:
    """A debit that is a refund already booked from this account when it was sent (oldest such
    refund of that amount not yet seen on a statement, sent up to ten days before): the
    statement confirms it instead of booking the money out a second time."""
    if tx.amount >= 0:
        return ""
    sent_from = timezone.make_aware(datetime.combine(tx.day - REFUND_SEEN_WITHIN, time.min))
    sent_until = timezone.make_aware(datetime.combine(tx.day, time.max))
    payout = (AccountFlow.objects.select_for_update(of=("self",))
              .filter(account=account, source=AccountFlow.Source.REFUND, amount=tx.amount, statement=None,
                      occurred_at__range=(sent_from, sent_until))
              .select_related("refund__order").order_by("occurred_at", "pk").first())
    if payout is None:
        return ""
    payout.statement = statement
    payout.save(update_fields=["statement"])
    return f"订单 {payout.refund.order.number} 的退款 ¥{-payout.amount}，退款时已登记付出，未重复入账"


# --- automatic matching -----------------------------------------------------------------

@dataclass
class Proposal:
    how: str
    customer: Customer | None = None
    orders: tuple = ()  # (order, amount) pairs
    opening: Decimal = Decimal("0.00")
    credit: Decimal = Decimal("0.00")
    carrier: Carrier | None = None
    note: str = ""
    candidates: tuple = ()


def _open_orders(customer) -> list[Order]:
    return list(Order.objects.filter(PAYABLE, customer=customer).annotate(due=BALANCE_DUE).filter(due__gt=0)
                .order_by("created_at", "id"))


@dataclass(frozen=True)
class Payers:
    """Who may have sent a statement's money, read once for all its lines: the customers by
    bank account (stored encrypted, so compared in Python over every customer that has one),
    the customers by the exact names on the lines, and the active carriers."""

    by_account: dict[str, Customer]
    by_name: dict[str, Customer]
    carriers: tuple[Carrier, ...]

    @classmethod
    def of(cls, lines: list[StatementLine]) -> "Payers":
        by_account, by_name = {}, {}
        if any(line.payer_account for line in lines):
            for customer in Customer.objects.exclude(bank_account=""):
                if customer.bank_account:
                    by_account.setdefault(customer.bank_account.replace(" ", ""), customer)
        names = {line.payer_name for line in lines if line.payer_name}
        for customer in Customer.objects.filter(name__in=names).order_by("code", "pk"):
            by_name.setdefault(customer.name, customer)
        return cls(by_account, by_name, tuple(Carrier.objects.filter(is_active=True)))

    def customer_of(self, line: StatementLine) -> tuple[Customer | None, str]:
        customer = (line.payer_account and self.by_account.get(line.payer_account)) or self.by_name.get(line.payer_name)
        return (customer, How.PAYER_ACCOUNT) if customer is not None else (None, "")

    def carrier_of(self, line: StatementLine) -> Carrier | None:
        return next((c for c in self.carriers if c.name and c.name in line.payer_name), None)


def _spread(amount: Decimal, orders: list[Order]) -> tuple[list[tuple[Order, Decimal]], Decimal]:
    """Pay the orders oldest first; what is left over."""
    pairs = []
    for order in orders:
        if amount <= 0:
            break
        part = min(amount, order.balance_due)
        if part > 0:
            pairs.append((order, part))
            amount -= part
    return pairs, amount


def propose(line: StatementLine, payers: Payers) -> Proposal:
    """What the line pays, by the rules in order: the order numbers in its 附言; the carrier
    remitting COD; the customer recognised by payer account (or exact name) and the amount
    among its open orders (one order of that balance, all of them, the opening receivable)."""
    amount = line.open_amount
    numbers = ORDER_NUMBER.findall(line.reference)
    named = list(Order.objects.filter(PAYABLE, number__in=numbers).select_related("customer").order_by("created_at"))
    if named:
        pairs, left = _spread(amount, [o for o in named if o.balance_due > 0])
        if pairs:
            return Proposal(How.ORDER_NUMBER, customer=named[0].customer, orders=tuple(pairs), credit=left,
                            note="附言中的订单号")
    carrier = payers.carrier_of(line)
    if carrier is not None:
        return Proposal(How.CARRIER, carrier=carrier, note=f"{carrier.name} 代收货款回款")
    customer, how = payers.customer_of(line)
    if customer is None:
        return Proposal("", note="付款人不是已知客户，附言中也没有订单号")
    orders = _open_orders(customer)
    opening = OpeningReceivable.objects.filter(customer=customer).first()
    opening_due = opening.outstanding if opening else Decimal("0.00")
    exact = [o for o in orders if o.balance_due == amount]
    if len(exact) == 1:
        return Proposal(how, customer=customer, orders=((exact[0], amount),), note="金额与一张未付订单相符")
    if len(exact) > 1:
        return Proposal("", customer=customer, note=f"{len(exact)} 张订单的应收余额都是 ¥{amount:,.2f}，请确认",
                        candidates=tuple(o.number for o in exact))
    if opening_due and amount == opening_due:
        return Proposal(how, customer=customer, opening=amount, note="金额与期初应收相符")
    total = sum((o.balance_due for o in orders), Decimal("0.00")) + opening_due
    if orders and amount >= total:
        pairs, left = _spread(amount - opening_due, orders)
        return Proposal(how, customer=customer, orders=tuple(pairs), opening=opening_due, credit=left,
                        note="付清全部未付订单" + ("，多付部分转客户余额" if left else ""))
    if len(orders) == 1:
        return Proposal(how, customer=customer, orders=((orders[0], amount),), note="部分付款")
    return Proposal("", customer=customer, note=f"客户有 {len(orders)} 张未付订单，金额对不上，请人工核销",
                    candidates=tuple(o.number for o in orders))


@transaction.atomic
def line_auto_match(*, line: StatementLine, user, payers: Payers | None = None) -> StatementLine:
    locked = StatementLine.objects.select_for_update().get(pk=line.pk)
    if locked.status not in (LineStatus.UNMATCHED, LineStatus.AMBIGUOUS):
        return locked
    proposal = propose(locked, payers or Payers.of([locked]))
    locked.note, locked.candidates = proposal.note[:300], list(proposal.candidates)
    locked.customer = proposal.customer or locked.customer
    try:
        # A savepoint: a rule refusing this one booking (e.g. its month is closed) leaves the
        # line to a clerk with the reason instead of refusing the whole statement.
        with transaction.atomic():
            if proposal.carrier is not None:
                locked.carrier = proposal.carrier
                _book_cod(locked, user, proposal.carrier, How.CARRIER)
            elif proposal.how:
                _book(locked, user, proposal)
            else:
                locked.status = LineStatus.AMBIGUOUS if proposal.candidates else LineStatus.UNMATCHED
    except ActionForbidden:
        raise
    except BusinessError as refused:
        locked.refresh_from_db()
        locked.status, locked.note = LineStatus.UNMATCHED, f"未自动核销：{refused}"[:300]
        locked.customer = proposal.customer or locked.customer
    _settle_status(locked)
    locked.save()
    return locked


# --- booking and reversing ------------------------------------------------------------------

def _payment_method(line: StatementLine) -> str:
    kind = line.statement.account.kind
    return PaymentMethod.ONLINE if kind in (SettlementAccount.Kind.ALIPAY, SettlementAccount.Kind.WECHAT) else PaymentMethod.BANK_TRANSFER


def _book(line: StatementLine, user, proposal: Proposal) -> None:
    reference = f"{line.statement.account.name} {line.transaction_date:%Y-%m-%d} {line.payer_name}"[:100]
    for order, amount in proposal.orders:
        payment = order_services.payment_record(order=order, user=user, amount=amount, method=_payment_method(line),
                                                reference=reference, paid_at=_at(line.transaction_date),
                                                payer_account=line.payer_account)
        _match(line, user, Kind.ORDER, proposal.how, amount, order=order, customer=order.customer, payment=payment)
    if proposal.opening > 0:
        order_services.opening_receivable_settle(customer=proposal.customer, user=user, amount=proposal.opening)
        _match(line, user, Kind.OPENING, proposal.how, proposal.opening, customer=proposal.customer)
    if proposal.credit > 0 and proposal.customer is not None:
        credit = order_services.customer_credit_add(
            customer=proposal.customer, user=user, amount=proposal.credit, kind=CustomerCredit.Kind.OVERPAYMENT,
            reference=reference, reason=f"银行收款多付（对账单第 {line.row_number} 行）")
        _match(line, user, Kind.CREDIT, proposal.how, proposal.credit, customer=proposal.customer, credit=credit)


def _book_cod(line: StatementLine, user, carrier: Carrier, how: str) -> None:
    amount = min(line.open_amount, cod.outstanding_for(carrier))
    if amount <= 0:
        line.note = f"{carrier.name} 没有待回款的代收货款"
        return
    match = _match(line, user, Kind.COD, how, amount, carrier=carrier)
    cod.remittance_allocate(match=match, carrier=carrier, amount=amount)


def _match(line: StatementLine, user, kind: str, how: str, amount: Decimal, **links) -> PaymentMatch:
    match = PaymentMatch.objects.create(line=line, kind=kind, how=how, amount=amount, matched_by=user, **links)
    line.matched_amount += amount
    return match


def _settle_status(line: StatementLine) -> None:
    if line.status == LineStatus.IGNORED:
        return
    if line.matched_amount >= line.amount:
        line.status = LineStatus.MATCHED
    elif line.matched_amount > 0:
        line.status = LineStatus.PARTIAL
    elif line.status not in (LineStatus.AMBIGUOUS,):
        line.status = LineStatus.UNMATCHED


def _lock_open(line: StatementLine) -> StatementLine:
    """The line, locked: whoever comes second waits here and then sees the first one's matches."""
    locked = StatementLine.objects.select_for_update().select_related("statement__account").get(pk=line.pk)
    if locked.status in (LineStatus.MATCHED, LineStatus.IGNORED):
        raise InvalidTransition(f"对账单第 {locked.row_number} 行已{locked.get_status_display()}，不能再核销")
    return locked


@in_platform_language
@transaction.atomic
def line_match(*, line: StatementLine, user, orders: list[tuple[Order, Decimal]] = (), opening: Decimal = Decimal("0"),
               to_credit: bool = False, carrier: Carrier | None = None) -> StatementLine:
    """人工核销: the clerk says what the line pays — orders with amounts (one payment for
    several orders, or part of one), the opening receivable, a carrier's COD remittance; with
    ``to_credit`` what is left becomes the customer's credit."""
    check_permission(user, RECONCILE, "核销收款")
    locked = _lock_open(line)
    requested = sum((to_money(a) for _, a in orders), Decimal("0.00")) + to_money(opening)
    if requested > locked.open_amount:
        raise InvalidInput(f"核销金额 ¥{requested:,.2f} 超过该笔收款未核销的 ¥{locked.open_amount:,.2f}")
    customers = {o.customer_id for o, _ in orders}
    if len(customers) > 1:
        raise InvalidInput("一笔收款只能核销同一客户的订单")
    if carrier is not None:
        locked.carrier = carrier
        _book_cod(locked, user, carrier, How.MANUAL)
    else:
        customer = orders[0][0].customer if orders else locked.customer
        if (to_credit or opening) and customer is None:
            raise InvalidInput("请先指定客户（核销到订单，或按付款账号识别的客户）")
        left = locked.open_amount - requested
        proposal = Proposal(How.MANUAL, customer=customer, orders=tuple((o, to_money(a)) for o, a in orders),
                            opening=to_money(opening), credit=left if to_credit else Decimal("0.00"))
        if not proposal.orders and not proposal.opening and not proposal.credit:
            raise InvalidInput("请填写要核销的订单和金额")
        locked.customer = customer
        _book(locked, user, proposal)
    if locked.status == LineStatus.AMBIGUOUS:
        locked.status = LineStatus.UNMATCHED
    _settle_status(locked)
    locked.save()
    return locked


@in_platform_language
@transaction.atomic
def match_reverse(*, match: PaymentMatch, user, reason: str) -> PaymentMatch:
    """冲销核销: undo what the match booked — the payment comes off the order, the credit off
    the customer's balance, the opening receivable or COD remittance is open again — and the
    line is open to be matched again."""
    check_permission(user, RECONCILE, "冲销核销")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("冲销必须填写原因")
    line = StatementLine.objects.select_for_update().get(pk=match.line_id)
    locked = PaymentMatch.objects.select_for_update().get(pk=match.pk)
    if locked.reversed_at is not None:
        raise InvalidTransition("该笔核销已冲销")
    if locked.kind == Kind.ORDER:
        order_services.payment_reverse(payment=locked.payment, user=user, reason=f"银行核销冲销：{reason}")
    elif locked.kind == Kind.CREDIT:
        order_services.customer_credit_add(customer=locked.customer, user=user, amount=-locked.amount,
                                           kind=CustomerCredit.Kind.REVERSAL, reason=f"银行核销冲销：{reason}")
    elif locked.kind == Kind.OPENING:
        order_services.opening_receivable_settle(customer=locked.customer, user=user, amount=-locked.amount)
    else:
        cod.remittance_release(match=locked)
    locked.reversed_at, locked.reversed_by, locked.reversal_reason = timezone.now(), user, reason[:300]
    locked.save()
    line.matched_amount -= locked.amount
    line.status = LineStatus.UNMATCHED
    _settle_status(line)
    line.save()
    return locked


@in_platform_language
@transaction.atomic
def line_ignore(*, line: StatementLine, user, note: str) -> StatementLine:
    """非货款: money that pays nothing here (interest, a transfer between own accounts)."""
    check_permission(user, RECONCILE, "标记非货款")
    locked = _lock_open(line)
    note = (note or "").strip()
    if not note:
        raise InvalidInput("请说明这笔收入是什么")
    if locked.matched_amount:
        raise InvalidTransition("该笔收款已部分核销，请先冲销")
    locked.status, locked.note = LineStatus.IGNORED, note[:300]
    locked.save()
    return locked
