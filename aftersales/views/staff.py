"""The after-sales desk: the case queue (overdue first), a case and its steps, opening a
case from an order, cancelling after shipping, photos, and following up ratings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _, pgettext
from django.views.decorators.http import require_POST

from ordermgmt.errors import ActionForbidden, BusinessError
from ordermgmt.flash import perform
from ordermgmt.money import parse_quantity
from ordermgmt.uploads import may_open_upload, private_file_response, read_upload
from orders.models import Order, OrderStatus
from orders.selectors import orders_visible_to

from .. import services
from ..forms import ApproveForm, CaseOpenForm, ReasonForm, ReceiveForm
from ..models import AfterSalesCase, AfterSalesPhoto, CaseStatus, Feedback, Service
from ..selectors import case_detail, case_queue, cases_visible_to


@login_required
@permission_required("aftersales.view_aftersalescase", raise_exception=True)
def case_list(request):
    status, service, query = request.GET.get("status", ""), request.GET.get("service", ""), request.GET.get("q", "")
    page = Paginator(case_queue(visible_to=request.user, status=status, service=service, query=query), 25).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "aftersales/case_list.html", {
        "page": page, "status": status, "service": service, "q": query, "statuses": CaseStatus.choices,
        "services": Service.choices, "query_string": params.urlencode(),
    })


@login_required
@permission_required("aftersales.view_aftersalescase", raise_exception=True)
def case_view(request, pk: int):
    try:
        case = case_detail(pk, visible_to=request.user)
    except AfterSalesCase.DoesNotExist as error:
        raise Http404("售后工单不存在") from error
    can_handle = request.user.has_perm("aftersales.handle_case")
    photos = list(case.photos.all())
    visible_photos = [photo for photo in photos if may_open_upload(request.user, photo.file)]
    context = {
        "case": case,
        "photos": visible_photos,
        "hidden_photo_count": len(photos) - len(visible_photos),
        "can_handle": can_handle,
        "approve_form": ApproveForm(initial={"service": case.service}),
        "receive_form": ReceiveForm(),
        "reason_form": ReasonForm(),
        "lines_editable": case.status == CaseStatus.PENDING,
        "order_lines": case.order.lines.all(),
        "chosen": {line.order_line_id: line.quantity for line in case.lines.all()},
    }
    if case.status == CaseStatus.INSPECTED and case.service == Service.RETURN_REFUND:
        context["refund_quote"] = services.refund_quote(case)
    return render(request, "aftersales/case_detail.html", context)


def _line_inputs(request, order):
    lines = []
    for line in order.lines.all():
        raw = request.POST.get(f"qty_{line.pk}", "").strip()
        if raw:
            label = _("第%(line)s行 %(sku)s 的数量") % {"line": line.line_no, "sku": line.product_sku}
            quantity = parse_quantity(raw, label=label, minimum=0)
            if quantity:
                lines.append(services.CaseLineInput(order_line=line, quantity=quantity))
    return lines


def _run_case_action(request, case: AfterSalesCase, action: str) -> str:
    """Fire one step of the case; returns what happened, for the message."""
    post = request.POST
    if action == "approve":
        lines = _line_inputs(request, case.order)
        services.case_approve(case=case, user=request.user, service=post.get("service") or None,
                              lines=lines or None, note=post.get("note", ""))
        done = pgettext("after-sales result", "审核通过")
    elif action == "reject":
        services.case_reject(case=case, user=request.user, reason=post.get("reason", ""))
        done = _("已驳回")
    elif action == "receive":
        case = services.case_receive(case=case, user=request.user, intact=post.get("intact") == "on",
                                     accessories_complete=post.get("accessories_complete") == "on",
                                     note=post.get("note", ""))
        done = _("检验合格，已退货入库") if case.status == CaseStatus.INSPECTED else _("检验不合格，已退回待审核")
    elif action == "refund":
        services.case_refund(case=case, user=request.user, reference=post.get("reference", ""))
        done = _("已退款")
    elif action == "start_exchange":
        case = services.case_start_exchange(case=case, user=request.user)
        done = _("已生成换货订单 %(number)s") % {"number": case.replacement_order.number}
    elif action == "finish_exchange":
        services.case_finish_exchange(case=case, user=request.user)
        done = _("已确认换货发出")
    elif action == "finish_repair":
        services.case_finish_repair(case=case, user=request.user, note=post.get("reason", ""))
        done = _("维修完成")
    elif action == "close":
        services.case_close(case=case, user=request.user, note=post.get("note", ""))
        done = _("已结案")
    else:
        raise Http404("未知操作")
    return done


@login_required
@require_POST
def case_action(request, pk: int, action: str):
    if not request.user.has_perm("aftersales.handle_case"):
        raise ActionForbidden(_("您的角色没有权限处理售后工单"))
    case = get_object_or_404(cases_visible_to(request.user).select_related("order"), pk=pk)
    ok, done = perform(request, lambda: _run_case_action(request, case, action))
    if ok:
        messages.success(request, _("售后工单 %(number)s：%(done)s") % {"number": case.number, "done": done})
    return redirect("aftersales:case", pk=pk)


@login_required
@permission_required("aftersales.add_aftersalescase", raise_exception=True)
def case_open_view(request, number: str):
    order = get_object_or_404(orders_visible_to(request.user), number=number)
    available = services.returnable_quantities(order)
    lines = [(line, available[line.pk]) for line in order.lines.all() if available.get(line.pk)]
    form = CaseOpenForm(request.POST or None, request.FILES or None, lines=lines)
    if request.method == "POST" and form.is_valid():
        try:
            photos = [read_upload(upload, label="照片") for upload in form.cleaned_data["photos"]]
            case = services.case_open(
                order=order, user=request.user, service=form.cleaned_data["service"],
                case_type=form.cleaned_data["case_type"], description=form.cleaned_data["description"],
                lines=[services.CaseLineInput(line, qty) for line, qty in form.line_quantities() if qty],
                photos=photos, source="客服登记",
            )
        except BusinessError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("已登记售后工单 %(number)s，处理时限 %(due)s") % {"number": case.number, "due": f"{case.due_at:%Y-%m-%d}"}
            )
            return redirect("aftersales:case", pk=case.pk)
    return render(request, "aftersales/case_open.html", {"order": order, "form": form})


@login_required
@permission_required("orders.cancel_order", raise_exception=True)
def cancel_after_shipping_view(request, number: str):
    """发货后取消: shows the refund the policy gives before anything happens."""
    order = get_object_or_404(orders_visible_to(request.user), number=number)
    if order.status not in (OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT):
        messages.error(request, _("订单当前为“%(status)s”，不是发货后取消") % {"status": order.get_status_display()})
        return redirect("orders:detail", number=number)
    quote = services.cancellation_quote(order)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.order_cancel_after_shipping(order=order, user=request.user,
                                                        reason=form.cleaned_data["reason"])
        except BusinessError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("订单已转为退货，售后工单 %(number)s；货物退回检验后按规则退款") % {"number": case.number})
            return redirect("orders:detail", number=number)
    return render(request, "aftersales/cancel_after_shipping.html", {"order": order, "quote": quote, "form": form})


@login_required
def photo_file(request, pk: int):
    """Who may see it is the stored file's rule: a delivery-proof photo shared with the case
    answers here exactly as at its proof URL."""
    stored = get_object_or_404(AfterSalesPhoto, pk=pk)
    # The file's own rule answers first (as at its proof URL); one who may open such files
    # still sees only the photos of the cases they may see.
    if may_open_upload(request.user, stored.file) and not cases_visible_to(request.user).filter(pk=stored.case_id).exists():
        raise Http404("图片不存在")
    return private_file_response(stored.file, user=request.user, content_type=stored.content_type)


@login_required
@require_POST
def feedback_follow_up_view(request, pk: int):
    feedback = get_object_or_404(Feedback.objects.select_related("order").filter(order__in=orders_visible_to(request.user)), pk=pk)
    perform(request, lambda: services.feedback_follow_up(feedback=feedback, user=request.user, note=request.POST.get("note", "")),
            success=_("已记录跟进"))
    return redirect("orders:detail", number=feedback.order.number)
