from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from ordermgmt import roles

from .models import ApiClient
from .scopes import DEFAULT_SCOPES, SCOPES
from .webhooks.event_types import CHOICES as EVENT_TYPE_CHOICES


class ApiClientForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100, help_text=_("例如：淘宝旗舰店、金蝶 ERP"))
    channel_code = forms.CharField(label=_("渠道编码"), max_length=40,
                                   help_text=ApiClient._meta.get_field("channel_code").help_text)
    owner = forms.ModelChoiceField(label=_("负责人"), queryset=None, required=False, empty_label=_("— 未指定 —"),
                                   help_text=ApiClient._meta.get_field("owner").help_text)
    scopes = forms.MultipleChoiceField(label=_("权限范围"), choices=list(SCOPES.items()), initial=DEFAULT_SCOPES,
                                       required=False, widget=forms.CheckboxSelectMultiple)
    rate_limit = forms.CharField(label=_("频率限制"), max_length=12, required=False,
                                 help_text=ApiClient._meta.get_field("rate_limit").help_text)
    allowed_ips = forms.CharField(label=_("允许的来源地址"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text=ApiClient._meta.get_field("allowed_ips").help_text)
    notes = forms.CharField(label=_("备注"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = (
            get_user_model().objects.filter(is_active=True, groups__name=roles.MANAGER).distinct()
            .order_by("first_name", "username")
        )
        self.fields["owner"].label_from_instance = lambda u: (u.get_full_name() or u.username)
        if editing:
            del self.fields["channel_code"]  # written on the client's orders: fixed
        else:
            del self.fields["is_active"]


GRACE_CHOICES = [("24", _("旧令牌再保留 24 小时")), ("168", _("旧令牌再保留 7 天")), ("1", _("旧令牌再保留 1 小时")),
                 ("0", _("立即停用旧令牌"))]


class TokenIssueForm(forms.Form):
    grace = forms.ChoiceField(label=_("轮换过渡期"), choices=GRACE_CHOICES, initial="24")

    def grace_hours(self) -> int:
        return {"24": 24, "168": 168, "1": 1, "0": 0}[self.cleaned_data["grace"]]


class SubscriptionForm(forms.Form):
    url = forms.URLField(label=_("接收地址"), max_length=500, assume_scheme="https",
                         help_text=_("对方系统接收 Webhook 的网址，例如 https://erp.example.com/hooks/orders"))
    event_types = forms.MultipleChoiceField(label=_("事件类型"), choices=EVENT_TYPE_CHOICES,
                                            widget=forms.CheckboxSelectMultiple)
    description = forms.CharField(label=_("说明"), max_length=200, required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["is_active"]


class ResolveForm(forms.Form):
    order_number = forms.CharField(label=_("记入订单号"), max_length=20, required=False,
                                   help_text=_("填写后按通知金额登记为该订单的收款；不填则只记录处理说明"))
    note = forms.CharField(label=_("处理说明"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
