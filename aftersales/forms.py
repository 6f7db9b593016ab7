from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ordermgmt.money import QuantityField

from .models import CaseType, Feedback, Service

CUSTOMER_CASE_TYPES = [(value, label) for value, label in CaseType.choices if value != CaseType.CANCELLED_AFTER_SHIPPING]


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input; each is checked by content in the service."""

    widget = MultipleImageInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        if len(files) > 6:
            raise forms.ValidationError(gettext("最多上传 6 张照片"))
        return [super(PhotosField, self).clean(item, initial) for item in files]


class CaseOpenForm(forms.Form):
    service = forms.ChoiceField(label=_("处理方式"), choices=Service.choices)
    case_type = forms.ChoiceField(label=_("问题类型"), choices=CUSTOMER_CASE_TYPES)
    description = forms.CharField(label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)
    photos = PhotosField(label=_("照片（可多选，最多 6 张）"))

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.order_lines = list(lines)
        for line, available in self.order_lines:
            self.fields[f"qty_{line.pk}"] = QuantityField(
                label=gettext("%(sku)s %(name)s %(spec)s（最多 %(count)s）") % {
                    "sku": line.product_sku, "name": line.product_name, "spec": line.product_spec, "count": available,
                },
                min_value=0, max_value=available, initial=0, required=False,
            )

    def line_quantities(self):
        return [(line, self.cleaned_data.get(f"qty_{line.pk}") or 0) for line, _ in self.order_lines]


class ApproveForm(forms.Form):
    service = forms.ChoiceField(label=_("处理方式"), choices=Service.choices)
    note = forms.CharField(label=_("审核意见"), required=False, max_length=500)


class ReceiveForm(forms.Form):
    intact = forms.BooleanField(label=_("商品完好"), required=False)
    accessories_complete = forms.BooleanField(label=_("配件齐全"), required=False)
    note = forms.CharField(label=_("检验记录"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 2}), max_length=500)


class FeedbackForm(forms.Form):
    rating = forms.ChoiceField(label=_("评价"), choices=Feedback.Rating.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("意见和建议"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)
