from .suppliers import QUALIFICATION_FOLDER, Supplier, SupplierProduct, SupplierQualification, SupplierStatus  # noqa: F401
from .orders import (  # noqa: F401
    PURCHASE_ORDER_OPEN, PurchaseOrder, PurchaseOrderLine, PurchaseOrderSequence, PurchaseOrderStatus, PurchaseReceipt,
    SupplierReturn, SupplierReturnStatus,
)
from .replenishment import ProposalKind, ProposalState, ReplenishmentProposal, ReplenishmentRule  # noqa: F401
