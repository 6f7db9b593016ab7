"""Reads of the settlement side (accounts, statements, COD, refunds waiting), shared by the
pages and the tests."""

from decimal import Decimal

from django.db.models import Count, Q, Sum

from orders.models import PayoutMethod, Refund, RefundStatus

from .models import AccountFlow, BankStatement, CarrierClaim, LineStatus, SettlementAccount, StatementLine

TO_REVIEW = [LineStatus.UNMATCHED, LineStatus.AMBIGUOUS, LineStatus.PARTIAL]


def accounts_with_balances():
    """Each account with ``flow_total`` and ``balance`` (opening balance + flows)."""
    accounts = list(SettlementAccount.objects.annotate(flow_total=Sum("flows__amount")).order_by("kind", "name"))
    for account in accounts:
        account.balance = account.opening_balance + (account.flow_total or Decimal("0.00"))
    return accounts


def _imported_paying_no_order(flow: AccountFlow) -> bool:
    """A bank statement's flow that no order payment books: money out of the bank (outgoing
    rows become flows only) or an incoming line marked 非货款."""
    line = flow.statement_line
    return flow.source == AccountFlow.Source.STATEMENT and (line is None or line.status == LineStatus.IGNORED)


def flow_is_unbooked(flow: AccountFlow) -> bool:
    """Such a flow with no purpose yet: no voucher books it until 财务 says what it is."""
    return not flow.purpose and _imported_paying_no_order(flow)


def flow_purpose_correctable(flow: AccountFlow) -> bool:
    """Such a flow whose purpose a clerk chose: it may be chosen again while its month is open
    (the month's vouchers are exported afresh until it closes; a bank's flow is never reversed —
    the bank is right about the money, the clerk may be wrong about what it is)."""
    return bool(flow.purpose) and _imported_paying_no_order(flow)


def account_flows(account, limit: int = 100):
    """The account's latest flows, each with ``unbooked`` (imported money that pays no order and
    has no purpose yet: 财务 says what it is), ``correctable`` (imported, its purpose chosen: it
    may be chosen again) and ``reversible`` (entered by hand, not reversed)."""
    flows = list(AccountFlow.objects.filter(account=account)
                 .select_related("statement_line", "refund__order", "reversal_of")
                 .annotate(reversals=Count("reversed_by")).order_by("-occurred_at", "-id")[:limit])
    for flow in flows:
        flow.unbooked = flow_is_unbooked(flow)
        flow.correctable = flow_purpose_correctable(flow)
        flow.reversible = (flow.source == AccountFlow.Source.MANUAL and flow.reversal_of_id is None
                           and not flow.reversals)
    return flows


def active_accounts():
    return SettlementAccount.objects.filter(is_active=True).order_by("kind", "name")


def statements_with_counts():
    return BankStatement.objects.select_related("account", "imported_by").annotate(
        line_count=Count("lines"),
        matched_count=Count("lines", filter=Q(lines__status=LineStatus.MATCHED)),
        review_count=Count("lines", filter=Q(lines__status__in=TO_REVIEW)),
    )


def lines_to_review():
    return (StatementLine.objects.filter(status__in=TO_REVIEW)
            .select_related("statement", "customer").order_by("transaction_date", "id"))


def statement_lines(statement):
    return (statement.lines.select_related("customer", "carrier")
            .prefetch_related("matches__order", "matches__customer", "matches__carrier", "matches__matched_by"))


def refunds_awaiting_approval():
    return (Refund.objects.filter(status=RefundStatus.AWAITING_APPROVAL)
            .select_related("order__customer", "recorded_by").order_by("refunded_at", "id"))


def refunds_without_account(limit: int = 100):
    """Refunds sent back whose account is not known (paid at once on an order whose money came
    in by no matched statement): 财务 says which account they left from."""
    return (Refund.objects.filter(status=RefundStatus.PAID, amount__gt=0, account_flow__isnull=True)
            .exclude(payout_method=PayoutMethod.CUSTOMER_CREDIT)
            .select_related("order__customer").order_by("-refunded_at", "-id")[:limit])


def carrier_claims():
    return CarrierClaim.objects.select_related("carrier", "order", "refund").order_by("-created_at")[:100]
