from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from ordermgmt.money import number_formfield
from ordermgmt.widgets import DateInput

from .models import Customer, CustomerLevel, PersonalDataAccess
from .phones import normalize_phone
from .services import AddressInput, ContactInput


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = [
            "name", "level", "credit_limit", "payment_terms_days", "min_shelf_life_days",
            "tax_number", "bank_name", "bank_account", "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        formfield_callback = number_formfield

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Most customers take any shelf life: an empty box means 0 (不限).
        self.fields["min_shelf_life_days"].required = False

    def clean_min_shelf_life_days(self) -> int:
        return self.cleaned_data["min_shelf_life_days"] or 0


class CustomerEditForm(CustomerForm):
    """Editing a customer: a new credit limit needs its reason (recorded with the change)."""

    credit_limit_reason = forms.CharField(
        label=_("额度调整原因"), max_length=300, required=False,
        help_text=_("修改信用额度时必填，记入额度调整记录"),
    )


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


class RevealForm(forms.Form):
    """显示完整信息: the reason is optional, and logged with the access."""

    reason = forms.CharField(label=_("原因"), max_length=200, required=False)


class PersonalDataAccessFilterForm(forms.Form):
    user = forms.ModelChoiceField(label=_("查看人"), required=False, empty_label=_("全部人员"),
                                  queryset=get_user_model().objects.order_by("username"))
    kind = forms.ChoiceField(label=_("记录类型"), required=False,
                             choices=[("", _("全部类型")), *PersonalDataAccess.Kind.choices])
    date_from = forms.DateField(label=_("开始日期"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("结束日期"), required=False, widget=DateInput())

    def filters(self) -> dict:
        """The selector's filters; an invalid field filters nothing."""
        data = self.cleaned_data if self.is_valid() else {}
        user = data.get("user")
        return {"user_id": user.pk if user else None, "kind": data.get("kind", ""),
                "date_from": data.get("date_from"), "date_to": data.get("date_to")}
