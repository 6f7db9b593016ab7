"""The finance desk (财务工作台) and invoices: draft, issue, reverse, print or PDF, the tax tool's Excel."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ordermgmt.flash import perform
from ordermgmt.workbooks import BadFile
from orders.models import Order

from .. import services
from ..forms import DraftForm, IssueForm, ResultUploadForm, ReverseForm
from ..models import Invoice, InvoiceStatus
from ..pdf import render_pdf
from ..selectors import (
    invoice_detail,
    invoice_orders,
    orders_awaiting_invoice_by_customer,
    pending_invoices,
    recent_invoices,
    tax_by_rate,
)
from ..tax import tax_system
from .common import XLSX, download, form_errors, require_permission

INVOICE_PDF_STYLESHEET = "css/invoice_pdf.css"


@login_required
@permission_required("finance.view_invoice", raise_exception=True)
def desk(request):
    """财务工作台: orders to invoice (by customer), invoices waiting for their number, the latest issued."""
    today = timezone.localdate()
    return render(request, "finance/desk.html", {
        "awaiting": orders_awaiting_invoice_by_customer(),
        "pending": pending_invoices(),
        "recent": recent_invoices(),
        "draft_form": DraftForm(),
        "upload_form": ResultUploadForm(),
        "issue_form": IssueForm(initial={"issued_on": today}),
        "can_draft": request.user.has_perm("finance.add_invoice"),
        "can_issue": request.user.has_perm("finance.issue_invoice"),
    })


@login_required
@require_POST
def invoice_draft(request):
    require_permission(request, "finance.add_invoice", _("申请开票"))
    form = DraftForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("finance:desk")
    numbers = request.POST.getlist("orders")
    orders = list(Order.objects.filter(number__in=numbers))
    ok, invoice = perform(request, lambda: services.invoice_draft(
        orders=orders, user=request.user, invoice_type=form.cleaned_data["invoice_type"]))
    if ok:
        messages.success(request, _("已生成待开发票 #%(pk)s（%(n)s 个订单，价税合计 ¥%(total)s）") % {
            "pk": invoice.pk, "n": len(orders), "total": f"{invoice.total:,.2f}"})
        return redirect("finance:invoice", pk=invoice.pk)
    return redirect("finance:desk")


def _get_invoice(pk: int) -> Invoice:
    try:
        return invoice_detail(pk)
    except Invoice.DoesNotExist as error:
        raise Http404(_("发票不存在")) from error


@login_required
@permission_required("finance.view_invoice", raise_exception=True)
def invoice_view(request, pk: int):
    invoice = _get_invoice(pk)
    lines = list(invoice.lines.select_related("order").order_by("order__number", "id"))
    return render(request, "finance/invoice_detail.html", {
        "invoice": invoice, "lines": lines, "tax_rates": tax_by_rate(lines), "orders": invoice_orders(invoice),
        "red_invoices": invoice.red_invoices.order_by("created_at", "id"),
        "issue_form": IssueForm(initial={"issued_on": timezone.localdate()}),
        "reverse_form": ReverseForm(initial={"issued_on": timezone.localdate()}),
        "can_issue": invoice.status == InvoiceStatus.PENDING and request.user.has_perm("finance.issue_invoice"),
        "can_reverse": (invoice.status == InvoiceStatus.ISSUED and not invoice.is_red
                        and request.user.has_perm("finance.reverse_invoice")),
    })


def _paper(invoice: Invoice) -> dict:
    """What the printed and the PDF invoice details show."""
    lines = list(invoice.lines.select_related("order").order_by("order__number", "id"))
    return {"invoice": invoice, "lines": lines, "tax_rates": tax_by_rate(lines), "orders": invoice_orders(invoice),
            "printed_at": timezone.now()}


@login_required
@permission_required("finance.view_invoice", raise_exception=True)
def invoice_print(request, pk: int):
    return render(request, "finance/invoice_print.html", _paper(_get_invoice(pk)))


@login_required
@permission_required("finance.view_invoice", raise_exception=True)
def invoice_pdf(request, pk: int):
    """The invoice's details as a PDF (what the print page shows), named by its number."""
    invoice = _get_invoice(pk)
    content = render_pdf("finance/invoice_pdf.html", _paper(invoice), stylesheet=INVOICE_PDF_STYLESHEET)
    return download(content, "application/pdf", f"{invoice.number or f'invoice-{invoice.pk}'}.pdf")


@login_required
@require_POST
def invoice_issue(request, pk: int):
    require_permission(request, "finance.issue_invoice", _("开具发票"))
    invoice = _get_invoice(pk)
    form = IssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
    else:
        data = form.cleaned_data
        perform(request, lambda: services.invoice_issue(invoice=invoice, user=request.user, number=data["number"],
                                                        code=data["code"], issued_on=data["issued_on"]),
                _("发票已开具：%(number)s") % {"number": data["number"]})
    if request.POST.get("next") == "desk":
        return redirect("finance:desk")
    return redirect("finance:invoice", pk=pk)


@login_required
@require_POST
def invoice_reverse(request, pk: int):
    require_permission(request, "finance.reverse_invoice", _("红冲发票"))
    invoice = _get_invoice(pk)
    form = ReverseForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("finance:invoice", pk=pk)
    data = form.cleaned_data
    ok, red = perform(request, lambda: services.invoice_reverse(
        invoice=invoice, user=request.user, reason=data["reason"], number=data["number"], code=data["code"],
        issued_on=data["issued_on"]), _("发票已红冲"))
    return redirect("finance:invoice", pk=red.pk if ok else pk)


@login_required
@permission_required("finance.view_invoice", raise_exception=True)
def pending_export(request):
    """The 待开票 invoices as the Excel the tax tool imports (批量开票)."""
    invoices = pending_invoices().prefetch_related("lines__order")
    return download(tax_system().send(invoices), XLSX, f"pending-invoices-{timezone.localdate():%Y%m%d}.xlsx")


@login_required
@require_POST
def issued_import(request):
    """The tax tool's result: each 待开票 invoice's number, code and date."""
    require_permission(request, "finance.issue_invoice", _("开具发票"))
    form = ResultUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("finance:desk")
    try:
        numbers, problems = tax_system().issued(form.cleaned_data["file"].read())
    except BadFile as error:
        messages.error(request, str(error))
        return redirect("finance:desk")
    issued, refused = services.invoices_record_issued(numbers=numbers, user=request.user)
    messages.success(request, _("已登记 %(n)s 张发票") % {"n": issued})
    for problem in [f"第 {p.row} 行：{p.message}" for p in problems] + refused:
        messages.error(request, problem)
    return redirect("finance:desk")
