from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import cells
from .plans import NAME_MAX_LENGTH, HolidayEntry
from .workbook import parse_date_list


class HolidayForm(forms.Form):
    """One holiday as the notice words it: "春节：2月6日至14日放假调休，共9天。2月20日（周六）上班。"."""

    name = forms.CharField(label=_("名称"), max_length=NAME_MAX_LENGTH, help_text=_("如 元旦、春节、国庆节"))
    first_day = forms.DateField(label=_("放假开始"), widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(label=_("放假结束"), widget=forms.DateInput(attrs={"type": "date"}),
                               help_text=_("放假最后一天（含）"))
    workdays = forms.CharField(label=_("调休上班日"), required=False,
                               help_text=_("调休上班的周六、周日，多个用顿号分隔，如 2027-01-31、2027-02-20"))

    def clean_workdays(self):
        try:
            return parse_date_list(self.cleaned_data.get("workdays", ""))
        except cells.CellError as error:
            raise forms.ValidationError(f"{error.message}，{error.hint}") from None

    def clean(self):
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if first and last and last < first:
            self.add_error("last_day", gettext("放假结束不能早于放假开始"))
        return data

    def entry(self) -> HolidayEntry:
        data = self.cleaned_data
        return HolidayEntry.from_range(data["name"], data["first_day"], data["last_day"], data["workdays"])


class UploadForm(forms.Form):
    file = forms.FileField(label=_("放假安排文件（.xlsx）"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))


class ConfirmYearForm(forms.Form):
    notice = forms.CharField(label=_("依据（通知文号，可不填）"), max_length=100, required=False,
                             help_text=_("如 国办发明电〔2026〕X号"))
