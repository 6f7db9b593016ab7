from django import forms
from django.utils.translation import gettext_lazy as _

from ordermgmt.money import number_formfield

from .models import Customer, CustomerLevel
from .phones import normalize_phone
from .services import AddressInput, ContactInput


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = [
            "name", "level", "credit_limit", "payment_terms_days",
            "tax_number", "bank_name", "bank_account", "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        formfield_callback = number_formfield


class NewCustomerForm(CustomerForm):
    """A customer is created with a primary contact and a default delivery address."""

    contact_name = forms.CharField(label=_("联系人"), max_length=50)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, help_text=_("手机号或带区号的座机"))
    contact_email = forms.EmailField(label=_("电子邮箱"), required=False)
    province = forms.CharField(label=_("省"), max_length=20)
    city = forms.CharField(label=_("市"), max_length=30)
    district = forms.CharField(label=_("区/县"), max_length=30, required=False)
    detail = forms.CharField(label=_("详细地址"), max_length=200)

    def clean_contact_phone(self) -> str:
        return normalize_phone(self.cleaned_data["contact_phone"])

    def contact_input(self) -> ContactInput:
        data = self.cleaned_data
        return ContactInput(name=data["contact_name"], phone=data["contact_phone"], email=data["contact_email"])

    def address_input(self) -> AddressInput:
        data = self.cleaned_data
        return AddressInput(
            province=data["province"], city=data["city"], district=data["district"], detail=data["detail"]
        )


class ContactForm(forms.Form):
    name = forms.CharField(label=_("联系人"), max_length=50)
    phone = forms.CharField(label=_("联系电话"), max_length=20)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    is_primary = forms.BooleanField(label=_("设为主要联系人"), required=False)

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data["phone"])


class AddressForm(forms.Form):
    province = forms.CharField(label=_("省"), max_length=20)
    city = forms.CharField(label=_("市"), max_length=30)
    district = forms.CharField(label=_("区/县"), max_length=30, required=False)
    detail = forms.CharField(label=_("详细地址"), max_length=200)
    is_default = forms.BooleanField(label=_("设为默认地址"), required=False)


LEVEL_CHOICES = CustomerLevel.choices
