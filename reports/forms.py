from django import forms
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy as _

from ordermgmt.widgets import DateInput

from .periods import month_range, previous_month


class ReportRequestForm(forms.Form):
    month = forms.CharField(label=_("月份"), required=False, widget=forms.TextInput(attrs={"type": "month"}))
    start = forms.DateField(label=_("或自定义：开始日期"), required=False, widget=DateInput())
    end = forms.DateField(label=_("结束日期"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        last_start, _last_end = previous_month(timezone.localdate())
        self.fields["month"].initial = f"{last_start:%Y-%m}"

    def clean(self):
        data = super().clean()
        if data.get("start") or data.get("end"):
            if not (data.get("start") and data.get("end")):
                raise forms.ValidationError(gettext("自定义时间段需要同时填写开始和结束日期"))
            data["period"] = (data["start"], data["end"])
            return data
        month = (data.get("month") or "").strip()
        try:
            year, number = (int(part) for part in month.split("-"))
            from datetime import date

            data["period"] = month_range(date(year, number, 1))
        except (ValueError, TypeError):
            raise forms.ValidationError(gettext("请选择月份（如 2026-10），或填写自定义时间段")) from None
        return data
