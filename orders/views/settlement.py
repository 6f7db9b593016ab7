"""Payments (收款), and the printable vouchers of an order: invoice request, receipt,
delivery note."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.http import require_POST

from ordermgmt.errors import ActionForbidden
from ordermgmt.flash import perform

from ..forms import PaymentForm
from ..models import Order
from ..selectors import order_detail, orders_visible_to, tax_by_rate
from ..services import payment_record

VOUCHERS = {
    "invoice-request": gettext_lazy("开票申请单"),
    "receipt": gettext_lazy("收款收据"),
    "delivery-note": gettext_lazy("送货单"),
}


@login_required
@require_POST
def payment_create_view(request, number: str):
    if not request.user.has_perm("orders.add_payment"):
        raise ActionForbidden(_("您的角色没有权限登记收款"))
    order = get_object_or_404(orders_visible_to(request.user), number=number)
    form = PaymentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(str(error) for errors in form.errors.values() for error in errors))
        return redirect("orders:detail", number=number)
    amount = form.cleaned_data["amount"]
    perform(request, lambda: payment_record(
        order=order, user=request.user, amount=amount, method=form.cleaned_data["method"] or None,
        reference=form.cleaned_data["reference"],
    ), _("已登记收款 %(amount)s") % {"amount": f"¥{amount:,.2f}"})
    return redirect("orders:detail", number=number)


@login_required
@permission_required("orders.view_order", raise_exception=True)
def voucher_view(request, number: str, kind: str):
    title = VOUCHERS.get(kind)
    if title is None:
        raise Http404("未知的单据类型")
    try:
        order = order_detail(number, visible_to=request.user)
    except Order.DoesNotExist as error:
        raise Http404("订单不存在") from error
    return render(request, f"orders/vouchers/{kind}.html", {
        "order": order,
        "title": title,
        "lines": order.lines.all(),
        "adjustments": order.adjustments.all(),
        "tax_rates": tax_by_rate(order),
        "payments": order.payments.all(),
        "printed_at": timezone.now(),
    })
