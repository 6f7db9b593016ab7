"""Every write of purchasing (issue 19). Each function runs in one transaction.

Suppliers (suppliers.py)
    ``supplier_create`` / ``supplier_update`` check the 统一社会信用代码 (GB 32100-2015 check
    character, python-stdnum) and refuse a duplicate; ``supplier_approve`` (主管, needs a
    qualification in force) and ``supplier_disable``; ``qualification_add`` stores the scan or
    PDF privately (ordermgmt.uploads); ``supplier_product_set`` keeps price and lead time;
    ``qualifications_warn_expiring`` (daily beat) publishes ``SupplierQualificationExpiring``,
    which the service desk turns into staff notifications.

Purchase orders (purchase_orders.py)
    ``purchase_order_create`` (by hand) and ``purchase_order_from_requests`` refuse a supplier
    that is not approved or has an expired qualification; above the policy amount the order
    waits 待审批 (``PurchaseOrderAwaitingApproval``), else it is 已下单 at once and its
    purchase requests become 已下单. ``purchase_order_approve`` (主管), ``purchase_order_cancel``
    (requests reopen). Row lock: the purchase order.

Receipt (receiving.py)
    ``purchase_order_receive_line`` locks the purchase order, then the line; 合格 goods become
    a batch at the line's price (``StockReceived``: waiting orders are allocated after
    commit), 不合格 goods a batch in the quarantine warehouse with a ``SupplierReturn``;
    covered purchase requests close. ``supplier_return_ship`` takes them out of quarantine.

Replenishment (replenishment.py)
    ``replenishment_propose`` (daily beat) upserts one open proposal per product and warehouse
    below its reorder point; ``proposal_accept`` / ``proposal_update`` / ``proposal_dismiss`` (主管).
"""

from .purchase_orders import (  # noqa: F401
    PurchaseLineInput, purchase_order_approve, purchase_order_cancel, purchase_order_create,
    purchase_order_from_requests,
)
from .receiving import purchase_order_receive_line, supplier_return_ship  # noqa: F401
from .replenishment import (  # noqa: F401
    proposal_accept, proposal_dismiss, proposal_update, replenishment_propose, replenishment_rule_set,
)
from .suppliers import (  # noqa: F401
    credit_code_clean, qualification_add, qualifications_warn_expiring, read_document, supplier_approve,
    supplier_check_orderable, supplier_create, supplier_disable, supplier_product_set, supplier_update,
)
