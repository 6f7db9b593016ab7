from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from ordermgmt.flash import perform
from orders.models import Order

from .. import selectors
from ..forms import ResolveForm
from ..models import PaymentNotification
from ..services import payment_notification_resolve


@login_required
@permission_required("integrations.view_paymentnotification", raise_exception=True)
def payment_review(request):
    return render(request, "integrations/payments.html", {
        "awaiting": selectors.payments_awaiting_review(),
        "recent": selectors.recent_payment_notifications(),
        "form": ResolveForm(),
        "can_resolve": request.user.has_perm("integrations.resolve_paymentnotification"),
    })


@login_required
@require_POST
@permission_required("integrations.resolve_paymentnotification", raise_exception=True)
def payment_resolve(request, pk: int):
    notification = get_object_or_404(PaymentNotification, pk=pk)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("请填写处理说明"))
        return redirect("integrations:payments")
    number = form.cleaned_data["order_number"].strip()
    order = Order.objects.filter(number=number).first() if number else None
    if number and order is None:
        messages.error(request, gettext("找不到订单 %(number)s") % {"number": number})
        return redirect("integrations:payments")
    perform(request, lambda: payment_notification_resolve(notification=notification, user=request.user,
                                                          note=form.cleaned_data["note"], order=order),
            gettext("支付通知 %(transaction)s 已处理") % {"transaction": notification.transaction_id})
    return redirect("integrations:payments")
