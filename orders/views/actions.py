from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from ordermgmt.errors import ActionForbidden, BusinessError

from ..forms import ActionForm
from ..models import Order
from ..services import SERVICES
from ..workflow import ACTIONS, transition_permission


@login_required
@require_POST
def order_action(request, number: str, action: str):
    """Fire one transition of the order's state machine from a button on the order page."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404("未知操作")
    order = get_object_or_404(Order, number=number)
    if not request.user.has_perm(transition_permission(action)):
        raise ActionForbidden(f"您的角色没有权限执行“{spec.label}”")
    form = ActionForm(request.POST)
    form.is_valid()
    try:
        SERVICES[action](order=order, user=request.user, reason=form.cleaned_data.get("reason", ""))
    except ActionForbidden:
        raise
    except BusinessError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"订单 {order.number}：{spec.label}成功")
    return redirect("orders:detail", number=number)
