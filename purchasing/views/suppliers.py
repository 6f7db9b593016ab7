"""Supplier pages: list, master data, qualification documents, supplied products, approval."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ordermgmt.errors import BusinessError
from ordermgmt.flash import perform
from ordermgmt.uploads import private_file_response

from .. import selectors, services
from ..forms import QualificationForm, ReasonForm, SupplierForm, SupplierProductForm
from ..models import Supplier, SupplierQualification, SupplierStatus


@login_required
@permission_required("purchasing.view_supplier", raise_exception=True)
def supplier_list(request):
    status, query = request.GET.get("status", ""), request.GET.get("q", "")
    page = Paginator(selectors.suppliers(status, query), 30).get_page(request.GET.get("page"))
    return render(request, "purchasing/supplier_list.html", {
        "page": page, "status": status, "q": query, "statuses": SupplierStatus.choices,
        "today": timezone.localdate(), "query_string": f"status={status}&q={query}",
    })


@login_required
@permission_required("purchasing.view_supplier", raise_exception=True)
def supplier_detail(request, pk: int):
    supplier = get_object_or_404(Supplier, pk=pk)
    return render(request, "purchasing/supplier_detail.html", {
        "supplier": supplier, "today": timezone.localdate(),
        "qualifications": supplier.qualifications.all(),
        "offers": supplier.products.select_related("product"),
        "purchase_orders": supplier.purchase_orders.select_related("warehouse")[:20],
        "returns": supplier.returns.select_related("receipt__line__product")[:20],
        "qualification_form": QualificationForm(), "product_form": SupplierProductForm(),
    })


@login_required
def supplier_edit(request, pk: int | None = None):
    """New supplier (待审核) or its master data changed."""
    if not request.user.has_perm("purchasing.change_supplier" if pk else "purchasing.add_supplier"):
        raise PermissionDenied
    supplier = get_object_or_404(Supplier, pk=pk) if pk else None
    form = SupplierForm(request.POST or None, instance=supplier)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.fields}
        try:
            if supplier is None:
                supplier = services.supplier_create(user=request.user, data=data)
            else:
                supplier = services.supplier_update(supplier=supplier, user=request.user, data=data)
        except BusinessError as error:
            form.add_error(None, str(error))
        else:
            return redirect("purchasing:supplier", pk=supplier.pk)
    return render(request, "purchasing/supplier_form.html", {"form": form, "supplier": supplier})


@login_required
@require_POST
def supplier_action(request, pk: int, action: str):
    supplier = get_object_or_404(Supplier, pk=pk)
    if action == "approve":
        perform(request, lambda: services.supplier_approve(supplier=supplier, user=request.user),
                _("供应商“%(name)s”已批准") % {"name": supplier.name})
    elif action == "disable":
        reason = ReasonForm(request.POST).data.get("reason", "")
        perform(request, lambda: services.supplier_disable(supplier=supplier, user=request.user, reason=reason),
                _("供应商“%(name)s”已停用") % {"name": supplier.name})
    return redirect("purchasing:supplier", pk=supplier.pk)


@login_required
@require_POST
def qualification_upload(request, pk: int):
    supplier = get_object_or_404(Supplier, pk=pk)
    form = QualificationForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("资质未保存：请填写资质名称、有效期并选择文件"))
        return redirect("purchasing:supplier", pk=supplier.pk)
    data = form.cleaned_data
    perform(request, lambda: services.qualification_add(
        supplier=supplier, user=request.user, name=data["name"], expires_on=data["expires_on"],
        document=services.read_document(data["document"])), _("资质已上传"))
    return redirect("purchasing:supplier", pk=supplier.pk)


@login_required
@require_POST
def supplier_product_add(request, pk: int):
    supplier = get_object_or_404(Supplier, pk=pk)
    form = SupplierProductForm(request.POST)
    if form.is_valid():
        perform(request, lambda: services.supplier_product_set(supplier=supplier, user=request.user, **form.cleaned_data),
                _("供货商品已保存"))
    else:
        messages.error(request, _("供货商品未保存：请选择商品并填写单价和采购周期"))
    return redirect("purchasing:supplier", pk=supplier.pk)


@login_required
def qualification_file(request, pk: int):
    qualification = get_object_or_404(SupplierQualification, pk=pk)
    return private_file_response(qualification.document, user=request.user, content_type=qualification.content_type,
                                 as_attachment=qualification.content_type == "application/pdf",
                                 filename=f"{qualification.supplier.name}-{qualification.name}."
                                          f"{qualification.document.name.rsplit('.', 1)[-1]}")
