"""结算账户 (balances and flows, opening balances and receivables), 代收货款 ageing and the
refunds waiting for 财务's approval."""

from datetime import date

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from customers.models import Customer
from ordermgmt.errors import InvalidInput
from ordermgmt.flash import perform
from ordermgmt.money import parse_money
from orders.models import OpeningReceivable, PayoutMethod, Refund
from orders.services import opening_receivable_set, refund_approve, refund_decline

from .. import settlement_selectors as selectors
from ..models import SettlementAccount
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
    })


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
    return render(request, "finance/refunds.html", {
        "refunds": selectors.refunds_awaiting_approval(),
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
        perform(request, lambda: refund_approve(refund=refund, user=request.user,
                                                reference=request.POST.get("reference", ""),
                                                payout_method=request.POST.get("payout_method", ""),
                                                note=request.POST.get("note", "")),
                success=_("已批准退款"))
    return redirect("finance:refunds")
