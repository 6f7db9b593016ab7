"""What the customer does without logging in: file a complaint from the tracking page (its
signed link is the key), follow it on the complaint's own signed page, and confirm the
resolution — or say it is not solved. Submissions are rate-limited per client address."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from fulfillment.tracking import order_number_from_token, scrub
from ordermgmt.errors import BusinessError
from ordermgmt.uploads import read_upload
from orders.models import Order

from .. import services
from ..forms import ConfirmForm, CustomerComplaintForm, ReopenForm
from ..links import complaint_number_from_token, complaint_token
from ..models import Complaint, ComplaintStatus

TOO_MANY = gettext_lazy("提交过于频繁，请稍后再试。")
BAD_LINK = gettext_lazy("该链接无效或已过期，请联系客服。")


def _limited(request, group: str) -> bool:
    return is_ratelimited(request, group=group, key="ip", rate=settings.COMPLAINT_RATE_LIMIT, increment=True)


def _private(response):
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"
    return response


@never_cache
@require_POST
def file_complaint(request, token: str):
    number = order_number_from_token(token)
    order = Order.objects.filter(number=number).first() if number else None
    if order is None:
        return redirect("tracking:lookup")
    back = redirect("tracking:signed", token=token)
    if _limited(request, "tracking:complaint"):
        messages.error(request, TOO_MANY)
        return back
    form = CustomerComplaintForm(request.POST, request.FILES)
    if not form.is_valid():
        errors = [error for errors in form.errors.values() for error in errors]
        messages.error(request, _("投诉未提交：%(reason)s") % {"reason": pgettext("list separator", "；").join(errors)})
        return back
    try:
        photos = [read_upload(upload, label=_("照片")) for upload in form.cleaned_data["photos"]]
        complaint = services.complaint_open(user=None, by_customer=True, attachments=photos, data=services.ComplaintInput(
            channel="tracking", category=form.cleaned_data["category"], description=form.cleaned_data["description"],
            order=order,
        ))
    except BusinessError as error:
        messages.error(request, _("投诉未提交：%(reason)s") % {"reason": error})
        return back
    messages.success(request, _("您的投诉已受理，编号 %(number)s。我们会在 %(due)s 前给您答复。") % {
        "number": complaint.number, "due": f"{complaint.due_at:%Y-%m-%d %H:%M}"})
    return redirect("tracking:complaint", token=complaint_token(complaint))


def _complaint_for(token: str) -> Complaint | None:
    number = complaint_number_from_token(token)
    return Complaint.objects.filter(number=number).select_related("order").first() if number else None


def _public_text(complaint: Complaint, text: str) -> str:
    """What a clerk typed, as the public page may show it: the contact's own details and
    anything shaped like a phone number or an e-mail address masked (as on the tracking page)."""
    personal = [complaint.contact_name, complaint.contact_phone, complaint.contact_email]
    if complaint.order_id:
        order = complaint.order
        personal += [order.contact_name, order.contact_phone, order.contact_email, order.ship_address]
    return scrub(text or "", personal=personal)


@never_cache
def complaint_page(request, token: str):
    complaint = _complaint_for(token)
    if complaint is None:
        return _private(render(request, "servicedesk/public_complaint.html", {"error": BAD_LINK}, status=400))
    return _private(render(request, "servicedesk/public_complaint.html", {
        "complaint": complaint, "token": complaint_token(complaint),
        "description": _public_text(complaint, complaint.description),
        "resolution": _public_text(complaint, complaint.resolution),
        "can_answer": complaint.status in (ComplaintStatus.AWAITING_CUSTOMER, ComplaintStatus.RESOLVED),
        "awaiting": complaint.status == ComplaintStatus.AWAITING_CUSTOMER,
        "confirm_form": ConfirmForm(), "reopen_form": ReopenForm(),
    }))


@never_cache
@require_POST
def answer_complaint(request, token: str, answer: str):
    complaint = _complaint_for(token)
    if complaint is None:
        return redirect("tracking:lookup")
    back = redirect("tracking:complaint", token=token)
    if _limited(request, "tracking:complaint-answer"):
        messages.error(request, TOO_MANY)
        return back
    try:
        if answer == "confirm":
            form = ConfirmForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("请选择满意度：满意、一般或不满意"))
                return back
            services.complaint_confirm(complaint=complaint, satisfaction=form.cleaned_data["satisfaction"],
                                       comment=form.cleaned_data["comment"])
            messages.success(request, _("感谢您的确认！"))
        else:
            form = ReopenForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("请告诉我们还有什么问题没有解决"))
                return back
            services.complaint_reopen(complaint=complaint, reason=form.cleaned_data["reason"])
            messages.success(request, _("我们已重新处理您的投诉，会尽快联系您。"))
    except BusinessError as error:
        messages.error(request, str(error))
    return back
