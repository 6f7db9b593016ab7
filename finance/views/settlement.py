"""结算账户 (balances and flows, opening balances and receivables), 代收货款 ageing and the
refunds waiting for 财务's approval."""

from datetime import date

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from customers.models import Customer
from ordermgmt.errors import InvalidInput
from ordermgmt.flash import perform
from ordermgmt.money import parse_money
from orders.models import OpeningReceivable, PayoutMethod, Refund
from orders.services import opening_receivable_set, refund_decline

from .. import settlement_selectors as selectors
from ..models import AccountFlow, SettlementAccount
from ..services.accounts import (
    account_flow_classify,
    account_flow_record,
    account_flow_reverse,
    account_paid_into,
    account_transfer_record,
    refund_approve_and_pay,
    refund_payout_record,
)
from ..services.cod import AGEING_BUCKETS, cod_ageing


@login_required
@permission_required("finance.view_settlementaccount", raise_exception=True)
def accounts(request):
    chosen = SettlementAccount.objects.filter(pk=request.GET.get("account") or 0).first()
    return render(request, "finance/accounts.html", {
        "accounts": selectors.accounts_with_balances(),
        "chosen": chosen,
        "flows": selectors.account_flows(chosen) if chosen else [],
        "openings": OpeningReceivable.objects.select_related("customer").order_by("customer__code"),
        "can_enter_opening": request.user.has_perm("orders.add_openingreceivable"),
        "can_record_flows": request.user.has_perm("finance.reconcile_payments"),
        "active_accounts": selectors.active_accounts(),
        "purposes": AccountFlow.Purpose.choices,
    })


def _day(value: str | None) -> date:
    try:
        return date.fromisoformat(value or date.today().isoformat())
    except ValueError:
        raise InvalidInput(_("日期格式应为 YYYY-MM-DD")) from None


def _back_to(account_id) -> str:
    return f"{reverse('finance:accounts')}?account={account_id}"


@login_required
@require_POST
@permission_required("finance.reconcile_payments", raise_exception=True)
def flow_record(request, pk: int):
    """手工登记 a flow of the account, or a transfer from it to another own account."""
    account = get_object_or_404(SettlementAccount, pk=pk)
    post = request.POST
    target = SettlementAccount.objects.filter(pk=post.get("target") or 0).first()

    def record():
        amount = parse_money(post.get("amount"), label=_("金额"))
        if target is not None:
            return account_transfer_record(source=account, target=target, user=request.user, amount=amount,
                                           occurred_on=_day(post.get("occurred_on")), note=post.get("note", ""))
        signed = -amount if post.get("direction") == "out" else amount
        return account_flow_record(account=account, user=request.user, amount=signed, purpose=post.get("purpose", ""),
                                   occurred_on=_day(post.get("occurred_on")), counterparty=post.get("counterparty", ""),
                                   reference=post.get("reference", ""), note=post.get("note", ""))

    perform(request, record, success=_("已登记账户流水"))
    return redirect(_back_to(account.pk))


@login_required
@require_POST
@permission_required("finance.reconcile_payments", raise_exception=True)
def flow_classify(request, pk: int):
    flow = get_object_or_404(AccountFlow, pk=pk)
    perform(request, lambda: account_flow_classify(flow=flow, user=request.user, purpose=request.POST.get("purpose", ""),
                                                   note=request.POST.get("note", "")),
            success=_("已登记流水用途"))
    return redirect(_back_to(flow.account_id))


@login_required
@require_POST
@permission_required("finance.reconcile_payments", raise_exception=True)
def flow_reverse(request, pk: int):
    flow = get_object_or_404(AccountFlow, pk=pk)
    perform(request, lambda: account_flow_reverse(flow=flow, user=request.user, reason=request.POST.get("reason", "")),
            success=_("已冲销该笔流水"))
    return redirect(_back_to(flow.account_id))


@login_required
@require_POST
@permission_required("orders.add_openingreceivable", raise_exception=True)
def opening_receivable_enter(request):
    customer = get_object_or_404(Customer, code=(request.POST.get("customer_code") or "").strip())

    def enter():
        amount = parse_money(request.POST.get("amount"), label=_("期初应收"))
        try:
            as_of = date.fromisoformat(request.POST.get("as_of") or date.today().isoformat())
        except ValueError:
            raise InvalidInput(_("期初日期格式应为 YYYY-MM-DD")) from None
        return opening_receivable_set(customer=customer, user=request.user, amount=amount, as_of=as_of,
                                      note=request.POST.get("note", ""))

    perform(request, enter, success=_("已录入 %(customer)s 的期初应收") % {"customer": customer.name})
    return redirect("finance:accounts")


@login_required
@permission_required("finance.view_codcollection", raise_exception=True)
def cod(request):
    return render(request, "finance/cod.html", {
        "ageing": cod_ageing(), "buckets": [label for _, _, label in AGEING_BUCKETS],
        "claims": selectors.carrier_claims(),
    })


@login_required
@permission_required("orders.view_refund", raise_exception=True)
def refunds(request):
    refunds = list(selectors.refunds_awaiting_approval())
    for refund in refunds:  # the account the customer's money came in on, proposed for the payout
        refund.default_account = account_paid_into(refund.order)
    return render(request, "finance/refunds.html", {
        "refunds": refunds,
        "without_account": selectors.refunds_without_account(),
        "accounts": selectors.active_accounts(),
        "payout_methods": [c for c in PayoutMethod.choices if c[0] != PayoutMethod.CUSTOMER_CREDIT],
        "can_approve": request.user.has_perm("orders.approve_refund"),
    })


@login_required
@require_POST
@permission_required("orders.approve_refund", raise_exception=True)
def refund_decide(request, pk: int):
    refund = get_object_or_404(Refund, pk=pk)
    if request.POST.get("decision") == "decline":
        perform(request, lambda: refund_decline(refund=refund, user=request.user, note=request.POST.get("note", "")),
                success=_("已退回该退款申请"))
    else:
        account = SettlementAccount.objects.filter(pk=request.POST.get("account") or 0).first()
        perform(request, lambda: refund_approve_and_pay(refund=refund, user=request.user, account=account,
                                                        reference=request.POST.get("reference", ""),
                                                        payout_method=request.POST.get("payout_method", ""),
                                                        note=request.POST.get("note", "")),
                success=_("已批准退款"))
    return redirect("finance:refunds")


@login_required
@require_POST
@permission_required("orders.approve_refund", raise_exception=True)
def refund_account(request, pk: int):
    """The account a refund already paid left from (the refund's outgoing flow)."""
    refund = get_object_or_404(Refund, pk=pk)
    account = get_object_or_404(SettlementAccount, pk=request.POST.get("account") or 0)
    perform(request, lambda: refund_payout_record(refund=refund, user=request.user, account=account),
            success=_("已登记退款的付款账户"))
    return redirect("finance:refunds")
