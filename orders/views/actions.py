from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from customers.privacy import FULL_CONTACT_PERMISSION
from customers.reveal import reveal_contact
from ordermgmt.errors import ActionForbidden
from ordermgmt.flash import perform

from ..forms import ActionForm
from ..models import Order
from ..selectors import orders_visible_to
from ..services import SERVICES, order_auto_review, order_copy, order_override_check
from ..models import transition_permission
from ..workflow import ACTIONS, OVERRIDE_PERMISSION


@login_required
@require_POST
def order_action(request, number: str, action: str):
    """Fire one transition of the order's state machine from a button on the order page."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404("未知操作")
    order = get_object_or_404(orders_visible_to(request.user), number=number)
    if not request.user.has_perm(transition_permission(action)):
        raise ActionForbidden(_("您的角色没有权限执行“%(action)s”") % {"action": spec.label})
    if spec.override_only and not request.user.has_perm(OVERRIDE_PERMISSION):
        raise ActionForbidden(_("请在仓库、生产或物流页面办理；订单页面的直接操作仅限主管"))
    form = ActionForm(request.POST)
    form.is_valid()
    extra = {}
    if spec.reason_codes:
        extra["reason_code"] = request.POST.get("reason_code", "")
    perform(
        request,
        lambda: SERVICES[action](order=order, user=request.user, reason=form.cleaned_data.get("reason", ""), **extra),
        success=_("订单 %(number)s：%(action)s成功") % {"number": order.number, "action": spec.label},
    )
    return redirect("orders:detail", number=number)


@login_required
@require_POST
def order_override_check_view(request, number: str, check: str):
    """A 主管 releases a check that holds the order (信用冻结, 逾期欠款, 价格)."""
    if not request.user.has_perm("orders.override_review_check"):
        raise ActionForbidden(_("只有主管可以放行审核检查"))
    order = get_object_or_404(orders_visible_to(request.user), number=number)
    ok, order = perform(request, lambda: order_override_check(
        order=order, user=request.user, check_name=check, reason=request.POST.get("reason", ""),
    ))
    if ok:
        messages.success(request, _("已放行，订单仍有其他检查待处理") if order.review_blockers else _("已放行，订单可以继续审核"))
    return redirect("orders:detail", number=number)


@login_required
@require_POST
def order_rerun_review_view(request, number: str):
    if not (request.user.has_perm("orders.review_order") or request.user.has_perm("orders.change_order")):
        raise ActionForbidden(_("您的角色没有权限重新运行自动审核"))
    order = get_object_or_404(orders_visible_to(request.user), number=number)
    ok, order = perform(request, lambda: order_auto_review(order=order, user=request.user))
    if ok:
        messages.success(request, _("自动审核已重新运行，订单当前状态：%(status)s") % {"status": order.get_status_display()})
    return redirect("orders:detail", number=number)


@login_required
@require_POST
def order_copy_view(request, number: str):
    if not request.user.has_perm("orders.add_order"):
        raise ActionForbidden(_("您的角色没有权限新建订单"))
    source = get_object_or_404(orders_visible_to(request.user), number=number)
    ok, copy = perform(request, lambda: order_copy(order=source, user=request.user))
    if not ok:
        return redirect("orders:detail", number=number)
    messages.success(request, _("已复制为新订单 %(number)s，需重新审核") % {"number": copy.number})
    return redirect("orders:detail", number=copy.number)


@login_required
@require_POST
@permission_required(FULL_CONTACT_PERMISSION, raise_exception=True)
def order_reveal_view(request, number: str):
    """显示完整信息 on the order page: the receiver's contact, logged, shown for a few minutes."""
    order = get_object_or_404(orders_visible_to(request.user), number=number)
    reveal_contact(request, order)
    return redirect("orders:detail", number=number)
