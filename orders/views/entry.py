from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from customers.models import Customer
from customers.selectors import customers_visible_to
from ordermgmt.errors import BusinessError

from ..forms import LineFormSet, OrderForm, PricePreviewForm, line_initial
from ..models import Order
from ..selectors import orders_visible_to
from ..pricing import PriceBook, unit_rule_price
from .browse import EDITABLE_BEFORE_PRODUCTION
from ..services import order_place, order_update


@login_required
@permission_required("orders.add_order", raise_exception=True)
def price_preview(request):
    """The rule price of one line, with its explanation, for the entry form."""
    form = PricePreviewForm(request.GET, user=request.user)
    if not form.is_valid():
        reasons = [str(error) for errors in form.errors.values() for error in errors]
        return JsonResponse({"error": "；".join(reasons)}, status=400, json_dumps_params={"ensure_ascii": False})
    product, customer = form.cleaned_data["product"], form.cleaned_data["customer"]
    if customer is None:
        # A new customer is an ordinary one: level rules for 普通 still apply.
        customer = Customer(level=form.cleaned_data["level"] or "normal")
    unit = form.cleaned_data["sales_unit"]
    # As the order is priced: the base rule for the base quantity (阶梯价 counts base units), per unit.
    rule = PriceBook(customers=[customer] if customer.pk else [], products=[product]).rule_price(
        customer=customer, product=product, quantity=(form.cleaned_data["quantity"] or 1) * (unit.factor if unit else 1)
    )
    if unit is not None:
        rule = unit_rule_price(rule, unit, product)
    return JsonResponse({"unit_price": str(rule.unit_price), "source": rule.source, "explanation": rule.explanation})


def _render_form(request, form, formset, order=None):
    return render(
        request,
        "orders/order_form.html",
        {"form": form, "formset": formset, "order": order},
    )


@login_required
@permission_required("orders.add_order", raise_exception=True)
def order_create_view(request):
    if request.method == "POST":
        form = OrderForm(request.POST, user=request.user)
        formset = LineFormSet(request.POST, prefix="lines")
        if form.is_valid() and formset.is_valid():
            try:
                order = order_place(
                    user=request.user,
                    details=form.to_details(),
                    lines=formset.to_lines(),
                    new_customer=form.new_customer(),
                )
            except BusinessError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("订单 %(number)s 已创建并提交审核") % {"number": order.number})
                return redirect("orders:detail", number=order.number)
    else:
        initial = {}
        customer_id = request.GET.get("customer")
        customer = customers_visible_to(request.user).filter(pk=customer_id).first() if customer_id and customer_id.isdigit() else None
        if customer is not None:
            initial = _customer_defaults(customer)
        form = OrderForm(initial=initial, user=request.user)
        formset = LineFormSet(prefix="lines")
    return _render_form(request, form, formset)


def _customer_defaults(customer: Customer) -> dict:
    initial = {"customer": customer.pk}
    contact, address = customer.primary_contact, customer.default_address
    if contact:
        initial.update(contact_name=contact.name, contact_phone=contact.phone, contact_email=contact.email)
    if address:
        initial.update(
            ship_province=address.province,
            ship_city=address.city,
            ship_district=address.district,
            ship_address=address.detail,
        )
    return initial


@login_required
@permission_required("orders.change_order", raise_exception=True)
def order_edit_view(request, number: str):
    order = orders_visible_to(request.user).filter(number=number).select_related("customer").first()
    if order is None:
        raise Http404("订单不存在")
    if order.status not in EDITABLE_BEFORE_PRODUCTION:
        messages.error(request, _("订单当前状态为“%(status)s”，不能修改") % {"status": order.get_status_display()})
        return redirect("orders:detail", number=number)
    if request.method == "POST":
        form = OrderForm(request.POST, order=order, user=request.user)
        formset = LineFormSet(request.POST, prefix="lines")
        if form.is_valid() and formset.is_valid():
            try:
                order_update(user=request.user, order=order, details=form.to_details(), lines=formset.to_lines())
            except BusinessError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("订单 %(number)s 已保存") % {"number": order.number})
                return redirect("orders:detail", number=order.number)
    else:
        form = OrderForm(order=order, user=request.user)
        formset = LineFormSet(prefix="lines", initial=line_initial(order))
    return _render_form(request, form, formset, order=order)
