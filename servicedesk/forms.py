from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ordermgmt.money import MoneyField
from ordermgmt.widgets import DateInput

from .models import Channel, ComplaintCategory, Satisfaction, Severity
from .notice_kinds import KINDS, Delivery

STAFF_CHANNELS = [(value, label) for value, label in Channel.choices if value != Channel.TRACKING]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several photos or recordings in one input; each is checked by content in the view
    (ordermgmt.uploads.read_attachment) before the service stores it."""

    widget = MultipleFileInput

    def __init__(self, *args, maximum: int = 6, **kwargs):
        kwargs.setdefault("required", False)
        self.maximum = maximum
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        if len(files) > self.maximum:
            raise forms.ValidationError(gettext("最多上传 %(n)s 个附件") % {"n": self.maximum})
        return [super(AttachmentsField, self).clean(item, initial) for item in files]


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, category):
        return category.name


class ComplaintForm(forms.Form):
    """What a clerk enters for a complaint received by phone, e-mail, in a store…"""

    order_number = forms.CharField(label=_("订单号（可选）"), max_length=20, required=False)
    customer_code = forms.CharField(label=_("客户编码（无订单时必填）"), max_length=30, required=False)
    channel = forms.ChoiceField(label=_("渠道"), choices=STAFF_CHANNELS)
    category = CategoryChoiceField(label=_("分类"), queryset=ComplaintCategory.objects.none(), empty_label=_("— 请选择 —"))
    subcategory = CategoryChoiceField(label=_("子分类"), queryset=ComplaintCategory.objects.none(), required=False,
                                      empty_label=_("—"))
    severity = forms.ChoiceField(label=_("严重程度"), choices=Severity.choices, initial=Severity.NORMAL)
    product_sku = forms.CharField(label=_("涉及商品编码（可选）"), max_length=40, required=False)
    description = forms.CharField(label=_("投诉内容"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)
    contact_name = forms.CharField(label=_("联系人（留空取订单或客户的联系人）"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    contact_email = forms.EmailField(label=_("电子邮箱"), required=False)
    attachments = AttachmentsField(label=_("照片或录音（可多选）"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = ComplaintCategory.objects.filter(parent__isnull=True, is_active=True)
        self.fields["subcategory"].queryset = ComplaintCategory.objects.filter(parent__isnull=False, is_active=True) \
            .select_related("parent")
        self.fields["subcategory"].label_from_instance = str


class CustomerComplaintForm(forms.Form):
    """The tracking page's form: what happened, in which category, with photos. Prefixed: the
    page carries the after-sales request form too."""

    prefix = "complaint"

    category = CategoryChoiceField(label=_("问题类型"), queryset=ComplaintCategory.objects.none(),
                                   empty_label=_("— 请选择 —"))
    description = forms.CharField(label=_("请描述您遇到的问题"), widget=forms.Textarea(attrs={"rows": 4}), max_length=1000)
    photos = AttachmentsField(label=_("照片（可多选，最多 6 张）"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = ComplaintCategory.objects.filter(parent__isnull=True, is_active=True)


class ConfirmForm(forms.Form):
    satisfaction = forms.ChoiceField(label=_("满意度"), choices=Satisfaction.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("意见（可选）"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                              max_length=1000)


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("还有什么问题没有解决？"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)


class GoodwillForm(forms.Form):
    amount = MoneyField(label=_("补偿金额"))
    reason = forms.CharField(label=_("补偿原因"), max_length=300)


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("开始日期"), required=False, widget=DateInput())
    end = forms.DateField(label=_("结束日期"), required=False, widget=DateInput())


class PreferencesForm(forms.Form):
    """One choice per kind: in the portal, a daily e-mail digest, or off."""

    def __init__(self, *args, current: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for key, kind in KINDS.items():
            self.fields[key] = forms.ChoiceField(label=kind.label, help_text=kind.description, choices=Delivery.choices,
                                                 initial=current.get(key, kind.default), widget=forms.RadioSelect)
