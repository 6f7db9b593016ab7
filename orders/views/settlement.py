"""Payments (收款), and the printable vouchers of an order: invoice request, receipt,
delivery note."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.http import require_POST

from ordermgmt.errors import ActionForbidden, BusinessError

from ..models import Order
from ..selectors import order_detail, tax_by_rate
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
    order = get_object_or_404(Order, number=number)
    try:
        amount = Decimal(request.POST.get("amount", "").replace(",", "").strip())
    except InvalidOperation:
        messages.error(request, _("收款金额必须是数字，例如 1280.00"))
        return redirect("orders:detail", number=number)
    try:
        payment_record(order=order, user=request.user, amount=amount, method=request.POST.get("method") or None,
                       reference=request.POST.get("reference", ""))
    except BusinessError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("已登记收款 %(amount)s") % {"amount": f"¥{amount:,.2f}"})
    return redirect("orders:detail", number=number)


@login_required
@permission_required("orders.view_order", raise_exception=True)
def voucher_view(request, number: str, kind: str):
    title = VOUCHERS.get(kind)
    if title is None:
        raise Http404("未知的单据类型")
    try:
        order = order_detail(number)
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
