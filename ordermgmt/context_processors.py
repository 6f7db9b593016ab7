from django.utils.translation import gettext, pgettext_lazy

from .roles import user_roles

# A word such as 订单 names both a record ("Order") and a section of the platform
# ("Orders"): section names have their own translation context.
NAVIGATION = [
    # (url name, label, permission needed to see it; None = everyone signed in)
    ("portal:home", pgettext_lazy("section", "工作台"), None),
    ("orders:list", pgettext_lazy("section", "订单"), "orders.view_order"),
    ("customers:list", pgettext_lazy("section", "客户"), "customers.view_customer"),
    ("inventory:stock", pgettext_lazy("section", "库存"), "inventory.view_product"),
    ("fulfillment:production_list", pgettext_lazy("section", "生产"), "fulfillment.view_productionorder"),
    ("fulfillment:pick_queue", pgettext_lazy("section", "仓库"), "fulfillment.view_picklist"),
    ("fulfillment:shipments", pgettext_lazy("section", "物流"), "fulfillment.view_shipment"),
    ("fulfillment:outbox", pgettext_lazy("section", "通知"), "fulfillment.view_notificationmessage"),
    ("inventory:purchase_requests", pgettext_lazy("section", "采购申请"), "inventory.view_purchaserequest"),
    ("purchasing:home", pgettext_lazy("section", "采购"), "purchasing.view_purchaseorder"),
    ("aftersales:list", pgettext_lazy("section", "售后"), "aftersales.view_aftersalescase"),
    ("servicedesk:complaints", pgettext_lazy("section", "投诉"), "servicedesk.view_complaint"),
    ("servicedesk:monitoring", pgettext_lazy("section", "订单监控"), "servicedesk.view_stageflag"),
    ("finance:desk", pgettext_lazy("section", "财务"), "finance.view_invoice"),
    ("finance:ageing", pgettext_lazy("section", "应收账龄"), "finance.view_receivables"),
    ("reports:list", pgettext_lazy("section", "报表"), "reports.view_report"),
    ("orders:price_rules_home", pgettext_lazy("section", "价格规则"), "orders.view_promotion"),
    ("portal:policies", pgettext_lazy("section", "业务规则"), "ordermgmt.view_policyvalue"),
    ("portal:calendar", pgettext_lazy("section", "工作日历"), "ordermgmt.change_calendarday"),
    ("customers:personal_data_accesses", pgettext_lazy("section", "信息查看记录"), "customers.view_personaldataaccess"),
    ("portal:event_deliveries", pgettext_lazy("section", "事件投递"), "ordermgmt.view_eventdelivery"),
    ("integrations:home", pgettext_lazy("section", "接口"), "integrations.view_apiclient"),
    ("finance:reconciliation", pgettext_lazy("section", "收款核销"), "finance.view_bankstatement"),
]


def portal(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_items": [(url, label) for url, label, permission in NAVIGATION
                      if permission is None or user.has_perm(permission)],
        "current_roles": [gettext(role) for role in user_roles(user)],
    }
