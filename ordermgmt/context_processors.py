from django.utils.translation import pgettext_lazy

from .roles import user_roles


def portal(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # A word such as 订单 names both a record ("Order") and a section of the platform
    # ("Orders"): section names have their own translation context.
    nav = [("portal:home", pgettext_lazy("section", "工作台"), True)]
    nav.append(("orders:list", pgettext_lazy("section", "订单"), user.has_perm("orders.view_order")))
    nav.append(("customers:list", pgettext_lazy("section", "客户"), user.has_perm("customers.view_customer")))
    nav.append(("inventory:stock", pgettext_lazy("section", "库存"), user.has_perm("inventory.view_product")))
    nav.append(("fulfillment:production_list", pgettext_lazy("section", "生产"), user.has_perm("fulfillment.view_productionorder")))
    nav.append(("fulfillment:pick_queue", pgettext_lazy("section", "仓库"), user.has_perm("fulfillment.view_picklist")))
    nav.append(("fulfillment:shipments", pgettext_lazy("section", "物流"), user.has_perm("fulfillment.view_shipment")))
    nav.append(("fulfillment:outbox", pgettext_lazy("section", "通知"), user.has_perm("fulfillment.view_notificationmessage")))
    nav.append(("inventory:purchase_requests", pgettext_lazy("section", "采购申请"), user.has_perm("inventory.view_purchaserequest")))
    nav.append(("aftersales:list", pgettext_lazy("section", "售后"), user.has_perm("aftersales.view_aftersalescase")))
    nav.append(("reports:list", pgettext_lazy("section", "报表"), user.has_perm("reports.view_report")))
    nav.append(("orders:price_rules_home", pgettext_lazy("section", "价格规则"), user.has_perm("orders.view_promotion")))
    nav.append(("portal:policies", pgettext_lazy("section", "业务规则"), user.has_perm("ordermgmt.view_policyvalue")))
    return {
        "nav_items": [(url, label) for url, label, allowed in nav if allowed],
        "current_roles": user_roles(user),
    }
