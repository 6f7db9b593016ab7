"""Receivables ageing, customer statements and credit limits."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from customers.selectors import customers_visible_to
from customers.services import customer_credit_limit_change
from ordermgmt.errors import ActionForbidden
from ordermgmt.flash import perform
from orders.selectors import orders_visible_to
from orders.services import customer_credit_apply

from ..ageing import ageing_report
from ..exports import ageing_workbook, statement_pdf, statement_workbook
from ..forms import AgeingFilterForm, CreditApplyForm, CreditLimitForm, StatementPeriodForm, StatementSendForm
from ..models import StatementDispatch
from ..services import statement_send
from ..statements import customer_statement, default_period
from ..panels import VIEW_CUSTOMER_CREDIT
from .common import XLSX, download, form_errors, require_permission

VIEW = "finance.view_receivables"


@login_required
@permission_required(VIEW, raise_exception=True)
def ageing(request):
    """应收账龄 per customer and per owner; ``?format=xlsx`` downloads the same lines."""
    form = AgeingFilterForm(request.GET or None)
    report = ageing_report(request.user, **(form.filters() if form.is_bound else {}))
    if request.GET.get("format") == "xlsx":
        return download(ageing_workbook(report), XLSX, f"ageing_{report['today']:%Y%m%d}.xlsx")
    return render(request, "finance/ageing.html", {"form": form, "report": report})


def _period(request) -> tuple:
    form = StatementPeriodForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["start"], form.cleaned_data["end"]
    start, end = default_period()
    return StatementPeriodForm(initial={"start": start, "end": end}), start, end


@login_required
@permission_required(VIEW, raise_exception=True)
def statement(request, pk: int):
    """对账单 of a customer for a period, as a page, ``?format=xlsx`` or ``?format=pdf``."""
    customer = get_object_or_404(customers_visible_to(request.user), pk=pk)
    form, start, end = _period(request)
    result = customer_statement(customer, start=start, end=end)
    stem = f"statement_{customer.code}_{start:%Y%m%d}_{end:%Y%m%d}"
    if request.GET.get("format") == "xlsx":
        return download(statement_workbook(result), XLSX, f"{stem}.xlsx")
    if request.GET.get("format") == "pdf":
        return download(statement_pdf(result), "application/pdf", f"{stem}.pdf")
    contact = customer.primary_contact
    send_form = StatementSendForm(initial={"start": start, "end": end, "email": contact.email if contact else ""})
    return render(request, "finance/customer_statement.html", {
        "customer": customer, "form": form, "statement": result, "send_form": send_form,
        "dispatches": StatementDispatch.objects.filter(customer=customer).select_related("requested_by")[:10],
        "query": request.GET.urlencode(),
    })


@login_required
@require_POST
@permission_required(VIEW, raise_exception=True)
def statement_send_view(request, pk: int):
    customer = get_object_or_404(customers_visible_to(request.user), pk=pk)
    form = StatementSendForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("finance:customer_statement", pk=pk)
    data = form.cleaned_data
    perform(request, lambda: statement_send(user=request.user, customer=customer, start=data["start"],
                                            end=data["end"], email=data["email"]),
            success=_("对账单已加入发送队列：%(email)s") % {"email": data["email"]})
    return redirect(reverse("finance:customer_statement", args=[pk]) + f"?start={data['start']}&end={data['end']}")


@login_required
@require_POST
def credit_limit_change_view(request, pk: int):
    """A 主管 sets a customer's credit limit from the credit panel of the customer page."""
    if not request.user.has_perm("customers.change_credit_limit"):
        raise ActionForbidden(_("只有主管可以调整信用额度"))
    customer = get_object_or_404(customers_visible_to(request.user), pk=pk)
    form = CreditLimitForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("customers:detail", pk=pk)
    data = form.cleaned_data
    perform(request, lambda: customer_credit_limit_change(
        user=request.user, customer=customer, new_limit=data["new_limit"], reason=data["reason"],
        suggested_limit=data["suggested_limit"],
    ), success=_("信用额度已调整为 ¥%(limit)s") % {"limit": f"{data['new_limit']:,.2f}"})
    return redirect("customers:detail", pk=pk)


@require_POST
@login_required
def order_credit_apply_view(request, pk: int):
    """抵扣 from the order page's customer-credit panel: the customer's credit pays the amount
    entered (at most what the order owes and the credit holds — the service refuses more)."""
    require_permission(request, VIEW_CUSTOMER_CREDIT, _("使用客户余额"))
    order = get_object_or_404(orders_visible_to(request.user).select_related("customer"), pk=pk)
    form = CreditApplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
    else:
        amount = form.cleaned_data["amount"]
        perform(request, lambda: customer_credit_apply(order=order, user=request.user, amount=amount),
                success=_("已用客户余额抵扣 ¥%(amount)s") % {"amount": f"{amount:,.2f}"})
    return redirect("orders:detail", number=order.number)
