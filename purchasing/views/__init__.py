from .orders import (  # noqa: F401
    purchase_order_action, purchase_order_detail, purchase_order_from_requests_view, purchase_order_list,
    purchase_order_new, purchase_order_print, purchase_order_receive, supplier_return_action,
)
from .replenishment import proposal_action, proposal_list, rule_edit, slow_moving_report  # noqa: F401
from .suppliers import (  # noqa: F401
    qualification_file, supplier_action, supplier_detail, supplier_edit, supplier_list, supplier_product_add,
    qualification_upload,
)
