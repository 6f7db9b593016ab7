"""The complaint desk: the queue, entering a complaint, a complaint and its steps, goodwill
approvals and attachments. Each write is one service call."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from aftersales.models import CaseType, Service
from customers.models import Customer
from inventory.models import Product
from ordermgmt.errors import ActionForbidden, BusinessError, InvalidInput
from ordermgmt.flash import perform
from ordermgmt.money import parse_money
from ordermgmt.uploads import may_open_upload, private_file_response, read_attachment
from orders.models import Order

from .. import services
from ..audience import permission_holders
from ..forms import STAFF_CHANNELS, ComplaintForm, ConfirmForm, GoodwillForm
from ..models import Complaint, ComplaintAttachment, ComplaintCategory, ComplaintStatus, GoodwillRefund, Satisfaction
from ..selectors import QUEUE_VIEWS, complaint_detail, complaint_queue, complaints_visible_to

HANDLE = "servicedesk.handle_complaint"


def _first_view(user) -> str:
    """Where each job starts: a 主管 at what was escalated to them, 客服 at their own."""
    if user.has_perm("servicedesk.supervise_complaint"):
        return "escalated"
    return "mine" if user.has_perm(HANDLE) else "open"


@login_required
@permission_required("servicedesk.view_complaint", raise_exception=True)
def complaint_list(request):
    view = request.GET.get("view") or _first_view(request.user)
    if view not in QUEUE_VIEWS:
        view = "open"
    query, channel = request.GET.get("q", ""), request.GET.get("channel", "")
    category = request.GET.get("category", "") if request.GET.get("category", "").isdigit() else ""
    complaints = complaint_queue(user=request.user, view=view, query=query, channel=channel, category=category)
    page = Paginator(complaints, 25).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "servicedesk/complaint_list.html", {
        "page": page, "view": view, "q": query, "channel": channel, "category": category,
        "views": [("mine", _("我处理的")), ("unassigned", _("待分派")), ("escalated", _("已升级")),
                  ("overdue", _("已超时")), ("open", _("全部未结")), ("all", _("全部"))],
        "channels": STAFF_CHANNELS + [("tracking", _("跟踪页"))],
        "categories": ComplaintCategory.objects.filter(parent__isnull=True),
        "query_string": params.urlencode(),
    })


def _lookup(form: ComplaintForm) -> tuple[Order | None, Customer | None, Product | None]:
    data = form.cleaned_data
    order = customer = product = None
    if data["order_number"].strip():
        order = Order.objects.filter(number=data["order_number"].strip()).select_related("customer").first()
        if order is None:
            raise InvalidInput(_("订单 %(number)s 不存在") % {"number": data["order_number"].strip()})
    if data["customer_code"].strip():
        customer = Customer.objects.filter(code__iexact=data["customer_code"].strip()).first()
        if customer is None:
            raise InvalidInput(_("客户编码 %(code)s 不存在") % {"code": data["customer_code"].strip()})
    if data["product_sku"].strip():
        product = Product.objects.filter(sku__iexact=data["product_sku"].strip()).first()
        if product is None:
            raise InvalidInput(_("商品编码 %(sku)s 不存在") % {"sku": data["product_sku"].strip()})
    return order, customer, product


def _initial(request) -> dict:
    initial = {}
    order = Order.objects.filter(number=request.GET.get("order", "")).select_related("customer").first()
    if order is not None:
        initial.update(order_number=order.number, customer_code=order.customer.code)
    customer = Customer.objects.filter(pk=request.GET.get("customer") or 0).first() if request.GET.get("customer", "").isdigit() else None
    if customer is not None:
        initial["customer_code"] = customer.code
    return initial


@login_required
@permission_required("servicedesk.add_complaint", raise_exception=True)
def complaint_new(request):
    form = ComplaintForm(request.POST or None, request.FILES or None, initial=_initial(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order, customer, product = _lookup(form)
            attachments = [read_attachment(upload, label=_("附件")) for upload in data["attachments"]]
            complaint = services.complaint_open(user=request.user, attachments=attachments, data=services.ComplaintInput(
                channel=data["channel"], category=data["category"], subcategory=data["subcategory"],
                severity=data["severity"], description=data["description"], customer=customer, order=order,
                product=product, contact_name=data["contact_name"], contact_phone=data["contact_phone"],
                contact_email=data["contact_email"],
            ))
        except BusinessError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("已受理投诉 %(number)s，首次响应时限 %(respond)s，处理时限 %(due)s") % {
                "number": complaint.number, "respond": f"{complaint.respond_due_at:%m-%d %H:%M}",
                "due": f"{complaint.due_at:%m-%d %H:%M}"})
            return redirect("servicedesk:complaint", number=complaint.number)
    return render(request, "servicedesk/complaint_new.html", {"form": form})


@login_required
@permission_required("servicedesk.view_complaint", raise_exception=True)
def complaint_view(request, number: str):
    try:
        complaint = complaint_detail(number, visible_to=request.user)
    except Complaint.DoesNotExist as error:
        raise Http404("投诉不存在") from error
    user = request.user
    attachments = [a for a in complaint.attachments.all() if may_open_upload(user, a.file)]
    return render(request, "servicedesk/complaint_detail.html", {
        "complaint": complaint,
        "attachments": attachments,
        "can_handle": user.has_perm(HANDLE),
        "can_approve": user.has_perm("servicedesk.approve_goodwill"),
        "handlers": permission_holders(HANDLE) | permission_holders("servicedesk.supervise_complaint"),
        "confirm_form": ConfirmForm(),
        "goodwill_form": GoodwillForm(),
        "services": Service.choices,
        "case_types": [(v, l) for v, l in CaseType.choices if v != CaseType.CANCELLED_AFTER_SHIPPING],
        "satisfactions": Satisfaction.choices,
        "statuses": ComplaintStatus,
    })


def _assignee(request):
    return get_object_or_404(get_user_model(), pk=request.POST.get("assignee") or 0)


def _attachments(request):
    return [read_attachment(upload, label=_("附件")) for upload in request.FILES.getlist("attachments")[:6]]


# action → (service call, what the message says)
ACTIONS = {
    "start": (lambda r, c: services.complaint_start(complaint=c, user=r.user, note=r.POST.get("note", "")), _lazy("已开始处理")),
    "assign": (lambda r, c: services.complaint_assign(complaint=c, user=r.user, assignee=_assignee(r)), _lazy("已分派")),
    "take_over": (lambda r, c: services.complaint_assign(complaint=c, user=r.user, assignee=r.user), _lazy("已由您接手")),
    "attach": (lambda r, c: services.complaint_attach(complaint=c, user=r.user, attachments=_attachments(r)), _lazy("附件已上传")),
    "propose": (lambda r, c: services.complaint_propose(complaint=c, user=r.user, resolution=r.POST.get("resolution", "")),
                _lazy("处理结果已提交，已通知客户确认")),
    "confirm": (lambda r, c: services.complaint_confirm(complaint=c, user=r.user, satisfaction=r.POST.get("satisfaction", ""),
                                                        comment=r.POST.get("comment", "")), _lazy("已代客户确认解决")),
    "reopen": (lambda r, c: services.complaint_reopen(complaint=c, user=r.user, reason=r.POST.get("reason", "")), _lazy("已重新打开")),
    "follow_up": (lambda r, c: services.complaint_follow_up(complaint=c, user=r.user, satisfaction=r.POST.get("satisfaction", ""),
                                                            note=r.POST.get("note", "")), _lazy("回访已记录")),
    "close": (lambda r, c: services.complaint_close(complaint=c, user=r.user, reason=r.POST.get("reason", "")), _lazy("已关闭")),
    "escalate": (lambda r, c: services.complaint_escalate(complaint=c, user=r.user, reason=r.POST.get("reason", "")),
                 _lazy("已升级给主管")),
    "after_sales": (lambda r, c: services.complaint_open_after_sales(
        complaint=c, user=r.user, service=r.POST.get("service", ""), case_type=r.POST.get("case_type", ""),
        description=r.POST.get("description", "")), _lazy("已转售后")),
    "goodwill": (lambda r, c: services.goodwill_request(
        complaint=c, user=r.user, amount=parse_money(r.POST.get("amount", ""), label=_("补偿金额"), minimum=0),
        reason=r.POST.get("reason", "")), _lazy("补偿退款已提交")),
    "note_owner": (lambda r, c: services.complaint_note_to_owner(complaint=c, user=r.user, note=r.POST.get("note", "")),
                   _lazy("已转告销售负责人")),
}


@login_required
@require_POST
def complaint_action(request, number: str, action: str):
    if not request.user.has_perm(HANDLE):
        raise ActionForbidden(_("您的角色没有权限处理投诉"))
    complaint = get_object_or_404(complaints_visible_to(request.user), number=number)
    if action not in ACTIONS:
        raise Http404("未知操作")
    call, done = ACTIONS[action]
    perform(request, lambda: call(request, complaint), success=_("投诉 %(number)s：%(done)s") % {
        "number": number, "done": done})
    return redirect("servicedesk:complaint", number=number)


@login_required
@require_POST
@permission_required("servicedesk.approve_goodwill", raise_exception=True)
def goodwill_decide(request, pk: int, decision: str):
    goodwill = get_object_or_404(GoodwillRefund.objects.select_related("complaint"), pk=pk)
    note = request.POST.get("note", "")
    if decision == "approve":
        perform(request, lambda: services.goodwill_approve(goodwill=goodwill, user=request.user, note=note),
                success=_("已批准补偿退款"))
    elif decision == "decline":
        perform(request, lambda: services.goodwill_decline(goodwill=goodwill, user=request.user, note=note),
                success=_("已拒绝补偿退款"))
    else:
        raise Http404("未知操作")
    return redirect("servicedesk:complaint", number=goodwill.complaint.number)


@login_required
def attachment_file(request, pk: int):
    stored = get_object_or_404(ComplaintAttachment, pk=pk)
    # The file's own rule answers first; one who may open such files still sees only the
    # attachments of the complaints they may see.
    if may_open_upload(request.user, stored.file) and not complaints_visible_to(request.user).filter(
            pk=stored.complaint_id).exists():
        raise Http404("附件不存在")
    return private_file_response(stored.file, user=request.user, content_type=stored.content_type)
