from django.utils.translation import gettext_lazy as _

from .roles import user_roles


def portal(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    nav = [("portal:home", _("工作台"), True)]
    nav.append(("orders:list", _("订单"), user.has_perm("orders.view_order")))
    nav.append(("customers:list", _("客户"), user.has_perm("customers.view_customer")))
    nav.append(("inventory:stock", _("库存"), user.has_perm("inventory.view_product")))
    nav.append(("fulfillment:production_list", _("生产"), user.has_perm("fulfillment.view_productionorder")))
    nav.append(("fulfillment:pick_queue", _("仓库"), user.has_perm("fulfillment.view_picklist")))
    nav.append(("fulfillment:shipments", _("物流"), user.has_perm("fulfillment.view_shipment")))
    nav.append(("fulfillment:outbox", _("通知"), user.has_perm("fulfillment.view_notificationmessage")))
    nav.append(("inventory:purchase_requests", _("采购申请"), user.has_perm("inventory.view_purchaserequest")))
    nav.append(("aftersales:list", _("售后"), user.has_perm("aftersales.view_aftersalescase")))
    nav.append(("reports:list", _("报表"), user.has_perm("reports.view_report")))
    nav.append(("orders:price_rules_home", _("价格规则"), user.has_perm("orders.view_promotion")))
    nav.append(("portal:policies", _("业务规则"), user.has_perm("ordermgmt.view_policyvalue")))
    return {
        "nav_items": [(url, label) for url, label, allowed in nav if allowed],
        "current_roles": user_roles(user),
    }
