import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _, pgettext
from django.views.decorators.http import require_POST

from ordermgmt.errors import BusinessError
from ordermgmt.history import history_entries, history_page
from ordermgmt.pickers import Picker

from .forms import (
    AddressForm,
    ContactForm,
    CustomerEditForm,
    CustomerForm,
    NewCustomerForm,
    PersonalDataAccessFilterForm,
)
from .models import Address, Contact, Customer, CustomerLevel
from .privacy import FULL_CONTACT_PERMISSION, contact_revealed, sees_full_contact, shown_contact, shown_history_value
from .reveal import reveal_contact
from .selectors import (customer_picker_search, customer_search, customers_visible_to, personal_data_access_search,
                        personal_data_accesses_of)
from .services import (
    AddressInput,
    ContactInput,
    address_save,
    contact_save,
    customer_create,
    customer_update,
    personal_data_erase,
    personal_data_export,
)


def _form_errors(form) -> str:
    return pgettext("list separator", "；").join(e for errs in form.errors.values() for e in errs)


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customer_list(request):
    query = request.GET.get("q", "")
    customers = customers_visible_to(request.user, customer_search(query)).select_related("owner").prefetch_related("contacts")
    level = request.GET.get("level", "")
    if level in CustomerLevel.values:
        customers = customers.filter(level=level)
    page = Paginator(customers, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "customers/customer_list.html",
        {"page": page, "q": query, "level": level, "levels": CustomerLevel.choices},
    )


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customer_lookup(request):
    """JSON of customers with their primary contact and default address: the one picked in
    the order form (``?id=``, to fill the contact and address), or a search (``?q=`` by name,
    pinyin, initials, code or phone). The contact is as the user may see it (masked without
    ``view_full_contact``)."""
    results = []
    picked = request.GET.get("id", "")
    if picked:
        customers = Customer.objects.filter(pk=picked) if picked.isdigit() else Customer.objects.none()
    else:
        customers = customer_search(request.GET.get("q", ""))
    for customer in customers_visible_to(request.user, customers).prefetch_related("contacts", "addresses")[:20]:
        contact, address = customer.primary_contact, customer.default_address
        phone = shown_contact(request.user, contact.contact_details) if contact else None
        place = shown_contact(request.user, address.contact_details) if address else None
        results.append(
            {
                "id": customer.pk,
                "name": customer.name,
                "code": customer.code,
                "contact_name": contact.name if contact else "",
                "contact_phone": phone.phone if phone else "",
                "contact_email": phone.email if phone else "",
                "ship_province": address.province if address else "",
                "ship_city": address.city if address else "",
                "ship_district": address.district if address else "",
                "ship_address": place.street if place else "",
            }
        )
    return JsonResponse({"results": results})


class CustomerPicker(Picker):
    """The customer picker of the order form (and wherever a customer is picked). A phone
    number finds its customer only for users who see phone numbers in full."""

    permission = "customers.view_customer"

    def search(self, query):
        user = self.request.user
        return customers_visible_to(user, customer_picker_search(query, by_phone=sees_full_contact(user)))

    def get_result_label(self, result) -> str:
        return f"{result.name}（{result.code}）"


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customer_detail(request, pk: int):
    customer = get_object_or_404(customers_visible_to(request.user).select_related("owner"), pk=pk)
    return render(
        request,
        "customers/customer_detail.html",
        {
            "customer": customer,
            "contacts": customer.contacts.all(),
            "addresses": customer.addresses.all(),
            "contact_form": ContactForm(),
            "address_form": AddressForm(),
            "contact_revealed": contact_revealed(request, kind="customer", record_id=customer.pk),
            "reveal_url": reverse("customers:reveal", args=[customer.pk]),
            "recent_accesses": personal_data_accesses_of(customer),
        },
    )


@login_required
@require_POST
@permission_required(FULL_CONTACT_PERMISSION, raise_exception=True)
def customer_reveal_view(request, pk: int):
    """显示完整信息 on the customer page: logged, then shown for a few minutes."""
    customer = get_object_or_404(customers_visible_to(request.user), pk=pk)
    reveal_contact(request, customer)
    return redirect("customers:detail", pk=pk)


@login_required
@permission_required("customers.view_personaldataaccess", raise_exception=True)
def personal_data_access_list(request):
    """The 主管's log of every 显示完整信息: who saw which record in full, when and why."""
    form = PersonalDataAccessFilterForm(request.GET or None)
    accesses = personal_data_access_search(**(form.filters() if form.is_bound else {}))
    page = Paginator(accesses, 50).get_page(request.GET.get("page"))
    return render(request, "customers/personal_data_access_list.html", {"form": form, "page": page})


@login_required
@permission_required("customers.add_customer", raise_exception=True)
def customer_create_view(request):
    form = NewCustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            customer = customer_create(
                user=request.user,
                name=data["name"],
                level=data["level"],
                credit_limit=data["credit_limit"],
                payment_terms_days=data["payment_terms_days"],
                min_shelf_life_days=data["min_shelf_life_days"],
                notes=data["notes"],
                tax_number=data["tax_number"],
                bank_name=data["bank_name"],
                bank_account=data["bank_account"],
                contact=form.contact_input(),
                address=form.address_input(),
            )
        except BusinessError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("客户“%(name)s”已创建，编码 %(code)s") % {"name": customer.name, "code": customer.code})
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/customer_form.html", {"form": form, "customer": None})


@login_required
@permission_required("customers.change_customer", raise_exception=True)
def customer_edit_view(request, pk: int):
    customer = get_object_or_404(customers_visible_to(request.user), pk=pk)
    form = CustomerEditForm(request.POST or None, instance=Customer.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            customer_update(user=request.user, customer=customer,
                            credit_limit_reason=form.cleaned_data["credit_limit_reason"], **{
                                name: form.cleaned_data[name] for name in CustomerForm.Meta.fields
                            })
        except BusinessError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("客户资料已保存；已有订单的收货信息不受影响"))
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/customer_form.html", {"form": form, "customer": customer})


@login_required
@permission_required("customers.change_customer", raise_exception=True)
def contact_add_view(request, pk: int):
    customer = get_object_or_404(customers_visible_to(request.user), pk=pk)
    form = ContactForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            contact_save(
                user=request.user,
                customer=customer,
                contact=ContactInput(name=data["name"], phone=data["phone"], email=data["email"]),
                is_primary=data["is_primary"],
            )
        except BusinessError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("联系人已添加"))
    else:
        messages.error(request, _("联系人未保存：%(errors)s") % {"errors": _form_errors(form)})
    return redirect("customers:detail", pk=pk)


@login_required
@permission_required("customers.change_customer", raise_exception=True)
def address_add_view(request, pk: int):
    customer = get_object_or_404(customers_visible_to(request.user), pk=pk)
    form = AddressForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            address_save(
                user=request.user,
                customer=customer,
                address=AddressInput(
                    province=data["province"], city=data["city"], district=data["district"], detail=data["detail"]
                ),
                is_default=data["is_default"],
            )
        except BusinessError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("收货地址已添加"))
    else:
        messages.error(request, _("地址未保存：%(errors)s") % {"errors": _form_errors(form)})
    return redirect("customers:detail", pk=pk)


def _history_label(record) -> str:
    if record.instance_type is Contact:
        return _("联系人 %(name)s") % {"name": record.name}
    if record.instance_type is Address:
        return _("收货地址 %(region)s") % {"region": f"{record.province}{record.city}{record.district}"}
    return _("客户资料")


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customer_history(request, pk: int):
    """历史: every saved version of the customer, its contacts and its addresses; phones,
    e-mails, streets and bank accounts as this user may see them."""
    customer = get_object_or_404(customers_visible_to(request.user), pk=pk)
    entries = history_entries(
        [customer.history.all(), Contact.history.filter(customer_id=pk), Address.history.filter(customer_id=pk)],
        label=_history_label,
        shown=lambda record, field, value: shown_history_value(request.user, field, value),
    )
    return history_page(request, title=customer.name, entries=entries,
                        back_url=reverse("customers:detail", args=[pk]), back_label=_("返回客户"))


@login_required
@require_POST
@permission_required("customers.handle_data_request", raise_exception=True)
def personal_data_export_view(request, pk: int):
    """A data-subject request: the JSON file of everything held, downloaded by the 主管."""
    customer = get_object_or_404(customers_visible_to(request.user), pk=pk)
    try:
        data = personal_data_export(user=request.user, customer=customer, reason=request.POST.get("reason", ""))
    except BusinessError as error:
        messages.error(request, str(error))
        return redirect("customers:detail", pk=pk)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="personal-data-{customer.code}.json"'
    return response


@login_required
@require_POST
@permission_required("customers.handle_data_request", raise_exception=True)
def personal_data_erase_view(request, pk: int):
    customer = get_object_or_404(customers_visible_to(request.user), pk=pk)
    try:
        personal_data_erase(user=request.user, customer=customer, reason=request.POST.get("reason", ""))
    except BusinessError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("个人信息已删除；订单金额、发票和收付款记录保留"))
    return redirect("customers:detail", pk=pk)
