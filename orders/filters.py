import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from ordermgmt.pickers import picker_widget
from ordermgmt.widgets import DateInput

from .models import Channel, Order, OrderStatus, OrderType, Priority
from .selectors import (
    order_search,
    orders_awaiting_manager_release,
    orders_by_contact_name,
    orders_by_region,
    orders_by_sku,
    orders_by_tracking_number,
    orders_with_balance_due,
)

SORTABLE = {
    "created": "created_at",
    "-created": "-created_at",
    "total": "total",
    "-total": "-total",
    "number": "number",
    "-number": "-number",
    "status": "status",
    "-status": "-status",
    "delivery": "requested_delivery_date",
    "-delivery": "-requested_delivery_date",
}


class OrderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search", widget=forms.TextInput(
        attrs={"placeholder": _("订单号 / 客户名称或拼音 / 电话"), "type": "search"}
    ))
    # distinct=False: a status filter cannot duplicate rows, and SELECT DISTINCT over every
    # column of a million orders is not free.
    status = django_filters.MultipleChoiceFilter(label=_("状态"), choices=OrderStatus.choices, distinct=False,
                                                 widget=forms.SelectMultiple(attrs={"size": 4}))
    channel = django_filters.ChoiceFilter(label=_("渠道"), choices=Channel.choices, empty_label=_("全部渠道"))
    order_type = django_filters.ChoiceFilter(label=_("类型"), choices=OrderType.choices, empty_label=_("全部类型"))
    priority = django_filters.ChoiceFilter(label=_("优先级"), choices=Priority.choices, empty_label=_("全部"))
    created_from = django_filters.DateFilter(
        label=_("下单日期从"), field_name="created_at", lookup_expr="date__gte",
        widget=DateInput(),
    )
    created_to = django_filters.DateFilter(
        label=_("至"), field_name="created_at", lookup_expr="date__lte",
        widget=DateInput(),
    )
    owner = django_filters.ModelChoiceFilter(
        label=_("负责人"),
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        widget=picker_widget("portal:user_picker", label=_("负责人"), placeholder=_("姓名 / 用户名")),
    )
    # Searches of their own (issue 16), each backed by an index.
    sku = django_filters.CharFilter(label=_("商品编码"), method="by_sku")
    tracking = django_filters.CharFilter(label=_("物流单号"), method="by_tracking_number")
    contact = django_filters.CharFilter(label=_("联系人"), method="by_contact_name")
    region = django_filters.CharFilter(
        label=_("地区"), method="by_region", widget=forms.TextInput(attrs={"placeholder": _("省或市，如 广东省 / 深圳")}),
    )
    amount_min = django_filters.NumberFilter(label=_("金额从"), field_name="total", lookup_expr="gte")
    amount_max = django_filters.NumberFilter(label=_("金额至"), field_name="total", lookup_expr="lte")
    unpaid = django_filters.ChoiceFilter(
        label=_("收款"), method="by_balance_due", empty_label=_("全部"), choices=[("1", _("有未收余额"))],
    )
    # The dashboard's 等待主管放行 count links here with ?waiting=manager_release.
    waiting = django_filters.ChoiceFilter(
        label=_("待办"), method="waiting_for", empty_label=_("全部"),
        choices=[("manager_release", _("等待主管放行"))],
    )
    sort = django_filters.ChoiceFilter(
        label=_("排序"),
        method="sort_by",
        choices=[
            ("-created", _("下单时间（新→旧）")),
            ("created", _("下单时间（旧→新）")),
            ("-total", _("金额（高→低）")),
            ("total", _("金额（低→高）")),
            ("delivery", _("期望交付日期")),
            ("status", _("状态")),
        ],
        empty_label=_("默认排序"),
    )

    class Meta:
        model = Order
        fields: list[str] = []

    def search(self, queryset, name, value):
        return order_search(queryset, value)

    def by_sku(self, queryset, name, value):
        return orders_by_sku(queryset, value)

    def by_tracking_number(self, queryset, name, value):
        return orders_by_tracking_number(queryset, value)

    def by_contact_name(self, queryset, name, value):
        return orders_by_contact_name(queryset, value)

    def by_region(self, queryset, name, value):
        return orders_by_region(queryset, value)

    def by_balance_due(self, queryset, name, value):
        return orders_with_balance_due(queryset) if value == "1" else queryset

    def waiting_for(self, queryset, name, value):
        return orders_awaiting_manager_release(queryset) if value == "manager_release" else queryset

    def sort_by(self, queryset, name, value):
        return queryset.order_by(SORTABLE.get(value, "-created_at"), "-id")
