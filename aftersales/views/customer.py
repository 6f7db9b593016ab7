"""What the customer does on the tracking page after delivery: ask for a return, exchange
or repair within the support window, and rate the order once. The signed link of the
tracking page is the customer's key; nothing here needs a login."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _, gettext_lazy, pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from fulfillment.tracking import order_number_from_token
from ordermgmt.errors import BusinessError
from ordermgmt.uploads import read_upload
from orders.models import Order

from .. import services
from ..forms import CaseOpenForm, FeedbackForm

TOO_MANY = gettext_lazy("提交过于频繁，请稍后再试。")


def _order_for(token: str) -> Order | None:
    number = order_number_from_token(token)
    return Order.objects.filter(number=number).first() if number else None


def _back(token: str):
    return redirect("tracking:signed", token=token)


@never_cache
@require_POST
def request_after_sales(request, token: str):
    order = _order_for(token)
    if order is None:
        return redirect("tracking:lookup")
    if is_ratelimited(request, group="tracking:after-sales", key="ip", rate="10/h", increment=True):
        messages.error(request, TOO_MANY)
        return _back(token)
    available = services.returnable_quantities(order)
    lines = [(line, available[line.pk]) for line in order.lines.all() if available.get(line.pk)]
    form = CaseOpenForm(request.POST, request.FILES, lines=lines)
    if not form.is_valid():
        errors = [e for errs in form.errors.values() for e in errs]
        messages.error(request, _("售后申请未提交：%(reason)s") % {"reason": pgettext("list separator", "；").join(errors)})
        return _back(token)
    try:
        photos = [read_upload(upload, label="照片") for upload in form.cleaned_data["photos"]]
        case = services.case_open(
            order=order, user=None, service=form.cleaned_data["service"], case_type=form.cleaned_data["case_type"],
            description=form.cleaned_data["description"],
            lines=[services.CaseLineInput(line, qty) for line, qty in form.line_quantities() if qty],
            photos=photos, source="客户自助申请", by_customer=True,
        )
    except BusinessError as error:
        messages.error(request, _("售后申请未提交：%(reason)s") % {"reason": error})
    else:
        due = _("%(year)s年%(month)s月%(day)s日") % {
            "year": f"{case.due_at:%Y}", "month": f"{case.due_at:%m}", "day": f"{case.due_at:%d}",
        }
        messages.success(
            request, _("售后申请已提交，单号 %(number)s。我们将在 %(due)s 前处理完毕。") % {"number": case.number, "due": due}
        )
    return _back(token)


@never_cache
@require_POST
def submit_feedback(request, token: str):
    order = _order_for(token)
    if order is None:
        return redirect("tracking:lookup")
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择评价：满意、一般或需改进"))
        return _back(token)
    try:
        services.feedback_submit(order=order, rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"])
    except BusinessError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("感谢您的评价！"))
    return _back(token)
