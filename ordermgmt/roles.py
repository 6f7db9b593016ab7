"""The roles of the platform, as Django groups with exactly the permissions of each job.

``ROLE_PERMISSIONS`` is the single source of truth. ``sync_roles`` makes the groups in
the database match it; data migrations call it (with historical models) whenever a
new permission appears, so a fresh database and an upgraded one end up identical.
"""

from django.utils.translation import gettext_noop

# The group names in the database are these Chinese names; gettext_noop only marks them
# so that the portal can show them translated (see ordermgmt.context_processors).
SALES = gettext_noop("销售专员")
SERVICE = gettext_noop("客服")
REVIEWER = gettext_noop("审核员")
MANAGER = gettext_noop("主管")
WAREHOUSE = gettext_noop("仓库管理员")
PRODUCTION = gettext_noop("生产调度员")
LOGISTICS = gettext_noop("物流专员")
AFTER_SALES = gettext_noop("售后专员")
ANALYST = gettext_noop("数据分析师")
FINANCE = gettext_noop("财务")
SUPERUSER = gettext_noop("超级管理员")

ALL_ROLES = [SALES, SERVICE, REVIEWER, MANAGER, WAREHOUSE, PRODUCTION, LOGISTICS, AFTER_SALES, ANALYST, FINANCE]

_VIEW_BASICS = [
    "orders.view_order",
    "customers.view_customer",
    "inventory.view_product",
]

# The full phone, e-mail and street of a customer, for the jobs that call, write to or deliver
# to them; every other role sees them masked (customers/privacy.py).
_FULL_CONTACT = ["customers.view_full_contact"]

# Every customer and every order, whoever owns them. A 销售专员 works on their own customers
# (负责销售) and those customers' orders only; the desks, review and analysis need them all.
_EVERY_CUSTOMER = ["customers.view_all_customers"]

# Sales, service and reviewers see the price rules that explain an order's prices.
_PRICE_RULES_READ = [
    "orders.view_contractprice",
    "orders.view_leveldiscount",
    "orders.view_quantitybreak",
    "orders.view_promotion",
    "orders.view_freightrule",
]

_ORDER_ENTRY = [
    "orders.add_order",
    "orders.change_order",
    "customers.add_customer",
    "customers.change_customer",
    "customers.view_contact",
    "customers.add_contact",
    "customers.change_contact",
    "customers.view_address",
    "customers.add_address",
    "customers.change_address",
]

# Excel batch import (and export, so that an export can be edited and re-imported).
_BATCH_ENTRY = ["orders.import_orders", "orders.export_orders"]

_STOCK_KEEPING = [
    "inventory.view_stockbatch",
    "inventory.add_stockbatch",
    "inventory.change_stockbatch",
    "inventory.view_warehouse",
    "inventory.view_stockallocation",
    "inventory.view_stockmovement",
    "inventory.add_product",
    "inventory.change_product",
    "inventory.view_purchaserequest",
    "inventory.change_purchaserequest",
]

# Issue 19: transfers between warehouses and stock counts (posting a count is the 主管's).
_TRANSFERS_AND_COUNTS = [
    "inventory.view_transferorder",
    "inventory.add_transferorder",
    "inventory.change_transferorder",
    "inventory.view_stockcount",
    "inventory.add_stockcount",
    "inventory.change_stockcount",
]

# Fulfillment: who sees shipments, their proof of delivery and the customer notices.
_SEE_SHIPMENTS = ["fulfillment.view_shipment", "fulfillment.view_carrier"]
_CUSTOMER_NOTICES = ["fulfillment.view_notificationmessage", "fulfillment.resend_notification"]

# The service desk: complaints are handled by 客服 and supervised by the 主管 (escalations,
# goodwill approvals, categories); the monitoring page of orders past their stage's
# threshold is open to every job that works on a stage.
_SEE_COMPLAINTS = ["servicedesk.view_complaint"]
_HANDLE_COMPLAINTS = _SEE_COMPLAINTS + [
    "servicedesk.add_complaint", "servicedesk.change_complaint", "servicedesk.handle_complaint",
    "servicedesk.view_complaintcategory", "servicedesk.view_goodwillrefund", "servicedesk.add_goodwillrefund",
]
_SEE_STAGE_FLAGS = ["servicedesk.view_stageflag"]

# Purchasing (issue 19): the 仓库管理员 buys (suppliers' data and documents, purchase orders
# below the approval amount, receipt with the incoming check, returns to suppliers); the 主管
# approves suppliers and the purchase orders above the amount, keeps the replenishment rules and
# decides the proposals. Production and analysis see suppliers and purchase orders.
_SEE_PURCHASING = ["purchasing.view_supplier", "purchasing.view_supplierproduct", "purchasing.view_purchaseorder",
                   "purchasing.view_purchaseorderline", "purchasing.view_purchasereceipt"]
_PURCHASING = _SEE_PURCHASING + [
    "purchasing.add_supplier", "purchasing.change_supplier", "purchasing.view_supplierqualification",
    "purchasing.add_supplierqualification", "purchasing.add_supplierproduct", "purchasing.change_supplierproduct",
    "purchasing.add_purchaseorder", "purchasing.change_purchaseorder", "purchasing.receive_purchaseorder",
    "purchasing.view_supplierreturn", "purchasing.change_supplierreturn",
    "purchasing.view_replenishmentrule", "purchasing.view_replenishmentproposal",
]
# The 积压 report: quantity and value of slow-moving stock.
_SLOW_MOVING = ["purchasing.view_slow_moving_report"]
# Finance (issue 20): invoices drafted, issued with the tax system's number, and reversed. Closing
# a month and mapping the account codes of the vouchers are the 主管's.
_INVOICING = ["finance.view_invoice", "finance.add_invoice", "finance.issue_invoice", "finance.reverse_invoice"]
# Issue 20 (reconciliation, COD, compensation, refund approval): the bank side in finance, the
# money records that change what a customer owes in orders.
_FINANCE_SETTLEMENT = [
    "orders.add_refund", "orders.approve_refund", "orders.view_customercredit", "orders.add_customercredit",
    "orders.view_openingreceivable", "orders.add_openingreceivable", "orders.change_openingreceivable",
    "finance.view_settlementaccount", "finance.add_settlementaccount", "finance.change_settlementaccount",
    "finance.view_accountflow", "finance.view_bankstatement", "finance.import_bankstatement",
    "finance.reconcile_payments", "finance.view_codcollection", "finance.view_carrierclaim",
]

# Receivables ageing, customer statements (对账单) and payment behaviour (issue 20): finance, and
# each salesperson for the customers they own (the pages apply the customer visibility).
_RECEIVABLES = ["finance.view_receivables"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    SALES: _VIEW_BASICS + _FULL_CONTACT + _ORDER_ENTRY + _BATCH_ENTRY + _PRICE_RULES_READ + _RECEIVABLES
    + ["orders.cancel_order", "inventory.view_purchaserequest", "aftersales.view_aftersalescase",
       "aftersales.view_feedback"] + _SEE_COMPLAINTS + _SEE_STAGE_FLAGS,
    SERVICE: _VIEW_BASICS + _EVERY_CUSTOMER + _FULL_CONTACT + _ORDER_ENTRY + _BATCH_ENTRY + _PRICE_RULES_READ
    + ["orders.cancel_order", "orders.complete_order", "orders.handle_after_sales", "orders.add_payment",
       "orders.view_payment", "orders.view_refund"]
    + _SEE_SHIPMENTS + _CUSTOMER_NOTICES + ["fulfillment.view_deliveryproof"]
    + ["aftersales.add_aftersalescase", "aftersales.view_aftersalescase", "aftersales.view_feedback"]
    + _HANDLE_COMPLAINTS + _SEE_STAGE_FLAGS,
    REVIEWER: _VIEW_BASICS + _EVERY_CUSTOMER + _PRICE_RULES_READ + ["orders.review_order", "customers.view_contact", "customers.view_address"]
    + _SEE_STAGE_FLAGS,
    WAREHOUSE: _VIEW_BASICS + _EVERY_CUSTOMER + _STOCK_KEEPING + _TRANSFERS_AND_COUNTS
    + ["orders.allocate_order", "orders.ship_order"]
    + _SEE_SHIPMENTS + ["fulfillment.view_picklist", "fulfillment.manage_picking", "fulfillment.view_productionorder"]
    + _SEE_STAGE_FLAGS + _PURCHASING + _SLOW_MOVING,
    PRODUCTION: _VIEW_BASICS + _EVERY_CUSTOMER + ["orders.produce_order", "inventory.view_stockbatch", "inventory.add_stockbatch"]
    + ["inventory.view_warehouse", "fulfillment.view_productionorder", "fulfillment.manage_production"]
    + _SEE_STAGE_FLAGS + _SEE_PURCHASING,
    LOGISTICS: _VIEW_BASICS + _EVERY_CUSTOMER + _FULL_CONTACT + ["orders.track_order", "customers.view_contact", "customers.view_address"]
    + _SEE_SHIPMENTS + _CUSTOMER_NOTICES
    + ["fulfillment.manage_shipments", "fulfillment.view_deliveryproof", "fulfillment.view_picklist"]
    + _SEE_COMPLAINTS + _SEE_STAGE_FLAGS,
    AFTER_SALES: _VIEW_BASICS + _EVERY_CUSTOMER + ["orders.handle_after_sales", "customers.view_contact", "customers.view_address",
                                 "orders.add_refund", "orders.view_refund", "orders.view_payment"]
    + _SEE_SHIPMENTS + ["fulfillment.view_deliveryproof", "aftersales.view_aftersalescase",
                        "aftersales.add_aftersalescase", "aftersales.change_aftersalescase",
                        "aftersales.handle_case", "aftersales.view_feedback"]
    + _SEE_COMPLAINTS + _SEE_STAGE_FLAGS,
    ANALYST: _VIEW_BASICS + _EVERY_CUSTOMER + ["inventory.view_stockbatch", "inventory.view_purchaserequest", "orders.export_orders",
                             "reports.view_report", "reports.add_report", "reports.view_dashboard"]
    + ["fulfillment.view_shipment", "fulfillment.view_productionorder", "aftersales.view_aftersalescase",
       "aftersales.view_feedback"] + _SEE_COMPLAINTS + _SEE_STAGE_FLAGS + ["servicedesk.view_complaintcategory"]
    + _SEE_PURCHASING + _SLOW_MOVING,
    # Finance (issue 20): sees every customer and order and their money; the finance features add
    # their own permissions (invoices, reconciliation, statements, vouchers) here.
    FINANCE: _VIEW_BASICS + _EVERY_CUSTOMER + ["orders.view_payment", "orders.add_payment", "orders.view_refund"]
    + _INVOICING + ["finance.view_closedperiod", "finance.view_accountmapping", "finance.export_vouchers"]
    + _FINANCE_SETTLEMENT
    # statements, ageing and payment behaviour; standard costs; the monthly report with its margin
    + _RECEIVABLES + ["finance.send_statement", "finance.view_statementdispatch", "finance.change_standard_cost",
                      "customers.view_creditlimitchange", "reports.view_report", "reports.view_margin"],
    # A manager may do everything the other roles do (and more, added by later features).
    MANAGER: ["*"],
}

MANAGED_APPS = ["orders", "customers", "inventory", "purchasing", "fulfillment", "aftersales", "integrations", "servicedesk",
                "finance", "reports", "ordermgmt"]


def sync_roles(apps=None, *, strict: bool = False) -> None:
    """Create or update the role groups.

    With historical ``apps`` (inside a migration) a permission of a model that does not
    exist yet at that point of history is skipped; the migration that adds the model
    calls this again. ``strict=True`` refuses unknown permission names (used by tests).
    """
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        if codenames == ["*"]:
            permissions = list(Permission.objects.filter(content_type__app_label__in=MANAGED_APPS))
        else:
            permissions = []
            for dotted in codenames:
                app_label, codename = dotted.split(".", 1)
                found = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
                if found is None:
                    if strict:
                        raise LookupError(f"Role {role}: unknown permission {dotted}")
                    continue
                permissions.append(found)
        group.permissions.set(permissions)


def create_all_permissions(apps) -> None:
    """Permissions are normally created after ``migrate`` finishes; a data migration
    that assigns them needs them now."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def user_roles(user) -> list[str]:
    if not user.is_authenticated:
        return []
    names = [group.name for group in user.groups.all()]
    return [role for role in ALL_ROLES if role in names] + ([SUPERUSER] if user.is_superuser else [])
